package console_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// Usage shows what the organization uses against its plan; the plan is
// chosen from the plans the server offers, and a plan the organization
// does not fit is refused in words.
func TestUsageAndPlans(t *testing.T) {
	src := lookAxeSource(t)
	f := newFixture(t, fixtureOpts{})
	f.member("lena@acme.test", "Lena Lead", "admin")
	f.member("sam@acme.test", "Sam Member", "member")
	f.member("mia@acme.test", "Mia Member", "member")
	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.click("#nav-usage")
	owner.waitFor("#usage")
	if got := owner.text("#usage-plan"); !strings.Contains(got, "Team plan") {
		t.Errorf("plan line = %q", got)
	}
	for sel, want := range map[string][]string{
		`#usage tr[data-id="seats"]`:              {"Seats", "4", "25", "21"},
		`#usage tr[data-id="resources.dataset"]`:  {"Datasets", "3", "100", "97"},
		`#usage tr[data-id="resources.training"]`: {"Training", "2", "100"},
		`#usage tr[data-id="custom_roles"]`:       {"Custom roles", "0", "10"},
	} {
		got := owner.text(sel)
		for _, w := range want {
			if !strings.Contains(got, w) {
				t.Errorf("%s = %q, want %q in it", sel, got, w)
			}
		}
	}
	for _, width := range []int64{1280, 360} {
		lookViewport(owner, width)
		owner.open("/o/acme/usage")
		for _, v := range lookAxe(owner, src) {
			t.Errorf("%d usage: %s (%s): %s", width, v.ID, v.Impact, v.Help)
		}
		if w := owner.eval(`String(document.documentElement.scrollWidth)`); w != fmt.Sprint(width) {
			t.Errorf("usage at %d px is %s px wide", width, w)
		}
	}
	lookViewport(owner, 1280)
	owner.shot("usage")

	// Billing offers the server's plans; Free holds 3 seats and 4 are in use.
	owner.open("/o/acme/billing")
	if got := strings.Join(owner.membOptions("#bill-plan"), ","); got != "free,team,business,enterprise" {
		t.Errorf("plans offered = %q", got)
	}
	owner.choose("#bill-plan", "free")
	owner.click("#billing-form button[type=submit]")
	owner.waitText("#error", "Free plan")
	if got := owner.text("#error"); !strings.Contains(got, "The Free plan allows 3 seats and 4 are in use") {
		t.Errorf("downgrade refusal: %q", got)
	}
	owner.open("/o/acme/billing")
	owner.choose("#bill-plan", "business")
	owner.click("#billing-form button[type=submit]")
	owner.waitText("#flash", "Billing updated")
	owner.waitText("#plan", "Business")
	owner.open("/o/acme/usage")
	if got := owner.text(`#usage tr[data-id="resources.dataset"]`); !strings.Contains(got, "1000") {
		t.Errorf("datasets on Business = %q", got)
	}

	// Admins see usage (usage.view), Members do not.
	lena := f.browser("lena")
	lena.login("lena@acme.test")
	if !strings.Contains(lena.navIDs(), "usage") {
		t.Errorf("the Admin's menu lacks Usage: %s", lena.navIDs())
	}
	sam := f.browser("sam")
	sam.login("sam@acme.test")
	if strings.Contains(sam.navIDs(), "usage") {
		t.Errorf("a Member's menu shows Usage: %s", sam.navIDs())
	}
	if s := sam.status("/o/acme/usage"); s != http.StatusForbidden {
		t.Errorf("a Member opening Usage: %d, want 403", s)
	}
}
