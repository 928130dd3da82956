package console_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/team"
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

// The stale-access report, from the overview: idle people, unused keys,
// ended grants and memberless groups that hold access, with a CSV.
func TestStaleAccessPage(t *testing.T) {
	src := lookAxeSource(t)
	f, clock := ovwFixture(t)
	ctx := context.Background()
	mia := f.member("mia@acme.test", "Mia Member", "member")
	f.ovwGrant(clock, "acme", mia, "dataset.editor", "dataset:cats", time.Hour)
	f.ovwKey(clock, "acme", "old-etl", 0)
	g, err := f.svc.CreateGroup(ctx, f.owner, "acme", "Night shift")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateGrant(ctx, f.owner, "acme", team.GrantRequest{Subject: "group:" + g.ID, Role: "dataset.viewer", Scope: "dataset:dogs"}); err != nil {
		t.Fatal(err)
	}
	clock.Advance(40 * ovwDay)

	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.open("/o/acme/overview")
	owner.click("#ovw-stale")
	owner.waitFor("#stale-form")
	// Mia last signed in 40 days ago: within the default 90, past 30.
	if owner.exists("#stale-idle") {
		t.Errorf("idle members at 90 days: %q", owner.text("#stale-idle"))
	}
	owner.typeInto("#stale-days", "30")
	owner.click("#stale-form button[type=submit]")
	owner.waitFor("#stale-idle")
	for sel, want := range map[string]string{"#stale-idle": "Mia Member", "#stale-keys": "old-etl",
		"#stale-expired": "Cats", "#stale-groups": "Night shift"} {
		if got := owner.text(sel); !strings.Contains(got, want) {
			t.Errorf("%s = %q, want %q in it", sel, got, want)
		}
	}
	if got := owner.text("#stale-expired"); !strings.Contains(got, "Mia Member") || !strings.Contains(got, "Dataset Editor") {
		t.Errorf("ended grants = %q", got)
	}
	for _, v := range lookAxe(owner, src) {
		t.Errorf("stale access: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	owner.shot("stale-access")
	got, err := chromedp.Run(owner.ctx, chromedp.Evaluate[string](`fetch("/o/acme/stale-access.csv?days=30").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(got, "kind,id,name,email,detail,last_used") || !strings.Contains(got, "mia@acme.test") {
		t.Errorf("CSV = %q, %v", got, err)
	}
	owner.open("/o/acme/stale-access?days=0")
	if got := owner.text("main"); !strings.Contains(got, "days must be a whole number from 1 to 3650") && !strings.Contains(got, "Days must be") {
		t.Errorf("days=0 page: %q", got)
	}

	sam := f.browser("sam")
	f.member("sam@acme.test", "Sam Member", "member")
	sam.login("sam@acme.test")
	if s := sam.status("/o/acme/stale-access"); s != http.StatusForbidden {
		t.Errorf("a Member opening stale access: %d, want 403", s)
	}
}

// Groups (and teams, on the same pages) are searched, sorted and paged by
// the server.
func TestCollectionsPagedSearched(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	sam := f.member("sam@acme.test", "Sam Member", "member")
	for i := range 55 {
		g, err := f.svc.CreateGroup(ctx, f.owner, f.org, fmt.Sprintf("Crew %02d", i))
		if err != nil {
			t.Fatal(err)
		}
		if i == 42 {
			if _, err := f.svc.SetGroupMember(ctx, f.owner, f.org, g.ID, sam.Subject.ID, false); err != nil {
				t.Fatal(err)
			}
		}
	}
	b := f.browser("owner")
	b.login(ownerEmail)
	b.open("/o/acme/groups")
	if got := b.text("#collection-count"); got != "55 of 55 groups" {
		t.Errorf("count = %q", got)
	}
	rows := func() string {
		return b.eval(`Array.from(document.querySelectorAll("#collections tbody tr td:first-child")).map(td => td.textContent.trim()).join(",")`)
	}
	if got := strings.Split(rows(), ","); len(got) != 50 || got[0] != "Crew 00" {
		t.Errorf("first page: %d rows from %q", len(got), got[0])
	}
	b.click("#collections-next")
	b.waitFor("#collections-prev")
	if got := rows(); got != "Crew 50,Crew 51,Crew 52,Crew 53,Crew 54" {
		t.Errorf("second page: %q", got)
	}
	// By members, most first: Crew 42 holds Sam.
	b.open("/o/acme/groups?sort=-members")
	if got := strings.Split(rows(), ","); got[0] != "Crew 42" {
		t.Errorf("most members first: %q", got[0])
	}
	b.typeInto("#col-q", "crew 4")
	b.click("#collection-search button[type=submit]")
	b.waitText("#collection-count", "10 of 55 groups")
	b.typeInto("#col-q", "nobody")
	b.click("#collection-search button[type=submit]")
	b.waitText("#collections", "No group is named like")
}
