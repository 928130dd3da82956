package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testSSO: an org has at most one SSO configuration, replaced by a put and
// found only with its org; its lists and maps round-trip; it goes with its
// org. A flow is taken once, and not at all once it has ended.
func testSSO(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	c := domain.SSOConfig{Org: "acme", Issuer: "https://idp.test", ClientID: "gh", SecretSealed: []byte{1, 2, 3},
		Domains: []string{"acme.test"}, DefaultRole: "member", GroupsClaim: "groups",
		GroupMap: map[string]string{"eng": "grp_1"}, Enforce: true, ConfiguredBy: "user:u1", UpdatedAt: t0}
	e.mustWrite(func(tx store.Tx) error { return tx.PutSSO(c) })
	got := mustRead(e, func(r store.Reader) (domain.SSOConfig, error) { return r.GetSSO("acme") })
	equal(t, "GetSSO", got, c)
	_, err := read(e, func(r store.Reader) (domain.SSOConfig, error) { return r.GetSSO("beta") })
	isErr(t, "GetSSO of another org", err, store.ErrNotFound)

	equal(t, "SSOOrgOfDomain", mustRead(e, func(r store.Reader) (string, error) { return r.SSOOrgOfDomain("acme.test") }), "acme")
	_, err = read(e, func(r store.Reader) (string, error) { return r.SSOOrgOfDomain("beta.test") })
	isErr(t, "SSOOrgOfDomain unclaimed", err, store.ErrNotFound)
	isErr(t, "PutSSO claiming another org's domain", e.write(func(tx store.Tx) error {
		return tx.PutSSO(domain.SSOConfig{Org: "beta", SecretSealed: []byte{1}, Domains: []string{"acme.test"}})
	}), store.ErrConflict)

	c.Enforce, c.Domains, c.GroupMap, c.ClientID = false, []string{"a.test", "b.test"}, map[string]string{}, "gh2"
	e.mustWrite(func(tx store.Tx) error { return tx.PutSSO(c) })
	got = mustRead(e, func(r store.Reader) (domain.SSOConfig, error) { return r.GetSSO("acme") })
	equal(t, "GetSSO after a replacing put", got, c)
	isErr(t, "PutSSO in a missing org", e.write(func(tx store.Tx) error {
		return tx.PutSSO(domain.SSOConfig{Org: "nope", SecretSealed: []byte{1}})
	}), store.ErrNotFound)

	_, err = read(e, func(r store.Reader) (string, error) { return r.SSOOrgOfDomain("acme.test") })
	isErr(t, "SSOOrgOfDomain of a domain given up", err, store.ErrNotFound)
	e.mustWrite(func(tx store.Tx) error { return tx.DeleteSSO("acme") })
	_, err = read(e, func(r store.Reader) (string, error) { return r.SSOOrgOfDomain("a.test") })
	isErr(t, "SSOOrgOfDomain after DeleteSSO", err, store.ErrNotFound)
	_, err = read(e, func(r store.Reader) (domain.SSOConfig, error) { return r.GetSSO("acme") })
	isErr(t, "GetSSO after DeleteSSO", err, store.ErrNotFound)
	isErr(t, "DeleteSSO twice", e.write(func(tx store.Tx) error { return tx.DeleteSSO("acme") }), store.ErrNotFound)

	f := domain.SSOFlow{StateHash: []byte("h1"), Org: "acme", Nonce: "n", Verifier: "v", ExpiresAt: at(10 * time.Minute)}
	old := domain.SSOFlow{StateHash: []byte("h2"), Org: "acme", Nonce: "n2", Verifier: "v2", ExpiresAt: at(time.Minute)}
	e.mustWrite(func(tx store.Tx) error {
		if err := tx.PutSSOFlow(f); err != nil {
			return err
		}
		return tx.PutSSOFlow(old)
	})
	take := func(h string, now time.Time) (domain.SSOFlow, error) {
		var out domain.SSOFlow
		err := e.write(func(tx store.Tx) error {
			var err error
			out, err = tx.TakeSSOFlow([]byte(h), now)
			return err
		})
		return out, err
	}
	_, err = take("h2", at(2*time.Minute))
	isErr(t, "TakeSSOFlow of an ended flow", err, store.ErrNotFound)
	gotF, err := take("h1", at(2*time.Minute))
	noErr(t, "TakeSSOFlow", err)
	equal(t, "TakeSSOFlow returns the flow", gotF, f)
	_, err = take("h1", at(2*time.Minute))
	isErr(t, "TakeSSOFlow twice", err, store.ErrNotFound)
}
