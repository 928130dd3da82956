package storetest

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// checkChain verifies events as stored: seq 1..n, each linked to the one
// before, each hash recomputed from the stored fields.
func checkChain(t *testing.T, events []domain.AuditEvent, n int) {
	t.Helper()
	if len(events) != n {
		t.Errorf("chain has %d events, want %d", len(events), n)
	}
	prev := store.GenesisHash
	for i, ev := range events {
		if ev.Seq != int64(i+1) {
			t.Errorf("event %d: seq %d, want %d", i, ev.Seq, i+1)
		}
		if ev.PrevHash != prev {
			t.Errorf("event seq %d: prev hash %q, want %q", ev.Seq, ev.PrevHash, prev)
		}
		if want := digest(ev.PrevHash, &ev); ev.Hash != want {
			t.Errorf("event seq %d: stored hash does not match its stored fields", ev.Seq)
		}
		prev = ev.Hash
	}
}

func testAudit(e *env) {
	t := e.t
	e.org("a")
	e.org("b")
	// Interleave two orgs in one transaction and across transactions: each
	// org has its own chain.
	var appended []*domain.AuditEvent
	add := func(tx store.Tx, org, action string, at time.Time, before, after []byte) error {
		ev := &domain.AuditEvent{Org: org, At: at, Actor: "user:u1", Action: action, Target: "org:" + org,
			Before: before, After: after, RequestID: "req-" + action}
		appended = append(appended, ev)
		return tx.AppendAudit(ev)
	}
	// Nanoseconds the database cannot keep: the store must truncate before
	// sealing, or the hash would not verify after a round trip.
	fine := t0.Add(789 * time.Nanosecond)
	e.mustWrite(func(tx store.Tx) error {
		if err := add(tx, "a", "org.create", fine, nil, []byte(`{"name":"A"}`)); err != nil {
			return err
		}
		if err := add(tx, "b", "org.create", t0, nil, nil); err != nil {
			return err
		}
		return add(tx, "a", "org.rename", t0, []byte(`{"name":"A"}`), []byte(`{"name":"A2"}`))
	})
	before := time.Now()
	e.mustWrite(func(tx store.Tx) error { return add(tx, "a", "member.add", time.Time{}, nil, []byte(`{}`)) })

	for i, want := range []struct {
		org string
		seq int64
	}{{"a", 1}, {"b", 1}, {"a", 2}, {"a", 3}} {
		if ev := appended[i]; ev.Org != want.org || ev.Seq != want.seq || ev.Hash == "" {
			t.Errorf("appended event %d: org %q seq %d hash %q; want org %q seq %d and a hash",
				i, ev.Org, ev.Seq, ev.Hash, want.org, want.seq)
		}
	}
	if got := appended[0].At; !got.Equal(t0) {
		t.Errorf("At = %v, want it truncated to %v", got, t0)
	}
	if got := appended[3].At; got.Before(before.Add(-time.Second)) || got.After(time.Now().Add(time.Second)) {
		t.Errorf("zero At became %v, want about now", got)
	}

	a := mustRead(e, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("a") })
	checkChain(t, a, 3)
	b := mustRead(e, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("b") })
	checkChain(t, b, 1)
	// What the caller's events say is what was stored.
	equal(t, "AllAudit a", a, []domain.AuditEvent{*appended[0], *appended[2], *appended[3]})
	equal(t, "AllAudit b", b, []domain.AuditEvent{*appended[1]})
	if a[0].Before != nil || b[0].After != nil {
		t.Errorf("nil Before/After came back as %q/%q", a[0].Before, b[0].After)
	}
	none := mustRead(e, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("nope") })
	if len(none) != 0 {
		t.Errorf("AllAudit of an org without events = %v", none)
	}
}

