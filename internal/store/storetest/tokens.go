package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testTokens(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	e.member("acme", "u1", "admin")
	e.member("acme", "u2", "member")
	e.mustWrite(func(tx store.Tx) error {
		return tx.PutMember(domain.Member{Org: "beta", UserID: "u1", Role: "member", JoinedAt: t0})
	})
	p1 := domain.PersonalToken{ID: "pat_1", Org: "acme", UserID: "u1", Name: "ci", Prefix: "gsp_abcdefgh", Hash: hashOf("p1"),
		CreatedAt: t0, ExpiresAt: at(time.Hour)}
	p2 := domain.PersonalToken{ID: "pat_2", Org: "beta", UserID: "u1", Name: "notebook", Prefix: "gsp_bcdefghi", Hash: hashOf("p2"),
		CreatedAt: at(time.Second), ExpiresAt: at(time.Hour)}
	p3 := domain.PersonalToken{ID: "pat_3", Org: "acme", UserID: "u2", Name: "ci", Prefix: "gsp_cdefghij", Hash: hashOf("p3"),
		CreatedAt: t0, ExpiresAt: at(time.Hour)}
	e.mustWrite(func(tx store.Tx) error {
		for _, p := range []domain.PersonalToken{p1, p2, p3} {
			if err := tx.PutToken(p); err != nil {
				return err
			}
		}
		return nil
	})
	of := func(user string) []domain.PersonalToken {
		return mustRead(e, func(r store.Reader) ([]domain.PersonalToken, error) { return r.ListTokensOfUser(user) })
	}
	got := mustRead(e, func(r store.Reader) (domain.PersonalToken, error) { return r.GetToken("pat_1") })
	equal(t, "GetToken", got, p1)
	got = mustRead(e, func(r store.Reader) (domain.PersonalToken, error) { return r.GetTokenByHash(hashOf("p2")) })
	equal(t, "GetTokenByHash", got, p2)
	equal(t, "ListTokensOfUser", of("u1"), []domain.PersonalToken{p1, p2})
	_, err := read(e, func(r store.Reader) (domain.PersonalToken, error) { return r.GetTokenByHash(hashOf("nope")) })
	isErr(t, "GetTokenByHash missing", err, store.ErrNotFound)
	_, err = read(e, func(r store.Reader) (domain.PersonalToken, error) { return r.GetTokenByHash(nil) })
	isErr(t, "GetTokenByHash empty", err, store.ErrNotFound)

	// A token belongs to a membership.
	isErr(t, "PutToken of a non-member", e.write(func(tx store.Tx) error {
		return tx.PutToken(domain.PersonalToken{ID: "pat_4", Org: "beta", UserID: "u2", Name: "x", Prefix: "p", Hash: hashOf("p4")})
	}), store.ErrNotFound)
	isErr(t, "PutToken with another token's hash", e.write(func(tx store.Tx) error {
		return tx.PutToken(domain.PersonalToken{ID: "pat_5", Org: "acme", UserID: "u1", Name: "x", Prefix: "p", Hash: hashOf("p1")})
	}), store.ErrConflict)
	isErr(t, "PutToken with another token's id", e.write(func(tx store.Tx) error {
		return tx.PutToken(domain.PersonalToken{ID: "pat_1", Org: "acme", UserID: "u1", Name: "x", Prefix: "p", Hash: hashOf("p6")})
	}), store.ErrConflict)

	// Touching moves last use forward only, and outside any revision.
	rev := e.revision()
	noErr(t, "TouchToken", e.s.TouchToken(e.ctx, "pat_1", at(time.Minute)))
	noErr(t, "TouchToken back in time", e.s.TouchToken(e.ctx, "pat_1", at(time.Second)))
	noErr(t, "TouchToken of a missing token", e.s.TouchToken(e.ctx, "pat_x", at(time.Minute)))
	got = mustRead(e, func(r store.Reader) (domain.PersonalToken, error) { return r.GetToken("pat_1") })
	equal(t, "LastUsedAt after touches", got.LastUsedAt, at(time.Minute))
	equal(t, "revision after touches", e.revision(), rev)

	// Removing the member removes its tokens in that org only.
	e.mustWrite(func(tx store.Tx) error { return tx.DeleteMember("acme", "u1") })
	equal(t, "tokens after the member left acme", of("u1"), []domain.PersonalToken{p2})
	equal(t, "another member's tokens", of("u2"), []domain.PersonalToken{p3})

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteToken("pat_2") })
	equal(t, "tokens after delete", len(of("u1")), 0)
	isErr(t, "DeleteToken twice", e.write(func(tx store.Tx) error { return tx.DeleteToken("pat_2") }), store.ErrNotFound)

	// The org's cap round-trips.
	o := mustRead(e, func(r store.Reader) (domain.Org, error) { return r.GetOrg("acme") })
	o.PATMaxDays = 90
	e.mustWrite(func(tx store.Tx) error { return tx.UpdateOrg(o) })
	o2 := mustRead(e, func(r store.Reader) (domain.Org, error) { return r.GetOrg("acme") })
	equal(t, "PATMaxDays", o2.PATMaxDays, 90)
}
