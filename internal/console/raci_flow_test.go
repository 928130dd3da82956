package console_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// The RACI page, from the overview: the seed's tables with the people who
// hold each row, a QA lead named through the form, and the exports.
func TestRACIPage(t *testing.T) {
	src := lookAxeSource(t)
	f, _ := ovwFixture(t)
	mia := f.member("mia@acme.test", "Mia Member", "member", domain.InvitedGrant{Role: "dataset.editor", Scope: "dataset:cats"})

	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.open("/o/acme/overview")
	owner.click("#ovw-raci")
	owner.waitFor("#raci-labeling")
	if got := owner.text("#raci-labeling tr[data-letter=R]"); !strings.Contains(got, "Cats") || !strings.Contains(got, "Mia Member") ||
		!strings.Contains(got, "Dataset Editor (dataset.annotate)") {
		t.Errorf("labeling R = %q", got)
	}
	if got := owner.text("#raci-labeling tr[data-letter=A]"); !strings.Contains(got, "QA lead: not named yet") {
		t.Errorf("labeling A before naming = %q", got)
	}

	owner.typeInto("#assign-name", "QA lead")
	owner.click(`#raci-assign input[value="` + mia.UserID() + `"]`)
	owner.click("#assign-submit")
	owner.waitFor("#raci-assigned")
	if got := owner.text("#raci-assigned"); !strings.Contains(got, "QA lead") || !strings.Contains(got, "mia@acme.test") {
		t.Errorf("named assignments = %q", got)
	}
	if got := owner.text("#raci-labeling tr[data-letter=A]"); !strings.Contains(got, "Mia Member") || !strings.Contains(got, "named QA lead") ||
		strings.Contains(got, "QA lead: not named yet") {
		t.Errorf("labeling A after naming = %q", got)
	}
	for _, v := range lookAxe(owner, src) {
		t.Errorf("raci: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	owner.shot("raci")
	got, err := chromedp.Run(owner.ctx, chromedp.Evaluate[string](`fetch("/o/acme/raci.csv").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(got, "table,letter,activity,scope,name,email,user_id,because") || !strings.Contains(got, "mia@acme.test") {
		t.Errorf("CSV = %q, %v", got, err)
	}
	page, err := chromedp.Run(owner.ctx, chromedp.Evaluate[string](`fetch("/o/acme/raci.html").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(page, "<!doctype html>") || !strings.Contains(page, "Mia Member") {
		t.Errorf("printable page = %.200q, %v", page, err)
	}

	sam := f.browser("sam")
	f.member("sam@acme.test", "Sam Member", "member")
	sam.login("sam@acme.test")
	if s := sam.status("/o/acme/raci"); s != http.StatusForbidden {
		t.Errorf("a Member opening RACI: %d, want 403", s)
	}
}
