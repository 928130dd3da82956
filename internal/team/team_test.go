package team_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/team"
)

// testAuditKey seals and verifies the audit chains of this package's tests.
var testAuditKey = audit.NewKey()

// newService is a server's use cases over a SQLite file of their own.
func newService(t *testing.T) (*team.Service, store.Store) {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Key: testAuditKey,
		Config: server.Config{NoConsole: true, PollInterval: 50 * time.Millisecond, RevealInvitationTokens: true}})
	return env.Service(), env.Store()
}

// TestContractorFlow walks seed 002's contractor recipe through the use
// cases: invite as member with an expiring dataset grant, accept, check,
// remove; every step is visible to the very next decision.
func TestContractorFlow(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	boot, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	if _, err := svc.PutResource(ctx, owner, "acme", team.ResourceRequest{Type: "dataset", ID: "cats"}); err != nil {
		t.Fatal(err)
	}
	inv, _, err := svc.Invite(ctx, owner, "acme", team.InviteRequest{Email: "con@acme.test", Role: "member",
		Grants: []domain.InvitedGrant{{Role: "dataset.editor", Scope: "dataset:cats"}}})
	if err != nil {
		t.Fatal(err)
	}
	acc, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: "Con", Password: "contractor-pass"})
	if err != nil {
		t.Fatal(err)
	}
	con := team.Actor{Subject: domain.UserSubject(acc.UserID)}
	check := func(perm string) bool {
		t.Helper()
		r, err := svc.Check(ctx, con, "acme", team.CheckRequest{Permission: perm, Resource: "dataset:cats"})
		if err != nil {
			t.Fatal(err)
		}
		return r.Allowed
	}
	if !check("dataset.annotate") || check("dataset.delete") {
		t.Fatal("contractor should annotate but not delete")
	}
	// A member may not grant; the contractor may not escalate itself.
	_, _, err = svc.CreateGrant(ctx, con, "acme", team.GrantRequest{Subject: con.Subject.String(), Role: "dataset.owner", Scope: "dataset:cats"})
	if fault.CodeOf(err) != fault.Forbidden {
		t.Fatalf("self-escalation: got %v, want forbidden", err)
	}
	_, rev, err := svc.RemoveMember(ctx, owner, "acme", acc.UserID)
	if err != nil {
		t.Fatal(err)
	}
	if rev <= 0 {
		t.Fatalf("revision %d", rev)
	}
	if _, err := svc.Check(ctx, con, "acme", team.CheckRequest{Permission: "dataset.view", Resource: "dataset:cats"}); fault.CodeOf(err) != fault.NotFound {
		t.Fatalf("removed member: got %v, want not found (no longer sees the org)", err)
	}
	// The owner's check about the removed subject is a plain denial.
	r, err := svc.Check(ctx, owner, "acme", team.CheckRequest{Subject: con.Subject.String(), Permission: "dataset.view", Resource: "dataset:cats"})
	if err != nil || r.Allowed {
		t.Fatalf("removed member allowed=%v err=%v", r.Allowed, err)
	}
	v, err := svc.VerifyAudit(ctx, owner, "acme")
	if err != nil || !v.OK || v.Events < 5 {
		t.Fatalf("audit verify: %+v %v", v, err)
	}
}

// TestTenantIsolation: one org's credentials see nothing of another's.
func TestTenantIsolation(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	a, err := svc.Bootstrap(ctx, "org-a", "A", "vi", "a@a.test", "amber kettle orbit")
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Bootstrap(ctx, "org-b", "B", "vi", "b@b.test", "birch lantern quiet")
	if err != nil {
		t.Fatal(err)
	}
	ownerB := team.Actor{Subject: domain.UserSubject(b.UserID)}
	keyA, err := svc.Authenticate(ctx, a.SecretKey, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PutResource(ctx, ownerB, "org-b", team.ResourceRequest{Type: "dataset", ID: "secret"}); err != nil {
		t.Fatal(err)
	}
	for name, call := range map[string]func() error{
		"get org": func() error { _, err := svc.GetOrg(ctx, keyA, "org-b"); return err },
		"members": func() error { _, err := svc.ListMembers(ctx, keyA, "org-b", "", 10); return err },
		"resource": func() error {
			_, err := svc.GetResource(ctx, keyA, "org-b", domain.Ref{Type: "dataset", ID: "secret"})
			return err
		},
		"check": func() error {
			_, err := svc.Check(ctx, keyA, "org-b", team.CheckRequest{Permission: "dataset.view", Resource: "dataset:secret"})
			return err
		},
	} {
		if fault.CodeOf(call()) != fault.NotFound {
			t.Errorf("%s across orgs: want not found", name)
		}
	}
}

// TestInvitedGrantExpires: an invitation may carry a contractor's end date;
// the grant made on acceptance stops working then.
func TestInvitedGrantExpires(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	st, err := sqlite.New(ctx, filepath.Join(t.TempDir(), "g.db"), store.Options{Sealer: testAuditKey.Seal})
	if err != nil {
		t.Fatal(err)
	}
	svc := team.New(team.Config{AuditKey: testAuditKey, Store: st, Now: clock, PollInterval: 50 * time.Millisecond})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(); st.Close() })
	boot, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	if _, err := svc.PutResource(ctx, owner, "acme", team.ResourceRequest{Type: "dataset", ID: "cats"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.Invite(ctx, owner, "acme", team.InviteRequest{Email: "late@acme.test",
		Grants: []domain.InvitedGrant{{Role: "dataset.editor", Scope: "dataset:cats", ExpiresAt: now.Add(-time.Minute)}}})
	if fault.CodeOf(err) != fault.Unprocessable {
		t.Fatalf("invitation with a grant already over: got %v, want 422", err)
	}
	inv, _, err := svc.Invite(ctx, owner, "acme", team.InviteRequest{Email: "con@acme.test",
		Grants: []domain.InvitedGrant{{Role: "dataset.editor", Scope: "dataset:cats", ExpiresAt: now.Add(time.Hour)}}})
	if err != nil {
		t.Fatal(err)
	}
	acc, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: "Con", Password: "contractor-pass"})
	if err != nil {
		t.Fatal(err)
	}
	con := team.Actor{Subject: domain.UserSubject(acc.UserID)}
	annotate := func() bool {
		r, err := svc.Check(ctx, con, "acme", team.CheckRequest{Permission: "dataset.annotate", Resource: "dataset:cats"})
		if err != nil {
			t.Fatal(err)
		}
		return r.Allowed
	}
	if !annotate() {
		t.Fatal("contractor denied before the end date")
	}
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if annotate() {
		t.Fatal("contractor allowed after the end date")
	}
}
