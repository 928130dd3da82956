package console_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// TestApprovalPages: the Owner makes training.export need approval by the
// project's owner; the project owner approves it for an editor from the
// page (not for herself), which a check then names, and ends it with End;
// the Owner lifts the gate. A Member sees the page but no gate form.
func TestApprovalPages(t *testing.T) {
	src := lookAxeSource(t)
	f, _ := ovwFixture(t)
	ctx := context.Background()
	if _, err := f.svc.PutResource(ctx, f.owner, "acme", team.ResourceRequest{Type: "training", ID: "resnet", Name: "ResNet"}); err != nil {
		t.Fatal(err)
	}
	lead := f.member("lead@acme.test", "Lea Lead", "member", domain.InvitedGrant{Role: "training.owner", Scope: "training:resnet"})
	dev := f.member("dev@acme.test", "Dev Editor", "member", domain.InvitedGrant{Role: "training.editor", Scope: "training:resnet"})
	check := func() team.CheckResult {
		t.Helper()
		r, err := f.svc.Check(ctx, f.owner, "acme", team.CheckRequest{Subject: dev.Subject.String(), Permission: "training.export", Resource: "training:resnet"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	owner := f.browser("owner")
	owner.login(ownerEmail)
	owner.open("/o/acme/general")
	owner.click("#nav-approvals")
	owner.waitFor("#gate-form")
	for _, v := range lookAxe(owner, src) {
		t.Errorf("approvals: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	owner.choose("#gate-permission", "training.export")
	owner.choose("#gate-role", "training.owner")
	owner.click("#gate-set")
	owner.waitFor(`tr[data-gate="training.export"]`)
	if check().Allowed {
		t.Fatal("gated: allowed without approval")
	}

	lea := f.browser("lead")
	lea.login("lead@acme.test")
	lea.open("/o/acme/approvals")
	lea.waitFor("#approval-form")
	if lea.exists("#gate-form") {
		t.Error("a Member is offered to set gates")
	}
	lea.typeInto("#approval-subject", lead.UserID())
	lea.typeInto("#approval-resource", "training:resnet")
	lea.typeInto("#approval-reason", "mine")
	lea.click("#approval-create")
	lea.waitText("#approval-error", "own access")

	lea.typeInto("#approval-subject", dev.UserID())
	lea.typeInto("#approval-resource", "training:resnet")
	lea.typeInto("#approval-reason", "ship v2")
	lea.click("#approval-create")
	lea.waitFor("#windows")
	for _, v := range lookAxe(lea, src) {
		t.Errorf("approvals with a window: %s (%s): %s", v.ID, v.Impact, v.Help)
	}
	r := check()
	if !r.Allowed || r.Reason == nil || !strings.Contains(r.Reason.Approval, "approved by "+lead.UserID()) {
		t.Fatalf("approved: %+v", r.Reason)
	}
	ws, err := f.svc.ListApprovals(ctx, f.owner, "acme", "active")
	if err != nil || len(ws) != 1 {
		t.Fatalf("windows %v %v", ws, err)
	}
	lea.click("#end-" + ws[0].ID)
	lea.waitFor("#windows-none")
	if check().Allowed {
		t.Fatal("allowed after End")
	}

	owner.open("/o/acme/approvals")
	owner.click(`[id="gate-delete-training.export"]`)
	owner.waitFor("#gates-none")
	if !check().Allowed {
		t.Fatal("the gate is lifted: the editor's role allows it again")
	}
}
