package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/team"
)

const ovwDay = 24 * time.Hour

// ovwFixture is the harness's vi fixture with the server's clock at hand,
// for what only time makes: grants that end, members and keys left unused.
func ovwFixture(t *testing.T) (*fixture, *servertest.Clock) {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Key: testAuditKey,
		Config: server.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), RevealInvitationTokens: true}})
	f := &fixture{t: t, svc: env.Service(), url: env.URL, mail: mailbox{env.Mail}, org: "acme"}
	ctx := context.Background()
	res, err := f.svc.Bootstrap(ctx, f.org, "Acme Vision", "vi", ownerEmail, password)
	if err != nil {
		t.Fatal(err)
	}
	f.owner = team.Actor{Subject: domain.UserSubject(res.UserID)}
	for _, r := range []team.ResourceRequest{{Type: "dataset", ID: "cats", Name: "Cats"}, {Type: "dataset", ID: "dogs", Name: "Dogs"}} {
		if _, err := f.svc.PutResource(ctx, f.owner, f.org, r); err != nil {
			t.Fatal(err)
		}
	}
	return f, env.Clock
}

// ovwGrant gives a subject a role until some time from the server's now.
func (f *fixture) ovwGrant(clock *servertest.Clock, org string, subject team.Actor, role, scope string, ends time.Duration) {
	f.t.Helper()
	if _, _, err := f.svc.CreateGrant(context.Background(), f.owner, org, team.GrantRequest{Subject: subject.Subject.String(),
		Role: role, Scope: scope, ExpiresAt: clock.Now().Add(ends)}); err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) ovwKey(clock *servertest.Clock, org, name string, expires time.Duration) team.KeyView {
	f.t.Helper()
	req := team.KeyRequest{Name: name, Role: "admin"}
	if expires > 0 {
		req.ExpiresAt = clock.Now().Add(expires)
	}
	k, _, err := f.svc.CreateKey(context.Background(), f.owner, org, req)
	if err != nil {
		f.t.Fatal(err)
	}
	return k
}

