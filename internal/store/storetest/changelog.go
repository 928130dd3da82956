package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// everyOp is one change of each op, with every field of its payload set,
// so a round trip through the changelog proves nothing is dropped.
func everyOp(org string) []domain.Change {
	member := &domain.Member{Org: org, UserID: "u1", Role: "admin", JoinedAt: t0}
	grant := &domain.Grant{ID: "gr_1", Org: org, Subject: domain.GroupSubject("g1"), Role: "dataset.viewer",
		Scope: domain.ResourceScope("dataset", "ds1"), ExpiresAt: at(time.Hour), CreatedBy: "user:u0", CreatedAt: t0}
	resource := &domain.Resource{Org: org, Type: "image", ID: "i1", Name: "cat", Parent: domain.Ref{Type: "dataset", ID: "ds1"},
		Team: "t1", Owner: "u1", Attributes: map[string]string{"task": "rework"}, CreatedAt: t0}
	team := &domain.Team{Org: org, ID: "t1", Name: "Ops"}
	group := &domain.Group{Org: org, ID: "g1", Name: "Labelers"}
	membership := &domain.Membership{Org: org, Parent: "t1", UserID: "u1"}
	role := &domain.Role{Org: org, ID: "custom", Name: "Custom", ScopeType: "dataset", AlsoAt: []string{"org"},
		Permissions: []domain.RolePermission{{ID: "dataset.view", Condition: "own"}}}
	key := &domain.KeyRecord{Org: org, ID: "k1", Name: "ci", Prefix: "gsk_x", Hash: []byte{1, 2}, PrevHash: []byte{3},
		PrevUntil: at(time.Minute), CreatedBy: "u1", CreatedAt: t0, ExpiresAt: at(time.Hour),
		LastUsedAt: at(time.Second), RevokedAt: at(2 * time.Hour)}
	return []domain.Change{
		{Op: domain.OpPutMember, Member: member},
		{Op: domain.OpDeleteMember, Member: &domain.Member{Org: org, UserID: "u1"}},
		{Op: domain.OpPutGrant, Grant: grant},
		{Op: domain.OpDeleteGrant, Grant: &domain.Grant{Org: org, ID: "gr_1"}},
		{Op: domain.OpPutResource, Resource: resource},
		{Op: domain.OpDeleteResource, Resource: &domain.Resource{Org: org, Type: "image", ID: "i1"}},
		{Op: domain.OpPutTeam, Team: team},
		{Op: domain.OpDeleteTeam, Team: &domain.Team{Org: org, ID: "t1"}},
		{Op: domain.OpPutTeamMember, Membership: membership},
		{Op: domain.OpDeleteTeamMember, Membership: membership},
		{Op: domain.OpPutGroup, Group: group},
		{Op: domain.OpDeleteGroup, Group: &domain.Group{Org: org, ID: "g1"}},
		{Op: domain.OpPutGroupMember, Membership: &domain.Membership{Org: org, Parent: "g1", UserID: "u1"}},
		{Op: domain.OpDeleteGroupMember, Membership: &domain.Membership{Org: org, Parent: "g1", UserID: "u1"}},
		{Op: domain.OpPutRole, Role: role},
		{Op: domain.OpDeleteRole, Role: &domain.Role{Org: org, ID: "custom"}},
		{Op: domain.OpPutKey, Key: key},
		{Op: domain.OpDeleteKey, Key: &domain.KeyRecord{Org: org, ID: "k1"}},
	}
}

