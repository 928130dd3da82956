package console_test

import (
	"strings"
	"testing"
)

// invite fills the Invite dialog by clicking: email, org role, and per
// resource type either a role on All or a role per chosen resource.
type invitation struct {
	email, role string
	all         map[string]string // type -> role on TYPE:*
	chosen      map[string]string // "type:id" -> role
}

func (b *tab) invite(inv invitation) {
	b.t.Helper()
	b.open("/o/acme/members")
	b.click("#invite-open")
	b.waitFor("#invite-form")
	b.typeInto("#inv-email", inv.email)
	b.choose("#inv-role", inv.role)
	for typ, role := range inv.all {
		b.choose("#all-"+typ, role)
	}
	for ref, role := range inv.chosen {
		typ, id, _ := strings.Cut(ref, ":")
		b.choose("#res-"+typ+"-"+id, role)
	}
}

// accept opens the emailed link in a fresh browser and joins.
func (f *fixture) accept(email, name string) *tab {
	f.t.Helper()
	link := f.mail.linkFor(f.t, email)
	b := f.browser(name)
	b.open(strings.TrimPrefix(link, b.base))
	b.waitFor("#accept-form")
	b.typeInto("#acc-name", name)
	b.typeInto("#acc-password", password)
	b.typeInto("#acc-password2", password)
	b.click("#accept-submit")
	b.waitText("#flash", "Welcome")
	return b
}

// openAccess opens a member's Member Access dialog from the members table.
func (b *tab) openAccess(email string) {
	b.t.Helper()
	b.open("/o/acme/members")
	b.click(`#members tr[data-email="` + email + `"] a[aria-label^="View details"]`)
	b.waitFor("#dialog")
	b.waitText("#dialog-title", "Member Access")
}

// Seed 002, "Adding contractors or temporary team members": Member org
// role, access only to the datasets and trainings they need, Editor or
// Viewer; removed when the contract ends.
func TestContractorRecipe(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.invite(invitation{email: "carl@contractor.test", role: "member",
		chosen: map[string]string{"dataset:cats": "dataset.editor", "training:detector": "training.viewer"}})
	owner.shot("invite-dialog")
	owner.click("#invite-send")
	owner.waitText("#invite-status", "carl@contractor.test is invited as Member")
	if link := owner.eval(`document.getElementById("invite-link").value`); !strings.Contains(link, "/invite?token=gsi_") {
		t.Errorf("invite link = %q", link)
	}
	owner.click("#dialog .actions a")
	owner.waitText("#invitations", "carl@contractor.test")

	carl := f.accept("carl@contractor.test", "Carl Contractor")
	carl.waitPath("/o/acme/members")
	// A member sees the member list, but no Invite button.
	carl.waitText("#members", "olivia@acme.test")
	if carl.exists("#invite-open") {
		t.Error("a Member sees the Invite button")
	}
	if got, want := carl.navIDs(), "general,members,groups,roles,requests,approvals"; got != want {
		t.Errorf("member sidebar = %s, want %s", got, want)
	}
	carl.shot("members-as-member")

	carlID := f.userID("carl@contractor.test")
	carlA := actorOf(carlID)
	if !f.allowed(carlA, "dataset.annotate", "dataset:cats") || f.allowed(carlA, "dataset.view", "dataset:dogs") ||
		!f.allowed(carlA, "training.view", "training:detector") || f.allowed(carlA, "training.run", "training:detector") {
		t.Error("contractor's access is not what the invitation said")
	}

	owner.open("/o/acme/members")
	owner.click(`#members tr[data-email="carl@contractor.test"] a[href="/o/acme/members/` + carlID + `"]`)
	owner.waitText("#dialog-title", "Member Access")
	owner.waitText("#access-dataset", "Cats")
	if got := owner.text("#access-dataset"); !strings.Contains(got, "Dataset Editor") || strings.Contains(got, "Dogs") {
		t.Errorf("dataset access = %q", got)
	}
	if got := owner.text("#access-training"); !strings.Contains(got, "Pet detector") || !strings.Contains(got, "Training Viewer") {
		t.Errorf("training access = %q", got)
	}
	if got := owner.text("#access-dataset"); !strings.Contains(got, "grant gr_") {
		t.Errorf("dataset access does not say through which grant: %q", got)
	}
	owner.shot("member-access")

	// The contract ends: remove, with confirmation.
	owner.open("/o/acme/members")
	owner.click(`#members tr[data-email="carl@contractor.test"] a[href$="/remove"]`)
	owner.waitText("#dialog", "Remove Carl Contractor")
	owner.click("#remove-confirm")
	owner.waitText("#flash", "Carl Contractor was removed")
	if strings.Contains(owner.text("#members"), "carl@contractor.test") {
		t.Error("removed member still listed")
	}
	if f.allowed(carlA, "dataset.view", "dataset:cats") {
		t.Error("removed contractor keeps access")
	}
	carl.open("/o/acme/members")
	carl.waitText("main", "not found")
}

