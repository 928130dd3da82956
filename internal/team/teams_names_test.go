package team_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// TeamNames names the teams a user may see or is on, and no other: the
// Org Admin every team, a Team Admin and a Team Operator their own, a
// member on no team none.
func TestTeamNames(t *testing.T) {
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
	join := func(email string, grants ...domain.InvitedGrant) team.Actor {
		inv, _, err := svc.Invite(ctx, admin, "deepo", team.InviteRequest{Email: email, Role: "member", Grants: grants})
		if err != nil {
			t.Fatal(err)
		}
		acc, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: email, Password: "a long enough secret"})
		if err != nil {
			t.Fatal(err)
		}
		return team.Actor{Subject: domain.UserSubject(acc.UserID)}
	}
	for _, c := range []struct {
		who  team.Actor
		want string
	}{
		{admin, fmt.Sprint(map[string]string{night.ID: "Night", day.ID: "Day"})},
		{join("ta@deepo.test", domain.InvitedGrant{Role: "team_admin", Scope: "team:" + night.ID}), fmt.Sprint(map[string]string{night.ID: "Night"})},
		{join("op@deepo.test", domain.InvitedGrant{Role: "team_operator", Scope: "team:" + day.ID}), fmt.Sprint(map[string]string{day.ID: "Day"})},
		{join("no@deepo.test"), fmt.Sprint(map[string]string{})},
	} {
		got, err := svc.TeamNames(ctx, c.who, "deepo")
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != c.want {
			t.Errorf("%s: TeamNames = %v, want %s", c.who.Subject, got, c.want)
		}
	}
}
