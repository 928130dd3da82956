package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testOrgs(e *env) {
	t := e.t
	acme := e.org("acme")
	got := mustRead(e, func(r store.Reader) (domain.Org, error) { return r.GetOrg("acme") })
	equal(t, "GetOrg", got, acme)

	_, err := read(e, func(r store.Reader) (domain.Org, error) { return r.GetOrg("nope") })
	isErr(t, "GetOrg missing", err, store.ErrNotFound)

	dup := acme
	dup.Name = "Another"
	isErr(t, "CreateOrg duplicate", e.write(func(tx store.Tx) error { return tx.CreateOrg(dup) }), store.ErrConflict)

	// UpdateOrg changes name, plan and billing email, never the id, the
	// scheme or the creation time.
	changed := acme
	changed.Name, changed.Plan, changed.BillingEmail = "Acme Inc", domain.Plan{Name: "team", SeatLimit: 50}, "ap@acme.test"
	changed.Scheme, changed.CreatedAt = "labelbox", at(time.Minute)
	e.mustWrite(func(tx store.Tx) error { return tx.UpdateOrg(changed) })
	want := acme
	want.Name, want.Plan, want.BillingEmail = changed.Name, changed.Plan, changed.BillingEmail
	got = mustRead(e, func(r store.Reader) (domain.Org, error) { return r.GetOrg("acme") })
	equal(t, "GetOrg after UpdateOrg", got, want)

	isErr(t, "UpdateOrg missing", e.write(func(tx store.Tx) error {
		return tx.UpdateOrg(domain.Org{ID: "nope", Name: "x"})
	}), store.ErrNotFound)

	e.org("zeta")
	e.org("beta")
	ids := mustRead(e, func(r store.Reader) ([]string, error) { return r.ListOrgIDs() })
	equal(t, "ListOrgIDs", ids, []string{"acme", "beta", "zeta"})

	e.member("zeta", "u1", "admin")
	e.mustWrite(func(tx store.Tx) error {
		return tx.PutMember(domain.Member{Org: "acme", UserID: "u1", Role: "owner", JoinedAt: t0})
	})
	e.user("u2")
	orgs := mustRead(e, func(r store.Reader) ([]store.OrgRole, error) { return r.ListOrgsOfUser("u1") })
	zeta := mustRead(e, func(r store.Reader) (domain.Org, error) { return r.GetOrg("zeta") })
	equal(t, "ListOrgsOfUser", orgs, []store.OrgRole{{Org: want, Role: "owner"}, {Org: zeta, Role: "admin"}})
	none := mustRead(e, func(r store.Reader) ([]store.OrgRole, error) { return r.ListOrgsOfUser("u2") })
	if len(none) != 0 {
		t.Errorf("ListOrgsOfUser of a user in no org = %v", none)
	}
}
