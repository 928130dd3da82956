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
	b.choose("#grant-role", role)
	b.eval(`(function(){document.getElementById("grant-role").dispatchEvent(new Event("change", {bubbles: true})); return ""})()`)
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
