package team_test

import (
	"context"
	"os"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

// TestStatedPropertiesNeedThePermission: the properties a request states
// count for a caller holding the scheme's properties permission and are
// ignored, never trusted, for anyone else; a stateless resource's owner is
// such a property too.
func TestStatedPropertiesNeedThePermission(t *testing.T) {
	data, err := os.ReadFile("../authz/testdata/stated.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sc, err := scheme.Parse("internal/authz/testdata/stated.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if err := scheme.Register(sc); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	svc, _ := newService(t)
	boot, err := svc.Bootstrap(ctx, "rec", "Records", sc.ID, "owner@rec.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	if _, err := svc.PutResource(ctx, owner, "rec", team.ResourceRequest{Type: "record", ID: "record-1"}); err != nil {
		t.Fatal(err)
	}
	inv, _, err := svc.Invite(ctx, owner, "rec", team.InviteRequest{Email: "alice@rec.test", Role: "writer"})
	if err != nil {
		t.Fatal(err)
	}
	acc, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: "Alice", Password: "meadow lantern quartz"})
	if err != nil {
		t.Fatal(err)
	}
	alice := team.Actor{Subject: domain.UserSubject(acc.UserID)}
	inv, _, err = svc.Invite(ctx, owner, "rec", team.InviteRequest{Email: "ed@rec.test", Role: "editor"})
	if err != nil {
		t.Fatal(err)
	}
	ed, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: "Ed", Password: "harbor violet engine"})
	if err != nil {
		t.Fatal(err)
	}
	active := &scheme.Props{Resource: map[string]string{"status": "active"}}
	for _, c := range []struct {
		name       string
		caller     team.Actor
		subject    string
		permission string
		resource   string
		props      *scheme.Props
		allowed    bool
		ignored    bool
	}{
		{"the owner states the status", owner, alice.Subject.String(), "write", "record:record-1", active, true, false},
		{"alice may not state it", alice, "", "write", "record:record-1", active, false, true},
		{"nothing stated", owner, alice.Subject.String(), "write", "record:record-1", nil, false, false},
		{"ed's own todo, stated by the owner", owner, "user:" + ed.UserID, "todo.update", "todo:7",
			&scheme.Props{Resource: map[string]string{"ownerID": ed.UserID}}, true, false},
		{"ed may not say a todo is his", team.Actor{Subject: domain.UserSubject(ed.UserID)}, "", "todo.update", "todo:7",
			&scheme.Props{Resource: map[string]string{"ownerID": ed.UserID}}, false, true},
		{"a todo owned by someone not a member", owner, "user:" + ed.UserID, "todo.update", "todo:7",
			&scheme.Props{Resource: map[string]string{"ownerID": "stranger"}}, false, false},
	} {
		r, err := svc.Check(ctx, c.caller, "rec", team.CheckRequest{Subject: c.subject, Permission: c.permission, Resource: c.resource, Props: c.props})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if r.Allowed != c.allowed || r.PropsIgnored != c.ignored {
			t.Errorf("%s: allowed %v ignored %v, want %v %v", c.name, r.Allowed, r.PropsIgnored, c.allowed, c.ignored)
		}
	}
}
