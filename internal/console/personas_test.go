package console_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// persLabelOrg is the Labelbox organization of the persona flows.
const persLabelOrg = "shelf"

// persLabel is a Labelbox organization run by the fixture's Owner (its
// admin), with two projects, a dataset, labels in a project, a workspace
// Team Manager and a project-based Labeler on one project.
type persLabel struct {
	*fixture
	manager, labeler team.Actor
}

const (
	persManagerEmail = "tess@shelf.test"
	persLabelerEmail = "lena@shelf.test"
)

func persLabelbox(t *testing.T) *persLabel {
	t.Helper()
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	if _, err := f.svc.CreateOrg(ctx, f.owner, persLabelOrg, "Shelf Labs", "labelbox"); err != nil {
		t.Fatal(err)
	}
	for _, r := range []team.ResourceRequest{
		{Type: "project", ID: "retail-shelves", Name: "Retail shelves"},
		{Type: "project", ID: "warehouse", Name: "Warehouse racks"},
		{Type: "dataset", ID: "shelf-photos", Name: "Shelf photos"},
		{Type: "label", ID: "lbl-1", Name: "Cereal box 1", Parent: "project:retail-shelves"},
		{Type: "label", ID: "lbl-2", Name: "Rack 9", Parent: "project:warehouse"},
	} {
		if _, err := f.svc.PutResource(ctx, f.owner, persLabelOrg, r); err != nil {
			t.Fatal(err)
		}
	}
	p := &persLabel{fixture: f}
	p.manager = p.persMember(persManagerEmail, "Tess Manager", "team_manager")
	p.labeler = p.persMember(persLabelerEmail, "Lena Labeler", "member",
		domain.InvitedGrant{Role: "labeler", Scope: "project:retail-shelves"})
	return p
}

// persMember adds a member to the Labelbox organization through the
// service (invite and accept).
func (p *persLabel) persMember(email, name, role string, grants ...domain.InvitedGrant) team.Actor {
	p.t.Helper()
	ctx := context.Background()
	inv, _, err := p.svc.Invite(ctx, p.owner, persLabelOrg, team.InviteRequest{Email: email, Role: role, Grants: grants})
	if err != nil {
		p.t.Fatal(err)
	}
	acc, _, err := p.svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: name, Password: password})
	if err != nil {
		p.t.Fatal(err)
	}
	return team.Actor{Subject: domain.UserSubject(acc.UserID)}
}

// persNoRawIDs fails when a page's text shows a scope or grant the way the
// API writes it.
func persNoRawIDs(t *testing.T, where, text string) {
	t.Helper()
	for _, raw := range []string{"project:", "team:", "No project access", "No label access", "app_config"} {
		if strings.Contains(text, raw) {
			t.Errorf("%s shows %q:\n%s", where, raw, text)
		}
	}
}