func testChangelogOps(e *env) {
	t := e.t
	start := e.revision()
	changes := everyOp("acme")
	seen := map[domain.Op]bool{}
	// Each op alone in its revision, then all of them in one.
	var revs []int64
	for _, c := range changes {
		seen[c.Op] = true
		revs = append(revs, e.update(func(tx store.Tx) error {
			return tx.AppendChanges("acme", []domain.Change{c})
		}))
	}
	if len(seen) != 18 {
		t.Errorf("everyOp covers %d ops; update it when domain adds one", len(seen))
	}
	all := e.update(func(tx store.Tx) error { return tx.AppendChanges("acme", changes) })

	sets := mustRead(e, func(r store.Reader) ([]store.ChangeSet, error) { return r.ChangesSince(start, 0) })
	if len(sets) != len(changes)+1 {
		t.Fatalf("ChangesSince: %d change sets, want %d", len(sets), len(changes)+1)
	}
	for i, c := range changes {
		equal(t, "change set of "+string(c.Op), sets[i],
			store.ChangeSet{Revision: revs[i], Org: "acme", Changes: []domain.Change{c}})
	}
	equal(t, "change set of every op", sets[len(changes)], store.ChangeSet{Revision: all, Org: "acme", Changes: changes})
}

func testChangelogRevisions(e *env) {
	t := e.t
	start := e.revision()
	put := func(org, id string) domain.Change {
		return domain.Change{Op: domain.OpPutTeam, Team: &domain.Team{Org: org, ID: id}}
	}
	// One revision touching two orgs, with appends for one org split in
	// two calls; then a revision without changes; then one more.
	r1 := e.update(func(tx store.Tx) error {
		if err := tx.AppendChanges("b", []domain.Change{put("b", "1")}); err != nil {
			return err
		}
		if err := tx.AppendChanges("a", []domain.Change{put("a", "1")}); err != nil {
			return err
		}
		if err := tx.AppendChanges("a", nil); err != nil {
			return err
		}
		return tx.AppendChanges("b", []domain.Change{put("b", "2")})
	})
	r2 := e.update(func(store.Tx) error { return nil })
	r3 := e.update(func(tx store.Tx) error { return tx.AppendChanges("a", []domain.Change{put("a", "2")}) })
	if !(r1 < r2 && r2 < r3) {
		t.Fatalf("revisions %d, %d, %d not increasing", r1, r2, r3)
	}
	want1 := []store.ChangeSet{
		{Revision: r1, Org: "a", Changes: []domain.Change{put("a", "1")}},
		{Revision: r1, Org: "b", Changes: []domain.Change{put("b", "1"), put("b", "2")}},
	}
	want3 := store.ChangeSet{Revision: r3, Org: "a", Changes: []domain.Change{put("a", "2")}}

	since := func(after int64, limit int) []store.ChangeSet {
		return mustRead(e, func(r store.Reader) ([]store.ChangeSet, error) { return r.ChangesSince(after, limit) })
	}
	equal(t, "ChangesSince all", since(start, 0), append(want1, want3))
	// The limit counts revisions: both rows of r1 come together.
	equal(t, "ChangesSince limit 1", since(start, 1), want1)
	equal(t, "ChangesSince after r1", since(r1, 1), []store.ChangeSet{want3})
	equal(t, "ChangesSince after r2", since(r2, 10), []store.ChangeSet{want3})
	if got := since(r3, 10); len(got) != 0 {
		t.Errorf("ChangesSince the last revision = %v", got)
	}

	// Pruning drops what is older than the given revision and nothing else,
	// and moves no revision.
	noErr(t, "PruneChanges", e.s.PruneChanges(e.ctx, r3))
	equal(t, "ChangesSince after prune", since(0, 0), []store.ChangeSet{want3})
	if cur := e.revision(); cur != r3 {
		t.Errorf("CurrentRevision after prune = %d, want %d", cur, r3)
	}
	// The low-water mark records the prune and never moves down.
	pruned := func() int64 {
		var p int64
		noErr(t, "View", e.s.View(e.ctx, func(r store.Reader) error {
			var err error
			p, err = r.PrunedBefore()
			return err
		}))
		return p
	}
	if p := pruned(); p != r3 {
		t.Errorf("PrunedBefore = %d, want %d", p, r3)
	}
	noErr(t, "PruneChanges", e.s.PruneChanges(e.ctx, r1))
	if p := pruned(); p != r3 {
		t.Errorf("PrunedBefore after an older prune = %d, want %d", p, r3)
	}
}
