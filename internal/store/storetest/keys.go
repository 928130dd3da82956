package storetest

import (
	"crypto/sha256"
	"fmt"
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
	all := func(f store.KeyFilter) []domain.KeyRecord {
		return mustRead(e, func(r store.Reader) ([]domain.KeyRecord, error) {
			keys, _, err := r.ListKeys("acme", f, "", 0)
			return keys, err
		})
	}
	equal(t, "ListKeys in creation order", all(store.KeyFilter{}), []domain.KeyRecord{k1, k2})
	equal(t, "ListKeys of an owner", all(store.KeyFilter{Owner: "u2"}), []domain.KeyRecord{k1})
	equal(t, "ListKeys unrevoked", all(store.KeyFilter{State: store.UnrevokedKey}), []domain.KeyRecord{k1})
	equal(t, "ListKeys revoked", all(store.KeyFilter{State: store.RevokedKey}), []domain.KeyRecord{k2})
	equal(t, "ListKeys of an owner with none", all(store.KeyFilter{Owner: "u1"}), []domain.KeyRecord(nil))
	count := func(f store.KeyFilter) int {
		return mustRead(e, func(r store.Reader) (int, error) { return r.CountKeys("acme", f) })
	}
	equal(t, "CountKeys", count(store.KeyFilter{}), 2)
	equal(t, "CountKeys unrevoked", count(store.KeyFilter{State: store.UnrevokedKey}), 1)
	equal(t, "CountKeys of an owner, unrevoked", count(store.KeyFilter{Owner: "u1", State: store.UnrevokedKey}), 0)

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

// testKeyPages: pages follow creation order, not id order, and every key
// appears on exactly one page.
func testKeyPages(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	var want []string
	e.mustWrite(func(tx store.Tx) error {
		for i := range 7 {
			id := fmt.Sprintf("k_%d", 9-i) // ids descend while creation ascends
			want = append(want, id)
			k := domain.KeyRecord{Org: "acme", ID: id, Name: id, Hash: hashOf("a" + id), CreatedAt: t0, Owner: "u1"}
			if err := tx.PutKey(k); err != nil {
				return err
			}
			if err := tx.PutKey(domain.KeyRecord{Org: "beta", ID: id, Name: id, Hash: hashOf("b" + id), CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	listPage := func(after string, limit int) (keys []domain.KeyRecord, next string) {
		noErr(t, "ListKeys page", e.s.View(e.ctx, func(r store.Reader) error {
			var err error
			keys, next, err = r.ListKeys("acme", store.KeyFilter{}, after, limit)
			return err
		}))
		return keys, next
	}
	var got []string
	after, pages := "", 0
	for ; pages < 10; pages++ {
		keys, next := listPage(after, 3)
		for _, k := range keys {
			got = append(got, k.ID)
		}
		if next == "" {
			break
		}
		after = next
	}
	equal(t, "keys over pages of 3", got, want)
	equal(t, "pages of 3 for 7 keys", pages+1, 3)
	keys, next := listPage("", 7)
	equal(t, "a page that holds them all has no next", next, "")
	equal(t, "a page that holds them all", len(keys), 7)
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
