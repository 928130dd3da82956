package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testUsers(e *env) {
	t := e.t
	alice := domain.UserRecord{ID: "u_alice", Email: "Alice@Example.com", Name: "Alice",
		PasswordHash: "$argon2id$v=19$x", CreatedAt: t0}
	e.mustWrite(func(tx store.Tx) error { return tx.CreateUser(alice) })

	got := mustRead(e, func(r store.Reader) (domain.UserRecord, error) { return r.GetUser("u_alice") })
	equal(t, "GetUser", got, alice)
	if !got.LastLoginAt.IsZero() {
		t.Errorf("LastLoginAt never set = %v, want zero", got.LastLoginAt)
	}

	for _, email := range []string{"Alice@Example.com", "alice@example.com", "ALICE@EXAMPLE.COM"} {
		got, err := read(e, func(r store.Reader) (domain.UserRecord, error) { return r.GetUserByEmail(email) })
		noErr(t, "GetUserByEmail "+email, err)
		equal(t, "GetUserByEmail "+email, got, alice)
	}
	_, err := read(e, func(r store.Reader) (domain.UserRecord, error) { return r.GetUserByEmail("bob@example.com") })
	isErr(t, "GetUserByEmail missing", err, store.ErrNotFound)
	_, err = read(e, func(r store.Reader) (domain.UserRecord, error) { return r.GetUser("u_bob") })
	isErr(t, "GetUser missing", err, store.ErrNotFound)

	conflicts := []struct {
		name string
		user domain.UserRecord
	}{
		{"same email, other case", domain.UserRecord{ID: "u_other", Email: "aLiCe@example.COM", Name: "Impostor"}},
		{"same id", domain.UserRecord{ID: "u_alice", Email: "alice2@example.com", Name: "Twin"}},
	}
	for _, c := range conflicts {
		isErr(t, "CreateUser "+c.name, e.write(func(tx store.Tx) error { return tx.CreateUser(c.user) }), store.ErrConflict)
	}

	// UpdateUser changes name, password hash and last login, not the email.
	changed := alice
	changed.Name, changed.PasswordHash, changed.LastLoginAt = "Alice A.", "$argon2id$new", at(time.Hour)
	changed.Email = "elsewhere@example.com"
	e.mustWrite(func(tx store.Tx) error { return tx.UpdateUser(changed) })
	want := changed
	want.Email = alice.Email
	got = mustRead(e, func(r store.Reader) (domain.UserRecord, error) { return r.GetUser("u_alice") })
	equal(t, "GetUser after UpdateUser", got, want)

	isErr(t, "UpdateUser missing", e.write(func(tx store.Tx) error {
		return tx.UpdateUser(domain.UserRecord{ID: "u_bob"})
	}), store.ErrNotFound)
}