// Seed 002, "Setting up team leads": Admin org role, All Datasets and All
// Trainings, project roles Owner — full project control, no billing.
func TestTeamLeadRecipe(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.invite(invitation{email: "lena@acme.test", role: "admin",
		all: map[string]string{"dataset": "dataset.owner", "training": "training.owner"}})
	owner.click("#invite-send")
	owner.waitText("#invite-status", "as Admin")

	lena := f.accept("lena@acme.test", "Lena Lead")
	if got, want := lena.navIDs(), "general,members,groups,roles,requests,resources,keys,approvals,usage,audit"; got != want {
		t.Errorf("admin sidebar = %s, want %s (no Billing)", got, want)
	}
	if !lena.exists("#invite-open") {
		t.Error("an Admin does not see the Invite button")
	}
	// An Admin is prevented from opening Billing: the service refuses.
	lena.open("/o/acme/billing")
	lena.waitText("#error", "see plan, seats, billing contact")
	if s := lena.status("/o/acme/billing"); s != 403 {
		t.Errorf("GET billing as Admin: status %d, want 403", s)
	}
	lena.shot("admin-billing-refused")

	lenaA := actorOf(f.userID("lena@acme.test"))
	for _, p := range []string{"dataset.delete", "training.deploy"} {
		res := "dataset:xrays"
		if strings.HasPrefix(p, "training") {
			res = "training:segmenter"
		}
		if !f.allowed(lenaA, p, res) {
			t.Errorf("team lead lacks %s on %s", p, res)
		}
	}
	if f.allowed(lenaA, "billing.view", "") {
		t.Error("team lead holds billing.view")
	}

	lena.openAccess("lena@acme.test")
	lena.waitText("#access-dataset", "All Datasets")
	if got := lena.text("#access-dataset"); !strings.Contains(got, "Dataset Owner") || !strings.Contains(got, "organization role Admin") {
		t.Errorf("lead's dataset access = %q", got)
	}
	lena.shot("member-access-lead")
}

// Seed 002, "Read-only access for stakeholders": Member, chosen datasets
// and trainings, Viewer.
func TestStakeholderRecipe(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.invite(invitation{email: "sam@board.test", role: "member",
		chosen: map[string]string{"dataset:cats": "dataset.viewer", "dataset:dogs": "dataset.viewer", "training:detector": "training.viewer"}})
	owner.click("#invite-send")
	owner.waitText("#invite-status", "sam@board.test is invited as Member")

	sam := f.accept("sam@board.test", "Sam Stakeholder")
	samID := f.userID("sam@board.test")
	// Members see their own access, and nobody else's.
	sam.openAccess("sam@board.test")
	sam.waitText("#access-dataset", "Dogs")
	got := sam.text("#access-dataset")
	if strings.Count(got, "Dataset Viewer") != 2 || strings.Contains(got, "Editor") {
		t.Errorf("stakeholder dataset access = %q", got)
	}
	if sam.exists("#grant-form") {
		t.Error("a Member sees the Add access form")
	}
	if sam.exists(`#members a[href="/o/acme/members/` + f.owner.Subject.ID + `"]`) {
		t.Error("a Member can open another member's details")
	}
	sam.shot("member-access-stakeholder")
	samA := actorOf(samID)
	if !f.allowed(samA, "dataset.view", "dataset:dogs") || f.allowed(samA, "dataset.annotate", "dataset:cats") ||
		f.allowed(samA, "training.run", "training:detector") || f.allowed(samA, "dataset.view", "dataset:xrays") {
		t.Error("stakeholder's access is not read-only on the chosen resources")
	}
}
