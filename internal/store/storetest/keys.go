package storetest

import (
	"crypto/sha256"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func hashOf(secret string) []byte {
	sum := sha256.Sum256([]byte(secret))
	return sum[:]
}

func testKeys(e *env) {
	t := e.t
	e.org("acme")
	k1 := domain.KeyRecord{Org: "acme", ID: "k_1", Name: "ci", Prefix: "gsk_abc", Hash: hashOf("s1"),
		CreatedBy: "user:u1", Owner: "u1", CreatedAt: t0, ExpiresAt: at(24 * time.Hour)}
	k2 := domain.KeyRecord{Org: "acme", ID: "k_0", Name: "etl", Prefix: "gsk_def", Hash: hashOf("s2"),
		CreatedBy: "u1", CreatedAt: t0}
	e.mustWrite(func(tx store.Tx) error {
		if err := tx.PutKey(k1); err != nil {
			return err
		}
		return tx.PutKey(k2)
	})
	got := mustRead(e, func(r store.Reader) (domain.KeyRecord, error) { return r.GetKey("acme", "k_1") })
	equal(t, "GetKey", got, k1)
	_, err := read(e, func(r store.Reader) (domain.KeyRecord, error) { return r.GetKey("acme", "k_9") })
	isErr(t, "GetKey missing", err, store.ErrNotFound)

	// PutKey writes the whole record: a rotation, a revocation, a new owner.
	k1.PrevHash, k1.PrevUntil, k1.Hash = k1.Hash, at(time.Hour), hashOf("s1b")
	k1.Owner = "u2"
	k2.RevokedAt = at(time.Minute)
	e.mustWrite(func(tx store.Tx) error {
		if err := tx.PutKey(k1); err != nil {
			return err
		}
		return tx.PutKey(k2)
	})
	keys := mustRead(e, func(r store.Reader) ([]domain.KeyRecord, error) { return r.ListKeys("acme") })
	equal(t, "ListKeys in creation order", keys, []domain.KeyRecord{k1, k2})

	isErr(t, "PutKey with another key's hash", e.write(func(tx store.Tx) error {
		return tx.PutKey(domain.KeyRecord{Org: "acme", ID: "k_2", Hash: hashOf("s2")})
	}), store.ErrConflict)
	isErr(t, "PutKey in a missing org", e.write(func(tx store.Tx) error {
		return tx.PutKey(domain.KeyRecord{Org: "nope", ID: "k_3", Hash: hashOf("s3")})
	}), store.ErrNotFound)

	// TouchKey is bookkeeping: no revision, nothing else changes.
	rev := e.revision()
	noErr(t, "TouchKey", e.s.TouchKey(e.ctx, "acme", "k_1", at(2*time.Minute)))
	if got := e.revision(); got != rev {
		t.Errorf("TouchKey moved the revision from %d to %d", rev, got)
	}
	k1.LastUsedAt = at(2 * time.Minute)
	got = mustRead(e, func(r store.Reader) (domain.KeyRecord, error) { return r.GetKey("acme", "k_1") })
	equal(t, "GetKey after TouchKey", got, k1)
	isErr(t, "TouchKey missing", e.s.TouchKey(e.ctx, "acme", "k_9", t0), store.ErrNotFound)
	isErr(t, "TouchKey in another org", e.s.TouchKey(e.ctx, "other", "k_1", t0), store.ErrNotFound)
}

func testKeyByHash(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	rotated := domain.KeyRecord{Org: "acme", ID: "k_1", Name: "ci", Hash: hashOf("new"),
		PrevHash: hashOf("old"), PrevUntil: at(time.Hour), CreatedAt: t0}
	other := domain.KeyRecord{Org: "beta", ID: "k_1", Name: "other", Hash: hashOf("beta"), CreatedAt: t0}
	e.mustWrite(func(tx store.Tx) error {
		if err := tx.PutKey(rotated); err != nil {
			return err
		}
		return tx.PutKey(other)
	})
	cases := []struct {
		name    string
		secret  string
		now     time.Time
		want    *domain.KeyRecord
		viaPrev bool
	}{
		{"current secret", "new", t0, &rotated, false},
		{"current secret after the overlap", "new", at(2 * time.Hour), &rotated, false},
		{"previous secret within the overlap", "old", at(time.Hour - time.Microsecond), &rotated, true},
		{"previous secret when the overlap ends", "old", at(time.Hour), nil, false},
		{"previous secret after the overlap", "old", at(2 * time.Hour), nil, false},
		{"another org's key", "beta", t0, &other, false},
		{"unknown secret", "nope", t0, nil, false},
		{"empty hash", "", t0, nil, false},
	}
	for _, c := range cases {
		hash := hashOf(c.secret)
		if c.secret == "" {
			hash = nil
		}
		var viaPrev bool
		got, err := read(e, func(r store.Reader) (domain.KeyRecord, error) {
			k, prev, err := r.GetKeyByHash(hash, c.now)
			viaPrev = prev
			return k, err
		})
		if c.want == nil {
			isErr(t, "GetKeyByHash "+c.name, err, store.ErrNotFound)
			continue
		}
		noErr(t, "GetKeyByHash "+c.name, err)
		equal(t, "GetKeyByHash "+c.name, got, *c.want)
		if viaPrev != c.viaPrev {
			t.Errorf("GetKeyByHash %s: viaPrevious = %v, want %v", c.name, viaPrev, c.viaPrev)
		}
	}
}
