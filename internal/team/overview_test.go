package team_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/team"
)

// The overview counts what ends within 14 days and what has not been used
// for 30, lists the first of each by name, and shows each part only to
// those the policy lets list it: a vi Admin sees everything an Owner does
// (seats included: she invites), a Member has no overview.
func TestOverview(t *testing.T) {
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Key: testAuditKey,
		Config: server.Config{NoConsole: true, RevealInvitationTokens: true}})
	svc := env.Service()
	day := 24 * time.Hour
	boot, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	if _, err := svc.PutResource(ctx, owner, "acme", team.ResourceRequest{Type: "dataset", ID: "cats", Name: "Cats"}); err != nil {
		t.Fatal(err)
	}
	join := func(email, name, role string) team.Actor {
		t.Helper()
		inv, _, err := svc.Invite(ctx, owner, "acme", team.InviteRequest{Email: email, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		acc, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: name, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		return team.Actor{Subject: domain.UserSubject(acc.UserID)}
	}
	admin := join("admin@acme.test", "Ada Admin", "admin")
	member := join("mia@acme.test", "Mia Member", "member")
	grant := func(subject, role, scope string, ends time.Duration) {
		t.Helper()
		if _, _, err := svc.CreateGrant(ctx, owner, "acme", team.GrantRequest{Subject: subject, Role: role, Scope: scope,
			ExpiresAt: env.Clock.Now().Add(ends)}); err != nil {
			t.Fatal(err)
		}
	}
	// Measured from 40 days on, when the clock is moved there.
	grant(member.Subject.String(), "dataset.editor", "dataset:cats", 45*day) // ends in 5 days
	grant(member.Subject.String(), "dataset.viewer", "dataset:cats", 60*day) // in 20: later than the window
	grant(member.Subject.String(), "dataset.owner", "dataset:cats", 39*day)  // already over
	used, _, err := svc.CreateKey(ctx, owner, "acme", team.KeyRequest{Name: "used", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateKey(ctx, owner, "acme", team.KeyRequest{Name: "never used", Role: "admin",
		ExpiresAt: env.Clock.Now().Add(50 * day)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.CreateKey(ctx, owner, "acme", team.KeyRequest{Name: "expired", Role: "admin",
		ExpiresAt: env.Clock.Now().Add(day)}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Invite(ctx, owner, "acme", team.InviteRequest{Email: "new@acme.test", Role: "member"}); err != nil {
		t.Fatal(err)
	}

	env.Clock.Advance(40 * day)
	// The Admin signs in and the "used" key makes a request: both are
	// active; the Owner and the Member have not signed in for 40 days.
	if _, _, err := svc.Login(ctx, "admin@acme.test", "correct horse battery", team.Client{}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, used.Secret, "r1"); err != nil {
		t.Fatal(err)
	}
	// Key use is recorded in the background.
	deadline := time.Now().Add(5 * time.Second)
	for {
		p, err := svc.ListKeys(ctx, owner, "acme", team.KeyQuery{Search: "used"})
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) > 0 && p.Items[0].Name == "used" && p.Items[0].LastUsedAt != nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, _, err := svc.Invite(ctx, owner, "acme", team.InviteRequest{Email: "newer@acme.test", Role: "member"}); err != nil {
		t.Fatal(err)
	}

	for _, who := range []struct {
		name string
		a    team.Actor
	}{{"owner", owner}, {"admin", admin}} {
		ov, err := svc.Overview(ctx, who.a, "acme")
		if err != nil {
			t.Fatalf("%s: %v", who.name, err)
		}
		// The first invitation expired after 7 days; the second holds a seat.
		if ov.Seats == nil || *ov.Seats != (team.Seats{Limit: 25, Used: 4, Left: 21, Members: 3, Pending: 1}) {
			t.Errorf("%s: seats = %+v", who.name, ov.Seats)
		}
		if ov.PendingInvitations == nil || *ov.PendingInvitations != 1 {
			t.Errorf("%s: pending invitations = %v", who.name, ov.PendingInvitations)
		}
		if g := ov.EndingGrants; g == nil || g.Total != 1 || len(g.Items) != 1 || g.Items[0].Role != "dataset.editor" ||
			g.Items[0].SubjectName != "Mia Member" || g.Items[0].SubjectEmail != "mia@acme.test" || g.Items[0].ScopeName != "Cats" {
			t.Errorf("%s: ending grants = %+v", who.name, g)
		}
		var idle []string
		for _, m := range ov.IdleMembers.Items {
			idle = append(idle, m.Email)
		}
		if ov.IdleMembers.Total != 2 || len(idle) != 2 || idle[0] != "owner@acme.test" && idle[1] != "owner@acme.test" {
			t.Errorf("%s: idle members = %d %v", who.name, ov.IdleMembers.Total, idle)
		}
		// The bootstrap key too has never been used; the expired one is no
		// longer live.
		if k := ov.UnusedKeys; k == nil || k.Total != 2 || len(k.Items) != 2 || k.Items[0].Name != "bootstrap" ||
			k.Items[1].Name != "never used" || k.Items[1].OwnerName != "Owner" {
			t.Errorf("%s: unused keys = %+v", who.name, k)
		}
		if k := ov.ExpiringKeys; k == nil || k.Total != 1 || k.Items[0].Name != "never used" {
			t.Errorf("%s: expiring keys = %+v", who.name, k)
		}
	}
	if _, err := svc.Overview(ctx, member, "acme"); fault.CodeOf(err) != fault.Forbidden {
		t.Errorf("member: %v, want forbidden", err)
	}
	can, err := svc.Capabilities(member, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if team.OverviewShown(can) {
		t.Error("the console would show a member an overview")
	}
}
