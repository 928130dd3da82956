package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// collDeepo is a Deepomatic organization for the persona flows: the
// fixture's Owner is its Org Admin; two operation teams, a work-order on
// each.
type collDeepo struct {
	f          *fixture
	night, day string // team ids
}

const collDeepoOrg = "fieldops"

func collNewDeepo(t *testing.T) *collDeepo {
	t.Helper()
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	if _, err := f.svc.CreateOrg(ctx, f.owner, collDeepoOrg, "Field Ops", "deepomatic"); err != nil {
		t.Fatal(err)
	}
	d := &collDeepo{f: f}
	for _, x := range []struct {
		name  string
		id    *string
		wo    string
		label string
	}{{"Night shift", &d.night, "pump-7", "Pump 7"}, {"Day shift", &d.day, "valve-2", "Valve 2"}} {
		tm, err := f.svc.CreateTeam(ctx, f.owner, collDeepoOrg, x.name)
		if err != nil {
			t.Fatal(err)
		}
		*x.id = tm.ID
		if _, err := f.svc.PutResource(ctx, f.owner, collDeepoOrg, team.ResourceRequest{Type: "work_order", ID: x.wo, Name: x.label, Team: tm.ID}); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// member brings someone into the Deepomatic org (invite and accept).
func (d *collDeepo) member(email, name, role string, grants ...domain.InvitedGrant) team.Actor {
	d.f.t.Helper()
	ctx := context.Background()
	inv, _, err := d.f.svc.Invite(ctx, d.f.owner, collDeepoOrg, team.InviteRequest{Email: email, Role: role, Grants: grants})
	if err != nil {
		d.f.t.Fatal(err)
	}
	acc, _, err := d.f.svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: name, Password: password})
	if err != nil {
		d.f.t.Fatal(err)
	}
	return team.Actor{Subject: domain.UserSubject(acc.UserID)}
}

func (d *collDeepo) allowed(who team.Actor, perm, resource, channel string) bool {
	d.f.t.Helper()
	req := team.CheckRequest{Subject: who.Subject.String(), Permission: perm, Resource: resource, Channel: channel}
	res, err := d.f.svc.Check(context.Background(), d.f.owner, collDeepoOrg, req)
	if err != nil {
		d.f.t.Fatal(err)
	}
	return res.Allowed
}

// teamRoles lists "Name:role" of the grants held at a team.
func (d *collDeepo) teamRoles(id string) string {
	d.f.t.Helper()
	t, err := d.f.svc.GetTeam(context.Background(), d.f.owner, collDeepoOrg, id)
	if err != nil {
		d.f.t.Fatal(err)
	}
	names := map[string]string{}
	for _, m := range t.Roster {
		names[domain.UserSubject(m.UserID).String()] = m.Name
	}
	var out []string
	for _, g := range t.Grants {
		out = append(out, names[g.Subject]+":"+g.Role)
	}
	slices.Sort(out) // grants come in id order, which is random
	return strings.Join(out, ",")
}

// collNoIDs fails when a page's text shows internal ids where names belong.
var collIDRE = regexp.MustCompile(`\b(?:team:)?t_[A-Za-z0-9]{6,}|\bu_[A-Za-z0-9]{6,}|\bg_[A-Za-z0-9]{6,}`)

func collNoIDs(b *tab, sel, where string) {
	b.t.Helper()
	// Ids in the copyable secondary place (code.id) are allowed.
	txt := b.eval(fmt.Sprintf(`(function(){var e=document.querySelector(%q); if(!e) return "";
		var c=e.cloneNode(true); c.querySelectorAll("code.id").forEach(x=>x.remove()); return c.innerText})()`, sel))
	if m := collIDRE.FindString(txt); m != "" {
		b.t.Errorf("%s shows the id %s: %q", where, m, txt)
	}
}

