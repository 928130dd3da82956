package storetest

import (
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testAliases: an alias resolves to its member and is listed with her; an
// alias names one member per org (the same alias in another org is another
// alias); it needs a member; deleting it, or the member, removes it.
func testAliases(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	e.member("acme", "u1", "member")
	e.member("acme", "u2", "member")
	e.mustWrite(func(tx store.Tx) error {
		if err := tx.PutMember(domain.Member{Org: "beta", UserID: "u1", Role: "member", JoinedAt: t0}); err != nil {
			return err
		}
		for _, a := range [][3]string{
			{"acme", "u1", "sub|123"}, {"acme", "u1", "alice@acme.test"}, {"acme", "u2", "bob"},
			{"beta", "u1", "sub|123"},
		} {
			if err := tx.PutAlias(a[0], a[1], a[2]); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(org, user string) []string {
		return mustRead(e, func(r store.Reader) ([]string, error) { return r.ListAliases(org, user) })
	}
	equal(t, "ListAliases in byte order", list("acme", "u1"), []string{"alice@acme.test", "sub|123"})
	equal(t, "ListAliases of a member without any", list("beta", "u2"), []string{})
	for _, c := range []struct{ org, alias, want string }{
		{"acme", "sub|123", "u1"}, {"acme", "bob", "u2"}, {"beta", "sub|123", "u1"},
	} {
		got := mustRead(e, func(r store.Reader) (string, error) { return r.ResolveAlias(c.org, c.alias) })
		equal(t, "ResolveAlias "+c.org+" "+c.alias, got, c.want)
	}
	// The snapshot lists them in the order given: a member's first is her
	// primary one.
	snapshot := func() []domain.Alias {
		return mustRead(e, func(r store.Reader) (domain.Snapshot, error) { return r.Snapshot("acme") }).Aliases
	}
	equal(t, "Snapshot aliases in the order given", snapshot(), []domain.Alias{
		{Org: "acme", UserID: "u1", Alias: "sub|123"}, {Org: "acme", UserID: "u1", Alias: "alice@acme.test"}, {Org: "acme", UserID: "u2", Alias: "bob"}})
	_, err := read(e, func(r store.Reader) (string, error) { return r.ResolveAlias("beta", "bob") })
	isErr(t, "ResolveAlias of another org's alias", err, store.ErrNotFound)
	_, err = read(e, func(r store.Reader) (string, error) { return r.ResolveAlias("acme", "BOB") })
	isErr(t, "ResolveAlias is exact", err, store.ErrNotFound)

	isErr(t, "PutAlias naming a second member", e.write(func(tx store.Tx) error { return tx.PutAlias("acme", "u2", "sub|123") }), store.ErrConflict)
	isErr(t, "PutAlias again for the same member", e.write(func(tx store.Tx) error { return tx.PutAlias("acme", "u1", "sub|123") }), store.ErrConflict)
	isErr(t, "PutAlias of a non-member", e.write(func(tx store.Tx) error { return tx.PutAlias("beta", "u2", "x") }), store.ErrNotFound)
	isErr(t, "PutAlias in a missing org", e.write(func(tx store.Tx) error { return tx.PutAlias("nope", "u1", "x") }), store.ErrNotFound)

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteAlias("acme", "u1", "sub|123") })
	equal(t, "ListAliases after DeleteAlias", list("acme", "u1"), []string{"alice@acme.test"})
	equal(t, "Snapshot aliases after DeleteAlias", snapshot(), []domain.Alias{
		{Org: "acme", UserID: "u1", Alias: "alice@acme.test"}, {Org: "acme", UserID: "u2", Alias: "bob"}})
	isErr(t, "DeleteAlias twice", e.write(func(tx store.Tx) error { return tx.DeleteAlias("acme", "u1", "sub|123") }), store.ErrNotFound)
	isErr(t, "DeleteAlias of another member's alias", e.write(func(tx store.Tx) error { return tx.DeleteAlias("acme", "u1", "bob") }), store.ErrNotFound)

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteMember("acme", "u2") })
	_, err = read(e, func(r store.Reader) (string, error) { return r.ResolveAlias("acme", "bob") })
	isErr(t, "ResolveAlias after the member left", err, store.ErrNotFound)
	equal(t, "Snapshot aliases after the member left", snapshot(), []domain.Alias{{Org: "acme", UserID: "u1", Alias: "alice@acme.test"}})
	got := mustRead(e, func(r store.Reader) (string, error) { return r.ResolveAlias("beta", "sub|123") })
	equal(t, "the other org's alias stays", got, "u1")
}
