package e2e

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store/pgtest"
)

// TestRevocationTakesEffectAtOnce: removing a member, revoking a grant, a
// key or a session, and rotating a key without overlap, take effect on the
// very next request to the same server: measured over
// GATEHOUSE_REVOCATION_ROUNDS rounds of each (default 30), asserted every
// time. The latency reported is that of the revoking request itself.
func TestRevocationTakesEffectAtOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *inproc) {
		owner := s.newPerson(t, "owner")
		s.newOrg(t, owner, "acme", "vi")
		// Every round adds members; the default plan's seats would run out.
		s.do(t, owner.token, "PATCH", "/v1/orgs/acme/billing", map[string]any{"plan": "enterprise", "seat_limit": 100000}).want(t, 200)
		s.do(t, owner.token, "PUT", "/v1/orgs/acme/resources/dataset/cats", map[string]any{}).want(t, 200)
		rounds := envInt("GATEHOUSE_REVOCATION_ROUNDS", 30)
		lat := map[string][]time.Duration{}
		checkSelf := func(token string) (int, bool) {
			r := s.do(t, token, "POST", "/v1/orgs/acme/check", map[string]any{"permission": "dataset.view", "resource": "dataset:cats"})
			if r.status != 200 {
				return r.status, false
			}
			return 200, r.obj(t)["allowed"].(bool)
		}
		for round := range rounds {
			// A member, removed.
			m := s.newPerson(t, fmt.Sprintf("m%d", round))
			s.join(t, owner.token, "acme", m, "member", grantOf("dataset.viewer", "dataset:cats"))
			if code, ok := checkSelf(m.token); code != 200 || !ok {
				t.Fatalf("member before removal: %d %v", code, ok)
			}
			r := s.do(t, owner.token, "DELETE", "/v1/orgs/acme/members/"+m.id, nil).want(t, 200)
			lat["remove member"] = append(lat["remove member"], r.took)
			if code, _ := checkSelf(m.token); code != 404 {
				t.Fatalf("round %d: the removed member's next request: %d, want 404", round, code)
			}
			s.do(t, m.token, "GET", "/v1/orgs/acme", nil).want(t, 404)

			// A grant, revoked.
			g := s.newPerson(t, fmt.Sprintf("g%d", round))
			s.join(t, owner.token, "acme", g, "member")
			gr := s.do(t, owner.token, "POST", "/v1/orgs/acme/grants", map[string]any{"subject": "user:" + g.id,
				"role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
			if _, ok := checkSelf(g.token); !ok {
				t.Fatal("grant not effective")
			}
			r = s.do(t, owner.token, "DELETE", "/v1/orgs/acme/grants/"+gr.str(t, "id"), nil).want(t, 200)
			lat["revoke grant"] = append(lat["revoke grant"], r.took)
			if code, ok := checkSelf(g.token); code != 200 || ok {
				t.Fatalf("round %d: the next check after revoking the grant: %d allowed=%v", round, code, ok)
			}

			// A key, revoked.
			id, secret := s.newKey(t, owner.token, "acme", "dataset.viewer", "dataset:cats")
			s.do(t, secret, "GET", "/v1/orgs/acme", nil).want(t, 200)
			r = s.do(t, owner.token, "DELETE", "/v1/orgs/acme/keys/"+id, nil).want(t, 204)
			lat["revoke key"] = append(lat["revoke key"], r.took)
			s.do(t, secret, "GET", "/v1/orgs/acme", nil).want(t, 401)

			// A key rotated without overlap: the old secret is dead.
			id, secret = s.newKey(t, owner.token, "acme", "member", "org")
			s.do(t, secret, "GET", "/v1/orgs/acme", nil).want(t, 200)
			r = s.do(t, owner.token, "POST", "/v1/orgs/acme/keys/"+id+"/rotate", map[string]any{"overlap_seconds": 0}).want(t, 200)
			lat["rotate key"] = append(lat["rotate key"], r.took)
			s.do(t, secret, "GET", "/v1/orgs/acme", nil).want(t, 401)
			s.do(t, r.str(t, "secret"), "GET", "/v1/orgs/acme", nil).want(t, 200)

			// A session, ended.
			sess := s.login(t, owner.email, owner.password)
			s.do(t, sess, "GET", "/v1/me", nil).want(t, 200)
			r = s.do(t, sess, "POST", "/v1/auth/logout", nil).want(t, 204)
			lat["logout"] = append(lat["logout"], r.took)
			s.do(t, sess, "GET", "/v1/me", nil).want(t, 401)
		}
		for _, k := range slices.Sorted(keysOf(lat)) {
			t.Logf("%s: %s: %d of %d next requests refused; revoking request %s", s.backend, k, rounds, rounds, quantiles(lat[k]))
		}
	})
}