// The Labelbox admin invites with a project role: the dialog offers the
// project roles, on all projects or on chosen ones by name, says they go
// with the Member role, and offers no block with nothing to choose. She
// then grants a role on a project from its page and reads names, once per
// type, in Member Access and on the resource pages.
func TestPersLabelboxAdmin(t *testing.T) {
	p := persLabelbox(t)
	admin := p.browser("labelbox admin")
	admin.login(ownerEmail)
	admin.open("/o/shelf/members")
	admin.click("#invite-open")
	admin.waitFor("#invite-form")
	empty := admin.eval(`Array.from(document.querySelectorAll("#invite-form select")).filter(s => s.options.length < 2).map(s => s.id).join(",")`)
	if empty != "" {
		t.Errorf("selects with nothing to choose: %s", empty)
	}
	if admin.exists("#access-dataset") || admin.exists("#access-team") {
		t.Error("the invite offers a block no role can be given in")
	}
	if got := admin.text("#access-project legend"); got != "Project access" {
		t.Errorf("project block legend %q", got)
	}
	if got := admin.text(`label[for="res-project-retail-shelves"]`); got != "Retail shelves" {
		t.Errorf("project named %q", got)
	}
	roles := admin.membOptions("#res-project-retail-shelves")
	for _, want := range []string{"labeler", "reviewer", "team_manager", "project_lead"} {
		if !slices.Contains(roles, want) {
			t.Errorf("project roles %v lack %s", roles, want)
		}
	}
	if slices.Contains(roles, "admin") || slices.Contains(admin.membOptions("#inv-role"), "admin") {
		t.Error("the top role is offered")
	}
	admin.waitText("#inv-base-note", "only with the organization role Member")
	admin.typeInto("#inv-email", "Rita@Shelf.test")
	admin.choose("#inv-role", "member")
	admin.choose("#res-project-warehouse", "reviewer")
	admin.click("#invite-send")
	admin.waitText("#invite-status", "rita@shelf.test is invited as Member, with Reviewer on Project Warehouse racks")
	persNoRawIDs(t, "invitation sent", admin.text("#invite-status"))
	admin.open("/o/shelf/members")
	if got := admin.text(`#invitations tr[data-email="rita@shelf.test"] td[data-label="Access"]`); !strings.Contains(got, "Warehouse racks") {
		t.Errorf("pending invitation access %q", got)
	}

	// Lena's Member Access: the project by name, under Projects only, with
	// what it reaches in the scheme's words; no heading per child type.
	admin.open("/o/shelf/members/" + p.labeler.Subject.ID)
	admin.waitFor("#access-project")
	got := admin.text("#access-project")
	for _, want := range []string{"Retail shelves", "Labeler", "Labels", "Issues", "Metrics", "direct grant"} {
		if !strings.Contains(got, want) {
			t.Errorf("Projects block lacks %q:\n%s", want, got)
		}
	}
	for _, child := range []string{"label", "issue", "benchmark", "metric", "batch", "comment"} {
		if admin.exists("#access-head-" + child) {
			t.Errorf("a heading for the child type %s", child)
		}
	}
	if got := admin.text("#access-none"); !strings.Contains(got, "Nothing on any of the Datasets") || !strings.Contains(got, "grant a role on one with the form below") {
		t.Errorf("empty state %q", got)
	}
	persNoRawIDs(t, "Member Access", admin.text("#dialog"))
	// The grant form offers Labelbox's project-based roles on a project.
	admin.waitFor("#grant-form")
	admin.membPickRole("reviewer")
	scopes := admin.membOptions("#grant-scope")
	if !slices.Contains(scopes, "project:warehouse") || slices.Contains(scopes, "org") {
		t.Errorf("reviewer scopes %v", scopes)
	}
	admin.shot("pers-labelbox-member-access")

	// The label list names its project; the project page says who, in words.
	admin.open("/o/shelf/resources?type=label")
	if got := admin.text("#resources"); !strings.Contains(got, "Project Retail shelves") {
		t.Errorf("labels list:\n%s", got)
	}
	persNoRawIDs(t, "labels list", admin.text("#resources"))
	admin.open("/o/shelf/resources?type=webhook")
	admin.waitText("#resources", "No webhooks registered yet")

	// Granting from the project's page: the person is found by a search
	// the server answers, picked by keyboard.
	admin.open("/o/shelf/resources/project/warehouse")
	admin.waitFor("#resource-grant-form")
	if got := admin.text("#resource-access"); !strings.Contains(got, "Tess Manager") {
		t.Errorf("who has access:\n%s", got)
	}
	admin.click("#who-q")
	admin.typeInto("#who-q", "lena")
	admin.waitFor(`#who-results input[value="user:` + p.labeler.Subject.ID + `"]`)
	admin.click(`#who-results input[value="user:` + p.labeler.Subject.ID + `"]`)
	admin.choose("#rg-role", "reviewer")
	admin.click("#rg-grant")
	admin.waitText("#flash", "Reviewer on Project Warehouse racks (warehouse) granted to Lena Labeler")
	admin.waitPath("/o/shelf/resources/project/warehouse")
	row := admin.text(fmt.Sprintf(`#resource-access tr[data-subject="user:%s"]`, p.labeler.Subject.ID))
	if !strings.Contains(row, "Reviewer") || !strings.Contains(row, "direct grant on project Warehouse racks") {
		t.Errorf("Lena's row %q", row)
	}
	persNoRawIDs(t, "project page", admin.text("#resource-access"))
	admin.shot("pers-labelbox-project")
}

