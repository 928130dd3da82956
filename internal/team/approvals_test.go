package team_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// TestApprovalGate walks vi's gated training.export: who may gate and
// ungate it, who may approve (a holder of the approver role there, who
// holds the permission too, never for themselves), and what a check says
// before, during and after a window.
func TestApprovalGate(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	boot, err := svc.Bootstrap(ctx, "vi", "Vi", "vi", "owner@vi.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	if _, err := svc.PutResource(ctx, owner, "vi", team.ResourceRequest{Type: "training", ID: "resnet"}); err != nil {
		t.Fatal(err)
	}
	join := func(email string, grants ...domain.InvitedGrant) team.Actor {
		t.Helper()
		inv, _, err := svc.Invite(ctx, owner, "vi", team.InviteRequest{Email: email, Role: "member", Grants: grants})
		if err != nil {
			t.Fatalf("invite %s: %v", email, err)
		}
		acc, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: email, Password: "violet anchor meadow"})
		if err != nil {
			t.Fatalf("accept %s: %v", email, err)
		}
		return team.Actor{Subject: domain.UserSubject(acc.UserID)}
	}
	lead := join("lead@vi.test", domain.InvitedGrant{Role: "training.owner", Scope: "training:resnet"})
	dev := join("dev@vi.test", domain.InvitedGrant{Role: "training.editor", Scope: "training:resnet"})
	plain := join("plain@vi.test")
	// A people manager: user management, but no training permission.
	if _, _, err := svc.CreateRole(ctx, owner, "vi", domain.Role{ID: "people", Name: "People", ScopeType: "org",
		Permissions: []domain.RolePermission{{ID: "members.manage"}, {ID: "members.view"}, {ID: "org.view"}}}); err != nil {
		t.Fatal(err)
	}
	people := join("people@vi.test")
	if _, _, err := svc.CreateGrant(ctx, owner, "vi", team.GrantRequest{Subject: people.Subject.String(), Role: "people", Scope: "org"}); err != nil {
		t.Fatal(err)
	}

	code := func(what string, err error, want fault.Code) {
		t.Helper()
		if got := fault.CodeOf(err); err == nil || got != want {
			t.Fatalf("%s: got %v, want %s", what, err, want)
		}
	}
	_, err = svc.SetGate(ctx, owner, "vi", "members.manage", team.GateRequest{ApproverRole: "owner"})
	code("gating a permission the policy names", err, fault.Invalid)
	_, err = svc.SetGate(ctx, owner, "vi", "training.export", team.GateRequest{ApproverRole: "nope"})
	code("unknown approver role", err, fault.Invalid)
	_, err = svc.SetGate(ctx, plain, "vi", "training.export", team.GateRequest{ApproverRole: "training.owner"})
	code("a member sets a gate", err, fault.Forbidden)
	_, err = svc.SetGate(ctx, people, "vi", "training.export", team.GateRequest{ApproverRole: "training.owner"})
	code("a user manager without training.export sets a gate", err, fault.Forbidden)
	for _, p := range []string{"training.export", "training.deploy"} {
		role := "training.owner"
		if p == "training.deploy" {
			role = "member" // every member holds it: the approver's own holding decides
		}
		if _, err := svc.SetGate(ctx, owner, "vi", p, team.GateRequest{ApproverRole: role}); err != nil {
			t.Fatalf("gate %s: %v", p, err)
		}
	}

	check := func(perm string) team.CheckResult {
		t.Helper()
		r, err := svc.Check(ctx, dev, "vi", team.CheckRequest{Permission: perm, Resource: "training:resnet"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := check("training.export"); r.Allowed || r.Reason == nil || !strings.Contains(r.Reason.Approval, "needs approval") {
		t.Fatalf("gated, no window: %+v", r)
	}
	if !check("training.run").Allowed {
		t.Fatal("an ungated permission is untouched")
	}

	until := time.Now().Add(2 * time.Hour)
	req := team.ApprovalRequest{Subject: dev.UserID(), Permission: "training.export", Resource: "training:resnet", Until: until, Reason: "release v2"}
	_, err = svc.CreateApproval(ctx, plain, "vi", req)
	code("a non-holder of the approver role approves", err, fault.Forbidden)
	_, err = svc.CreateApproval(ctx, plain, "vi", team.ApprovalRequest{Subject: dev.UserID(), Permission: "training.deploy",
		Resource: "training:resnet", Until: until, Reason: "deploy"})
	code("an approver lacking the gated permission approves", err, fault.Forbidden)
	self := req
	self.Subject = lead.UserID()
	_, err = svc.CreateApproval(ctx, lead, "vi", self)
	code("self-approval", err, fault.Forbidden)
	late := req
	late.Until = time.Now().Add(31 * 24 * time.Hour)
	_, err = svc.CreateApproval(ctx, lead, "vi", late)
	code("a window past the cap", err, fault.Invalid)
	past := req
	past.Until = time.Now().Add(-time.Minute)
	_, err = svc.CreateApproval(ctx, lead, "vi", past)
	code("a window in the past", err, fault.Invalid)
	ungated := req
	ungated.Permission = "training.run"
	_, err = svc.CreateApproval(ctx, lead, "vi", ungated)
	code("a window on an ungated permission", err, fault.Invalid)

	// A window for one's own key is one for oneself.
	if _, err := svc.SetGate(ctx, owner, "vi", "training.delete", team.GateRequest{ApproverRole: "owner"}); err != nil {
		t.Fatal(err)
	}
	k, _, err := svc.CreateKey(ctx, owner, "vi", team.KeyRequest{Name: "ci", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = svc.CreateApproval(ctx, owner, "vi", team.ApprovalRequest{Subject: "key:" + k.ID, Permission: "training.delete",
		Until: until, Reason: "cleanup"})
	code("approving one's own key", err, fault.Forbidden)
	if !strings.Contains(err.Error(), "own access") {
		t.Fatalf("approving one's own key: %v", err)
	}
	if _, err := svc.CreateApproval(ctx, owner, "vi", team.ApprovalRequest{Subject: dev.UserID(), Permission: "training.delete",
		Until: until, Reason: "cleanup"}); err != nil {
		t.Fatalf("the Owner approves org-wide for another: %v", err)
	}

	ap, err := svc.CreateApproval(ctx, lead, "vi", req)
	if err != nil {
		t.Fatal(err)
	}
	r := check("training.export")
	if !r.Allowed || r.Reason == nil || !strings.Contains(r.Reason.Approval, "approved by "+lead.UserID()+" (approval "+ap.ID+")") {
		t.Fatalf("within the window: %+v", r.Reason)
	}
	active, err := svc.ListApprovals(ctx, dev, "vi", "active")
	if err != nil || len(active) != 2 || active[0].ID != ap.ID {
		t.Fatalf("active windows: %+v %v", active, err)
	}
	_, err = svc.ListApprovals(ctx, dev, "vi", "bogus")
	code("a bad state", err, fault.Invalid)

	_, err = svc.EndApproval(ctx, plain, "vi", ap.ID)
	code("a bystander ends a window", err, fault.Forbidden)
	if _, err := svc.EndApproval(ctx, lead, "vi", ap.ID); err != nil {
		t.Fatal(err)
	}
	if check("training.export").Allowed {
		t.Fatal("an ended window allows nothing")
	}

	_, err = svc.DeleteGate(ctx, people, "vi", "training.export")
	code("ungating by a user manager without the permission", err, fault.Forbidden)
	_, err = svc.DeleteGate(ctx, plain, "vi", "training.export")
	code("ungating by a member", err, fault.Forbidden)
	if _, err := svc.DeleteGate(ctx, owner, "vi", "training.export"); err != nil {
		t.Fatal(err)
	}
	if r := check("training.export"); !r.Allowed || r.Reason.Approval != "" {
		t.Fatalf("ungated: %+v", r)
	}
	gates, err := svc.ListGates(ctx, dev, "vi")
	if err != nil || len(gates) != 2 || gates[0].Permission != "training.delete" || gates[1].Permission != "training.deploy" {
		t.Fatalf("gates: %+v %v", gates, err)
	}
}
