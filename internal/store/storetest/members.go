package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testMembers(e *env) {
	t := e.t
	e.org("acme")
	m := e.member("acme", "u1", "member")

	got := mustRead(e, func(r store.Reader) (domain.Member, error) { return r.GetMember("acme", "u1") })
	equal(t, "GetMember", got, m)

	// A role change is in place: same membership, same join date.
	e.mustWrite(func(tx store.Tx) error {
		return tx.PutMember(domain.Member{Org: "acme", UserID: "u1", Role: "admin", JoinedAt: at(time.Second)})
	})
	m.Role = "admin"
	got = mustRead(e, func(r store.Reader) (domain.Member, error) { return r.GetMember("acme", "u1") })
	equal(t, "GetMember after role change", got, m)

	e.member("acme", "u2", "member")
	n := mustRead(e, func(r store.Reader) (int, error) { return r.CountMembers("acme") })
	if n != 2 {
		t.Errorf("CountMembers = %d, want 2", n)
	}

	isErr(t, "PutMember of a missing user", e.write(func(tx store.Tx) error {
		return tx.PutMember(domain.Member{Org: "acme", UserID: "ghost", Role: "member"})
	}), store.ErrNotFound)
	isErr(t, "PutMember in a missing org", e.write(func(tx store.Tx) error {
		return tx.PutMember(domain.Member{Org: "nope", UserID: "u1", Role: "member"})
	}), store.ErrNotFound)

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteMember("acme", "u1") })
	_, err := read(e, func(r store.Reader) (domain.Member, error) { return r.GetMember("acme", "u1") })
	isErr(t, "GetMember after delete", err, store.ErrNotFound)
	isErr(t, "DeleteMember twice", e.write(func(tx store.Tx) error { return tx.DeleteMember("acme", "u1") }), store.ErrNotFound)
	n = mustRead(e, func(r store.Reader) (int, error) { return r.CountMembers("acme") })
	if n != 1 {
		t.Errorf("CountMembers after delete = %d, want 1", n)
	}
	// The user outlives the membership.
	_, err = read(e, func(r store.Reader) (domain.UserRecord, error) { return r.GetUser("u1") })
	noErr(t, "GetUser after DeleteMember", err)
}

// pageThrough reads every page of a paginated list and checks each item
// comes exactly once, in order.
func pageThrough[T any](e *env, what string, limit int, key func(T) string,
	list func(r store.Reader, after string, limit int) ([]T, string, error)) []string {
	t := e.t
	t.Helper()
	var keys []string
	seen := map[string]bool{}
	after := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%s: pagination does not end", what)
		}
		var items []T
		var next string
		err := e.s.View(e.ctx, func(r store.Reader) error {
			var err error
			items, next, err = list(r, after, limit)
			return err
		})
		noErr(t, what, err)
		if len(items) > limit {
			t.Fatalf("%s: page of %d items, limit %d", what, len(items), limit)
		}
		for _, it := range items {
			k := key(it)
			if seen[k] {
				t.Errorf("%s: %q returned twice", what, k)
			}
			if len(keys) > 0 && k <= keys[len(keys)-1] {
				t.Errorf("%s: %q after %q: not in order", what, k, keys[len(keys)-1])
			}
			seen[k] = true
			keys = append(keys, k)
		}
		if next == "" {
			return keys
		}
		if len(items) == 0 {
			t.Fatalf("%s: empty page with a next token", what)
		}
		after = next
	}
}

func testMembersPagination(e *env) {
	t := e.t
	e.org("acme")
	e.org("other")
	var want []string
	e.mustWrite(func(tx store.Tx) error {
		for i := range 250 {
			// Insert out of id order: the list orders by id, not by insertion.
			uid := id("u", (i*7919)%250)
			want = append(want, uid)
			if err := tx.CreateUser(domain.UserRecord{ID: uid, Email: uid + "@x.test"}); err != nil {
				return err
			}
			if err := tx.PutMember(domain.Member{Org: "acme", UserID: uid, Role: "member"}); err != nil {
				return err
			}
		}
		// A member of another org must not show up.
		return tx.PutMember(domain.Member{Org: "other", UserID: id("u", 3), Role: "member"})
	})
	got := pageThrough(e, "ListMembers", 100, func(m domain.Member) string { return m.UserID },
		func(r store.Reader, after string, limit int) ([]domain.Member, string, error) {
			return r.ListMembers("acme", after, limit)
		})
	if len(got) != 250 {
		t.Errorf("ListMembers paged through %d members, want 250", len(got))
	}
	all, _, err := read2(e, func(r store.Reader) ([]domain.Member, string, error) { return r.ListMembers("acme", "", 0) })
	noErr(t, "ListMembers without limit", err)
	if len(all) != 250 {
		t.Errorf("ListMembers without limit = %d members, want 250", len(all))
	}
}

// read2 is read for queries with two results.
func read2[A, B any](e *env, fn func(store.Reader) (A, B, error)) (A, B, error) {
	var a A
	var b B
	err := e.s.View(e.ctx, func(r store.Reader) error {
		var err error
		a, b, err = fn(r)
		return err
	})
	return a, b, err
}
