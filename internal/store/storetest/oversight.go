package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testExpiringGrants: the grants ending in a window, soonest first, and
// their count; grants of another org, without an expiry, already ended or
// ending later stay out.
func testExpiringGrants(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	grant := func(org, id string, ends time.Duration) domain.Grant {
		g := domain.Grant{ID: id, Org: org, Subject: domain.UserSubject("u1"), Role: "admin",
			Scope: domain.OrgScope(), CreatedBy: "user:u0", CreatedAt: t0}
		if ends != 0 {
			g.ExpiresAt = at(ends)
		}
		return g
	}
	day := 24 * time.Hour
	gs := []domain.Grant{
		grant("acme", "g_a", 10*day), grant("acme", "g_b", 2*day), grant("acme", "g_c", 0),
		grant("acme", "g_d", -day), grant("acme", "g_e", 20*day), grant("acme", "g_f", 2*day),
		grant("beta", "g_g", 3*day),
	}
	e.mustWrite(func(tx store.Tx) error {
		for _, g := range gs {
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		return nil
	})
	ids := func(limit int) []string {
		return mustRead(e, func(r store.Reader) ([]string, error) {
			got, err := r.ExpiringGrants("acme", t0, at(14*day), limit)
			var out []string
			for _, g := range got {
				out = append(out, g.ID)
			}
			return out, err
		})
	}
	equal(t, "ExpiringGrants soonest first, ties by id", ids(0), []string{"g_b", "g_f", "g_a"})
	equal(t, "ExpiringGrants limited", ids(2), []string{"g_b", "g_f"})
	n := mustRead(e, func(r store.Reader) (int, error) { return r.CountExpiringGrants("acme", t0, at(14*day)) })
	equal(t, "CountExpiringGrants", n, 3)
	got := mustRead(e, func(r store.Reader) ([]domain.Grant, error) { return r.ExpiringGrants("acme", t0, at(3*day), 1) })
	equal(t, "ExpiringGrants whole record", got, []domain.Grant{gs[1]})
}

// testIdleMembers: members who never signed in come first, then the longest
// idle; the account's last sign-in counts, whatever the org.
func testIdleMembers(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	day := 24 * time.Hour
	logins := map[string]time.Duration{"u_recent": -day, "u_old": -40 * day, "u_older": -90 * day}
	for _, id := range []string{"u_never", "u_recent", "u_old", "u_older", "u_never2"} {
		e.member("acme", id, "member")
		if d, ok := logins[id]; ok {
			u := mustRead(e, func(r store.Reader) (domain.UserRecord, error) { return r.GetUser(id) })
			u.LastLoginAt = at(d)
			e.mustWrite(func(tx store.Tx) error { return tx.UpdateUser(u) })
		}
	}
	e.mustWrite(func(tx store.Tx) error {
		return tx.PutMember(domain.Member{Org: "beta", UserID: "u_never", Role: "member", JoinedAt: t0})
	})
	ids := func(org string, limit int) []string {
		return mustRead(e, func(r store.Reader) ([]string, error) {
			ms, err := r.IdleMembers(org, at(-30*day), limit)
			var out []string
			for _, m := range ms {
				out = append(out, m.UserID)
			}
			return out, err
		})
	}
	equal(t, "IdleMembers", ids("acme", 0), []string{"u_never", "u_never2", "u_older", "u_old"})
	equal(t, "IdleMembers limited", ids("acme", 3), []string{"u_never", "u_never2", "u_older"})
	equal(t, "IdleMembers of another org", ids("beta", 0), []string{"u_never"})
	n := mustRead(e, func(r store.Reader) (int, error) { return r.CountIdleMembers("acme", at(-30*day)) })
	equal(t, "CountIdleMembers", n, 4)
}

// testKeyFilters: live and expired keys at a moment, search by name or
// prefix in any case (LIKE's wildcards taken literally), unused and
// expiring keys, and the owners of keys.
func testKeyFilters(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	day := 24 * time.Hour
	key := func(id, name, owner string, expires, used, revoked time.Duration) domain.KeyRecord {
		k := domain.KeyRecord{Org: "acme", ID: id, Name: name, Prefix: "gsk_" + id, Hash: hashOf(id),
			CreatedBy: "user:" + owner, Owner: owner, CreatedAt: t0}
		if expires != 0 {
			k.ExpiresAt = at(expires)
		}
		if used != 0 {
			k.LastUsedAt = at(used)
		}
		if revoked != 0 {
			k.RevokedAt = at(revoked)
		}
		return k
	}
	keys := []domain.KeyRecord{
		key("k1", "CI deploy", "u1", 0, -day, 0),
		key("k2", "etl_100%", "u2", 5*day, -40*day, 0),
		key("k3", "old ci", "u1", -day, 0, 0),
		key("k4", "revoked ci", "u3", 0, 0, -day),
		key("k5", "etl-x", "u2", 30*day, 0, 0),
	}
	e.mustWrite(func(tx store.Tx) error {
		for _, k := range keys {
			if err := tx.PutKey(k); err != nil {
				return err
			}
		}
		return tx.PutKey(domain.KeyRecord{Org: "beta", ID: "k9", Name: "ci", Hash: hashOf("k9"), Owner: "u9", CreatedAt: t0})
	})
	ids := func(f store.KeyFilter) []string {
		return mustRead(e, func(r store.Reader) ([]string, error) {
			ks, _, err := r.ListKeys("acme", f, "", 0)
			var out []string
			for _, k := range ks {
				out = append(out, k.ID)
			}
			return out, err
		})
	}
	for _, c := range []struct {
		what string
		f    store.KeyFilter
		want []string
	}{
		{"live", store.KeyFilter{State: store.LiveKey, At: t0}, []string{"k1", "k2", "k5"}},
		{"expired", store.KeyFilter{State: store.ExpiredKey, At: t0}, []string{"k3"}},
		{"live later", store.KeyFilter{State: store.LiveKey, At: at(10 * day)}, []string{"k1", "k5"}},
		{"search in any case", store.KeyFilter{Search: "CI"}, []string{"k1", "k3", "k4"}},
		{"search a prefix", store.KeyFilter{Search: "gsk_k5"}, []string{"k5"}},
		{"search with a literal %", store.KeyFilter{Search: "100%"}, []string{"k2"}},
		{"search with a literal _", store.KeyFilter{Search: "l_1"}, []string{"k2"}},
		{"search and owner", store.KeyFilter{Search: "ci", Owner: "u1"}, []string{"k1", "k3"}},
		{"unused for 30 days or never", store.KeyFilter{State: store.LiveKey, At: t0, UnusedSince: at(-30 * day)}, []string{"k2", "k5"}},
		{"expiring within 14 days", store.KeyFilter{State: store.LiveKey, At: t0, ExpiresBefore: at(14 * day)}, []string{"k2"}},
	} {
		equal(t, "ListKeys "+c.what, ids(c.f), c.want)
		n := mustRead(e, func(r store.Reader) (int, error) { return r.CountKeys("acme", c.f) })
		equal(t, "CountKeys "+c.what, n, len(c.want))
	}
	owners := mustRead(e, func(r store.Reader) ([]string, error) { return r.KeyOwners("acme") })
	equal(t, "KeyOwners", owners, []string{"u1", "u2", "u3"})
}

// testAuditNewer: paging back up the log, oldest first, and its actors.
func testAuditNewer(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	actors := []string{"user:u2", "user:u1", "key:k1", "user:u2", "", "user:u1"}
	e.mustWrite(func(tx store.Tx) error {
		for _, a := range actors {
			if err := tx.AppendAudit(&domain.AuditEvent{Org: "acme", At: t0, Actor: a, Action: "x"}); err != nil {
				return err
			}
		}
		return tx.AppendAudit(&domain.AuditEvent{Org: "beta", At: t0, Actor: "user:u9", Action: "x"})
	})
	seqs := func(after int64, limit int) []int64 {
		return mustRead(e, func(r store.Reader) ([]int64, error) {
			evs, err := r.ListAuditAfter("acme", after, limit)
			var out []int64
			for _, ev := range evs {
				out = append(out, ev.Seq)
			}
			return out, err
		})
	}
	equal(t, "ListAuditAfter 2, 3 events", seqs(2, 3), []int64{3, 4, 5})
	equal(t, "ListAuditAfter 4, all", seqs(4, 0), []int64{5, 6})
	equal(t, "ListAuditAfter the last", seqs(6, 10), []int64(nil))
	got := mustRead(e, func(r store.Reader) ([]string, error) { return r.AuditActors("acme") })
	equal(t, "AuditActors", got, []string{"key:k1", "user:u1", "user:u2"})
}
