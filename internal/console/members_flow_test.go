package console_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/team"
)

// membPickRole chooses a role in the Add access form as a person does (the
// change event), and waits for the "On" list of that role to swap in.
func (b *tab) membPickRole(role string) {
	b.t.Helper()
	// choose sends the change event itself; a second one would swap the
	// scope field again after the test had picked a scope in it.
	b.choose("#grant-role", role)
	b.waitFor(fmt.Sprintf(`#grant-scope-field[data-role=%q]`, role))
}

// membOptions lists the option values of a select.
func (b *tab) membOptions(sel string) []string {
	b.t.Helper()
	v := b.eval(fmt.Sprintf(`Array.from(document.querySelectorAll(%q)).map(o => o.value).join("\n")`, sel+" option"))
	if v == "" {
		return nil
	}
	return strings.Split(v, "\n")
}

// membDeepomatic adds a Deepomatic organization, with the fixture's Owner
// as its Org Admin, and an operation team.
func (f *fixture) membDeepomatic() (teamID string) {
	f.t.Helper()
	ctx := context.Background()
	if _, err := f.svc.CreateOrg(ctx, f.owner, "deepo", "Deepo Field Ops", "deepomatic"); err != nil {
		f.t.Fatal(err)
	}
	tm, err := f.svc.CreateTeam(ctx, f.owner, "deepo", "Night shift")
	if err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.CreateTeam(ctx, f.owner, "deepo", "Day shift"); err != nil {
		f.t.Fatal(err)
	}
	if _, err := f.svc.PutResource(ctx, f.owner, "deepo", team.ResourceRequest{Type: "work_order", ID: "wo-7", Name: "Pump 7", Team: tm.ID}); err != nil {
		f.t.Fatal(err)
	}
	return tm.ID
}

// The Deepomatic Org Admin invites into a team: the dialog offers a team
// and the team roles, and no block of drop-downs with nothing to choose;
// emails read as the service keeps them and sentences carry no ids; the
// new member, who holds only the base role, lands on a page they may see,
// on the team's roster with its role; the used link then says so at once.
func TestMembDeepomaticInviteIntoTeam(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	night := f.membDeepomatic()
	admin := f.browser("org admin")
	admin.login(ownerEmail)
	admin.open("/o/deepo/members")
	admin.click("#invite-open")
	admin.waitFor("#invite-form")
	// Every select offers a real choice beside "none".
	empty := admin.eval(`Array.from(document.querySelectorAll("#invite-form fieldset select")).filter(s => s.options.length < 2).map(s => s.id).join(",")`)
	if empty != "" {
		t.Errorf("selects with nothing to choose: %s", empty)
	}
	if got := admin.membOptions("#inv-team"); !slices.Contains(got, night) || len(got) != 3 {
		t.Errorf("team choices = %v", got)
	}
	teamRoles := admin.membOptions("#inv-team-role")
	for _, want := range []string{"team_admin", "team_operator", "team_field_engineer"} {
		if !slices.Contains(teamRoles, want) {
			t.Errorf("team roles %v lack %s", teamRoles, want)
		}
	}
	if slices.Contains(teamRoles, "operator") {
		t.Errorf("an org role among the team roles: %v", teamRoles)
	}
	if slices.Contains(admin.membOptions("#inv-role"), "org_admin") {
		t.Error("the top role is offered in an invitation")
	}
	admin.shot("memb-deepo-invite")
	admin.typeInto("#inv-email", "Nora.Night@Deepo.Test")
	admin.choose("#inv-team", night)
	admin.choose("#inv-team-role", "team_operator")
	admin.click("#invite-send")
	admin.waitText("#invite-status", "nora.night@deepo.test is invited as Member, with Team Operator on team Night shift")

	// Twice: the refusal names the normalised email and no id.
	admin.open("/o/deepo/members/invite")
	admin.typeInto("#inv-email", "NORA.night@deepo.test")
	admin.click("#invite-send")
	admin.waitText("#dialog-error", "nora.night@deepo.test already has a pending invitation")
	if msg := admin.text("#dialog-error"); strings.Contains(msg, "inv_") || strings.HasPrefix(msg, "N") {
		t.Errorf("refusal %q", msg)
	}

	// Acceptance: the link's page says what it offers; the new member
	// lands on General with a welcome, not on a refusal.
	link := f.mail.linkFor(t, "nora.night@deepo.test")
	nora := f.browser("nora")
	nora.open(strings.TrimPrefix(link, nora.base))
	nora.waitText("#invite-offer", "Deepo Field Ops")
	nora.typeInto("#acc-name", "Nora Night")
	nora.typeInto("#acc-password", password)
	nora.typeInto("#acc-password2", password)
	nora.click("#accept-submit")
	nora.waitText("#flash", "Welcome! You are now a member of Deepo Field Ops, as Member.")
	nora.waitPath("/o/deepo/general")
	if strings.Contains(nora.text("main"), "Not allowed") {
		t.Error("the new member lands on a refusal")
	}
	nora.shot("memb-deepo-welcome")
	teams, err := f.svc.ListTeams(context.Background(), f.owner, "deepo")
	if err != nil {
		t.Fatal(err)
	}
	noraID := ""
	for _, tm := range teams {
		if tm.ID == night {
			if len(tm.Members) != 1 {
				t.Fatalf("Night shift roster = %v", tm.Members)
			}
			noraID = tm.Members[0]
		} else if len(tm.Members) != 0 {
			t.Errorf("%s roster = %v", tm.Name, tm.Members)
		}
	}
	nu := actorOf(noraID)
	res, err := f.svc.Check(context.Background(), f.owner, "deepo", team.CheckRequest{Subject: nu.Subject.String(),
		Permission: "work_order.read", Resource: "work_order:wo-7", Channel: "backoffice"})
	if err != nil || !res.Allowed {
		t.Errorf("the team operator cannot read the team's work-order from the back-office: %+v %v", res, err)
	}

	// The used link, and a made-up one, say so before any form.
	used := f.browser("used link")
	used.open(strings.TrimPrefix(link, used.base))
	used.waitText("#invite-dead", "already accepted")
	if used.exists("#accept-form") {
		t.Error("a used link shows the sign-up form")
	}
	if got := used.text("#invite-next"); !strings.Contains(got, "log in with nora.night@deepo.test") {
		t.Errorf("used link advice = %q", got)
	}
	used.open("/invite?token=gsi_notarealtoken")
	used.waitText("#invite-dead", "not valid")
	if used.exists("#accept-form") {
		t.Error("a bad link shows the sign-up form")
	}
	used.shot("memb-invite-bad-link")
}

