package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// A custom role is composed by ticking permissions from the catalog, shows
// up in the rights matrix, and is granted from the Member Access dialog.
// An Admin cannot hand out a custom role holding billing: the dialog shows
// the service's reason.
func TestCustomRoleCreatedAndGranted(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	sam := f.member("sam@acme.test", "Sam Member", "member")
	f.member("lena@acme.test", "Lena Lead", "admin")
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.click("#nav-roles")
	owner.waitFor("#matrix")
	owner.click("#role-new")
	owner.waitFor("#role-form")
	owner.typeInto("#role-id", "dataset.annotator")
	owner.typeInto("#role-name", "Annotator")
	owner.choose("#role-scope", "dataset")
	owner.click(`#role-form input[value="dataset.view"]`)
	owner.click(`#role-form input[value="dataset.annotate"]`)
	owner.shot("role-new")
	owner.click("#role-create")
	owner.waitText("#flash", "Custom role Annotator created")
	if got := owner.text(`#matrix thead`); !strings.Contains(got, "Annotator") {
		t.Fatalf("matrix header = %q", got)
	}
	// The matrix marks exactly the ticked permissions in the new column.
	marked := owner.eval(`(function(){
		var col = Array.from(document.querySelectorAll("#matrix thead th")).findIndex(th => th.dataset.role === "dataset.annotator");
		return Array.from(document.querySelectorAll("#matrix tbody tr")).filter(tr => tr.children[col] && tr.children[col].classList.contains("yes"))
			.map(tr => tr.querySelector("th code").textContent).join(",");
	})()`)
	if marked != "dataset.view,dataset.annotate" {
		t.Errorf("matrix column of the custom role marks %q", marked)
	}
	owner.shot("roles")

	// An org-level custom role with billing: the Owner may create it.
	owner.click("#role-new")
	owner.waitFor("#role-form")
	owner.typeInto("#role-id", "finance")
	owner.typeInto("#role-name", "Finance")
	owner.click(`#role-form input[value="org.view"]`)
	owner.click(`#role-form input[value="billing.view"]`)
	owner.click("#role-create")
	owner.waitText("#flash", "Custom role Finance created")

	// Grant the Annotator role on Dogs to Sam, from Member Access.
	owner.openAccess("sam@acme.test")
	owner.membPickRole("dataset.annotator")
	owner.choose("#grant-scope", "dataset:dogs")
	owner.click("#grant-add")
	owner.waitText("#flash", "Annotator on Dataset Dogs (dogs) granted")
	owner.waitText("#access-dataset", "Dogs")
	if got := owner.text("#access-dataset"); !strings.Contains(got, "Annotator") {
		t.Errorf("access after the grant = %q", got)
	}
	owner.shot("member-access-custom-role")
	if !f.allowed(sam, "dataset.annotate", "dataset:dogs") || f.allowed(sam, "dataset.upload", "dataset:dogs") {
		t.Error("the custom role does not give exactly its permissions")
	}

	// The Admin may not hand out Finance (it holds billing.view): the
	// Invite dialog does not offer it, and a form that names it anyway is
	// refused with the reason.
	lena := f.browser("lena")
	lena.login("lena@acme.test")
	lena.invite(invitation{email: "fred@acme.test", role: "member"})
	if lena.exists(`#inv-role option[value="finance"]`) {
		t.Error("the Invite dialog offers the Admin a role she may not grant")
	}
	lena.eval(`(function(){var o=document.createElement("option"); o.value="finance"; o.text="Finance";
		document.getElementById("inv-role").add(o); document.getElementById("inv-role").value="finance"; return ""})()`)
	lena.click("#invite-send")
	lena.waitText("#dialog-error", "see plan, seats, billing contact")
	lena.shot("invite-refused")
	if s := lena.eval(`document.getElementById("inv-email").value`); s != "fred@acme.test" {
		t.Errorf("refused invite lost its email: %q", s)
	}
}

