package replica_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
	"github.com/gatehouse/gatehouse/internal/team"
)

// TestReplicasSeeGatesAndApprovals: a gate and a window written on one
// replica decide checks on another, one following the changelog and one
// started afterwards (from the snapshot), and so does ending the window.
func TestReplicasSeeGatesAndApprovals(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	a := openReplica(t, url)
	boot, err := a.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	b := openReplica(t, url)
	if _, err := a.PutResource(ctx, owner, "acme", team.ResourceRequest{Type: "training", ID: "resnet"}); err != nil {
		t.Fatal(err)
	}
	inv, _, err := a.Invite(ctx, owner, "acme", team.InviteRequest{Email: "dev@acme.test", Role: "member",
		Grants: []domain.InvitedGrant{{Role: "training.editor", Scope: "training:resnet"}}})
	if err != nil {
		t.Fatal(err)
	}
	acc, _, err := a.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: "Dev", Password: "developer passphrase"})
	if err != nil {
		t.Fatal(err)
	}
	gate, err := a.SetGate(ctx, owner, "acme", "training.export", team.GateRequest{ApproverRole: "owner"})
	if err != nil {
		t.Fatal(err)
	}
	check := func(svc *team.Service, rev int64) team.CheckResult {
		t.Helper()
		r, err := svc.Check(ctx, owner, "acme", team.CheckRequest{Subject: "user:" + acc.UserID, Permission: "training.export",
			Resource: "training:resnet", AtLeastRevision: rev})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := check(b, gate.Revision); r.Allowed {
		t.Fatalf("replica b ignores the gate: %+v", r)
	}
	ap, err := a.CreateApproval(ctx, owner, "acme", team.ApprovalRequest{Subject: acc.UserID, Permission: "training.export",
		Resource: "training:resnet", Until: time.Now().Add(time.Hour), Reason: "release"})
	if err != nil {
		t.Fatal(err)
	}
	if r := check(b, ap.Revision); !r.Allowed || !strings.Contains(r.Reason.Approval, ap.ID) {
		t.Fatalf("replica b misses the window: %+v", r)
	}
	c := openReplica(t, url) // built from the snapshot
	if r := check(c, ap.Revision); !r.Allowed || !strings.Contains(r.Reason.Approval, ap.ID) {
		t.Fatalf("a replica loaded afterwards misses the window: %+v", r)
	}
	ended, err := a.EndApproval(ctx, owner, "acme", ap.ID)
	if err != nil {
		t.Fatal(err)
	}
	for name, svc := range map[string]*team.Service{"b": b, "c": c} {
		if r := check(svc, ended.Revision); r.Allowed {
			t.Errorf("replica %s still allows after the window ended", name)
		}
	}
}
