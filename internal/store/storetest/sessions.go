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
	s1 := domain.Session{TokenHash: hashOf("a"), UserID: "u1", CreatedAt: t0, ExpiresAt: at(time.Hour)}
	s2 := domain.Session{TokenHash: hashOf("b"), UserID: "u1", CreatedAt: t0, ExpiresAt: at(time.Hour)}
	s3 := domain.Session{TokenHash: hashOf("c"), UserID: "u2", CreatedAt: t0, ExpiresAt: at(time.Hour)}
	e.mustWrite(func(tx store.Tx) error {
		for _, s := range []domain.Session{s1, s2, s3} {
			if err := tx.PutSession(s); err != nil {
				return err
			}
		}
		return nil
	})
	get := func(hash []byte) (domain.Session, error) {
		return read(e, func(r store.Reader) (domain.Session, error) { return r.GetSession(hash) })
	}
	got, err := get(s1.TokenHash)
	noErr(t, "GetSession", err)
	equal(t, "GetSession", got, s1)
	_, err = get(hashOf("x"))
	isErr(t, "GetSession missing", err, store.ErrNotFound)
	isErr(t, "PutSession of a missing user", e.write(func(tx store.Tx) error {
		return tx.PutSession(domain.Session{TokenHash: hashOf("d"), UserID: "ghost"})
	}), store.ErrNotFound)

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteSession(s1.TokenHash) })
	_, err = get(s1.TokenHash)
	isErr(t, "GetSession after delete", err, store.ErrNotFound)
	isErr(t, "DeleteSession twice", e.write(func(tx store.Tx) error { return tx.DeleteSession(s1.TokenHash) }), store.ErrNotFound)

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteSessionsOfUser("u1") })
	_, err = get(s2.TokenHash)
	isErr(t, "GetSession after DeleteSessionsOfUser", err, store.ErrNotFound)
	_, err = get(s3.TokenHash)
	noErr(t, "another user's session survives", err)
}