// A key is created (name, role, scope, expiry), its secret shown once with
// a copy button; the list shows prefix, creator, last use, expiry; rotate
// shows a new secret; revoke (confirmed) stops it at once.
func TestSecretKeyShownOnce(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.click("#nav-keys")
	owner.waitFor("#key-form")
	owner.typeInto("#key-name", "labeling-service")
	owner.choose("#key-role", "dataset.editor")
	owner.choose("#key-scope", "dataset:*")
	owner.typeInto("#key-expires", "12312099")
	owner.click("#key-create")
	owner.waitFor("#secret")
	secret := owner.eval(`document.getElementById("secret").value`)
	if !strings.HasPrefix(secret, "gsk_") {
		t.Fatalf("secret = %q", secret)
	}
	if !owner.exists(`#dialog [data-copy="secret"]`) {
		t.Error("no copy button next to the secret")
	}
	owner.shot("key-secret")
	a, err := f.svc.Authenticate(ctx, secret, "")
	if err != nil || a.Subject.Kind != domain.SubjectKey {
		t.Fatalf("the shown secret does not authenticate: %v", err)
	}
	if !f.allowed(a, "dataset.annotate", "dataset:cats") || f.allowed(a, "dataset.delete", "dataset:cats") {
		t.Error("the key does not hold Dataset Editor on all datasets")
	}

	owner.click("#secret-done")
	owner.waitGone("#dialog")
	row := owner.text("#keys tbody")
	for _, want := range []string{"labeling-service", secret[:8], "Dataset Editor", "All Datasets", "Owner", "2099-12-31"} {
		if !strings.Contains(row, want) {
			t.Errorf("key row lacks %q: %q", want, row)
		}
	}
	owner.open("/o/acme/keys")
	if html := owner.eval(`document.documentElement.outerHTML`); strings.Contains(html, secret) {
		t.Error("the secret is shown again after the first time")
	}
	owner.shot("keys")

	owner.click(`#keys tbody tr button[aria-label="Rotate labeling-service"]`)
	owner.waitText("#dialog-title", "Key rotated")
	rotated := owner.eval(`document.getElementById("secret").value`)
	if rotated == secret || !strings.HasPrefix(rotated, "gsk_") {
		t.Fatalf("rotated secret = %q", rotated)
	}
	owner.click("#secret-done")
	owner.waitGone("#dialog")
	owner.click(`#keys a[aria-label="Revoke labeling-service"]`)
	owner.waitFor("#revoke-confirm")
	owner.click("#revoke-confirm")
	owner.waitText("#flash", "Key revoked")
	if _, err := f.svc.Authenticate(ctx, rotated, ""); err == nil {
		t.Error("a revoked key still authenticates")
	}
	if strings.Contains(owner.text("#keys"), "labeling-service") {
		t.Error("the revoked key is still in the live list")
	}
}

// Billing is the Owner's: plan, seats used / limit, billing email. The
// Owner transfers ownership to an Admin with a typed confirmation, and
// then is an Admin without Billing.
func TestBillingAndTransfer(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	lena := f.member("lena@acme.test", "Lena Lead", "admin")
	f.member("sam@acme.test", "Sam Member", "member")
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.click("#nav-billing")
	owner.waitFor("#billing-facts")
	if got := owner.text("#seats"); got != "3 / 25" {
		t.Errorf("seats = %q, want 3 / 25", got)
	}
	owner.typeInto("#bill-email", "billing@acme.test")
	owner.click("#billing-form button[type=submit]")
	owner.waitText("#flash", "Billing updated")
	owner.waitText("#billing-email", "billing@acme.test")
	owner.shot("billing")

	owner.choose("#transfer-to", lena.Subject.ID)
	owner.typeInto("#transfer-confirm", "acme-typo")
	owner.click("#transfer-submit")
	owner.waitText("#transfer-error", `Type the organization id "acme"`)
	owner.typeInto("#transfer-confirm", "acme")
	owner.click("#transfer-submit")
	owner.waitText("#flash", "Ownership transferred to Lena Lead")
	if got := owner.navIDs(); strings.Contains(got, "billing") {
		t.Errorf("the old Owner still sees Billing: %s", got)
	}
	if !f.allowed(lena, "billing.manage", "") {
		t.Error("the new Owner lacks billing.manage")
	}
}

// The audit log lists events newest first, filters by actor and action,
// and verifies its hash chain.
func TestAuditLog(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.member("sam@acme.test", "Sam Member", "member")
	f.member("ana@acme.test", "Ana Member", "member")
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.click("#nav-audit")
	owner.waitFor("#audit")
	seqs := owner.eval(`Array.from(document.querySelectorAll("#audit tbody tr td:first-child")).map(td => td.textContent.trim()).join(",")`)
	list := strings.Split(seqs, ",")
	if len(list) < 5 || list[0] <= list[len(list)-1] && len(list[0]) <= len(list[len(list)-1]) {
		t.Errorf("audit rows not newest first: %s", seqs)
	}
	owner.choose("#f-action", "invitation.accept")
	owner.click("#audit-apply")
	owner.waitPath("/o/acme/audit?")
	owner.waitText("#audit", "Ana Member")
	actions := owner.eval(`Array.from(document.querySelectorAll("#audit tbody tr")).map(tr => tr.dataset.action).join(",")`)
	if actions != "invitation.accept,invitation.accept" {
		t.Errorf("filtered actions = %q", actions)
	}
	owner.choose("#f-actor", "user:"+f.owner.Subject.ID)
	owner.choose("#f-action", "")
	owner.click("#audit-apply")
	owner.waitGone(`#audit tr[data-action="invitation.accept"]`)
	if got := owner.eval(`Array.from(document.querySelectorAll("#audit tbody td:nth-child(3)")).every(td => td.textContent.includes("olivia@acme.test")) ? "ok" : "no"`); got != "ok" {
		t.Error("actor filter shows others' events")
	}
	owner.click("#verify")
	owner.waitText("#verify-result", "intact")
	owner.shot("audit")
}