// The workspace Team Manager lists the members and adds existing members
// to projects; she cannot invite, and the console says so in words.
func TestPersLabelboxTeamManager(t *testing.T) {
	p := persLabelbox(t)
	tess := p.browser("team manager")
	tess.login(persManagerEmail)
	tess.open("/o/shelf/members")
	tess.waitFor("#members")
	if tess.exists("#invite-open") {
		t.Error("the Team Manager is offered Invite")
	}
	if code := tess.status("/o/shelf/members/invite"); code != http.StatusForbidden {
		t.Errorf("invite dialog by URL: %d", code)
	}
	tess.open("/o/shelf/members/invite")
	if got := tess.text("main"); !strings.Contains(got, "Not allowed") || strings.Contains(got, "members.invite") {
		t.Errorf("invite refusal:\n%s", got)
	}
	// Her own access: the workspace-wide role, over every project.
	tess.open("/o/shelf/members/" + p.manager.Subject.ID)
	tess.waitText("#access-project", "All Projects")
	if got := tess.text("#access-project"); !strings.Contains(got, "Team Manager") || !strings.Contains(got, "organization role Team Manager") {
		t.Errorf("her access:\n%s", got)
	}
	persNoRawIDs(t, "team manager's access", tess.text("#dialog"))
	tess.shot("pers-labelbox-team-manager")
	for _, path := range []string{"/o/shelf/members", "/o/shelf/general", "/o/shelf/roles", "/o/shelf/members/" + p.labeler.Subject.ID} {
		if code := tess.status(path); code >= 500 || code == http.StatusNotFound {
			t.Errorf("%s: %d", path, code)
		}
	}
}

// The project-based Labeler sees only her project, in "Your access"; the
// pages she may not open refuse in words, never with a bare 404 or 500.
func TestPersLabelboxLabeler(t *testing.T) {
	p := persLabelbox(t)
	lena := p.browser("labeler")
	lena.login(persLabelerEmail)
	lena.open("/o/shelf/general")
	if got := lena.navIDs(); !strings.Contains(got, "access") || strings.Contains(got, "members") {
		t.Errorf("nav %q", got)
	}
	lena.click("#nav-access")
	lena.waitText("#access-project", "Retail shelves")
	got := lena.text("main")
	if strings.Contains(got, "Warehouse") {
		t.Errorf("she sees the other project:\n%s", got)
	}
	for _, want := range []string{"Labeler", "Labels", "organization role Member"} {
		if !strings.Contains(got, want) {
			t.Errorf("Your access lacks %q:\n%s", want, got)
		}
	}
	if got := lena.text("#access-none"); !strings.Contains(got, "Datasets") || !strings.Contains(got, "an admin of the organization can grant a role on one") {
		t.Errorf("empty state for her: %q", got)
	}
	persNoRawIDs(t, "Your access", got)
	lena.shot("pers-labelbox-labeler")
	for _, path := range []string{"/o/shelf/members", "/o/shelf/members/invite", "/o/shelf/resources",
		"/o/shelf/resources/project/retail-shelves", "/o/shelf/keys", "/o/shelf/audit", "/o/shelf/members/" + p.manager.Subject.ID} {
		code := lena.status(path)
		if code >= 500 {
			t.Errorf("%s: %d", path, code)
		}
		lena.open(path)
		text := lena.text("main")
		if !strings.Contains(text, "Not allowed") || strings.Contains(text, "404 page not found") {
			t.Errorf("%s (%d) does not refuse in words:\n%s", path, code, text)
		}
		if strings.Contains(text, "members.view") || strings.Contains(text, "audit.view") {
			t.Errorf("%s names a permission id:\n%s", path, text)
		}
	}
}

// The grant form of a resource page, in an org of 75 members: no long
// select, a search the server answers as one types, used by keyboard only.
func TestPersMemberPicker(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	seats, business := 100, "business"
	if _, err := f.svc.UpdateBilling(context.Background(), f.owner, f.org, team.BillingUpdate{Plan: &business, SeatLimit: &seats}); err != nil {
		t.Fatal(err)
	}
	for i := range 74 {
		f.member(fmt.Sprintf("person%02d@acme.test", i), fmt.Sprintf("Person %02d", i), "member")
	}
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.open("/o/acme/resources/dataset/dogs")
	owner.waitFor("#resource-grant-form")
	if n := owner.eval(`String(document.querySelectorAll("#resource-grant-form option, #resource-grant-form input[type=radio]").length)`); len(n) > 1 {
		t.Errorf("the form lists %s choices before any search", n)
	}
	owner.waitText("#who-start", "Type in the search field")
	// Keyboard only: focus the search, type, arrow into the list.
	owner.eval(`document.getElementById("who-q").focus(), ""`)
	owner.do(chromedp.SendKeys(chromedp.CSS("#who-q"), "person 1"))
	owner.waitFor("#who-more")
	persWaitCount(owner, "#who-results input[type=radio]", 8)
	owner.do(chromedp.SendKeys(chromedp.CSS("#who-q"), "7"))
	want := f.userID("person17@acme.test")
	persWaitCount(owner, "#who-results input[type=radio]", 1)
	owner.waitFor(`#who-results input[value="user:` + want + `"]`)
	// Past the Find button (the search without JavaScript) to the list.
	owner.do(chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab))
	owner.do(chromedp.KeyEvent(" "))
	if got := owner.eval(`document.activeElement.value`); got != "user:"+want {
		t.Fatalf("focus on %q after Tab", got)
	}
	if owner.eval(`document.activeElement.checked ? "y" : "n"`) != "y" {
		t.Error("Space does not pick the person")
	}
	owner.do(chromedp.KeyEvent(kb.Tab))
	if got := owner.eval(`document.activeElement.id`); got != "rg-role" {
		t.Errorf("Tab from the list goes to %q", got)
	}
	owner.do(chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.Enter))
	owner.waitText("#flash", "granted to Person 17")
	owner.waitFor(`#resource-access tr[data-subject="user:` + want + `"]`)
	// Nobody matches: the list says what to do.
	owner.typeInto("#who-q", "nobody-at-all")
	owner.waitText("#who-none", "No member matches")
	owner.shot("pers-member-picker")
}

