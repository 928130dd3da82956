package storetest

import (
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testTenantIsolation puts one record of each kind in org "a" and asks for
// it through org "b": every read and delete must miss, and nothing of "a"
// may move.
func testTenantIsolation(e *env) {
	t := e.t
	e.org("a")
	e.org("b")
	e.member("a", "u1", "admin")
	ds := domain.Ref{Type: "dataset", ID: "ds1"}
	e.mustWrite(func(tx store.Tx) error {
		for _, err := range []error{
			tx.PutGrant(domain.Grant{ID: "gr_1", Org: "a", Subject: domain.UserSubject("u1"), Role: "admin", Scope: domain.OrgScope()}),
			tx.PutResource(domain.Resource{Org: "a", Type: ds.Type, ID: ds.ID}),
			tx.PutKey(domain.KeyRecord{Org: "a", ID: "k_1", Hash: hashOf("k")}),
			tx.PutInvitation(domain.Invitation{Org: "a", ID: "inv_1", Email: "x@y.test", ExpiresAt: at(1e15)}),
			tx.CreateTeam(domain.Team{Org: "a", ID: "t_1"}),
			tx.CreateGroup(domain.Group{Org: "a", ID: "g_1"}),
			tx.PutTeamMember(domain.Membership{Org: "a", Parent: "t_1", UserID: "u1"}),
			tx.PutGroupMember(domain.Membership{Org: "a", Parent: "g_1", UserID: "u1"}),
			tx.PutRole(domain.Role{Org: "a", ID: "custom", ScopeType: "org"}),
		} {
			if err != nil {
				return err
			}
		}
		return nil
	})

	gets := []struct {
		name string
		get  func(r store.Reader, org string) error
	}{
		{"member", func(r store.Reader, org string) error { _, err := r.GetMember(org, "u1"); return err }},
		{"grant", func(r store.Reader, org string) error { _, err := r.GetGrant(org, "gr_1"); return err }},
		{"resource", func(r store.Reader, org string) error { _, err := r.GetResource(org, ds); return err }},
		{"key", func(r store.Reader, org string) error { _, err := r.GetKey(org, "k_1"); return err }},
		{"invitation", func(r store.Reader, org string) error { _, err := r.GetInvitation(org, "inv_1"); return err }},
		{"team", func(r store.Reader, org string) error { _, err := r.GetTeam(org, "t_1"); return err }},
		{"group", func(r store.Reader, org string) error { _, err := r.GetGroup(org, "g_1"); return err }},
		{"role", func(r store.Reader, org string) error { _, err := r.GetRole(org, "custom"); return err }},
	}
	check := func(when string) {
		for _, g := range gets {
			_, err := read(e, func(r store.Reader) (struct{}, error) { return struct{}{}, g.get(r, "a") })
			noErr(t, when+": "+g.name+" in its own org", err)
			_, err = read(e, func(r store.Reader) (struct{}, error) { return struct{}{}, g.get(r, "b") })
			isErr(t, when+": "+g.name+" through another org", err, store.ErrNotFound)
		}
	}
	check("before deletes")

	lists := []struct {
		name string
		n    func(r store.Reader) (int, error)
	}{
		{"members", func(r store.Reader) (int, error) { v, _, err := r.ListMembers("b", "", 0); return len(v), err }},
		{"grants", func(r store.Reader) (int, error) {
			v, _, err := r.ListGrants("b", store.GrantFilter{}, "", 0)
			return len(v), err
		}},
		{"resources", func(r store.Reader) (int, error) { v, _, err := r.ListResources("b", "", "", 0); return len(v), err }},
		{"keys", func(r store.Reader) (int, error) {
			v, _, err := r.ListKeys("b", store.KeyFilter{}, "", 0)
			return len(v), err
		}},
		{"invitations", func(r store.Reader) (int, error) { v, err := r.ListInvitations("b"); return len(v), err }},
		{"teams", func(r store.Reader) (int, error) { v, err := r.ListTeams("b"); return len(v), err }},
		{"groups", func(r store.Reader) (int, error) { v, err := r.ListGroups("b"); return len(v), err }},
		{"team members", func(r store.Reader) (int, error) { v, err := r.ListTeamMembers("b", "t_1"); return len(v), err }},
		{"group members", func(r store.Reader) (int, error) { v, err := r.ListGroupMembers("b", "g_1"); return len(v), err }},
		{"teams of user", func(r store.Reader) (int, error) { v, err := r.ListTeamsOfUser("b", "u1"); return len(v), err }},
		{"groups of user", func(r store.Reader) (int, error) { v, err := r.ListGroupsOfUser("b", "u1"); return len(v), err }},
		{"roles", func(r store.Reader) (int, error) { v, err := r.ListRoles("b"); return len(v), err }},
		{"pending invitations", func(r store.Reader) (int, error) { return r.CountPendingInvitations("b", t0) }},
		{"member count", func(r store.Reader) (int, error) { return r.CountMembers("b") }},
	}
	for _, l := range lists {
		n := mustRead(e, l.n)
		if n != 0 {
			t.Errorf("org b lists %d %s of org a", n, l.name)
		}
	}

	deletes := []struct {
		name string
		del  func(tx store.Tx) error
	}{
		{"member", func(tx store.Tx) error { return tx.DeleteMember("b", "u1") }},
		{"grant", func(tx store.Tx) error { return tx.DeleteGrant("b", "gr_1") }},
		{"resource", func(tx store.Tx) error { _, err := tx.DeleteResource("b", ds); return err }},
		{"team member", func(tx store.Tx) error { return tx.DeleteTeamMember("b", "t_1", "u1") }},
		{"group member", func(tx store.Tx) error { return tx.DeleteGroupMember("b", "g_1", "u1") }},
		{"team", func(tx store.Tx) error { return tx.DeleteTeam("b", "t_1") }},
		{"group", func(tx store.Tx) error { return tx.DeleteGroup("b", "g_1") }},
		{"role", func(tx store.Tx) error { return tx.DeleteRole("b", "custom") }},
		{"team rename", func(tx store.Tx) error { return tx.UpdateTeam(domain.Team{Org: "b", ID: "t_1"}) }},
		{"group rename", func(tx store.Tx) error { return tx.UpdateGroup(domain.Group{Org: "b", ID: "g_1"}) }},
	}
	for _, d := range deletes {
		isErr(t, "delete "+d.name+" through another org", e.write(d.del), store.ErrNotFound)
	}
	isErr(t, "touch key through another org", e.s.TouchKey(e.ctx, "b", "k_1", t0), store.ErrNotFound)
	gone := mustWriteResult(e, func(tx store.Tx) ([]domain.Grant, error) {
		return tx.DeleteGrantsOfSubject("b", domain.UserSubject("u1"))
	})
	if len(gone) != 0 {
		t.Errorf("DeleteGrantsOfSubject through another org deleted %v", gone)
	}
	check("after deletes through another org")
}
