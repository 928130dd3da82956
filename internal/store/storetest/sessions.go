package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testSessions(e *env) {
	t := e.t
	e.user("u1")
	e.user("u2")
	s1 := domain.Session{TokenHash: hashOf("a"), ID: "ses_a", UserID: "u1", CreatedAt: t0, ExpiresAt: at(time.Hour),
		LastUsedAt: t0, ClientAddr: "192.0.2.1", UserAgent: "Firefox", Org: "acme"}
	s2 := domain.Session{TokenHash: hashOf("b"), ID: "ses_b", UserID: "u1", CreatedAt: at(time.Second), ExpiresAt: at(time.Hour)}
	s3 := domain.Session{TokenHash: hashOf("c"), ID: "ses_c", UserID: "u2", CreatedAt: t0, ExpiresAt: at(time.Hour)}
	s4 := domain.Session{TokenHash: hashOf("e"), ID: "ses_e", UserID: "u1", CreatedAt: at(2 * time.Second), ExpiresAt: at(time.Hour)}
	e.mustWrite(func(tx store.Tx) error {
		for _, s := range []domain.Session{s1, s2, s3, s4} {
			if err := tx.PutSession(s); err != nil {
				return err
			}
		}
		return nil
	})
	get := func(hash []byte) (domain.Session, error) {
		return read(e, func(r store.Reader) (domain.Session, error) { return r.GetSession(hash) })
	}
	of := func(user string) []domain.Session {
		return mustRead(e, func(r store.Reader) ([]domain.Session, error) { return r.ListSessionsOfUser(user) })
	}
	got, err := get(s1.TokenHash)
	noErr(t, "GetSession", err)
	equal(t, "GetSession", got, s1)
	equal(t, "ListSessionsOfUser", of("u1"), []domain.Session{s1, s2, s4})
	_, err = get(hashOf("x"))
	isErr(t, "GetSession missing", err, store.ErrNotFound)
	isErr(t, "PutSession of a missing user", e.write(func(tx store.Tx) error {
		return tx.PutSession(domain.Session{TokenHash: hashOf("d"), ID: "ses_d", UserID: "ghost"})
	}), store.ErrNotFound)
	isErr(t, "PutSession with another session's id", e.write(func(tx store.Tx) error {
		return tx.PutSession(domain.Session{TokenHash: hashOf("d"), ID: "ses_a", UserID: "u2"})
	}), store.ErrConflict)

	// Touching moves last use forward only, and outside any revision.
	rev := e.revision()
	noErr(t, "TouchSession", e.s.TouchSession(e.ctx, s1.TokenHash, at(time.Minute)))
	noErr(t, "TouchSession back in time", e.s.TouchSession(e.ctx, s1.TokenHash, at(time.Second)))
	noErr(t, "TouchSession of a missing session", e.s.TouchSession(e.ctx, hashOf("x"), at(time.Minute)))
	got, _ = get(s1.TokenHash)
	equal(t, "LastUsedAt after touches", got.LastUsedAt, at(time.Minute))
	equal(t, "revision after touches", e.revision(), rev)

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteSession(s1.TokenHash) })
	_, err = get(s1.TokenHash)
	isErr(t, "GetSession after delete", err, store.ErrNotFound)
	isErr(t, "DeleteSession twice", e.write(func(tx store.Tx) error { return tx.DeleteSession(s1.TokenHash) }), store.ErrNotFound)

	var n int
	e.mustWrite(func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteSessionsOfUser("u1", s4.TokenHash)
		return err
	})
	equal(t, "DeleteSessionsOfUser keeping one: deleted", n, 1)
	equal(t, "DeleteSessionsOfUser keeping one: left", of("u1"), []domain.Session{s4})
	e.mustWrite(func(tx store.Tx) error {
		var err error
		n, err = tx.DeleteSessionsOfUser("u1", nil)
		return err
	})
	equal(t, "DeleteSessionsOfUser: deleted", n, 1)
	equal(t, "DeleteSessionsOfUser: left", len(of("u1")), 0)
	_, err = get(s3.TokenHash)
	noErr(t, "another user's session survives", err)
}

func testPasswordResets(e *env) {
	t := e.t
	e.user("u1")
	e.user("u2")
	r1 := domain.PasswordReset{TokenHash: hashOf("r1"), UserID: "u1", CreatedAt: t0, ExpiresAt: at(30 * time.Minute)}
	r2 := domain.PasswordReset{TokenHash: hashOf("r2"), UserID: "u1", CreatedAt: at(time.Minute), ExpiresAt: at(31 * time.Minute)}
	r3 := domain.PasswordReset{TokenHash: hashOf("r3"), UserID: "u2", CreatedAt: t0, ExpiresAt: at(30 * time.Minute)}
	e.mustWrite(func(tx store.Tx) error {
		for _, r := range []domain.PasswordReset{r1, r2, r3} {
			if err := tx.PutPasswordReset(r); err != nil {
				return err
			}
		}
		return nil
	})
	get := func(hash []byte) (domain.PasswordReset, error) {
		return read(e, func(r store.Reader) (domain.PasswordReset, error) { return r.GetPasswordReset(hash) })
	}
	got, err := get(r2.TokenHash)
	noErr(t, "GetPasswordReset", err)
	equal(t, "GetPasswordReset", got, r2)
	_, err = get(hashOf("nope"))
	isErr(t, "GetPasswordReset missing", err, store.ErrNotFound)
	isErr(t, "PutPasswordReset twice", e.write(func(tx store.Tx) error { return tx.PutPasswordReset(r1) }), store.ErrConflict)
	isErr(t, "PutPasswordReset of a missing user", e.write(func(tx store.Tx) error {
		return tx.PutPasswordReset(domain.PasswordReset{TokenHash: hashOf("r4"), UserID: "ghost"})
	}), store.ErrNotFound)

	e.mustWrite(func(tx store.Tx) error { return tx.DeletePasswordResetsOfUser("u1") })
	for _, h := range [][]byte{r1.TokenHash, r2.TokenHash} {
		_, err = get(h)
		isErr(t, "GetPasswordReset after DeletePasswordResetsOfUser", err, store.ErrNotFound)
	}
	_, err = get(r3.TokenHash)
	noErr(t, "another user's reset survives", err)
}