func testAuditPagination(e *env) {
	t := e.t
	e.org("acme")
	const n = 25
	e.mustWrite(func(tx store.Tx) error {
		for range n {
			if err := tx.AppendAudit(&domain.AuditEvent{Org: "acme", At: t0, Action: "x"}); err != nil {
				return err
			}
		}
		return nil
	})
	var seqs []int64
	before := int64(0)
	for pages := 0; ; pages++ {
		if pages > n {
			t.Fatal("ListAudit pagination does not end")
		}
		var events []domain.AuditEvent
		var next int64
		err := e.s.View(e.ctx, func(r store.Reader) error {
			var err error
			events, next, err = r.ListAudit("acme", before, 10)
			return err
		})
		noErr(t, "ListAudit", err)
		for _, ev := range events {
			seqs = append(seqs, ev.Seq)
		}
		if next == 0 {
			break
		}
		before = next
	}
	if len(seqs) != n {
		t.Fatalf("ListAudit paged through %d events, want %d", len(seqs), n)
	}
	for i, s := range seqs {
		if s != int64(n-i) {
			t.Fatalf("ListAudit order: %v, want newest first", seqs)
		}
	}
}

// testAuditKeying: the record of the audit key, and the reseal of events
// of the unkeyed scheme that keying an old chain takes.
func testAuditKeying(e *env) {
	t := e.t
	e.org("a")
	type keying struct {
		id string
		at time.Time
	}
	key := func() keying {
		var k keying
		e.view(func(r store.Reader) error {
			var err error
			k.id, k.at, err = r.AuditKey()
			return err
		})
		return k
	}
	if k := key(); k.id != "" || !k.at.IsZero() {
		t.Fatalf("AuditKey of a new store = %+v, want none", k)
	}

	// Two events of the old scheme and one of the new.
	e.mustWrite(func(tx store.Tx) error {
		for i, scheme := range []int{domain.AuditSchemeSHA256, domain.AuditSchemeSHA256, domain.AuditSchemeHMAC} {
			ev := &domain.AuditEvent{Org: "a", At: at(time.Duration(i) * time.Second), Actor: "user:u1", Action: "x",
				After: []byte(`{"i":1}`), RequestID: "r", Scheme: scheme}
			if err := tx.AppendAudit(ev); err != nil {
				return err
			}
		}
		return nil
	})
	old := mustRead(e, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("a") })
	if old[0].Scheme != domain.AuditSchemeSHA256 || old[2].Scheme != domain.AuditSchemeHMAC {
		t.Fatalf("schemes stored as %d, %d, %d", old[0].Scheme, old[1].Scheme, old[2].Scheme)
	}

	resealed := old[0]
	resealed.PrevHash, resealed.Hash, resealed.Scheme = "p1", "h1", domain.AuditSchemeHMAC
	resealed.Actor = "user:mallory" // not the store's to change: ignored
	e.mustWrite(func(tx store.Tx) error { return tx.ResealAudit(resealed) })
	got := mustRead(e, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("a") })
	want := old[0]
	want.PrevHash, want.Hash, want.Scheme = "p1", "h1", domain.AuditSchemeHMAC
	equal(t, "resealed event", got[0], want)
	equal(t, "other events", got[1:], old[1:])

	// Once resealed, or already keyed, an event is not the store's to reseal.
	for _, ev := range []domain.AuditEvent{resealed, old[2], {Org: "a", Seq: 9, Scheme: domain.AuditSchemeHMAC}, {Org: "b", Seq: 2, Scheme: domain.AuditSchemeHMAC}} {
		ev.Hash = "again"
		isErr(t, "ResealAudit", e.write(func(tx store.Tx) error { return tx.ResealAudit(ev) }), store.ErrNotFound)
	}
	equal(t, "after refused reseals", mustRead(e, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("a") }), got)

	e.mustWrite(func(tx store.Tx) error { return tx.SetAuditKey("k1", t0) })
	if k := key(); k.id != "k1" || !k.at.Equal(t0) {
		t.Fatalf("AuditKey = %+v, want k1 at %v", k, t0)
	}
	isErr(t, "SetAuditKey again", e.write(func(tx store.Tx) error { return tx.SetAuditKey("k2", t0) }), store.ErrConflict)
	if k := key(); k.id != "k1" {
		t.Fatalf("AuditKey after a second set = %+v, want k1", k)
	}
}
