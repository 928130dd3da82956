package storetest

import (
	"errors"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// unitAPI names the team or group methods, so one test covers both.
type unitAPI struct {
	kind         string
	create       func(tx store.Tx, org, id, name string) error
	update       func(tx store.Tx, org, id, name string) error
	get          func(r store.Reader, org, id string) (string, error) // the name
	list         func(r store.Reader, org string) ([]string, error)   // the ids
	del          func(tx store.Tx, org, id string) error
	putMember    func(tx store.Tx, m domain.Membership) error
	deleteMember func(tx store.Tx, org, parent, user string) error
	listMembers  func(r store.Reader, org, parent string) ([]domain.Membership, error)
	listOfUser   func(r store.Reader, org, user string) ([]domain.Membership, error)
}

var units = []unitAPI{
	{
		kind: "team",
		create: func(tx store.Tx, org, id, name string) error {
			return tx.CreateTeam(domain.Team{Org: org, ID: id, Name: name})
		},
		update: func(tx store.Tx, org, id, name string) error {
			return tx.UpdateTeam(domain.Team{Org: org, ID: id, Name: name})
		},
		get: func(r store.Reader, org, id string) (string, error) {
			v, err := r.GetTeam(org, id)
			if err == nil && (v.Org != org || v.ID != id) {
				return "", errMismatch
			}
			return v.Name, err
		},
		list: func(r store.Reader, org string) ([]string, error) {
			vs, err := r.ListTeams(org)
			var ids []string
			for _, v := range vs {
				ids = append(ids, v.ID)
			}
			return ids, err
		},
		del:          func(tx store.Tx, org, id string) error { return tx.DeleteTeam(org, id) },
		putMember:    func(tx store.Tx, m domain.Membership) error { return tx.PutTeamMember(m) },
		deleteMember: func(tx store.Tx, org, p, u string) error { return tx.DeleteTeamMember(org, p, u) },
		listMembers:  func(r store.Reader, org, p string) ([]domain.Membership, error) { return r.ListTeamMembers(org, p) },
		listOfUser:   func(r store.Reader, org, u string) ([]domain.Membership, error) { return r.ListTeamsOfUser(org, u) },
	},
	{
		kind: "group",
		create: func(tx store.Tx, org, id, name string) error {
			return tx.CreateGroup(domain.Group{Org: org, ID: id, Name: name})
		},
		update: func(tx store.Tx, org, id, name string) error {
			return tx.UpdateGroup(domain.Group{Org: org, ID: id, Name: name})
		},
		get: func(r store.Reader, org, id string) (string, error) {
			v, err := r.GetGroup(org, id)
			if err == nil && (v.Org != org || v.ID != id) {
				return "", errMismatch
			}
			return v.Name, err
		},
		list: func(r store.Reader, org string) ([]string, error) {
			vs, err := r.ListGroups(org)
			var ids []string
			for _, v := range vs {
				ids = append(ids, v.ID)
			}
			return ids, err
		},
		del:          func(tx store.Tx, org, id string) error { return tx.DeleteGroup(org, id) },
		putMember:    func(tx store.Tx, m domain.Membership) error { return tx.PutGroupMember(m) },
		deleteMember: func(tx store.Tx, org, p, u string) error { return tx.DeleteGroupMember(org, p, u) },
		listMembers:  func(r store.Reader, org, p string) ([]domain.Membership, error) { return r.ListGroupMembers(org, p) },
		listOfUser:   func(r store.Reader, org, u string) ([]domain.Membership, error) { return r.ListGroupsOfUser(org, u) },
	},
}

func testTeamsAndGroups(e *env) {
	for _, u := range units {
		e.t.Run(u.kind, func(t *testing.T) {
			testUnit(&env{t: t, s: e.s, ctx: e.ctx}, u)
		})
	}
}

func testUnit(e *env, u unitAPI) {
	t := e.t
	org := "org-" + u.kind
	e.org(org)
	e.org(org + "-2")
	for _, uid := range []string{"u1", "u2", "u3"} {
		e.user(u.kind + uid)
	}
	u1, u2, u3 := u.kind+"u1", u.kind+"u2", u.kind+"u3"

	e.mustWrite(func(tx store.Tx) error {
		for _, id := range []string{"x2", "x1", "x3"} {
			if err := u.create(tx, org, id, "Name "+id); err != nil {
				return err
			}
		}
		// The same id in another org is another record.
		return u.create(tx, org+"-2", "x1", "Elsewhere")
	})
	name := mustRead(e, func(r store.Reader) (string, error) { return u.get(r, org, "x1") })
	equal(t, "get", name, "Name x1")
	_, err := read(e, func(r store.Reader) (string, error) { return u.get(r, org, "nope") })
	isErr(t, "get missing", err, store.ErrNotFound)
	isErr(t, "create duplicate id", e.write(func(tx store.Tx) error { return u.create(tx, org, "x1", "Again") }), store.ErrConflict)
	isErr(t, "create in a missing org", e.write(func(tx store.Tx) error { return u.create(tx, "nope", "x9", "N") }), store.ErrNotFound)

	e.mustWrite(func(tx store.Tx) error { return u.update(tx, org, "x1", "Renamed") })
	name = mustRead(e, func(r store.Reader) (string, error) { return u.get(r, org, "x1") })
	equal(t, "get after update", name, "Renamed")
	isErr(t, "update missing", e.write(func(tx store.Tx) error { return u.update(tx, org, "nope", "N") }), store.ErrNotFound)
	ids := mustRead(e, func(r store.Reader) ([]string, error) { return u.list(r, org) })
	equal(t, "list in creation order", ids, []string{"x2", "x1", "x3"})

	// Names are unique in an org, case aside; another org may reuse one.
	isErr(t, "create with a taken name", e.write(func(tx store.Tx) error { return u.create(tx, org, "x8", "RENAMED") }), store.ErrConflict)
	isErr(t, "rename to a taken name", e.write(func(tx store.Tx) error { return u.update(tx, org, "x2", "renamed") }), store.ErrConflict)
	e.mustWrite(func(tx store.Tx) error { return u.update(tx, org, "x1", "Renamed") }) // its own name again
	e.mustWrite(func(tx store.Tx) error { return u.create(tx, org+"-2", "x8", "Renamed") })
	e.mustWrite(func(tx store.Tx) error { return u.del(tx, org+"-2", "x8") })

	ms := []domain.Membership{
		{Org: org, Parent: "x1", UserID: u2}, {Org: org, Parent: "x1", UserID: u1},
		{Org: org, Parent: "x2", UserID: u1}, {Org: org, Parent: "x3", UserID: u3},
	}
	e.mustWrite(func(tx store.Tx) error {
		for _, m := range ms {
			if err := u.putMember(tx, m); err != nil {
				return err
			}
		}
		// Putting a membership twice is not an error, and not two rows.
		return u.putMember(tx, ms[0])
	})
	members := mustRead(e, func(r store.Reader) ([]domain.Membership, error) { return u.listMembers(r, org, "x1") })
	equal(t, "list members", members, []domain.Membership{ms[1], ms[0]})
	ofUser := mustRead(e, func(r store.Reader) ([]domain.Membership, error) { return u.listOfUser(r, org, u1) })
	equal(t, "list of user", ofUser, []domain.Membership{ms[1], ms[2]})
	ofUser = mustRead(e, func(r store.Reader) ([]domain.Membership, error) { return u.listOfUser(r, org+"-2", u1) })
	if len(ofUser) != 0 {
		t.Errorf("list of user in another org = %v", ofUser)
	}
	isErr(t, "put member of a missing "+u.kind, e.write(func(tx store.Tx) error {
		return u.putMember(tx, domain.Membership{Org: org, Parent: "nope", UserID: u1})
	}), store.ErrNotFound)
	isErr(t, "put missing user", e.write(func(tx store.Tx) error {
		return u.putMember(tx, domain.Membership{Org: org, Parent: "x1", UserID: "ghost"})
	}), store.ErrNotFound)

	e.mustWrite(func(tx store.Tx) error { return u.deleteMember(tx, org, "x1", u2) })
	isErr(t, "delete member twice", e.write(func(tx store.Tx) error { return u.deleteMember(tx, org, "x1", u2) }), store.ErrNotFound)
	members = mustRead(e, func(r store.Reader) ([]domain.Membership, error) { return u.listMembers(r, org, "x1") })
	equal(t, "list members after delete", members, []domain.Membership{ms[1]})

	// Deleting the team or group takes its memberships with it.
	e.mustWrite(func(tx store.Tx) error { return u.del(tx, org, "x1") })
	isErr(t, "delete twice", e.write(func(tx store.Tx) error { return u.del(tx, org, "x1") }), store.ErrNotFound)
	members = mustRead(e, func(r store.Reader) ([]domain.Membership, error) { return u.listMembers(r, org, "x1") })
	if len(members) != 0 {
		t.Errorf("members of a deleted %s = %v", u.kind, members)
	}
	ofUser = mustRead(e, func(r store.Reader) ([]domain.Membership, error) { return u.listOfUser(r, org, u1) })
	equal(t, "list of user after delete", ofUser, []domain.Membership{ms[2]})
	name = mustRead(e, func(r store.Reader) (string, error) { return u.get(r, org+"-2", "x1") })
	equal(t, "same id in another org", name, "Elsewhere")
}

var errMismatch = errors.New("returned a record with another identity")