// collEscapeBack opens a dialog from its opener, closes it with Escape and
// wants focus back on the opener.
func collEscapeBack(b *tab, opener string) {
	b.t.Helper()
	// The page moves focus to its notice once htmx settles; focus the
	// opener after that, and make sure it holds.
	for range 100 {
		if b.eval(`document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling") ? "busy" : "idle"`) == "idle" {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	focused := fmt.Sprintf(`document.activeElement === document.querySelector(%q) ? "y" : "n"`, opener)
	for i := 0; ; i++ {
		b.do(chromedp.Focus(chromedp.CSS(opener)))
		time.Sleep(100 * time.Millisecond)
		if b.eval(focused) == "y" {
			break
		}
		if i == 50 {
			b.t.Fatalf("%s does not keep focus", opener)
		}
	}
	b.do(chromedp.KeyEvent(kb.Enter))
	b.waitFor("#dialog")
	lookWaitFocus(b, `document.getElementById("dialog").contains(document.activeElement)`, opener+": focus inside the dialog")
	b.do(chromedp.KeyEvent(kb.Escape))
	b.waitGone("#dialog")
	lookWaitFocus(b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, opener), "focus back on "+opener)
}

// The Deepomatic Org Admin makes a team, is told in words that a name is
// taken, fills the roster, gives team roles and takes one back, renames
// and deletes the team, each destructive step asking first.
func TestCollDeepomaticOrgAdmin(t *testing.T) {
	d := collNewDeepo(t)
	f := d.f
	tess := d.member("tess@fieldops.test", "Tess Lead", "member")
	d.member("omar@fieldops.test", "Omar Field", "member")
	b := f.browser("Org Admin")
	b.login(ownerEmail)
	base := "/o/" + collDeepoOrg
	b.open(base + "/teams")
	b.waitText("#collections", "Night shift")

	// A taken name, whatever its case: the 409's sentence, at the form.
	b.click(`#collections a[href$="/teams/` + d.night + `"]`)
	b.waitText("#coll-attached", "Work-order Pump 7 (pump-7)")
	if got := b.text("#coll-attached"); strings.Contains(got, "Valve") {
		t.Errorf("Night shift lists another team's work-order: %q", got)
	}
	b.open(base + "/teams")
	b.typeInto("#col-name", "night SHIFT")
	b.click("#collection-create button")
	b.waitText("#create-error", "already exists")
	if got := b.text("#create-error"); !strings.Contains(got, `"Night shift"`) || strings.Contains(got, "409") || strings.Contains(got, "Conflict") {
		t.Errorf("create refusal = %q", got)
	}
	if b.eval(`document.querySelector("#col-name").getAttribute("aria-invalid")`) != "true" {
		t.Error("the name field is not marked invalid")
	}

	b.typeInto("#col-name", "Weekend crew")
	b.click("#collection-create button")
	b.waitText("#flash", "Team Weekend crew created")
	b.choose("#add-member", tess.Subject.ID)
	b.click("#collection-add button")
	b.waitText("#collection-members", "Tess Lead")

	// Team roles: only the scheme's team roles are offered.
	if roles := strings.Join(b.membOptions("#grant-role"), ","); roles != "team_admin,team_operator_manager,team_operator,team_field_engineer" {
		t.Errorf("team roles offered: %s", roles)
	}
	b.choose("#grant-user", tess.Subject.ID)
	b.choose("#grant-role", "team_admin")
	b.click("#grant-add")
	b.waitText("#flash", "Team Admin on team Weekend crew given to Tess Lead")
	b.waitText("#coll-grants", "Team Admin")
	b.waitText("#collection-members", "Team Admin")
	collNoIDs(b, "main", "team page")
	path := b.location()
	teamID := strings.TrimPrefix(path, base+"/teams/")
	if got := d.teamRoles(teamID); got != "Tess Lead:team_admin" {
		t.Errorf("team roles held: %q", got)
	}

	// Revoking asks first; Escape closes, focus returns to the button.
	collEscapeBack(b, `#coll-grants a[aria-label^="Revoke"]`)
	if got := d.teamRoles(teamID); got != "Tess Lead:team_admin" {
		t.Errorf("Escape changed the team roles: %q", got)
	}
	b.click(`#coll-grants a[aria-label^="Revoke"]`)
	b.waitText("#dialog", "Revoke Team Admin in the team Weekend crew from Tess Lead")
	b.click("#coll-revoke-confirm")
	b.waitText("#flash", "revoked from Tess Lead")
	b.waitFor("#coll-grants-empty")
	if got := d.teamRoles(teamID); got != "" {
		t.Errorf("team roles after the revoke: %q", got)
	}

	// Renaming to a taken name says so at the rename form.
	b.typeInto("#coll-rename-name", "Day Shift")
	b.click("#coll-rename button")
	b.waitText("#coll-rename-error", "already exists")
	b.typeInto("#coll-rename-name", "Weekend team")
	b.click("#coll-rename button")
	b.waitText("#flash", "Team renamed to Weekend team")

	// Deleting asks first, and says what ends.
	collEscapeBack(b, "#coll-delete")
	b.click("#coll-delete")
	b.waitText("#dialog", "Delete the team Weekend team?")
	b.click("#coll-delete-confirm")
	b.waitText("#flash", "Team Weekend team deleted")
	b.waitPath(base + "/teams")
	if strings.Contains(b.text("#collections"), "Weekend") {
		t.Error("the deleted team is still listed")
	}
}

// The Deepomatic Team Admin (base org role, Team Admin on one team) sees
// the Teams menu and her team only, puts people on its roster by email and
// gives them team roles, as far as the API lets her: another team, a
// member with an org-wide role, an org role she does not hold, are refused
// in words.
func TestCollDeepomaticTeamAdmin(t *testing.T) {
	d := collNewDeepo(t)
	f := d.f
	d.member("tess@fieldops.test", "Tess Lead", "member",
		domain.InvitedGrant{Role: "team_admin", Scope: "team:" + d.night})
	omar := d.member("omar@fieldops.test", "Omar Field", "member")
	d.member("mona@fieldops.test", "Mona Manager", "operator_manager")
	b := f.browser("Team Admin")
	b.login("tess@fieldops.test")
	base := "/o/" + collDeepoOrg
	b.open(base + "/general")
	nav := b.navIDs()
	if !strings.Contains(nav, "teams") || strings.Contains(nav, "members") || strings.Contains(nav, "groups") {
		t.Errorf("Team Admin's menu: %s", nav)
	}
	b.click("#nav-teams")
	b.waitText("#collections", "Night shift")
	if got := b.text("#collections"); strings.Contains(got, "Day shift") {
		t.Errorf("Team Admin sees another team: %q", got)
	}
	if b.exists("#collection-create") {
		t.Error("Team Admin is offered to create a team")
	}
	b.click(`#collections tbody a`)
	b.waitText("#collection-members", "Tess Lead")
	if b.exists("#coll-attached") {
		t.Error("the Team Admin, who may not list resources, is shown what is attached")
	}
	if b.exists("#coll-delete") || b.exists("#coll-rename") {
		t.Error("Team Admin is offered to delete or rename her team")
	}

	// She adds someone she knows by email, then gives a team role.
	b.typeInto("#add-email", "omar@fieldops.test")
	b.click("#collection-add button")
	b.waitText("#flash", "Omar Field added")
	b.waitText("#collection-members", "Omar Field")
	// Her own team role included: business_users.manage covers it.
	if roles := strings.Join(b.membOptions("#grant-role"), ","); roles != "team_admin,team_operator_manager,team_operator,team_field_engineer" {
		t.Errorf("team roles offered to the Team Admin: %s", roles)
	}
	b.choose("#grant-user", omar.Subject.ID)
	b.choose("#grant-role", "team_operator")
	b.click("#grant-add")
	b.waitText("#flash", "Team Operator on team Night shift given to Omar Field")
	if !d.allowed(omar, "work_order.read", "work_order:pump-7", "backoffice") || d.allowed(omar, "work_order.read", "work_order:valve-2", "backoffice") {
		t.Error("the team role does not reach exactly the team's work-orders")
	}
	collNoIDs(b, "main", "Team Admin's team page")

	// Someone with an org-wide role: refused in words, at the form.
	b.typeInto("#add-email", "mona@fieldops.test")
	b.click("#collection-add button")
	b.waitText("#add-error", "Member")
	if got := b.text("#add-error"); !strings.Contains(got, "mona@fieldops.test is Operator Manager") {
		t.Errorf("roster refusal = %q", got)
	}
	collNoIDs(b, "#add-error", "roster refusal")
	// Nobody by that email.
	b.typeInto("#add-email", "nobody@fieldops.test")
	b.click("#collection-add button")
	b.waitText("#add-error", "invite them first")

	// She revokes the role she gave, after the dialog asks.
	b.click(`#coll-grants a[aria-label="Revoke Team Operator from Omar Field"]`)
	b.waitFor("#coll-revoke-confirm")
	b.click("#coll-revoke-confirm")
	b.waitText("#flash", "revoked from Omar Field")
	if d.allowed(omar, "work_order.read", "work_order:pump-7", "backoffice") {
		t.Error("the revoked team role still holds")
	}

	// Taking someone off the roster asks first and names the team roles
	// that end with it.
	b.choose("#grant-user", omar.Subject.ID)
	b.choose("#grant-role", "team_field_engineer")
	b.click("#grant-add")
	b.waitText("#flash", "Team Field Engineer on team Night shift given to Omar Field")
	collEscapeBack(b, `#collection-members a[aria-label="Remove Omar Field from Night shift"]`)
	b.click(`#collection-members a[aria-label="Remove Omar Field from Night shift"]`)
	b.waitText("#dialog", "The team roles they hold in it (Team Field Engineer) end at once")
	b.click("#coll-leave-confirm")
	b.waitText("#flash", "Omar Field removed")
	if got := d.teamRoles(d.night); got != "Tess Lead:team_admin" {
		t.Errorf("team roles after Omar left: %q", got)
	}

	// Someone new: invited into her team, on the base role, with a team
	// role; accepting puts them on the roster with it.
	b.typeInto("#coll-invite-email", "nina@fieldops.test")
	b.choose("#coll-invite-role", "team_field_engineer")
	b.click("#coll-invite-send")
	b.waitText("#coll-invite-sent", "nina@fieldops.test is invited into Night shift as Team Field Engineer")
	link := b.eval(`document.querySelector("#coll-invite-link").value`)
	_, token, ok := strings.Cut(link, "token=")
	if !ok {
		t.Fatalf("invite link %q", link)
	}
	token, _ = url.QueryUnescape(token)
	if _, _, err := f.svc.AcceptInvitation(context.Background(), team.AcceptRequest{Token: token, Name: "Nina New", Password: password}); err != nil {
		t.Fatal(err)
	}
	if got := d.teamRoles(d.night); got != "Nina New:team_field_engineer,Tess Lead:team_admin" {
		t.Errorf("team roles after the invitation: %q", got)
	}
	// Her power ends at her team: the form names no other team, and a
	// forged one is refused in words.
	b.typeInto("#coll-invite-email", "zed@fieldops.test")
	forged, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`(function(){
		var fd = new FormData(document.querySelector("#coll-invite-form"));
		return fetch("`+base+`/teams/`+d.day+`/invite", {method: "POST", body: new URLSearchParams(fd)})
			.then(r => r.text().then(t => r.status + " " + new DOMParser().parseFromString(t, "text/html").querySelector("#error").innerText));
	})()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(forged, "403 ") || !strings.Contains(forged, "this team") || collIDRE.MatchString(forged) {
		t.Errorf("a forged invitation into another team: %q", forged)
	}

	// Another team, and what needs org-wide user management: refused in
	// words, never 404 or 500.
	for _, c := range []struct {
		path string
		want int
	}{
		{base + "/teams/" + d.day, http.StatusForbidden},
		{base + "/teams/" + d.day + "/delete", http.StatusForbidden},
		{base + "/members", http.StatusForbidden},
		{base + "/groups", http.StatusForbidden},
	} {
		if got := b.status(c.path); got != c.want {
			t.Errorf("%s: status %d, want %d", c.path, got, c.want)
		}
	}
	b.open(base + "/teams/" + d.day)
	b.waitFor("#error")
	if got := b.text("#error"); got != "Seeing this team needs the permission to list members, or to manage the team." {
		t.Errorf("another team's refusal = %q", got)
	}
	collNoIDs(b, "main", "another team's refusal")
	b.shot("team-admin-team")
}

// The Deepomatic operator (org role Operator) sees what the scheme gives
// her: General and Roles; team pages refuse in words.
func TestCollDeepomaticOperator(t *testing.T) {
	d := collNewDeepo(t)
	d.member("ola@fieldops.test", "Ola Operator", "operator")
	b := d.f.browser("operator")
	b.login("ola@fieldops.test")
	base := "/o/" + collDeepoOrg
	b.open(base + "/roles")
	b.waitFor("#matrix")
	nav := b.navIDs()
	if nav != "general,access,roles,requests" { // her own access on a page of its own
		t.Errorf("operator's menu: %s", nav)
	}
	if b.exists("#role-new") {
		t.Error("the operator is offered to compose a role")
	}
	for _, p := range []string{"/teams", "/teams/" + d.night, "/groups", "/members"} {
		if got := b.status(base + p); got != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", p, got)
		}
	}
	b.open(base + "/teams/" + d.night)
	b.waitFor("#error")
	got := b.text("#error")
	if strings.Contains(got, "team.view") || strings.Contains(got, "members.view") || strings.Contains(got, "Internal") {
		t.Errorf("refusal = %q", got)
	}
	collNoIDs(b, "main", "operator's refusal")
}

// A group page shows the roles the group holds to a member of it; one who
// may not list them is told so, not that there are none. Revoking one and
// deleting the group ask first.
func TestCollGroupPage(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	ana := f.member("ana@acme.test", "Ana Analyst", "member")
	f.member("bo@acme.test", "Bo Outside", "member")
	g, err := f.svc.CreateGroup(ctx, f.owner, f.org, "Labelers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetGroupMember(ctx, f.owner, f.org, g.ID, ana.Subject.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateGrant(ctx, f.owner, f.org, team.GrantRequest{Subject: "group:" + g.ID, Role: "dataset.editor", Scope: "dataset:xrays"}); err != nil {
		t.Fatal(err)
	}
	page := "/o/acme/groups/" + g.ID

	in := f.browser("member in the group")
	in.login("ana@acme.test")
	in.open(page)
	in.waitText("#group-grants", "Dataset Editor")
	if got := in.text("#group-grants"); !strings.Contains(got, "Chest X-rays") {
		t.Errorf("the group's grant, to its member: %q", got)
	}
	if in.exists("#coll-grants-empty") || in.exists(`#group-grants a[aria-label^="Revoke"]`) {
		t.Error("a member is told the group holds nothing, or offered to revoke")
	}

	out := f.browser("member outside")
	out.login("bo@acme.test")
	out.open(page)
	out.waitFor("#coll-grants-hidden")
	if out.exists("#coll-grants-empty") {
		t.Error("an outsider is told the group holds no role")
	}

	b := f.browser("owner")
	b.login(ownerEmail)
	b.open(page)
	b.waitText("#group-grants", "Dataset Editor")
	collEscapeBack(b, `#group-grants a[aria-label^="Revoke"]`)
	b.click(`#group-grants a[aria-label^="Revoke"]`)
	b.waitText("#dialog", "from the group Labelers")
	b.click("#coll-revoke-confirm")
	b.waitText("#flash", "Dataset Editor on Dataset Chest X-rays (xrays) revoked from the group")
	b.waitFor("#coll-grants-empty")
	if f.allowed(ana, "dataset.annotate", "dataset:xrays") {
		t.Error("the revoked group grant still reaches its member")
	}

	// The "On" list follows the role: a training role is offered only
	// trainings.
	b.membPickRole("training.viewer")
	for _, o := range b.membOptions("#grant-scope") {
		if !strings.HasPrefix(o, "training:") {
			t.Errorf("a training role is offered the scope %s", o)
		}
	}
	b.choose("#grant-scope", "training:detector")
	b.click("#grant-add")
	b.waitText("#flash", "given to group Labelers")
	b.waitText("#group-grants", "Pet detector")

	// Renaming a group to a taken name.
	if _, err := f.svc.CreateGroup(ctx, f.owner, f.org, "Reviewers"); err != nil {
		t.Fatal(err)
	}
	b.typeInto("#coll-rename-name", "reviewers")
	b.click("#coll-rename button")
	b.waitText("#coll-rename-error", `A group named "Reviewers" already exists`)

	collEscapeBack(b, "#coll-delete")
	b.click("#coll-delete")
	b.waitText("#dialog", "Delete the group Labelers?")
	b.click("#coll-delete-confirm")
	b.waitText("#flash", "Group Labelers deleted")
	if got := b.status(page); got != http.StatusNotFound {
		t.Errorf("deleted group page: status %d", got)
	}
}

