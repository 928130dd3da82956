package storetest

import (
	"time"

	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testGrants(e *env) {
	t := e.t
	e.org("acme")
	grants := []domain.Grant{
		{ID: "gr_1", Org: "acme", Subject: domain.UserSubject("u1"), Role: "admin", Scope: domain.OrgScope(),
			CreatedBy: "user:u0", CreatedAt: t0},
		{ID: "gr_2", Org: "acme", Subject: domain.UserSubject("u1"), Role: "dataset.viewer", Scope: domain.TypeScope("dataset"),
			ExpiresAt: at(time.Hour), CreatedBy: "user:u0", CreatedAt: t0},
		{ID: "gr_3", Org: "acme", Subject: domain.GroupSubject("g1"), Role: "dataset.editor",
			Scope: domain.ResourceScope("dataset", "ds1"), CreatedBy: "key:k1", CreatedAt: t0},
		{ID: "gr_4", Org: "acme", Subject: domain.KeySubject("k1"), Role: "team.labeler", Scope: domain.TeamScope("t1"),
			CreatedBy: "user:u0", CreatedAt: t0},
		{ID: "gr_5", Org: "acme", Subject: domain.UserSubject("u2"), Role: "dataset.editor",
			Scope: domain.ResourceScope("dataset", "ds1"), CreatedBy: "user:u0", CreatedAt: t0},
	}
	e.mustWrite(func(tx store.Tx) error {
		for _, g := range grants {
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		return nil
	})
	for _, g := range grants {
		got, err := read(e, func(r store.Reader) (domain.Grant, error) { return r.GetGrant("acme", g.ID) })
		noErr(t, "GetGrant "+g.ID, err)
		equal(t, "GetGrant "+g.ID, got, g)
	}
	_, err := read(e, func(r store.Reader) (domain.Grant, error) { return r.GetGrant("acme", "gr_9") })
	isErr(t, "GetGrant missing", err, store.ErrNotFound)
	isErr(t, "PutGrant in a missing org", e.write(func(tx store.Tx) error {
		g := grants[0]
		g.Org = "nope"
		return tx.PutGrant(g)
	}), store.ErrNotFound)

	filters := []struct {
		filter store.GrantFilter
		want   []string
	}{
		{store.GrantFilter{}, []string{"gr_1", "gr_2", "gr_3", "gr_4", "gr_5"}},
		{store.GrantFilter{Subject: domain.UserSubject("u1")}, []string{"gr_1", "gr_2"}},
		{store.GrantFilter{Subject: domain.GroupSubject("u1")}, nil},
		{store.GrantFilter{Subject: domain.KeySubject("k1")}, []string{"gr_4"}},
		{store.GrantFilter{Scope: domain.ResourceScope("dataset", "ds1")}, []string{"gr_3", "gr_5"}},
		{store.GrantFilter{Scope: domain.TypeScope("dataset")}, []string{"gr_2"}},
		{store.GrantFilter{Scope: domain.OrgScope()}, []string{"gr_1"}},
		{store.GrantFilter{Scope: domain.TeamScope("t1")}, []string{"gr_4"}},
		{store.GrantFilter{Subject: domain.UserSubject("u2"), Scope: domain.ResourceScope("dataset", "ds1")}, []string{"gr_5"}},
		{store.GrantFilter{Subject: domain.UserSubject("u2"), Scope: domain.OrgScope()}, nil},
		// gr_2 ends at +1h: running before, ended at the end and after.
		{store.GrantFilter{State: store.ActiveGrant, At: at(time.Minute)}, []string{"gr_1", "gr_2", "gr_3", "gr_4", "gr_5"}},
		{store.GrantFilter{State: store.ActiveGrant, At: at(time.Hour)}, []string{"gr_1", "gr_3", "gr_4", "gr_5"}},
		{store.GrantFilter{State: store.ExpiredGrant, At: at(time.Minute)}, nil},
		{store.GrantFilter{State: store.ExpiredGrant, At: at(time.Hour)}, []string{"gr_2"}},
		{store.GrantFilter{Subject: domain.UserSubject("u1"), State: store.ExpiredGrant, At: at(2 * time.Hour)}, []string{"gr_2"}},
	}
	for _, f := range filters {
		what := fmt.Sprintf("ListGrants subject=%q scope=%q state=%d at=%v", f.filter.Subject, f.filter.Scope, f.filter.State, f.filter.At)
		got, next, err := read2(e, func(r store.Reader) ([]domain.Grant, string, error) {
			return r.ListGrants("acme", f.filter, "", 0)
		})
		noErr(t, what, err)
		var ids []string
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		equal(t, what, ids, f.want)
		if next != "" {
			t.Errorf("%s: next = %q on the only page", what, next)
		}
	}

	// Replacing a grant keeps one row.
	changed := grants[0]
	changed.Role = "member"
	e.mustWrite(func(tx store.Tx) error { return tx.PutGrant(changed) })
	got := mustRead(e, func(r store.Reader) (domain.Grant, error) { return r.GetGrant("acme", "gr_1") })
	equal(t, "GetGrant after replace", got, changed)

	deleted := mustWriteResult(e, func(tx store.Tx) ([]domain.Grant, error) {
		return tx.DeleteGrantsOfSubject("acme", domain.UserSubject("u1"))
	})
	equal(t, "DeleteGrantsOfSubject", deleted, []domain.Grant{changed, grants[1]})
	deleted = mustWriteResult(e, func(tx store.Tx) ([]domain.Grant, error) {
		return tx.DeleteGrantsOfSubject("acme", domain.UserSubject("u1"))
	})
	if len(deleted) != 0 {
		t.Errorf("DeleteGrantsOfSubject twice deleted %v", deleted)
	}

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteGrant("acme", "gr_3") })
	isErr(t, "DeleteGrant twice", e.write(func(tx store.Tx) error { return tx.DeleteGrant("acme", "gr_3") }), store.ErrNotFound)
	left, _, err := read2(e, func(r store.Reader) ([]domain.Grant, string, error) {
		return r.ListGrants("acme", store.GrantFilter{}, "", 0)
	})
	noErr(t, "ListGrants", err)
	equal(t, "grants left", left, []domain.Grant{grants[3], grants[4]})
}

func testGrantsPagination(e *env) {
	t := e.t
	e.org("acme")
	e.mustWrite(func(tx store.Tx) error {
		for i := range 250 {
			subject := domain.UserSubject("u1")
			if i%2 == 1 {
				subject = domain.UserSubject("u2")
			}
			if err := tx.PutGrant(domain.Grant{ID: id("gr_", (i*7919)%250), Org: "acme", Subject: subject,
				Role: "viewer", Scope: domain.OrgScope()}); err != nil {
				return err
			}
		}
		return nil
	})
	for _, c := range []struct {
		filter store.GrantFilter
		want   int
	}{{store.GrantFilter{}, 250}, {store.GrantFilter{Subject: domain.UserSubject("u2")}, 125}} {
		got := pageThrough(e, "ListGrants", 100, func(g domain.Grant) string { return g.ID },
			func(r store.Reader, after string, limit int) ([]domain.Grant, string, error) {
				return r.ListGrants("acme", c.filter, after, limit)
			})
		if len(got) != c.want {
			t.Errorf("ListGrants %v paged through %d grants, want %d", c.filter, len(got), c.want)
		}
	}
}

// mustWriteResult runs one write that returns a value.
func mustWriteResult[T any](e *env, fn func(store.Tx) (T, error)) T {
	e.t.Helper()
	var v T
	e.mustWrite(func(tx store.Tx) error {
		var err error
		v, err = fn(tx)
		return err
	})
	return v
}
