package storetest

import (
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testRoles(e *env) {
	t := e.t
	e.org("acme")
	reviewer := domain.Role{Org: "acme", ID: "reviewer", Name: "Reviewer", Description: "Reviews the labels of a project.", ScopeType: "project",
		AlsoAt: []string{"org"}, Permissions: []domain.RolePermission{
			{ID: "project.view"}, {ID: "label.review", Condition: "task not in (rework)"},
		}}
	bare := domain.Role{Org: "acme", ID: "auditor", Name: "Auditor", ScopeType: "org"}
	e.mustWrite(func(tx store.Tx) error {
		if err := tx.PutRole(reviewer); err != nil {
			return err
		}
		return tx.PutRole(bare)
	})
	for _, want := range []domain.Role{reviewer, bare} {
		got, err := read(e, func(r store.Reader) (domain.Role, error) { return r.GetRole("acme", want.ID) })
		noErr(t, "GetRole "+want.ID, err)
		equal(t, "GetRole "+want.ID, got, want)
	}
	_, err := read(e, func(r store.Reader) (domain.Role, error) { return r.GetRole("acme", "nope") })
	isErr(t, "GetRole missing", err, store.ErrNotFound)

	// Replacing keeps the role's place in the list.
	reviewer.Permissions = reviewer.Permissions[:1]
	reviewer.Name = "Reviewer (read only)"
	reviewer.Description = "Sees the labels of a project."
	e.mustWrite(func(tx store.Tx) error { return tx.PutRole(reviewer) })
	roles := mustRead(e, func(r store.Reader) ([]domain.Role, error) { return r.ListRoles("acme") })
	equal(t, "ListRoles", roles, []domain.Role{reviewer, bare})

	isErr(t, "PutRole in a missing org", e.write(func(tx store.Tx) error {
		r := bare
		r.Org = "nope"
		return tx.PutRole(r)
	}), store.ErrNotFound)
	e.mustWrite(func(tx store.Tx) error { return tx.DeleteRole("acme", "reviewer") })
	isErr(t, "DeleteRole twice", e.write(func(tx store.Tx) error { return tx.DeleteRole("acme", "reviewer") }), store.ErrNotFound)
	roles = mustRead(e, func(r store.Reader) ([]domain.Role, error) { return r.ListRoles("acme") })
	equal(t, "ListRoles after delete", roles, []domain.Role{bare})
}
