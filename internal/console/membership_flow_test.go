package console_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// A contractor's membership, in the console: the Owner sets the date it
// ends from the member's page, the list says "until" and then "membership
// ended" once the date has passed, and "No end" takes the end away; an
// invitation can carry the end from the start.
func TestMembershipEndFlow(t *testing.T) {
	src := lookAxeSource(t)
	f, clock := ovwFixture(t)
	f.member("cora@contract.test", "Cora Contractor", "member")
	cora := f.userID("cora@contract.test")
	owner := f.browser("owner")
	owner.login(ownerEmail)

	owner.open("/o/acme/members/" + cora)
	owner.waitFor("#ends-form")
	if owner.exists("#member-ends") {
		t.Errorf("a membership without end says %q", owner.text("#member-ends"))
	}
	end := clock.Now().AddDate(0, 0, 10).Format("2006-01-02")
	owner.eval(fmt.Sprintf(`document.querySelector("#member-ends-date").value = %q; ""`, end))
	owner.click("#ends-save")
	owner.waitFor("#flash")
	if got := owner.text("#flash"); !strings.Contains(got, "Cora Contractor's membership ends on") {
		t.Errorf("flash = %q", got)
	}
	if got := owner.text("#member-ends"); !strings.HasPrefix(got, "Membership ends") {
		t.Errorf("member page = %q", got)
	}
	owner.open("/o/acme/members")
	row := fmt.Sprintf(`#members tr[data-user=%q]`, cora)
	owner.waitFor(row)
	if got := owner.text(row); !strings.Contains(got, "until") {
		t.Errorf("member row before the end = %q", got)
	}

	clock.Advance(11 * 24 * time.Hour)
	owner.login(ownerEmail) // the session did not outlast eleven days
	owner.open("/o/acme/members")
	owner.waitFor(row)
	if got := owner.text(row); !strings.Contains(got, "membership ended") {
		t.Errorf("member row after the end = %q", got)
	}
	owner.open("/o/acme/members/" + cora)
	owner.waitFor("#member-ends")
	if got := owner.text("#member-ends"); !strings.Contains(got, "ended") || !strings.Contains(got, "no seat") {
		t.Errorf("member page after the end = %q", got)
	}
	for _, v := range lookAxe(owner, src) {
		t.Errorf("member page with an ended membership: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	owner.shot("membership-ended")
	owner.click("#ends-clear")
	owner.waitFor("#flash")
	if owner.exists("#member-ends") || !strings.Contains(owner.text("#flash"), "no longer ends") {
		t.Errorf("after No end: flash %q, end shown %v", owner.text("#flash"), owner.exists("#member-ends"))
	}
	// The top role's membership never ends: its page offers no end date.
	owner.open("/o/acme/members/" + f.owner.UserID())
	owner.waitFor("#member-name")
	if owner.exists("#ends-form") {
		t.Error("the Owner's own page offers an end date")
	}

	// An invitation with the end of the membership it creates.
	owner.open("/o/acme/members")
	owner.click("#invite-open")
	owner.waitFor("#invite-form")
	owner.typeInto("#inv-email", "dan@contract.test")
	invEnd := clock.Now().AddDate(0, 3, 0).Format("2006-01-02")
	owner.eval(fmt.Sprintf(`document.querySelector("#inv-ends").value = %q; ""`, invEnd))
	owner.click("#invite-form button[type=submit]")
	owner.waitFor("#invite-link")
	invs, err := f.svc.ListInvitations(context.Background(), f.owner, "acme")
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, i := range invs {
		if i.Email == "dan@contract.test" {
			found = i.MembershipExpiresAt != nil && i.MembershipExpiresAt.Format("2006-01-02") == invEnd
		}
	}
	if !found {
		t.Errorf("the invitation lacks the membership end %s: %+v", invEnd, invs)
	}
}
