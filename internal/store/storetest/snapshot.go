package storetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testSnapshot(e *env) {
	t := e.t
	org := e.org("acme")
	e.org("other")
	var want domain.Snapshot
	want.Org = org
	want.Members = []domain.Member{e.member("acme", "u2", "owner"), e.member("acme", "u1", "member")}
	e.member("other", "u3", "owner")

	// Resources created children-first in time would break creation order,
	// so build a tree and then move a subtree under a resource created
	// after it: the snapshot must still list every parent first.
	late := res("acme", "dataset", "ds_late", domain.Ref{})
	early := res("acme", "dataset", "ds_early", domain.Ref{})
	img := res("acme", "image", "img1", early.Ref())
	ann := res("acme", "annotation", "a1", img.Ref())
	e.putResources(early, img, ann, res("other", "dataset", "ds_other", domain.Ref{}))
	e.putResources(late)
	folder := res("acme", "folder", "f1", late.Ref())
	e.putResources(folder)
	early.Parent = folder.Ref() // early now sits under something created after it
	e.putResources(early)

	grants := []domain.Grant{
		{ID: "gr_b", Org: "acme", Subject: domain.UserSubject("u1"), Role: "dataset.viewer",
			Scope: domain.ResourceScope("dataset", "ds_late"), CreatedAt: t0},
		{ID: "gr_a", Org: "acme", Subject: domain.GroupSubject("g1"), Role: "admin", Scope: domain.OrgScope(),
			ExpiresAt: at(time.Hour), CreatedAt: t0},
	}
	teams := []domain.Team{{Org: "acme", ID: "t_b", Name: "B"}, {Org: "acme", ID: "t_a", Name: "A"}}
	groups := []domain.Group{{Org: "acme", ID: "g1", Name: "G"}}
	teamMembers := []domain.Membership{{Org: "acme", Parent: "t_b", UserID: "u2"}, {Org: "acme", Parent: "t_a", UserID: "u1"}}
	groupMembers := []domain.Membership{{Org: "acme", Parent: "g1", UserID: "u1"}}
	roles := []domain.Role{{Org: "acme", ID: "custom", Name: "Custom", ScopeType: "org",
		Permissions: []domain.RolePermission{{ID: "org.view"}}}}
	keys := []domain.KeyRecord{
		{Org: "acme", ID: "k_b", Name: "ci", Hash: hashOf("b"), CreatedAt: t0},
		{Org: "acme", ID: "k_a", Name: "old", Hash: hashOf("a"), CreatedAt: t0, RevokedAt: at(time.Minute)},
	}
	e.mustWrite(func(tx store.Tx) error {
		var errs []error
		for _, g := range grants {
			errs = append(errs, tx.PutGrant(g))
		}
		for _, v := range teams {
			errs = append(errs, tx.CreateTeam(v))
		}
		for _, v := range groups {
			errs = append(errs, tx.CreateGroup(v))
		}
		for _, m := range teamMembers {
			errs = append(errs, tx.PutTeamMember(m))
		}
		for _, m := range groupMembers {
			errs = append(errs, tx.PutGroupMember(m))
		}
		for _, r := range roles {
			errs = append(errs, tx.PutRole(r))
		}
		for _, k := range keys {
			errs = append(errs, tx.PutKey(k))
		}
		errs = append(errs,
			tx.PutGrant(domain.Grant{ID: "gr_other", Org: "other", Subject: domain.UserSubject("u3"), Role: "admin", Scope: domain.OrgScope()}),
			tx.CreateTeam(domain.Team{Org: "other", ID: "t_a"}),
			tx.PutKey(domain.KeyRecord{Org: "other", ID: "k_a", Hash: hashOf("other")}),
		)
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	})
	want.Grants, want.Teams, want.Groups = grants, teams, groups
	want.TeamMembers, want.GroupMembers, want.Roles, want.Keys = teamMembers, groupMembers, roles, keys
	want.Revision = e.revision()

	snap := mustRead(e, func(r store.Reader) (domain.Snapshot, error) { return r.Snapshot("acme") })

	// Resources: the exact order within a level is the backend's, so check
	// the set and the parent-first property rather than one sequence.
	got := snap.Resources
	snap.Resources = nil
	equal(t, "Snapshot", snap, want)
	wantRes := map[domain.Ref]domain.Resource{}
	for _, r := range []domain.Resource{late, folder, early, img, ann} {
		wantRes[r.Ref()] = r
	}
	if len(got) != len(wantRes) {
		t.Errorf("Snapshot has %d resources, want %d: %v", len(got), len(wantRes), got)
	}
	placed := map[domain.Ref]bool{}
	for _, r := range got {
		equal(t, "Snapshot resource "+r.Ref().String(), r, wantRes[r.Ref()])
		if !r.Parent.IsZero() && !placed[r.Parent] {
			t.Errorf("Snapshot lists %s before its parent %s", r.Ref(), r.Parent)
		}
		placed[r.Ref()] = true
	}

	_, err := read(e, func(r store.Reader) (domain.Snapshot, error) { return r.Snapshot("nope") })
	isErr(t, "Snapshot of a missing org", err, store.ErrNotFound)
	empty := mustRead(e, func(r store.Reader) (domain.Snapshot, error) { return r.Snapshot("other") })
	if len(empty.Members) != 1 || len(empty.Grants) != 1 || len(empty.Resources) != 1 || len(empty.Teams) != 1 ||
		len(empty.Keys) != 1 || len(empty.Groups) != 0 || len(empty.Roles) != 0 {
		t.Errorf("Snapshot of org other mixes in records of acme: %+v", empty)
	}
}