// TestRevocationAcrossServers: two servers on one PostgreSQL database. A
// revocation acknowledged by one is seen by the other's next check that
// carries the revocation's revision (at_least_revision); without it the
// other server catches up through the changelog, and the time it takes is
// measured (and bounded). Sessions are read from the database on every
// request, so an ended session fails at once everywhere.
func TestRevocationAcrossServers(t *testing.T) {
	url := pgtest.URL(t)
	a := startInproc(t, "postgres", inprocOptions{pgURL: url})
	b := startInproc(t, "postgres", inprocOptions{pgURL: url})
	owner := a.newPerson(t, "owner")
	a.newOrg(t, owner, "acme", "vi")
	// Every round adds members; the default plan's seats would run out.
	a.do(t, owner.token, "PATCH", "/v1/orgs/acme/billing", map[string]any{"plan": "enterprise", "seat_limit": 100000}).want(t, 200)
	a.do(t, owner.token, "PUT", "/v1/orgs/acme/resources/dataset/cats", map[string]any{}).want(t, 200)
	rounds := envInt("GATEHOUSE_REVOCATION_ROUNDS", 30)
	lag := map[string][]time.Duration{}
	// until polls b until denied, returning how long it took.
	until := func(what string, denied func() bool) {
		began := time.Now()
		for !denied() {
			if time.Since(began) > 5*time.Second {
				t.Fatalf("%s: the other server still allows after 5s", what)
			}
			time.Sleep(time.Millisecond)
		}
		lag[what] = append(lag[what], time.Since(began))
	}
	// seen waits until b has applied a's write.
	seen := func(ok func() bool) {
		for began := time.Now(); !ok(); time.Sleep(time.Millisecond) {
			if time.Since(began) > 5*time.Second {
				t.Fatal("the other server did not catch up in 5s")
			}
		}
	}
	for round := range rounds {
		g := a.newPerson(t, fmt.Sprintf("g%d", round))
		a.join(t, owner.token, "acme", g, "member")
		gr := a.do(t, owner.token, "POST", "/v1/orgs/acme/grants", map[string]any{"subject": "user:" + g.id,
			"role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		rev := a.do(t, owner.token, "DELETE", "/v1/orgs/acme/grants/"+gr.str(t, "id"), nil).want(t, 200).revision()
		c := b.do(t, g.token, "POST", "/v1/orgs/acme/check", map[string]any{"permission": "dataset.view", "resource": "dataset:cats",
			"at_least_revision": rev}).want(t, 200)
		if c.obj(t)["allowed"] != false {
			t.Fatalf("round %d: the other server allowed a check at the revocation's revision", round)
		}

		id, secret := a.newKey(t, owner.token, "acme", "member", "org")
		seen(func() bool { return b.do(t, secret, "GET", "/v1/orgs/acme", nil).status == 200 }) // and cached there
		a.do(t, owner.token, "DELETE", "/v1/orgs/acme/keys/"+id, nil).want(t, 204)
		until("revoked key on the other server", func() bool { return b.do(t, secret, "GET", "/v1/orgs/acme", nil).status == 401 })

		m := a.newPerson(t, fmt.Sprintf("m%d", round))
		a.join(t, owner.token, "acme", m, "member")
		seen(func() bool { return b.do(t, m.token, "GET", "/v1/orgs/acme", nil).status == 200 })
		a.do(t, owner.token, "DELETE", "/v1/orgs/acme/members/"+m.id, nil).want(t, 200)
		until("removed member on the other server", func() bool { return b.do(t, m.token, "GET", "/v1/orgs/acme", nil).status == 404 })

		sess := a.login(t, owner.email, owner.password)
		b.do(t, sess, "GET", "/v1/me", nil).want(t, 200)
		a.do(t, sess, "POST", "/v1/auth/logout", nil).want(t, 204)
		b.do(t, sess, "GET", "/v1/me", nil).want(t, 401)
	}
	t.Logf("two servers: %d of %d checks carrying the revocation's revision denied on the other server; %d of %d ended sessions refused there at once", rounds, rounds, rounds, rounds)
	for _, k := range slices.Sorted(keysOf(lag)) {
		t.Logf("%s: denied after %s", k, quantiles(lag[k]))
	}
}

func keysOf[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// quantiles renders p50, p99 and max.
func quantiles(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	q := func(p float64) time.Duration { return s[min(len(s)-1, int(p*float64(len(s))))] }
	r := func(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }
	return fmt.Sprintf("p50 %s, p99 %s, max %s (n=%d)", r(q(0.5)), r(q(0.99)), r(s[len(s)-1]), len(s))
}