// The vi Owner and Admin land on the overview after signing in and find
// there what needs them, each a link to act on it; a Member lands on
// General as before and has no overview.
func TestOverviewVi(t *testing.T) {
	f, clock := ovwFixture(t)
	f.member("ada@acme.test", "Ada Admin", "admin")
	mia := f.member("mia@acme.test", "Mia Member", "member")
	f.member("ivan@acme.test", "Ivan Idle", "member")
	// Measured from 40 days on, where the clock goes next.
	f.ovwGrant(clock, f.org, mia, "dataset.editor", "dataset:cats", 45*ovwDay)  // ends in 5 days
	f.ovwGrant(clock, f.org, mia, "dataset.viewer", "dataset:dogs", 100*ovwDay) // not soon
	unused := f.ovwKey(clock, f.org, "ci-deploy", 0)
	expiring := f.ovwKey(clock, f.org, "nightly-export", 50*ovwDay)
	clock.Advance(40 * ovwDay)
	if _, _, err := f.svc.Invite(context.Background(), f.owner, f.org, team.InviteRequest{Email: "nora@acme.test", Role: "member"}); err != nil {
		t.Fatal(err)
	}

	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.waitPath("/o/acme/overview")
	owner.waitFor("#ovw-seats")
	// Four members and Nora's invitation hold 5 of 25 seats.
	owner.waitText("#ovw-seats", "20 seats left")
	owner.waitText("#ovw-seats", "5 of 25 used: 4 members and 1 pending invitation")
	if !owner.exists("#ovw-billing") {
		t.Error("the Owner is not offered to change the seat limit")
	}
	owner.waitText("#pending-count", "1 pending invitation")
	ending := owner.text("#ovw-ending")
	for _, want := range []string{"Mia Member", "mia@acme.test", "Dataset Editor", "Dataset Cats", "in 5 days"} {
		if !strings.Contains(ending, want) {
			t.Errorf("ending access %q lacks %q", ending, want)
		}
	}
	if strings.Contains(ending, "Dogs") || strings.Contains(ending, "u_") {
		t.Errorf("ending access shows a later grant or an id: %q", ending)
	}
	// Everyone but the Owner, who just signed in, last did 40 days ago.
	idle := owner.text("#ovw-idle")
	for _, want := range []string{"Ada Admin", "Mia Member", "Ivan Idle", "40 days ago"} {
		if !strings.Contains(idle, want) {
			t.Errorf("idle members %q lack %q", idle, want)
		}
	}
	if strings.Contains(idle, ownerEmail) {
		t.Errorf("the Owner, just signed in, is listed idle: %q", idle)
	}
	unusedText := owner.text("#ovw-unused-keys")
	for _, want := range []string{"ci-deploy", "nightly-export", "bootstrap", "never", "Owner"} {
		if !strings.Contains(unusedText, want) {
			t.Errorf("unused keys %q lack %q", unusedText, want)
		}
	}
	expiringText := owner.text("#ovw-expiring-keys")
	if !strings.Contains(expiringText, "nightly-export") || !strings.Contains(expiringText, "in 10 days") || strings.Contains(expiringText, "ci-deploy") {
		t.Errorf("expiring keys: %q", expiringText)
	}
	if owner.exists(`table[id^="ovw-"] td:not([data-label])`) {
		t.Error("an overview cell has no data-label for phones")
	}
	owner.shot("overview-vi-owner")

	// Each item leads to where it is acted on.
	owner.click(`#ovw-ending a`)
	owner.waitPath("/o/acme/members/" + mia.Subject.ID)
	owner.waitText("main", "Mia Member")
	owner.open("/o/acme/general")
	owner.click("#overview-link")
	owner.waitPath("/o/acme/overview")
	owner.click(`#ovw-expiring-table a`)
	owner.waitPath("/o/acme/keys?q=" + expiring.Prefix)
	owner.waitText("#keys", "nightly-export")
	if got := owner.text("#keys"); strings.Contains(got, "ci-deploy") {
		t.Errorf("the key's link shows other keys: %q", got)
	}
	if !strings.Contains(owner.eval(`document.querySelector("#keys").innerHTML`), "/keys/"+expiring.ID+"/revoke") {
		t.Error("the expiring key's row offers no revocation")
	}
	owner.open("/o/acme/overview")
	owner.click("#ovw-invitations-link")
	owner.waitPath("/o/acme/members")
	owner.waitText("#invitations", "nora@acme.test")
	_ = unused

	admin := f.browser("admin")
	admin.login("ada@acme.test")
	admin.waitPath("/o/acme/overview")
	admin.waitText("#ovw-seats", "20 seats left")
	if admin.exists("#ovw-billing") {
		t.Error("the Admin, who may not change billing, is offered the seat limit")
	}
	for _, sel := range []string{"#ovw-invitations", "#ovw-ending", "#ovw-idle", "#ovw-unused-keys", "#ovw-expiring-keys"} {
		if !admin.exists(sel) {
			t.Errorf("the Admin's overview lacks %s", sel)
		}
	}
	admin.waitText("#ovw-idle", "Ivan Idle")
	if strings.Contains(admin.text("#ovw-idle"), "Ada Admin") {
		t.Error("the Admin, just signed in, is listed idle")
	}
	admin.shot("overview-vi-admin")

	member := f.browser("member")
	member.login("mia@acme.test")
	member.waitPath("/o/acme/general")
	if member.exists("#overview-link") {
		t.Error("a Member is offered the overview")
	}
	if s := member.status("/o/acme/overview"); s != http.StatusForbidden {
		t.Errorf("a Member's overview: %d, want 403", s)
	}
	member.open("/o/acme")
	member.waitPath("/o/acme/general")
}