// For any dataset or training project: who has access and through what.
func TestResourceAccess(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.member("carl@contractor.test", "Carl Contractor", "member", domain.InvitedGrant{Role: "dataset.editor", Scope: "dataset:cats"})
	f.member("lena@acme.test", "Lena Lead", "admin")
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.click("#nav-resources")
	owner.waitText("#resources", "Cats")
	owner.click(`#resources a[href="/o/acme/resources/dataset/cats"]`)
	owner.waitFor("#resource-access")
	got := owner.text("#resource-access")
	for _, want := range []string{"Carl Contractor", "Dataset Editor", "direct grant on dataset Cats gr_", "Lena Lead", "organization role Admin", "organization role Owner"} {
		if !strings.Contains(got, want) {
			t.Errorf("access list lacks %q:\n%s", want, got)
		}
	}
	owner.shot("resource-access")
	owner.click(`.crumbs a`)
	owner.waitFor(".tabs")
	owner.click(`.tabs a[href="/o/acme/resources?type=training"]`)
	owner.waitText("#resources", "Pet detector")
	owner.click(`#resources a[href="/o/acme/resources/training/detector"]`)
	owner.waitFor("#resource-access")
	if strings.Contains(owner.text("#resource-access"), "Carl") {
		t.Error("the contractor shows up on a training he cannot access")
	}
}

// Pending invitations: listed, resent (a new link), revoked.
func TestPendingInvitations(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.invite(invitation{email: "pat@acme.test", role: "member"})
	owner.click("#invite-send")
	owner.waitFor("#invite-link")
	first := owner.eval(`document.getElementById("invite-link").value`)
	owner.open("/o/acme/members")
	owner.waitText("#invitations", "pat@acme.test")
	owner.click(`#invitations button[aria-label="Resend invitation to pat@acme.test"]`)
	owner.waitFor("#invite-link")
	second := owner.eval(`document.getElementById("invite-link").value`)
	if second == first || f.mail.linkFor(t, "pat@acme.test") != second {
		t.Errorf("resend: link %q, first %q, mailed %q", second, first, f.mail.linkFor(t, "pat@acme.test"))
	}
	owner.open("/o/acme/members")
	owner.shot("pending-invitations")
	owner.click(`#invitations a[aria-label="Revoke invitation to pat@acme.test"]`)
	owner.waitText("#revoke-text", "pat@acme.test")
	owner.click("#revoke-invitation-confirm")
	owner.waitText("#flash", "The invitation of pat@acme.test was revoked")
	if owner.exists(`#invitations tr[data-email="pat@acme.test"]`) {
		t.Error("revoked invitation still listed")
	}
	// The revoked link no longer works, and its page says so at once.
	pat := f.browser("pat")
	pat.open(strings.TrimPrefix(second, pat.base))
	pat.waitText("#invite-dead", "was withdrawn")
	if pat.exists("#accept-form") {
		t.Error("a revoked link shows the sign-up form")
	}
	pat.shot("invite-revoked-link")
}

// Members: search and filter by role, change a role in place.
func TestMembersSearchAndRoleChange(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	sam := f.member("sam@acme.test", "Sam Member", "member")
	f.member("ana@acme.test", "Ana Analyst", "member")
	f.member("lena@acme.test", "Lena Lead", "admin")
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.click("#nav-members")
	owner.waitText("#member-count", "4 of 4 members")
	owner.typeInto("#q", "ana")
	owner.click("#search-submit")
	owner.waitText("#member-count", "1 of 4")
	if !strings.Contains(owner.text("#members tbody"), "Ana Analyst") {
		t.Error("search did not find Ana")
	}
	owner.do(chromedp.Clear(chromedp.CSS("#q")))
	owner.choose("#role-filter", "admin")
	owner.click("#search-submit")
	owner.waitText("#members tbody", "Lena Lead")
	if got := owner.text("#member-count"); got != "1 of 4 members" {
		t.Errorf("role filter: %q", got)
	}
	owner.open("/o/acme/members")
	owner.choose("#role-"+sam.Subject.ID, "admin")
	owner.click(`#members tr[data-user="` + sam.Subject.ID + `"] button[type=submit]`)
	owner.waitText("#flash", "Sam Member is now Admin")
	if !f.allowed(sam, "members.manage", "") {
		t.Error("role change did not reach the engine")
	}
	owner.shot("members")
}
