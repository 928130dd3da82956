// Package tamper rewrites audit chains behind the store's back, the way an
// intruder holding the database (and not the audit key) would: past the
// append-only triggers, straight in SQL. Only tests use it.
package tamper

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Exec runs statements on the database at dsn (a SQLite path or a
// postgres:// URL) with the audit tables' triggers out of the way.
func Exec(t testing.TB, dsn string, stmts ...string) {
	t.Helper()
	driver := "sqlite"
	off := []string{`DROP TRIGGER IF EXISTS audit_events_no_update`, `DROP TRIGGER IF EXISTS audit_events_no_delete`,
		`DROP TRIGGER IF EXISTS audit_key_no_update`, `DROP TRIGGER IF EXISTS audit_key_no_delete`}
	if isPostgres(dsn) {
		driver = "pgx"
		off = []string{`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`,
			`ALTER TABLE audit_key DISABLE TRIGGER audit_key_write_once`}
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range append(off, stmts...) {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("tamper: %s: %v", q, err)
		}
	}
}

// Events reads org's chain as stored.
func Events(t testing.TB, dsn, org string) []domain.AuditEvent {
	t.Helper()
	var evs []domain.AuditEvent
	withStore(t, dsn, func(st store.Store) {
		var err error
		evs, err = store.Read(context.Background(), st, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit(org) })
		if err != nil {
			t.Fatal(err)
		}
	})
	return evs
}

func withStore(t testing.TB, dsn string, f func(store.Store)) {
	t.Helper()
	// The sealer is never used: this store only reads.
	opts := store.Options{Sealer: audit.LegacySeal}
	var st store.Store
	var err error
	if isPostgres(dsn) {
		st, err = postgres.New(context.Background(), dsn, opts)
	} else {
		st, err = sqlite.New(context.Background(), dsn, opts)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	f(st)
}

// Rewrite edits org's event at seq and reseals it and every event after it
// with seal (audit.LegacySeal: the unkeyed formula anyone can compute; a
// key's Seal: another key, or the right one in the wrong hands), so the
// chain links up again from there on.
func Rewrite(t testing.TB, dsn, org string, seq int64, edit func(*domain.AuditEvent), seal func(prev string, e *domain.AuditEvent)) {
	t.Helper()
	evs := Events(t, dsn, org)
	var stmts []string
	var args [][]any
	for i := range evs {
		e := &evs[i]
		if e.Seq < seq {
			continue
		}
		if e.Seq == seq {
			edit(e)
		}
		prev := audit.Genesis
		if i > 0 {
			prev = evs[i-1].Hash
		}
		seal(prev, e)
		stmts = append(stmts, `UPDATE audit_events SET actor = $1, action = $2, target = $3, before_doc = $4, after_doc = $5,
			request_id = $6, prev_hash = $7, hash = $8, scheme = $9 WHERE org = $10 AND seq = $11`)
		args = append(args, []any{e.Actor, e.Action, e.Target, e.Before, e.After, e.RequestID, e.PrevHash, e.Hash, e.Scheme, e.Org, e.Seq})
	}
	execArgs(t, dsn, stmts, args)
}

func execArgs(t testing.TB, dsn string, stmts []string, args [][]any) {
	t.Helper()
	Exec(t, dsn) // triggers off
	driver := "sqlite"
	if isPostgres(dsn) {
		driver = "pgx"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i, q := range stmts {
		if _, err := db.Exec(q, args[i]...); err != nil {
			t.Fatalf("tamper: %s: %v", q, err)
		}
	}
}

// Truncate deletes org's events after seq keep: the newest ones.
func Truncate(t testing.TB, dsn, org string, keep int64) {
	t.Helper()
	execArgs(t, dsn, []string{`DELETE FROM audit_events WHERE org = $1 AND seq > $2`}, [][]any{{org, keep}})
}

// Swap exchanges the places of org's events a and b in the chain (their
// seqs), as reordering rows would.
func Swap(t testing.TB, dsn, org string, a, b int64) {
	t.Helper()
	q := `UPDATE audit_events SET seq = $1 WHERE org = $2 AND seq = $3`
	execArgs(t, dsn, []string{q, q, q}, [][]any{{-1, org, a}, {a, org, b}, {b, org, -1}})
}