// vi: the Owner's invitation reads the same in its dialog, on a full load
// of the members page and after an in-place (htmx) visit; revoking it and
// revoking a grant ask first; the grant form starts on a valid pair and
// lists, for each role, only where that role can be granted.
func TestMembViInvitationsAndGrants(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.member("sam@acme.test", "Sam Member", "member")
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.invite(invitation{email: "Pat@Acme.test", role: "member", chosen: map[string]string{"dataset:cats": "dataset.editor"}})
	owner.click("#invite-send")
	owner.waitText("#invite-status", "pat@acme.test is invited as Member, with Dataset Editor on")
	sent := owner.text("#invite-status")

	owner.open("/o/acme/members") // a full load
	full := owner.text(`#invitations tr[data-email="pat@acme.test"] td[data-label="Access"]`)
	owner.click("#nav-general")
	owner.waitFor("#general-form")
	owner.click("#nav-members") // boosted: swapped in place
	owner.waitFor(`#invitations tr[data-email="pat@acme.test"]`)
	inPlace := owner.text(`#invitations tr[data-email="pat@acme.test"] td[data-label="Access"]`)
	if full != inPlace || !strings.Contains(sent, full) || !strings.Contains(full, "Cats") {
		t.Errorf("access text: dialog %q, full load %q, in place %q", sent, full, inPlace)
	}

	// Revoking asks; Cancel keeps the invitation.
	owner.click(`#invitations a[aria-label="Revoke invitation to pat@acme.test"]`)
	owner.waitText("#revoke-text", "pat@acme.test")
	owner.click(`#dialog a.button.secondary`)
	owner.waitGone("#dialog")
	if !owner.exists(`#invitations tr[data-email="pat@acme.test"]`) {
		t.Fatal("cancelling the revocation revoked the invitation")
	}
	owner.click(`#invitations a[aria-label="Revoke invitation to pat@acme.test"]`)
	owner.click("#revoke-invitation-confirm")
	owner.waitText("#flash", "The invitation of pat@acme.test was revoked")
	if owner.exists(`#invitations tr[data-email="pat@acme.test"]`) {
		t.Error("the revoked invitation is still listed")
	}

	// The grant form: for each role, only scopes where it can be granted;
	// the pair it starts with is accepted as it stands.
	owner.openAccess("sam@acme.test")
	for _, role := range owner.membOptions("#grant-role") {
		owner.membPickRole(role)
		typ, _, _ := strings.Cut(role, ".")
		for _, sc := range owner.membOptions("#grant-scope") {
			if !strings.HasPrefix(sc, typ+":") {
				t.Errorf("role %s offered on %s", role, sc)
			}
		}
	}
	owner.openAccess("sam@acme.test")
	role, scope := owner.eval(`document.getElementById("grant-role").value`), owner.eval(`document.getElementById("grant-scope").value`)
	owner.click("#grant-add")
	owner.waitText("#flash", "granted to Sam Member")
	if owner.exists("#dialog-error") {
		t.Errorf("the default pair %s on %s was refused: %s", role, scope, owner.text("#dialog-error"))
	}

	// Revoking the grant asks; Cancel goes back to Member Access.
	owner.click(`#member-grants a[aria-label^="Revoke"]`)
	owner.waitText("#revoke-text", "from Sam Member")
	owner.click(`#dialog a.button.secondary`)
	owner.waitText("#dialog-title", "Member Access")
	if !owner.exists(`#member-grants a[aria-label^="Revoke"]`) {
		t.Fatal("cancelling revoked the grant")
	}
	owner.click(`#member-grants a[aria-label^="Revoke"]`)
	owner.click("#revoke-grant-confirm")
	owner.waitText("#flash", "revoked from Sam Member")
	if owner.exists("#member-grants") {
		t.Error("the revoked grant is still listed")
	}
	owner.shot("memb-vi-grant-revoked")
}

