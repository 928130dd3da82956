package postgres

import (
	"context"
	"database/sql"
	"io/fs"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// Migration 6: a database of the version before audit keys keeps its
// events, marked as the unkeyed scheme, and the schema then allows exactly
// one change to them: the reseal.
func TestMigrateAuditKeys(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	raw, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fsys, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectPostgres, raw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO audit_events (org, seq, at, actor, action, target, before_doc, after_doc, request_id, prev_hash, hash)
		VALUES ('acme', 1, '2026-01-02T03:00:00Z', 'user:u1', 'org.create', 'org:acme', NULL, '{"name":"Acme"}', 'r1', $1, 'h1')`, store.GenesisHash); err != nil {
		t.Fatal(err)
	}

	db, err := New(ctx, url, store.Options{Sealer: storetest.Seal})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := store.Read(ctx, db, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("acme") })
	if err != nil || len(evs) != 1 || evs[0].Scheme != domain.AuditSchemeSHA256 || evs[0].Hash != "h1" || string(evs[0].After) != `{"name":"Acme"}` {
		t.Fatalf("old event after migration: %+v, %v", evs, err)
	}

	storetest.AuditTriggers(t, raw, `INSERT INTO audit_key (id, key_id, keyed_at) VALUES (1, 'k1', now())`)
}