// testSnapshotParts: the head carries everything but the grants and their
// number; the grants come in creation order, in batches; an error of the
// callback ends the read and is what it returns.
func testSnapshotParts(e *env) {
	t := e.t
	e.org("acme")
	e.member("acme", "u1", "owner")
	e.putResources(res("acme", "dataset", "ds1", domain.Ref{}))
	const n = 10_000 // several batches
	var want []string
	e.mustWrite(func(tx store.Tx) error {
		for i := range n {
			// Ids out of creation order, so that an ORDER BY id would show.
			g := domain.Grant{ID: fmt.Sprintf("gr_%05d", (i*7919)%n), Org: "acme", Subject: domain.UserSubject("u1"),
				Role: "dataset.viewer", Scope: domain.ResourceScope("dataset", "ds1"), CreatedBy: "user:u1", CreatedAt: t0}
			want = append(want, g.ID)
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		return nil
	})

	head, count, err := read2(e, func(r store.Reader) (domain.Snapshot, int, error) { return r.SnapshotHead("acme") })
	if err != nil {
		t.Fatal(err)
	}
	if count != n || len(head.Grants) != 0 || len(head.Members) != 1 || len(head.Resources) != 1 || head.Revision != e.revision() {
		t.Errorf("head: %d grants, %d in it, %d members, %d resources, revision %d (want %d)",
			count, len(head.Grants), len(head.Members), len(head.Resources), head.Revision, e.revision())
	}
	var got []string
	batches := 0
	err = e.s.View(e.ctx, func(r store.Reader) error {
		return r.SnapshotGrants("acme", func(gs []domain.Grant) error {
			if len(gs) == 0 {
				t.Errorf("an empty batch")
			}
			batches++
			for _, g := range gs {
				if g.Org != "acme" || g.Role != "dataset.viewer" || g.CreatedBy != "user:u1" || !g.CreatedAt.Equal(t0) {
					t.Errorf("streamed grant %+v", g)
				}
				got = append(got, g.ID)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	equal(t, "grants in creation order", got, want)
	if batches < 2 {
		t.Errorf("%d grants came in %d batches", n, batches)
	}

	stop := errors.New("stop")
	calls := 0
	err = e.s.View(e.ctx, func(r store.Reader) error {
		return r.SnapshotGrants("acme", func([]domain.Grant) error { calls++; return stop })
	})
	isErr(t, "SnapshotGrants with a failing batch", err, stop)
	if calls != 1 {
		t.Errorf("%d batches after the first failed", calls-1)
	}
	_, _, err = read2(e, func(r store.Reader) (domain.Snapshot, int, error) { return r.SnapshotHead("nope") })
	isErr(t, "SnapshotHead of a missing org", err, store.ErrNotFound)
	err = e.s.View(e.ctx, func(r store.Reader) error {
		return r.SnapshotGrants("nope", func([]domain.Grant) error { t.Error("grants of a missing org"); return nil })
	})
	isErr(t, "SnapshotGrants of a missing org", err, store.ErrNotFound)
}