// vi Admin and member: the Admin's Invite dialog offers only what she may
// grant; a member sees the list without management, and a confirm page of
// a revocation is refused.
func TestMembViAdminAndMember(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.member("lena@acme.test", "Lena Lead", "admin")
	f.member("sam@acme.test", "Sam Member", "member")
	inv, _, err := f.svc.Invite(context.Background(), f.owner, f.org, team.InviteRequest{Email: "pat@acme.test"})
	if err != nil {
		t.Fatal(err)
	}

	lena := f.browser("admin")
	lena.login("lena@acme.test")
	lena.open("/o/acme/members/invite")
	lena.waitFor("#invite-form")
	if got := lena.membOptions("#inv-role"); !slices.Equal(got, []string{"admin", "member"}) {
		t.Errorf("the Admin's org roles = %v", got)
	}
	if lena.exists("#access-team") {
		t.Error("a team block in a scheme without teams")
	}
	lena.open("/o/acme/invitations/" + inv.ID + "/revoke")
	lena.waitText("#revoke-text", "pat@acme.test")

	sam := f.browser("member")
	sam.login("sam@acme.test")
	sam.open("/o/acme/members")
	sam.waitFor("#members")
	if sam.exists("#invite-open") || sam.exists("#invitations") || sam.exists(`a[href$="/revoke"]`) {
		t.Error("a member is offered invitation management")
	}
	if got := sam.status("/o/acme/invitations/" + inv.ID + "/revoke"); got != 403 {
		t.Errorf("a member opens a revocation: %d", got)
	}
}

// 72 members: the list shows a page at a time, searched, sorted and paged
// by the server; a search reaches members past the first page.
func TestMembMembersPagedSortedSearched(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	seats, business := 200, "business"
	if _, err := f.svc.UpdateBilling(context.Background(), f.owner, f.org, team.BillingUpdate{Plan: &business, SeatLimit: &seats}); err != nil {
		t.Fatal(err)
	}
	for i := range 71 {
		// Names out of id order: the list must not follow internal ids.
		n := (i * 37) % 71
		f.member(fmt.Sprintf("m%02d@acme.test", n), fmt.Sprintf("Member %02d", n), "member")
	}
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.open("/o/acme/members")
	owner.waitText("#member-count", "72 of 72 members · showing 1–50")
	names := func() []string {
		return strings.Split(owner.eval(`Array.from(document.querySelectorAll("#members tbody td[data-label=Name]")).map(td => td.innerText.replace(" you", "")).join("\n")`), "\n")
	}
	first := names()
	if len(first) != 50 || first[0] != "Member 00" || first[49] != "Member 49" {
		t.Fatalf("first page by name: %d rows, %q … %q", len(first), first[0], first[len(first)-1])
	}
	owner.click("#members-next")
	owner.waitText("#member-count", "showing 51–72")
	second := names()
	if len(second) != 22 || second[0] != "Member 50" || second[21] != "Owner" {
		t.Errorf("second page: %d rows, %q … %q", len(second), second[0], second[len(second)-1])
	}
	if owner.exists("#members-next") {
		t.Error("a next page after the last")
	}
	owner.click("#members-prev")
	owner.waitText("#member-count", "showing 1–50")

	// Sorting by email, then reversed, from the column heads.
	owner.click(`#members th a[href*="sort=email"]`)
	owner.waitFor(`#members th[aria-sort="ascending"]`)
	emails := func() []string {
		return strings.Split(owner.eval(`Array.from(document.querySelectorAll("#members tbody td[data-label=Email]")).map(td => td.innerText).join("\n")`), "\n")
	}
	if e := emails(); e[0] != "m00@acme.test" || !slices.IsSorted(e) {
		t.Errorf("by email: %v", e[:3])
	}
	owner.waitPath("/o/acme/members?sort=email")
	owner.eval(`(function(){document.querySelector('#members th[aria-sort="ascending"] a').click(); return ""})()`)
	owner.waitFor(`#members th[aria-sort="descending"]`)
	if e := emails(); e[0] != "olivia@acme.test" || e[1] != "m70@acme.test" {
		t.Errorf("by email, reversed: %v", e[:3])
	}

	// A search finds a member past the first page, and keeps the order.
	owner.typeInto("#q", "M6")
	owner.click("#search-submit")
	owner.waitText("#member-count", "10 of 72 members")
	if e := emails(); len(e) != 10 || e[0] != "m69@acme.test" {
		t.Errorf("search M6, by email reversed: %v", e)
	}
	if owner.exists("#member-pager") {
		t.Error("a pager for one page")
	}
	owner.shot("memb-members-search")
}