// A custom role is edited in the console through the same use case as the
// API's PATCH: name, description, permissions. An Admin who would give it
// a permission she does not hold is refused in words. Deleting asks first,
// and a role in use names who holds it.
func TestCollRoleEditAndDelete(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	f.member("ada@acme.test", "Ada Admin", "admin")
	sam := f.member("sam@acme.test", "Sam Sample", "member")
	if _, _, err := f.svc.CreateRole(ctx, f.owner, f.org, domain.Role{ID: "dataset.reader", Name: "Reader", ScopeType: "dataset",
		Permissions: []domain.RolePermission{{ID: "dataset.view"}}}); err != nil {
		t.Fatal(err)
	}
	b := f.browser("Admin")
	b.login("ada@acme.test")
	b.open("/o/acme/roles")
	b.waitFor("#custom-roles")
	collEscapeBack(b, `#custom-roles a[aria-label="Edit role Reader"]`)
	b.click(`#custom-roles a[aria-label="Edit role Reader"]`)
	b.waitFor("#role-edit-form")
	b.typeInto("#role-edit-name", "Dataset reader")
	b.typeInto("#role-edit-description", "Reads and annotates one dataset")
	b.click(`#role-edit-form input[value="dataset.annotate"]`)
	b.click("#role-save")
	b.waitText("#flash", "Custom role Dataset reader saved")
	b.waitText("#custom-roles", "Reads and annotates one dataset")
	if got := b.text("#matrix thead"); !strings.Contains(got, "Dataset reader") {
		t.Errorf("matrix header after the edit = %q", got)
	}

	// No escalation: billing is not the Admin's to give.
	if _, _, err := f.svc.CreateRole(ctx, f.owner, f.org, domain.Role{ID: "finance", Name: "Finance", ScopeType: "org",
		Permissions: []domain.RolePermission{{ID: "org.view"}}}); err != nil {
		t.Fatal(err)
	}
	b.open("/o/acme/roles/finance/edit")
	b.waitFor("#role-edit-form")
	b.click(`#role-edit-form input[value="billing.view"]`)
	b.click("#role-save")
	b.waitFor("#dialog-error")
	got := b.text("#dialog-error")
	if !strings.Contains(got, "Ada Admin") || !strings.Contains(got, "see plan, seats, billing contact") || strings.Contains(got, "u_") {
		t.Errorf("escalation refusal = %q", got)
	}
	roles, err := f.svc.ListRoles(ctx, f.owner, f.org)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range roles {
		if r.ID == "finance" && len(r.Permissions) != 1 {
			t.Errorf("the refused edit changed the role: %v", r.Permissions)
		}
	}

	// Deleting a role in use names its holder; an unused one goes.
	if _, _, err := f.svc.CreateGrant(ctx, f.owner, f.org, team.GrantRequest{Subject: sam.Subject.String(), Role: "dataset.reader", Scope: "dataset:cats"}); err != nil {
		t.Fatal(err)
	}
	b.open("/o/acme/roles")
	collEscapeBack(b, `#custom-roles a[aria-label="Delete role Dataset reader"]`)
	b.click(`#custom-roles a[aria-label="Delete role Dataset reader"]`)
	b.waitText("#dialog", "Delete the custom role Dataset reader?")
	b.click("#role-delete-confirm")
	b.waitText("#error", "Sam Sample")
	b.click(`#custom-roles a[aria-label="Delete role Finance"]`)
	b.click("#role-delete-confirm")
	b.waitText("#flash", "Custom role Finance deleted")
}

