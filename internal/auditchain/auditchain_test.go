package auditchain_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain"
	"github.com/gatehouse/gatehouse/internal/auditchain/tamper"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// backend makes new databases of one kind; open opens one sealing with
// sealer, as a server of that version would.
type backend struct {
	name string
	new  func(t *testing.T) string
}

var backends = []backend{
	{"sqlite", func(t *testing.T) string { return filepath.Join(t.TempDir(), "gatehouse.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
}

func open(t *testing.T, dsn string, sealer store.Sealer) store.Store {
	t.Helper()
	var st store.Store
	var err error
	if strings.HasPrefix(dsn, "postgres") {
		st, err = postgres.New(context.Background(), dsn, store.Options{Sealer: sealer})
	} else {
		st, err = sqlite.New(context.Background(), dsn, store.Options{Sealer: sealer})
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func eachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			f(t, b)
		})
	}
}

var t0 = time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

// fill creates orgs with n events each, through st's sealer.
func fill(t *testing.T, st store.Store, n int, orgs ...string) {
	t.Helper()
	_, err := st.Update(context.Background(), func(tx store.Tx) error {
		for _, org := range orgs {
			if err := tx.CreateOrg(domain.Org{ID: org, Name: org, Scheme: "vi"}); err != nil {
				return err
			}
			for i := range n {
				ev := &domain.AuditEvent{Org: org, At: t0.Add(time.Duration(i) * time.Second), Actor: "user:u_owner",
					Action: "resource.put", Target: "dataset:d" + string(rune('a'+i)), After: []byte(`{"name":"x"}`), RequestID: "req"}
				if err := tx.AppendAudit(ev); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func verify(t *testing.T, st store.Store, key *audit.Key, org string, cps []audit.Checkpoint) auditchain.Result {
	t.Helper()
	r, err := auditchain.Verify(context.Background(), st, key, org, cps)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil)) }

// checkpointed is a keyed database of org "acme" with 5 events, whose head
// was signed into a checkpoints file.
func checkpointed(t *testing.T, b backend) (dsn string, key *audit.Key, cps []audit.Checkpoint) {
	t.Helper()
	dsn, key = b.new(t), audit.NewKey()
	st := open(t, dsn, key.Seal)
	defer st.Close()
	if _, err := auditchain.Prepare(context.Background(), st, key, auditchain.PrepareOptions{}); err != nil {
		t.Fatal(err)
	}
	fill(t, st, 5, "acme")
	path := filepath.Join(t.TempDir(), "checkpoints")
	c, err := auditchain.StartCheckpoints(context.Background(), auditchain.CheckpointConfig{Store: st, Key: key, Path: path, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	cps, _, err = auditchain.LoadCheckpoints(key, path, true)
	if err != nil || len(cps) != 1 || cps[0].Seq != 5 {
		t.Fatalf("checkpoints: %+v, %v; want one at seq 5", cps, err)
	}
	return dsn, key, cps
}

// TestTamper is the audit tamper test: what an intruder with the database
// and without the key can do to a chain, and what verification says.
func TestTamper(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		mallory := func(e *domain.AuditEvent) { e.Actor = "user:u_mallory" }
		cases := []struct {
			name    string
			tamper  func(t *testing.T, dsn string, key *audit.Key)
			noCPs   bool   // verified without checkpoints
			ok      bool   // verifies
			seq     int64  // first bad seq
			reason  string // in the reason
			comment string
		}{
			{name: "intact, with checkpoints", tamper: func(*testing.T, string, *audit.Key) {}, ok: true},
			{name: "edited and rehashed with the unkeyed formula", seq: 3, reason: "unkeyed formula",
				tamper: func(t *testing.T, dsn string, _ *audit.Key) {
					tamper.Rewrite(t, dsn, "acme", 3, mallory, audit.LegacySeal)
				}},
			{name: "edited and rehashed with the unkeyed formula, no checkpoints", noCPs: true, seq: 3, reason: "unkeyed formula",
				tamper: func(t *testing.T, dsn string, _ *audit.Key) {
					tamper.Rewrite(t, dsn, "acme", 3, mallory, audit.LegacySeal)
				}},
			{name: "edited and resealed with another key", seq: 3, reason: "audit key",
				tamper: func(t *testing.T, dsn string, _ *audit.Key) {
					tamper.Rewrite(t, dsn, "acme", 3, mallory, audit.NewKey().Seal)
				}},
			{name: "edited, not rehashed", seq: 2, reason: "audit key",
				tamper: func(t *testing.T, dsn string, _ *audit.Key) {
					tamper.Exec(t, dsn, `UPDATE audit_events SET target = 'dataset:zzz' WHERE org = 'acme' AND seq = 2`)
				}},
			{name: "newest events deleted", seq: 4, reason: "missing",
				tamper: func(t *testing.T, dsn string, _ *audit.Key) { tamper.Truncate(t, dsn, "acme", 3) }},
			{name: "every event deleted", seq: 1, reason: "missing",
				tamper: func(t *testing.T, dsn string, _ *audit.Key) { tamper.Truncate(t, dsn, "acme", 0) }},
			{name: "newest events deleted, no checkpoints", noCPs: true, ok: true,
				comment: "what checkpoints are for: a prefix of a keyed chain is a keyed chain",
				tamper:  func(t *testing.T, dsn string, _ *audit.Key) { tamper.Truncate(t, dsn, "acme", 3) }},
			{name: "reordered", seq: 2, reason: "does not link",
				tamper: func(t *testing.T, dsn string, _ *audit.Key) { tamper.Swap(t, dsn, "acme", 2, 3) }},
			{name: "reordered and rehashed with the unkeyed formula", seq: 2, reason: "unkeyed formula",
				tamper: func(t *testing.T, dsn string, _ *audit.Key) {
					tamper.Swap(t, dsn, "acme", 2, 3)
					tamper.Rewrite(t, dsn, "acme", 2, func(*domain.AuditEvent) {}, audit.LegacySeal)
				}},
			{name: "rewritten with the key itself", seq: 5, reason: "checkpoint",
				comment: "a key holder can forge MACs, not the checkpoints already shipped",
				tamper:  func(t *testing.T, dsn string, key *audit.Key) { tamper.Rewrite(t, dsn, "acme", 3, mallory, key.Seal) }},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				dsn, key, cps := checkpointed(t, b)
				c.tamper(t, dsn, key)
				if c.noCPs {
					cps = nil
				}
				st := open(t, dsn, key.Seal)
				defer st.Close()
				r := verify(t, st, key, "acme", cps)
				if r.OK != c.ok || r.FirstBadSeq != c.seq || !strings.Contains(r.Reason, c.reason) {
					t.Fatalf("verify = %+v; want ok %v, first bad seq %d, a reason with %q (%s)", r, c.ok, c.seq, c.reason, c.comment)
				}
			})
		}
	})
}

// An unkeyed database of the previous version is verified, resealed and
// audited; its content does not change.
func TestPrepareMigratesUnkeyedChains(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn := b.new(t)
		old := open(t, dsn, audit.LegacySeal)
		fill(t, old, 4, "acme", "beta")
		old.Close()
		before := tamper.Events(t, dsn, "acme")
		if before[0].Scheme != domain.AuditSchemeSHA256 {
			t.Fatalf("the old database's events have scheme %d", before[0].Scheme)
		}

		key := audit.NewKey()
		st := open(t, dsn, key.Seal)
		defer st.Close()
		if r := verify(t, st, key, "acme", nil); r.OK || r.FirstBadSeq != 1 || !strings.Contains(r.Reason, "unkeyed") {
			t.Fatalf("an unkeyed chain verified with the key before the migration: %+v", r)
		}
		done, err := auditchain.Prepare(ctx, st, key, auditchain.PrepareOptions{Now: func() time.Time { return t0.Add(time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(done) != 2 || done[0] != (auditchain.Rekeyed{Org: "acme", Events: 4}) || done[1].Org != "beta" {
			t.Fatalf("Prepare = %+v", done)
		}
		id, _, _ := auditchain.KeyID(ctx, st)
		if id != key.ID() {
			t.Fatalf("key id recorded %q, want %q", id, key.ID())
		}
		after := tamper.Events(t, dsn, "acme")
		if len(after) != 5 {
			t.Fatalf("%d events after the migration, want 4 and the rekey event", len(after))
		}
		for i, e := range after[:4] {
			o := before[i]
			if e.Scheme != domain.AuditSchemeHMAC || e.Hash == o.Hash || e.Actor != o.Actor || e.Target != o.Target ||
				!e.At.Equal(o.At) || !bytes.Equal(e.After, o.After) || e.Seq != o.Seq {
				t.Errorf("event %d after the migration: %+v; before: %+v", e.Seq, e, o)
			}
		}
		rk := after[4]
		var was struct {
			Scheme   string `json:"scheme"`
			Events   int    `json:"events"`
			HeadSeq  int64  `json:"head_seq"`
			HeadHash string `json:"head_hash"`
		}
		var now struct {
			Scheme string `json:"scheme"`
			KeyID  string `json:"key_id"`
		}
		json.Unmarshal(rk.Before, &was)
		json.Unmarshal(rk.After, &now)
		if rk.Action != auditchain.RekeyAction || rk.Actor != auditchain.SystemActor || rk.Target != "org:acme" ||
			!rk.At.Equal(t0.Add(time.Hour)) || was.Scheme != "sha256" || was.Events != 4 || was.HeadSeq != 4 ||
			was.HeadHash != before[3].Hash || now.Scheme != "hmac-sha256" || now.KeyID != key.ID() {
			t.Fatalf("rekey event: %+v before %s after %s", rk, rk.Before, rk.After)
		}
		for _, org := range []string{"acme", "beta"} {
			if r := verify(t, st, key, org, nil); !r.OK || r.Events != 5 {
				t.Errorf("%s after the migration: %+v", org, r)
			}
		}

		// Once keyed: nothing more to do, and never with another key.
		if done, err := auditchain.Prepare(ctx, st, key, auditchain.PrepareOptions{}); err != nil || len(done) != 0 {
			t.Fatalf("second Prepare = %+v, %v", done, err)
		}
		other := audit.NewKey()
		var mismatch *auditchain.KeyMismatchError
		if _, err := auditchain.Prepare(ctx, st, other, auditchain.PrepareOptions{}); !errors.As(err, &mismatch) || mismatch.DatabaseKeyID != key.ID() {
			t.Fatalf("Prepare with another key: %v", err)
		}
	})
}

// An unkeyed chain that does not verify is not keyed: the refusal names
// org and seq and nothing changes, until the operator accepts that break.
func TestPrepareRefusesBrokenUnkeyedChain(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn := b.new(t)
		old := open(t, dsn, audit.LegacySeal)
		fill(t, old, 4, "acme", "beta")
		old.Close()
		tamper.Exec(t, dsn, `UPDATE audit_events SET target = 'dataset:zzz' WHERE org = 'beta' AND seq = 2`)
		before := tamper.Events(t, dsn, "beta")

		key := audit.NewKey()
		st := open(t, dsn, key.Seal)
		defer st.Close()
		for _, accept := range []map[string]int64{nil, {"beta": 3}, {"acme": 2}} {
			_, err := auditchain.Prepare(ctx, st, key, auditchain.PrepareOptions{AcceptBroken: accept})
			var broken *auditchain.BrokenChainError
			if !errors.As(err, &broken) || broken.Org != "beta" || broken.Seq != 2 ||
				!strings.Contains(err.Error(), `"beta"`) || !strings.Contains(err.Error(), "seq 2") {
				t.Fatalf("Prepare (accepting %v) on a broken chain: %v", accept, err)
			}
		}
		if id, _, _ := auditchain.KeyID(ctx, st); id != "" {
			t.Fatal("a refused migration recorded the key")
		}
		if got := tamper.Events(t, dsn, "acme"); got[0].Scheme != domain.AuditSchemeSHA256 {
			t.Fatal("a refused migration resealed another org")
		}

		done, err := auditchain.Prepare(ctx, st, key, auditchain.PrepareOptions{AcceptBroken: map[string]int64{"beta": 2}})
		if err != nil || len(done) != 2 || done[1] != (auditchain.Rekeyed{Org: "beta", Events: 4, FirstBadSeq: 2}) {
			t.Fatalf("Prepare accepting beta:2 = %+v, %v", done, err)
		}
		evs := tamper.Events(t, dsn, "beta")
		var was map[string]any
		json.Unmarshal(evs[4].Before, &was)
		if evs[4].Action != auditchain.RekeyAction || was["first_bad_seq"] != float64(2) || was["break_accepted"] != true ||
			was["head_hash"] != before[3].Hash {
			t.Fatalf("rekey event of the accepted break: %s", evs[4].Before)
		}
		if r := verify(t, st, key, "beta", nil); !r.OK {
			t.Fatalf("beta after the accepted reseal: %+v", r)
		}
	})
}

// A database whose chains are not keyed while this key's checkpoints
// exist was swapped for an older copy (or downgraded): keying it would
// bless it.
func TestPrepareRefusesUnkeyedDatabaseWithCheckpoints(t *testing.T) {
	ctx := context.Background()
	dsn := filepath.Join(t.TempDir(), "g.db")
	old := open(t, dsn, audit.LegacySeal)
	fill(t, old, 2, "acme")
	old.Close()
	key := audit.NewKey()
	st := open(t, dsn, key.Seal)
	defer st.Close()
	cp := key.Checkpoint("acme", 7, strings.Repeat("0", 64), t0)
	if _, err := auditchain.Prepare(ctx, st, key, auditchain.PrepareOptions{Checkpoints: []audit.Checkpoint{cp}}); !errors.Is(err, auditchain.ErrUnkeyedWithCheckpoints) {
		t.Fatalf("Prepare = %v", err)
	}
}

func TestCheckpointer(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn, key := b.new(t), audit.NewKey()
		st := open(t, dsn, key.Seal)
		defer st.Close()
		fill(t, st, 2, "acme")
		fill(t, st, 0, "empty")
		path := filepath.Join(t.TempDir(), "checkpoints")
		var logs syncBuffer
		now := t0
		c, err := auditchain.StartCheckpoints(ctx, auditchain.CheckpointConfig{Store: st, Key: key, Path: path,
			Logger: slog.New(slog.NewTextHandler(&logs, nil)), Interval: time.Hour, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		lines := func() []audit.Checkpoint {
			cps, _, err := auditchain.LoadCheckpoints(key, path, true)
			if err != nil {
				t.Fatal(err)
			}
			return cps
		}
		if cps := lines(); len(cps) != 1 || cps[0].Org != "acme" || cps[0].Seq != 2 || !cps[0].At.Equal(t0) {
			t.Fatalf("first round: %+v", cps)
		}
		if cp, ok := c.Latest("acme"); !ok || cp.Seq != 2 {
			t.Fatalf("Latest = %+v, %v", cp, ok)
		}
		// Nothing moved: nothing written.
		if err := c.Flush(ctx); err != nil || len(lines()) != 1 {
			t.Fatalf("idle round: %v, %d lines", err, len(lines()))
		}
		// A revision without audit (a key's use is none; an org's creation
		// is one, with no event here): still nothing.
		fill(t, st, 0, "other")
		if err := c.Flush(ctx); err != nil || len(lines()) != 1 {
			t.Fatalf("round without a new head: %v, %d lines", err, len(lines()))
		}
		fill(t, st, 1, "beta")
		now = t0.Add(time.Minute)
		if err := c.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		if cps := lines(); len(cps) != 2 || cps[1].Org != "beta" || !cps[1].At.Equal(now) {
			t.Fatalf("after beta's first event: %+v", cps)
		}

		// The chain loses its newest event: the head is not signed, the
		// error is logged once.
		tamper.Truncate(t, dsn, "acme", 1)
		fill(t, st, 1, "gamma") // moves the revision
		for range 2 {
			if err := c.Flush(ctx); err != nil {
				t.Fatal(err)
			}
		}
		cps := lines()
		if len(cps) != 3 || cps[2].Org != "gamma" {
			t.Fatalf("after the truncation: %+v", cps)
		}
		if n := strings.Count(logs.String(), "does not continue its last checkpoint"); n != 1 || !strings.Contains(logs.String(), "org=acme") {
			t.Fatalf("truncation logged %d times:\n%s", n, logs.String())
		}
		if err := c.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := c.Close(ctx); err != nil {
			t.Fatal("a second Close:", err)
		}

		// A new start continues from the file and signs only what moved.
		fill(t, st, 1, "delta")
		c, err = auditchain.StartCheckpoints(ctx, auditchain.CheckpointConfig{Store: st, Key: key, Path: path, Known: cps,
			Logger: quiet(), Interval: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		c.Close(ctx)
		if cps := lines(); len(cps) != 4 || cps[3].Org != "delta" {
			t.Fatalf("after a restart: %+v", cps)
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
			t.Errorf("checkpoints file mode %o", fi.Mode().Perm())
		}
	})
}

// syncBuffer is a log written by the checkpointer's goroutine and read by
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