// At phone width the Member Access dialog fits 360 px with its Revoke in
// view, and every cell of the members and invitations tables is labelled
// for the stacked layout.
func TestMembPhoneWidth(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	sam := f.member("sam@acme.test", "Sam Member", "member")
	if _, _, err := f.svc.CreateGrant(context.Background(), f.owner, f.org, team.GrantRequest{Subject: sam.Subject.String(),
		Role: "dataset.editor", Scope: "dataset:xrays"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.Invite(context.Background(), f.owner, f.org, team.InviteRequest{Email: "pat@acme.test"}); err != nil {
		t.Fatal(err)
	}
	b := f.browser("owner")
	b.do(chromedpViewport(360, 780))
	b.login(ownerEmail)
	b.open("/o/acme/members")
	b.waitFor("#members")
	if n := b.eval(`String(document.querySelectorAll("#members td:not([data-label]), #invitations td:not([data-label])").length)`); n != "0" {
		t.Errorf("%s table cells without data-label", n)
	}
	// Save and Remove of a member's row are on screen, and nothing scrolls sideways.
	inView := func(sel string) string {
		return b.eval(fmt.Sprintf(`(function(){var w=document.documentElement.clientWidth; var e=document.querySelector(%q); if(!e) return "missing";
			var r=e.getBoundingClientRect(); return r.left >= 0 && r.right <= w && document.documentElement.scrollWidth <= w ? "ok" : r.left + "–" + r.right + " in " + w + ", page " + document.documentElement.scrollWidth})()`, sel))
	}
	for _, sel := range []string{
		`#members tr[data-email="sam@acme.test"] button[type=submit]`,
		`#members tr[data-email="sam@acme.test"] a[href$="/remove"]`,
		`#invitations button[aria-label^="Resend"]`,
	} {
		if got := inView(sel); got != "ok" {
			t.Errorf("%s at 360 px: %s", sel, got)
		}
	}
	b.shot("memb-members-phone")
	b.open("/o/acme/members/" + sam.Subject.ID)
	b.waitFor("#member-grants")
	if got := b.eval(`(function(){var d=document.getElementById("dialog").getBoundingClientRect(), w=document.documentElement.clientWidth;
		return d.right <= w && d.left >= 0 && document.documentElement.scrollWidth <= w ? "fits" : "dialog " + d.left + "–" + d.right + ", page " + document.documentElement.scrollWidth + " in " + w})()`); got != "fits" {
		t.Errorf("at 360 px: %s", got)
	}
	revoke := b.eval(`(function(){var r=document.querySelector("#member-grants a[aria-label^=Revoke]").getBoundingClientRect(); return String(r.right <= document.documentElement.clientWidth && r.left >= 0)})()`)
	if revoke != "true" {
		t.Error("Revoke is off-screen at 360 px")
	}
	if n := b.eval(`String(document.querySelectorAll("#dialog td:not([data-label])").length)`); n != "0" {
		t.Errorf("%s dialog cells without data-label", n)
	}
	b.shot("memb-member-access-phone")
}