// The team, group and custom-role pages and their dialogs, at desktop and
// at 360 px: no serious or critical axe-core violation, no sideways
// scrolling.
func TestCollPagesLook(t *testing.T) {
	src := lookAxeSource(t)
	d := collNewDeepo(t)
	f := d.f
	ctx := context.Background()
	deepo := team.Actor{Subject: f.owner.Subject}
	tess := d.member("tess@fieldops.test", "Tess Lead", "member", domain.InvitedGrant{Role: "team_admin", Scope: "team:" + d.night})
	tg, err := f.svc.GetTeam(ctx, deepo, collDeepoOrg, d.night)
	if err != nil || len(tg.Grants) != 1 {
		t.Fatalf("team grants: %v %v", tg.Grants, err)
	}
	ana := f.member("ana@acme.test", "Ana Analyst", "member")
	g, err := f.svc.CreateGroup(ctx, f.owner, f.org, "Labelers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetGroupMember(ctx, f.owner, f.org, g.ID, ana.Subject.ID, false); err != nil {
		t.Fatal(err)
	}
	gg, _, err := f.svc.CreateGrant(ctx, f.owner, f.org, team.GrantRequest{Subject: "group:" + g.ID, Role: "dataset.editor", Scope: "dataset:xrays"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateRole(ctx, f.owner, f.org, domain.Role{ID: "dataset.reader", Name: "Reader", ScopeType: "dataset",
		Permissions: []domain.RolePermission{{ID: "dataset.view"}}}); err != nil {
		t.Fatal(err)
	}
	owner := f.browser("owner")
	owner.login(ownerEmail)
	lead := f.browser("Team Admin")
	lead.login("tess@fieldops.test")
	deep, vi := "/o/"+collDeepoOrg, "/o/acme"
	pages := []struct {
		b      *tab
		path   string
		dialog bool
	}{
		{owner, deep + "/teams", false},
		{owner, deep + "/teams/" + d.night, false},
		{owner, deep + "/teams/" + d.night + "/delete", true},
		{owner, deep + "/teams/" + d.night + "/members/" + tess.Subject.ID + "/remove", true},
		{owner, deep + "/teams/" + d.night + "/grants/" + tg.Grants[0].ID + "/revoke", true},
		{lead, deep + "/teams", false},
		{lead, deep + "/teams/" + d.night, false},
		{owner, vi + "/groups/" + g.ID, false},
		{owner, vi + "/groups/" + g.ID + "/delete", true},
		{owner, vi + "/groups/" + g.ID + "/members/" + ana.Subject.ID + "/remove", true},
		{owner, vi + "/groups/" + g.ID + "/grants/" + gg.ID + "/revoke", true},
		{owner, vi + "/roles/dataset.reader/edit", true},
		{owner, vi + "/roles/dataset.reader/delete", true},
	}
	for _, width := range []int64{1280, 360} {
		for _, p := range pages {
			lookViewport(p.b, width)
			p.b.open(p.path)
			p.b.waitFor("main")
			if p.dialog {
				p.b.waitFor("#dialog")
			}
			if got := p.b.status(p.path); got != http.StatusOK {
				t.Errorf("%s: status %d", p.path, got)
			}
			for _, v := range lookAxe(p.b, src) {
				for _, n := range v.Nodes {
					t.Errorf("%d %s %s: %s (%s): %s — %v %s", width, p.b.name, p.path, v.ID, v.Impact, v.Help, n.Target, n.HTML)
				}
			}
			if w := p.b.eval(`String(document.documentElement.scrollWidth)`); width == 360 && w != "360" {
				t.Errorf("%s at 360 px: the page is %s px wide", p.path, w)
			}
			collNoIDs(p.b, "main", p.path)
		}
	}
	// The pages' pictures (docs/console), at desktop and 390 px.
	for _, s := range []struct {
		b          *tab
		path, name string
	}{
		{owner, deep + "/teams/" + d.night, "deepomatic-team"},
		{lead, deep + "/teams/" + d.night, "deepomatic-team-admin"},
		{owner, vi + "/groups/" + g.ID, "vi-group"},
		{owner, vi + "/roles/dataset.reader/edit", "vi-role-edit"},
	} {
		for _, w := range []struct {
			width  int64
			suffix string
		}{{1280, ""}, {390, "-phone"}} {
			lookViewport(s.b, w.width)
			s.b.open(s.path)
			s.b.waitFor("main")
			_, _ = chromedp.Run(s.b.ctx, chromedp.Evaluate[any](`document.activeElement && document.activeElement.blur(), 0`))
			s.b.shot(s.name + w.suffix)
		}
	}
}