// persWaitCount waits until sel matches n elements (a list swapped in as
// one types).
func persWaitCount(b *tab, sel string, n int) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := b.eval(fmt.Sprintf(`String(document.querySelectorAll(%q).length)`, sel))
		if got == strconv.Itoa(n) {
			return
		}
		if time.Now().After(deadline) {
			b.dump()
			b.t.Fatalf("%s: %s matches %s, want %d", b.name, sel, got, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// The keys table fits the window at 1280 px and on phones: no sideways
// scrolling of the page or of the table.
func TestPersKeysFit(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	for _, k := range []team.KeyRequest{
		{Name: "nightly-labeling-service-export", Role: "admin"},
		{Name: "dataset-sync", Role: "dataset.editor", Scope: "dataset:xrays"},
	} {
		if _, _, err := f.svc.CreateKey(ctx, f.owner, f.org, k); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser("owner")
	b.login(ownerEmail)
	for _, width := range []int64{1280, 390, 360} {
		b.do(chromedpViewport(width, 860))
		b.open("/o/acme/keys")
		b.waitFor("#keys")
		over := b.eval(`(function(){
			var out = [], d = document.documentElement;
			if (d.scrollWidth > d.clientWidth) out.push("page " + d.scrollWidth + ">" + d.clientWidth);
			var w = document.querySelector("#keys").closest(".table-wrap");
			if (w && w.scrollWidth > w.clientWidth) out.push("table " + w.scrollWidth + ">" + w.clientWidth);
			return out.join(", ");
		})()`)
		if over != "" {
			t.Errorf("%d px: scrolls sideways: %s", width, over)
		}
		b.shot(fmt.Sprintf("pers-keys-%d", width))
	}
}

// Deepomatic: a team role reads as the team's name under Teams, and no
// heading repeats it as an id; types no role reaches have no heading.
func TestPersDeepomaticAccessNames(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	night := f.membDeepomatic()
	ctx := context.Background()
	inv, _, err := f.svc.Invite(ctx, f.owner, "deepo", team.InviteRequest{Email: "omar@deepo.test", Role: "member",
		Grants: []domain.InvitedGrant{{Role: "team_operator", Scope: "team:" + night}}})
	if err != nil {
		t.Fatal(err)
	}
	acc, _, err := f.svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: "Omar Operator", Password: password})
	if err != nil {
		t.Fatal(err)
	}
	admin := f.browser("org admin")
	admin.login(ownerEmail)
	admin.open("/o/deepo/members/" + acc.UserID)
	admin.waitFor("#access-team")
	got := admin.text("#access-team")
	if !strings.Contains(got, "Night shift") || !strings.Contains(got, "Team Operator") {
		t.Errorf("Teams block:\n%s", got)
	}
	text := admin.text("#dialog")
	persNoRawIDs(t, "Deepomatic Member Access", strings.ReplaceAll(text, night, ""))
	if strings.Contains(text, "_config") || strings.Contains(text, "work_order") {
		t.Errorf("a type id in the text:\n%s", text)
	}
	heads := admin.eval(`Array.from(document.querySelectorAll("#dialog h3")).map(h => h.innerText).join("|")`)
	if strings.Count(heads, "Teams") != 1 || strings.Contains(heads, "_") {
		t.Errorf("headings %q", heads)
	}
	admin.shot("pers-deepomatic-member-access")
}
