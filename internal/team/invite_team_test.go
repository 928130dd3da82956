package team_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// An invitation's team role rosters the invitee on acceptance; a Team
// Admin invites into her own team only, and only as the base role; the
// conflict over a second pending invitation names no id in its sentence.
func TestInvitationIntoTeam(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	boot, err := svc.Bootstrap(ctx, "deepo", "Deepo", "deepomatic", "admin@deepo.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	admin := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	night, err := svc.CreateTeam(ctx, admin, "deepo", "Night")
	if err != nil {
		t.Fatal(err)
	}
	day, err := svc.CreateTeam(ctx, admin, "deepo", "Day")
	if err != nil {
		t.Fatal(err)
	}
	join := func(by team.Actor, email, role string, grants ...domain.InvitedGrant) (string, error) {
		inv, _, err := svc.Invite(ctx, by, "deepo", team.InviteRequest{Email: email, Role: role, Grants: grants})
		if err != nil {
			return "", err
		}
		acc, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: email, Password: "a long enough secret"})
		return acc.UserID, err
	}
	ta, err := join(admin, "ta@deepo.test", "member", domain.InvitedGrant{Role: "team_admin", Scope: "team:" + night.ID})
	if err != nil {
		t.Fatal(err)
	}
	roster := func(id string) []string {
		ts, err := svc.ListTeams(ctx, admin, "deepo")
		if err != nil {
			t.Fatal(err)
		}
		for _, tm := range ts {
			if tm.ID == id {
				return tm.Members
			}
		}
		return nil
	}
	if !slices.Contains(roster(night.ID), ta) {
		t.Fatalf("the invited Team Admin is not on Night's roster: %v", roster(night.ID))
	}
	teamAdmin := team.Actor{Subject: domain.UserSubject(ta)}
	cases := []struct {
		name   string
		role   string
		grants []domain.InvitedGrant
		want   fault.Code
	}{
		{"into her team as the base role", "member", []domain.InvitedGrant{{Role: "team_operator", Scope: "team:" + night.ID}}, 0},
		{"into another team", "member", []domain.InvitedGrant{{Role: "team_operator", Scope: "team:" + day.ID}}, fault.Forbidden},
		{"into her team with an org role", "operator", []domain.InvitedGrant{{Role: "team_operator", Scope: "team:" + night.ID}}, fault.Forbidden},
	}
	for i, c := range cases {
		email := "op" + string(rune('a'+i)) + "@deepo.test"
		_, err := join(teamAdmin, email, c.role, c.grants...)
		if fault.CodeOf(err) != c.want && !(c.want == 0 && err == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if n := len(roster(night.ID)); n != 2 {
		t.Errorf("Night's roster has %d people, want 2", n)
	}

	if _, _, err := svc.Invite(ctx, admin, "deepo", team.InviteRequest{Email: "twice@deepo.test"}); err != nil {
		t.Fatal(err)
	}
	_, _, err = svc.Invite(ctx, admin, "deepo", team.InviteRequest{Email: "Twice@Deepo.test"})
	fe, ok := fault.As(err)
	if !ok || fe.Code != fault.Conflict || fe.ExistingID == "" || fe.Error() != "twice@deepo.test already has a pending invitation; resend or revoke it" {
		t.Errorf("second invitation: %v", err)
	}
}
