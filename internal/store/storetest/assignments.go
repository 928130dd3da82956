package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Named assignments: put replaces by name (whatever its case) and scope,
// holders come back sorted and once, one name may be held for All and for
// a resource apart, delete removes, and another org sees none of it.
func testAssignments(e *env) {
	t := e.t
	e.org("acme")
	e.org("other")
	getter := func(org, name, scope string) func(store.Reader) (domain.Assignment, error) {
		return func(r store.Reader) (domain.Assignment, error) { return r.GetAssignment(org, name, scope) }
	}
	lister := func(org string) func(store.Reader) ([]domain.Assignment, error) {
		return func(r store.Reader) ([]domain.Assignment, error) { return r.ListAssignments(org) }
	}
	put := func(a domain.Assignment) { e.mustWrite(func(tx store.Tx) error { return tx.PutAssignment(a) }) }

	put(domain.Assignment{Org: "acme", Name: "QA lead", Users: []string{"u_b", "u_a", "u_b"}, UpdatedAt: at(time.Hour)})
	put(domain.Assignment{Org: "acme", Name: "ML lead", Scope: "training:detector", Users: []string{"u_c"}, UpdatedAt: at(2 * time.Hour)})
	put(domain.Assignment{Org: "acme", Name: "QA lead", Scope: "dataset:cats", Users: []string{"u_e"}, UpdatedAt: at(2 * time.Hour)})

	equal(t, "QA lead", mustRead(e, getter("acme", "qa LEAD", "")),
		domain.Assignment{Org: "acme", Name: "QA lead", Users: []string{"u_a", "u_b"}, UpdatedAt: at(time.Hour)})
	equal(t, "QA lead of cats", mustRead(e, getter("acme", "QA lead", "dataset:cats")).Users, []string{"u_e"})

	all := mustRead(e, lister("acme"))
	if len(all) != 3 || all[0].Name != "ML lead" || all[1].Scope != "" || all[2].Scope != "dataset:cats" {
		t.Fatalf("list = %+v, want ML lead, then QA lead for All and for cats", all)
	}

	// Same name in another case: one assignment, its holders replaced.
	put(domain.Assignment{Org: "acme", Name: "QA Lead", Users: []string{"u_d"}, UpdatedAt: at(3 * time.Hour)})
	equal(t, "replaced", mustRead(e, getter("acme", "qa lead", "")),
		domain.Assignment{Org: "acme", Name: "QA Lead", Users: []string{"u_d"}, UpdatedAt: at(3 * time.Hour)})
	if n := len(mustRead(e, lister("acme"))); n != 3 {
		t.Errorf("after a replace: %d assignments, want 3", n)
	}

	// No holders is an assignment still (named, nobody yet).
	put(domain.Assignment{Org: "other", Name: "Security lead", UpdatedAt: at(time.Hour)})
	if sec := mustRead(e, getter("other", "security lead", "")); sec.Users == nil || len(sec.Users) != 0 {
		t.Errorf("holders of an empty assignment = %#v, want an empty list", sec.Users)
	}
	_, err := read(e, getter("other", "QA lead", ""))
	isErr(t, "another org's assignment", err, store.ErrNotFound)

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteAssignment("acme", "QA LEAD", "") })
	_, err = read(e, getter("acme", "QA lead", ""))
	isErr(t, "deleted", err, store.ErrNotFound)
	if got := mustRead(e, getter("acme", "QA lead", "dataset:cats")); len(got.Users) != 1 {
		t.Errorf("deleting QA lead for All took the one for cats: %+v", got)
	}
	isErr(t, "delete twice", e.write(func(tx store.Tx) error { return tx.DeleteAssignment("acme", "QA lead", "") }), store.ErrNotFound)
	isErr(t, "put in a missing org", e.write(func(tx store.Tx) error {
		return tx.PutAssignment(domain.Assignment{Org: "nope", Name: "QA lead"})
	}), store.ErrNotFound)
}
