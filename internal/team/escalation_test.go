package team_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// TestLabelboxAdminGrantsLabelingRoles: Labelbox's Admin, the only role
// that may invite, hands out every labeling role under the no-escalation
// rule (it holds benchmark.receive, see docs/decisions.md); a Data Admin,
// with no user management, may not.
func TestLabelboxAdminGrantsLabelingRoles(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	boot, err := svc.Bootstrap(ctx, "lb", "LB", "labelbox", "admin@lb.test", "lilac staircase seven")
	if err != nil {
		t.Fatal(err)
	}
	admin := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	if _, err := svc.PutResource(ctx, admin, "lb", team.ResourceRequest{Type: "project", ID: "p1"}); err != nil {
		t.Fatal(err)
	}
	join := func(email, role string, grants ...domain.InvitedGrant) team.Actor {
		t.Helper()
		inv, _, err := svc.Invite(ctx, admin, "lb", team.InviteRequest{Email: email, Role: role, Grants: grants})
		if err != nil {
			t.Fatalf("invite %s as %s: %v", email, role, err)
		}
		acc, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: email, Password: "violet anchor meadow"})
		if err != nil {
			t.Fatalf("accept %s: %v", email, err)
		}
		return team.Actor{Subject: domain.UserSubject(acc.UserID)}
	}
	// workspace-wide and project-based roles holding benchmark.receive
	join("labeler@lb.test", "labeler")
	join("lead@lb.test", "project_lead")
	lab := join("lab@lb.test", "member", domain.InvitedGrant{Role: "labeler", Scope: "project:p1"})
	if _, _, err := svc.CreateGrant(ctx, admin, "lb", team.GrantRequest{Subject: lab.Subject.String(), Role: "reviewer", Scope: "project:p1"}); err != nil {
		t.Fatalf("admin grants reviewer at a project: %v", err)
	}
	// a data admin (no user management) still may not
	dataAdmin := join("data@lb.test", "data_admin")
	_, _, err = svc.CreateGrant(ctx, dataAdmin, "lb", team.GrantRequest{Subject: lab.Subject.String(), Role: "labeler", Scope: "project:p2x"})
	if c := fault.CodeOf(err); c != fault.NotFound && c != fault.Forbidden {
		t.Fatalf("data admin grant: %v", err)
	}
	_, _, err = svc.CreateGrant(ctx, dataAdmin, "lb", team.GrantRequest{Subject: lab.Subject.String(), Role: "labeler", Scope: "project:p1"})
	if fault.CodeOf(err) != fault.Forbidden {
		t.Fatalf("data admin grants labeler: got %v, want forbidden", err)
	}
	// the bootstrap key holds the admin role: the same rule lets it
	key, err := svc.Authenticate(ctx, boot.SecretKey, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err = svc.CreateGrant(ctx, key, "lb", team.GrantRequest{Subject: lab.Subject.String(), Role: "team_manager", Scope: "project:p1"}); err != nil {
		t.Fatalf("admin key grants team manager: %v", err)
	}
	// the same grant again is refused, naming the one that exists
	_, _, err = svc.CreateGrant(ctx, key, "lb", team.GrantRequest{Subject: lab.Subject.String(), Role: "labeler", Scope: "project:p1"})
	if fe, ok := fault.As(err); !ok || fe.Code != fault.Conflict || fe.ExistingID == "" {
		t.Fatalf("duplicate grant: got %v, want a conflict naming the existing grant", err)
	}
}
