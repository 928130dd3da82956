package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/team"
)

// TestAccessReviewPages: the Owner opens a review from the overview, goes
// through the items with keep and revoke and a note, closes it after a
// confirmation, and the revocation holds; a Member may not open one.
func TestAccessReviewPages(t *testing.T) {
	src := lookAxeSource(t)
	f, clock := ovwFixture(t)
	ctx := context.Background()
	mia := f.member("mia@acme.test", "Mia Member", "member")
	f.ovwGrant(clock, "acme", mia, "dataset.editor", "dataset:cats", 365*ovwDay)

	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.open("/o/acme/overview")
	owner.click("#ovw-reviews")
	owner.waitFor("#review-form")
	for _, v := range lookAxe(owner, src) {
		t.Errorf("reviews: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	owner.typeInto("#review-name", "Quarterly")
	owner.click("#review-create")
	owner.waitFor("#review-items")
	if got := owner.text("#review-items"); !strings.Contains(got, "mia@acme.test") || !strings.Contains(got, "Dataset Editor") {
		t.Fatalf("items = %q", got)
	}
	for _, v := range lookAxe(owner, src) {
		t.Errorf("review: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	p, err := f.svc.ListReviews(ctx, f.owner, "acme", "", 0)
	if err != nil || len(p.Items) != 1 {
		t.Fatalf("reviews %v, %v", p, err)
	}
	rid := p.Items[0].ID
	items, err := f.svc.ListReviewItems(ctx, f.owner, "acme", rid, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var grantItem string
	for _, it := range items.Items {
		if it.UserID == mia.UserID() && it.Kind == "grant" {
			grantItem = it.ID
		}
	}
	if grantItem == "" {
		t.Fatalf("no item for Mia's grant: %+v", items.Items)
	}
	owner.typeInto("#note-"+grantItem, "left the project")
	owner.click("#revoke-" + grantItem)
	owner.waitFor("#revoke-" + grantItem + ".danger") // the page again, with the decision
	if got := owner.text("#decision-" + grantItem); !strings.Contains(got, "revoke") {
		t.Errorf("decision = %q", got)
	}
	owner.click("#review-close")
	owner.waitFor("#close-review-confirm")
	for _, v := range lookAxe(owner, src) {
		t.Errorf("close dialog: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	owner.click("#close-review-confirm")
	owner.waitFor("#review-closed")
	if got := owner.text("#decision-" + grantItem); !strings.Contains(got, "revoked") {
		t.Errorf("after close, decision = %q", got)
	}
	if owner.exists("#review-close") {
		t.Errorf("a closed review still offers to close")
	}
	got, err := chromedp.Run(owner.ctx, chromedp.Evaluate[string](`fetch("/o/acme/reviews/`+rid+`/evidence/csv").then(r => r.text())`, chromedp.EvalAwaitPromise))
	if err != nil || !strings.HasPrefix(got, "item,user_id") || !strings.Contains(got, "left the project") {
		t.Errorf("evidence CSV = %q, %v", got, err)
	}
	left, err := f.svc.ListGrants(ctx, f.owner, "acme", team.GrantQuery{Subject: mia.Subject.String()})
	if err != nil || len(left.Items) != 0 {
		t.Errorf("Mia's grants after the review closed: %+v, %v", left.Items, err)
	}

	sam := f.browser("sam")
	f.member("sam@acme.test", "Sam Member", "member")
	sam.login("sam@acme.test")
	sam.open("/o/acme/reviews")
	sam.typeInto("#review-name", "Mine")
	sam.click("#review-create")
	sam.waitFor("#review-error")
}