// The Deepomatic Org Admin and the Labelbox admin reach the overview by
// choosing their organization; scheme words name the roles and types.
func TestOverviewOtherSchemes(t *testing.T) {
	f, clock := ovwFixture(t)
	ctx := context.Background()
	for _, o := range []struct{ id, name, scheme string }{{"deepo", "Deepo Ops", "deepomatic"}, {"lbx", "Label Works", "labelbox"}} {
		if _, err := f.svc.CreateOrg(ctx, f.owner, o.id, o.name, o.scheme); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.PutResource(ctx, f.owner, "lbx", team.ResourceRequest{Type: "project", ID: "retail-shelves", Name: "Retail shelves"}); err != nil {
		t.Fatal(err)
	}
	inv, _, err := f.svc.Invite(ctx, f.owner, "lbx", team.InviteRequest{Email: "lee@acme.test", Role: "member",
		Grants: []domain.InvitedGrant{{Role: "labeler", Scope: "project:retail-shelves", ExpiresAt: clock.Now().Add(3 * ovwDay)}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: "Lee Labeler", Password: password}); err != nil {
		t.Fatal(err)
	}

	b := f.browser("owner")
	b.login(ownerEmail)
	b.waitPath("/orgs")
	b.click(`#org-list a[href="/o/deepo"]`)
	b.waitPath("/o/deepo/overview")
	b.waitText("#ovw-seats", "24 seats left")
	b.waitText("#ovw-ending", "No grant ends in the next 14 days")
	b.waitText("#ovw-unused-keys", "No live key")
	b.shot("overview-deepomatic-org-admin")

	b.click("#org-switcher summary")
	b.click(`#org-switcher a[href="/o/lbx"]`)
	b.waitPath("/o/lbx/overview")
	b.waitText("#ovw-ending", "Lee Labeler")
	if got := b.text("#ovw-ending"); !strings.Contains(got, "Labeler") || !strings.Contains(got, "Project Retail shelves") ||
		!strings.Contains(got, "in 3 days") || strings.Contains(got, "project:") {
		t.Errorf("Labelbox ending access: %q", got)
	}
	b.waitText("#ovw-seats", "23 seats left")
	b.shot("overview-labelbox-admin")
}

// The audit log's actor filter names people with their email (two
// "Owner"s stay apart) and keeps those who left; it offers only the
// actions the org's scheme has; it pages back to newer events; and it
// says what changed in words, the raw record folded away.
func TestAuditReadable(t *testing.T) {
	f, _ := ovwFixture(t)
	ctx := context.Background()
	f.member("owner2@acme.test", "Owner", "admin")
	sam := f.member("sam@acme.test", "Sam Member", "member")
	if _, _, err := f.svc.ChangeRole(ctx, f.owner, f.org, sam.Subject.ID, "admin"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateGrant(ctx, f.owner, f.org, team.GrantRequest{Subject: sam.Subject.String(), Role: "dataset.editor", Scope: "dataset:cats"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.RemoveMember(ctx, f.owner, f.org, sam.Subject.ID); err != nil {
		t.Fatal(err)
	}
	// Enough events for three pages of fifty, on a plan with room for them.
	business := "business"
	if _, err := f.svc.UpdateBilling(ctx, f.owner, f.org, team.BillingUpdate{Plan: &business}); err != nil {
		t.Fatal(err)
	}
	for i := range 110 {
		if _, err := f.svc.PutResource(ctx, f.owner, f.org, team.ResourceRequest{Type: "dataset", ID: fmt.Sprintf("d%03d", i), Name: fmt.Sprintf("Set %03d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.CreateOrg(ctx, f.owner, "deepo", "Deepo Ops", "deepomatic"); err != nil {
		t.Fatal(err)
	}

	b := f.browser("owner")
	b.login(ownerEmail)
	b.open("/o/acme/audit")
	b.waitFor("#audit")
	actors := b.eval(`Array.from(document.querySelectorAll("#f-actor option")).map(o => o.textContent).join("|")`)
	for _, want := range []string{"Owner (olivia@acme.test)", "Owner (owner2@acme.test)", "Sam Member (sam@acme.test), former member"} {
		if !strings.Contains(actors, want) {
			t.Errorf("actor filter %q lacks %q", actors, want)
		}
	}
	actions := b.eval(`Array.from(document.querySelectorAll("#f-action option")).map(o => o.value + "=" + o.textContent).join("|")`)
	if strings.Contains(actions, "team.") || !strings.Contains(actions, "group.create=Group created") ||
		!strings.Contains(actions, "org.transfer=Ownership transferred") {
		t.Errorf("vi audit actions: %q", actions)
	}

	// Paging: older, then newer and newest back.
	seqs := func() []string {
		return strings.Split(b.eval(`Array.from(document.querySelectorAll("#audit tbody tr")).map(tr => tr.dataset.seq).join(",")`), ",")
	}
	first := seqs()
	if len(first) != 50 || b.exists(".audit-newer") || b.exists(".audit-newest") {
		t.Fatalf("first page: %d events, newer link %v", len(first), b.exists(".audit-newer"))
	}
	b.click(".audit-older")
	b.waitGone(fmt.Sprintf(`#audit tr[data-seq="%s"]`, first[0]))
	second := seqs()
	b.click(".audit-older")
	b.waitGone(fmt.Sprintf(`#audit tr[data-seq="%s"]`, second[0]))
	third := seqs()
	if !b.exists(".audit-newer") || !b.exists(".audit-newest") {
		t.Fatal("an older page offers no way back")
	}
	b.click(".audit-newer")
	b.waitFor(fmt.Sprintf(`#audit tr[data-seq="%s"]`, second[0]))
	if got := seqs(); strings.Join(got, ",") != strings.Join(second, ",") {
		t.Errorf("newer than the third page:\n got %v\nwant %v", got, second)
	}
	b.click(".audit-newest")
	b.waitFor(fmt.Sprintf(`#audit tr[data-seq="%s"]`, first[0]))
	if got := seqs(); strings.Join(got, ",") != strings.Join(first, ",") || b.exists(".audit-newer") {
		t.Errorf("newest page: %v", got)
	}
	_ = third

	// Details in words: Sam's role change and grant.
	b.choose("#f-actor", "user:"+f.owner.Subject.ID)
	b.choose("#f-action", "member.role")
	b.click("#audit-apply")
	b.waitText("#audit", "Member's role changed")
	row := b.text(`#audit tr[data-action="member.role"]`)
	for _, want := range []string{"Sam Member", "Role", "Member", "Admin"} {
		if !strings.Contains(row, want) {
			t.Errorf("role change row %q lacks %q", row, want)
		}
	}
	if strings.Contains(row, "{") || strings.Contains(row, `"role"`) {
		t.Errorf("role change row shows raw JSON unfolded: %q", row)
	}
	b.choose("#f-action", "grant.create")
	b.click("#audit-apply")
	b.waitText("#audit", "Access granted")
	row = b.text(`#audit tr[data-action="grant.create"]`)
	for _, want := range []string{"Who", "Sam Member", "Dataset Editor", "Where", "Dataset Cats"} {
		if !strings.Contains(row, want) {
			t.Errorf("grant row %q lacks %q", row, want)
		}
	}
	b.click(`#audit tr[data-action="grant.create"] details.audit-raw summary`)
	if raw := b.text(`#audit tr[data-action="grant.create"] details.audit-raw pre`); !strings.Contains(raw, `"scope": "dataset:cats"`) {
		t.Errorf("the raw record: %q", raw)
	}
	b.shot("audit-readable")

	// An org whose scheme has teams offers the team actions.
	b.open("/o/deepo/audit")
	b.waitFor("#audit")
	if got := b.eval(`Array.from(document.querySelectorAll("#f-action option")).map(o => o.value).join(",")`); !strings.Contains(got, "team.member.add") ||
		strings.Contains(got, "org.transfer") {
		t.Errorf("Deepomatic audit actions: %q", got)
	}
}

// The keys page filters by status and owner and searches names and
// prefixes, naming owners.
func TestKeysFilters(t *testing.T) {
	f, clock := ovwFixture(t)
	ctx := context.Background()
	ada := f.member("ada@acme.test", "Ada Admin", "admin")
	f.ovwKey(clock, f.org, "ci-deploy", 0)
	f.ovwKey(clock, f.org, "short-lived", 2*ovwDay)
	gone := f.ovwKey(clock, f.org, "retired", 0)
	if _, err := f.svc.RevokeKey(ctx, f.owner, f.org, gone.ID); err != nil {
		t.Fatal(err)
	}
	adas, _, err := f.svc.CreateKey(ctx, ada, f.org, team.KeyRequest{Name: "ada-etl", Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	clock.Advance(3 * ovwDay)

	b := f.browser("owner")
	b.login(ownerEmail)
	b.open("/o/acme/keys")
	b.waitFor("#keys")
	names := func() string {
		return b.eval(`Array.from(document.querySelectorAll("#keys tbody tr[data-key] td:first-child")).map(td => td.textContent).join(",")`)
	}
	if got := names(); got != "bootstrap,ci-deploy,ada-etl" {
		t.Errorf("live keys: %q", got)
	}
	if got := b.text(`#keys tr[data-key="` + adas.ID + `"] .key-owner`); !strings.Contains(got, "Ada Admin") || strings.Contains(got, "u_") {
		t.Errorf("owner of Ada's key: %q", got)
	}
	b.choose("#key-state", "expired")
	b.click("#key-filter-apply")
	b.waitText("#keys", "short-lived")
	if got := names(); got != "short-lived" {
		t.Errorf("expired keys: %q", got)
	}
	if b.exists(`#keys button[aria-label="Rotate short-lived"]`) || !b.exists(`#keys a[aria-label="Revoke short-lived"]`) {
		t.Error("an expired key is offered rotation, or not revocation")
	}
	b.choose("#key-state", "revoked")
	b.click("#key-filter-apply")
	b.waitText("#keys", "retired")
	if got := names(); got != "retired" || b.exists(`#keys a[aria-label="Revoke retired"]`) {
		t.Errorf("revoked keys: %q", got)
	}
	b.choose("#key-state", "all")
	owners := b.eval(`Array.from(document.querySelectorAll("#key-owner option")).map(o => o.textContent).join("|")`)
	if owners != "Anyone|Ada Admin (ada@acme.test)|Owner (olivia@acme.test)" {
		t.Errorf("owner filter: %q", owners)
	}
	b.choose("#key-owner", ada.Subject.ID)
	b.click("#key-filter-apply")
	b.waitGone(`#keys tr[data-key="` + gone.ID + `"]`)
	if got := names(); got != "ada-etl" {
		t.Errorf("Ada's keys: %q", got)
	}
	b.choose("#key-owner", "")
	b.typeInto("#key-q", "DEPLOY")
	b.click("#key-filter-apply")
	b.waitGone(`#keys tr[data-key="` + adas.ID + `"]`)
	if got := names(); got != "ci-deploy" {
		t.Errorf("search DEPLOY: %q", got)
	}
	b.click("#key-filter-clear")
	b.waitText("#keys", "ada-etl")
	b.shot("keys-filters")
}

// Refusals read as sentences, in words: no API field names, paths or
// permission ids.
func TestErrorsInPlainWords(t *testing.T) {
	f, _ := ovwFixture(t)
	f.member("mia@acme.test", "Mia Member", "member")
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.open("/o/acme/billing")
	owner.typeInto("#bill-seats", "1")
	owner.click("#billing-form button[type=submit]")
	owner.waitText("#error", "seat limit")
	if got := owner.text("#error"); got != "A seat limit of 1 is below the 2 seats in use (members and pending invitations)." {
		t.Errorf("seat limit refusal: %q", got)
	}
	owner.open("/o/acme/keys")
	owner.typeInto("#key-name", "too-late")
	owner.typeInto("#key-expires", "01012020")
	owner.click("#key-create")
	owner.waitText("#error", "expiry")
	if got := owner.text("#error"); got != "The expiry date is in the past." {
		t.Errorf("past expiry refusal: %q", got)
	}

	member := f.browser("member")
	member.login("mia@acme.test")
	member.open("/o/acme/resources")
	member.waitFor("main")
	got := member.text("main")
	if !strings.Contains(got, "the permission to read the audit log") || strings.Contains(got, "lookup/") || strings.Contains(got, "audit.view") {
		t.Errorf("resource listing refusal: %q", got)
	}
}
