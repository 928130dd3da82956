package console_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// TestAccessRequestPages: a Member asks for access from the sidebar's
// Access requests page; the Owner approves it until a date there, and the
// grant ends then; a second request is denied; the requester has no
// Approve button on her own request but may withdraw it.
func TestAccessRequestPages(t *testing.T) {
	src := lookAxeSource(t)
	f, clock := ovwFixture(t)
	ctx := context.Background()
	mia := f.member("mia@acme.test", "Mia Member", "member")

	mb := f.browser("mia")
	mb.login("mia@acme.test")
	mb.open("/o/acme/general")
	mb.click("#nav-requests")
	mb.waitFor("#request-form")
	for _, v := range lookAxe(mb, src) {
		t.Errorf("requests: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	ask := func(role, resource, reason string) string {
		t.Helper()
		mb.choose("#request-role", role)
		mb.typeInto("#request-resource", resource)
		mb.typeInto("#request-reason", reason)
		mb.click("#request-create")
		// The page being left may already show a list of requests, so the
		// step waits for the request itself, then for its row.
		deadline := time.Now().Add(10 * time.Second)
		for {
			p, err := f.svc.ListRequests(ctx, mia, "acme", team.RequestQuery{State: domain.RequestPending, Resource: resource})
			if err == nil && len(p.Items) > 0 {
				mb.waitFor("#request-" + p.Items[0].ID)
				return p.Items[0].ID
			}
			if time.Now().After(deadline) {
				mb.dump()
				t.Fatalf("mia's request on %s: %+v %v", resource, p.Items, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	first := ask("dataset.editor", "dataset:cats", "Q3 batch")
	if got := mb.text("#request-" + first); !strings.Contains(got, "Dataset Editor") || !strings.Contains(got, "pending") {
		t.Errorf("mia's row = %q", got)
	}
	if mb.exists("#approve-"+first) || !mb.exists("#withdraw-"+first) {
		t.Error("the requester should withdraw her request, not approve it")
	}
	// A role that cannot be granted on a dataset is refused with a sentence.
	mb.choose("#request-role", "admin")
	mb.typeInto("#request-resource", "dataset:cats")
	mb.click("#request-create")
	mb.waitFor("#request-error")
	second := ask("dataset.viewer", "dataset:dogs", "checking labels")

	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.open("/o/acme/requests")
	owner.waitFor("#approve-" + first)
	for _, v := range lookAxe(owner, src) {
		t.Errorf("requests (owner): %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	ends := clock.Now().Add(10 * 24 * time.Hour).UTC().Format("2006-01-02")
	owner.eval(`document.querySelector("#until-` + first + `").value = "` + ends + `"; "ok"`)
	owner.typeInto("#note-"+first, "for the batch")
	owner.click("#approve-" + first)
	owner.waitText("#state-"+first, "approved")
	gs, err := f.svc.ListGrants(ctx, f.owner, "acme", team.GrantQuery{Subject: mia.Subject.String(), Scope: "dataset:cats"})
	if err != nil || len(gs.Items) != 1 || gs.Items[0].Role != "dataset.editor" || gs.Items[0].ExpiresAt == nil ||
		gs.Items[0].ExpiresAt.UTC().Format("2006-01-02") != ends {
		t.Fatalf("the approved grant: %+v %v", gs.Items, err)
	}
	owner.click("#deny-" + second)
	owner.waitText("#state-"+second, "denied")

	third := ask("dataset.viewer", "dataset:cats", "later")
	mb.click("#withdraw-" + third)
	mb.waitText("#state-"+third, "withdrawn")
}
