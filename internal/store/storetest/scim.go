package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testSCIM(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	e.member("acme", "u1", "admin")
	e.member("acme", "u2", "member")
	e.member("beta", "u3", "admin")
	s1 := domain.SCIMToken{ID: "scim_1", Org: "acme", CreatedBy: "u1", Name: "okta", Prefix: "gsc_abcdefgh", Hash: hashOf("s1"),
		Role: "member", CreatedAt: t0}
	s2 := domain.SCIMToken{ID: "scim_2", Org: "acme", CreatedBy: "u2", Name: "entra", Prefix: "gsc_bcdefghi", Hash: hashOf("s2"),
		Role: "member", CreatedAt: at(time.Second)}
	s3 := domain.SCIMToken{ID: "scim_3", Org: "beta", CreatedBy: "u3", Name: "okta", Prefix: "gsc_cdefghij", Hash: hashOf("s3"),
		Role: "member", CreatedAt: t0}
	e.mustWrite(func(tx store.Tx) error {
		for _, p := range []domain.SCIMToken{s1, s2, s3} {
			if err := tx.PutSCIMToken(p); err != nil {
				return err
			}
		}
		return nil
	})
	of := func(org string) []domain.SCIMToken {
		return mustRead(e, func(r store.Reader) ([]domain.SCIMToken, error) { return r.ListSCIMTokens(org) })
	}
	equal(t, "GetSCIMToken", mustRead(e, func(r store.Reader) (domain.SCIMToken, error) { return r.GetSCIMToken("scim_1") }), s1)
	equal(t, "GetSCIMTokenByHash", mustRead(e, func(r store.Reader) (domain.SCIMToken, error) { return r.GetSCIMTokenByHash(hashOf("s3")) }), s3)
	equal(t, "ListSCIMTokens", of("acme"), []domain.SCIMToken{s1, s2})
	_, err := read(e, func(r store.Reader) (domain.SCIMToken, error) { return r.GetSCIMTokenByHash(nil) })
	isErr(t, "GetSCIMTokenByHash empty", err, store.ErrNotFound)
	isErr(t, "PutSCIMToken of a non-member", e.write(func(tx store.Tx) error {
		return tx.PutSCIMToken(domain.SCIMToken{ID: "scim_4", Org: "beta", CreatedBy: "u1", Name: "x", Prefix: "p", Hash: hashOf("s4")})
	}), store.ErrNotFound)
	isErr(t, "PutSCIMToken with another token's hash", e.write(func(tx store.Tx) error {
		return tx.PutSCIMToken(domain.SCIMToken{ID: "scim_5", Org: "acme", CreatedBy: "u1", Name: "x", Prefix: "p", Hash: hashOf("s1")})
	}), store.ErrConflict)

	rev := e.revision()
	noErr(t, "TouchSCIMToken", e.s.TouchSCIMToken(e.ctx, "scim_1", at(time.Minute)))
	noErr(t, "TouchSCIMToken back in time", e.s.TouchSCIMToken(e.ctx, "scim_1", at(time.Second)))
	got := mustRead(e, func(r store.Reader) (domain.SCIMToken, error) { return r.GetSCIMToken("scim_1") })
	equal(t, "LastUsedAt after touches", got.LastUsedAt, at(time.Minute))
	equal(t, "revision after touches", e.revision(), rev)

	// Records: set, replaced, per org, and gone with the member or group.
	rec := func(ext string) domain.SCIMRecord {
		return domain.SCIMRecord{ExternalID: ext, Attributes: []byte(`{"title":"` + ext + `"}`)}
	}
	e.mustWrite(func(tx store.Tx) error {
		for _, err := range []error{tx.SetSCIMUser("acme", "u1", rec("00u1")), tx.SetSCIMUser("acme", "u2", rec("00u2")),
			tx.SetSCIMUser("acme", "u2", rec("00u2b")), tx.SetSCIMUser("beta", "u3", rec("00u3")),
			tx.CreateGroup(domain.Group{Org: "acme", ID: "g_1", Name: "eng"}), tx.SetSCIMGroup("acme", "g_1", rec("00g1"))} {
			if err != nil {
				return err
			}
		}
		return nil
	})
	users := func(org string) map[string]domain.SCIMRecord {
		return mustRead(e, func(r store.Reader) (map[string]domain.SCIMRecord, error) { return r.SCIMUsers(org) })
	}
	groups := func(org string) map[string]domain.SCIMRecord {
		return mustRead(e, func(r store.Reader) (map[string]domain.SCIMRecord, error) { return r.SCIMGroups(org) })
	}
	equal(t, "SCIMUsers", users("acme"), map[string]domain.SCIMRecord{"u1": rec("00u1"), "u2": rec("00u2b")})
	equal(t, "SCIMUsers of beta", users("beta"), map[string]domain.SCIMRecord{"u3": rec("00u3")})
	equal(t, "SCIMGroups", groups("acme"), map[string]domain.SCIMRecord{"g_1": rec("00g1")})
	isErr(t, "SetSCIMUser of a non-member", e.write(func(tx store.Tx) error { return tx.SetSCIMUser("beta", "u1", rec("x")) }), store.ErrNotFound)
	isErr(t, "SetSCIMGroup of a missing group", e.write(func(tx store.Tx) error { return tx.SetSCIMGroup("beta", "g_1", rec("x")) }), store.ErrNotFound)
	e.mustWrite(func(tx store.Tx) error { return tx.DeleteGroup("acme", "g_1") })
	equal(t, "SCIMGroups after the group went", groups("acme"), map[string]domain.SCIMRecord{})

	// Removing the maker removes the token and the record.
	e.mustWrite(func(tx store.Tx) error { return tx.DeleteMember("acme", "u1") })
	equal(t, "tokens after the maker left", of("acme"), []domain.SCIMToken{s2})
	equal(t, "SCIMUsers after the member left", users("acme"), map[string]domain.SCIMRecord{"u2": rec("00u2b")})
	e.mustWrite(func(tx store.Tx) error { return tx.DeleteSCIMToken("scim_2") })
	isErr(t, "DeleteSCIMToken twice", e.write(func(tx store.Tx) error { return tx.DeleteSCIMToken("scim_2") }), store.ErrNotFound)
}
