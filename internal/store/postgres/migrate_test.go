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

// Migration 8: duplicated team and group names (case aside) are kept for
// the oldest and get their id appended on the others; from then on the
// store refuses a duplicate.
func TestMigrateUniqueNames(t *testing.T) {
	ctx := context.Background()
	raw, err := sql.Open("pgx", pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fsys, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectPostgres, raw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO orgs (id, name, scheme, plan_name, seat_limit, billing_email) VALUES ('a', 'A', 'vi', 'team', 5, '')`,
		`INSERT INTO user_groups (org, id, name) VALUES ('a', 'g_1', 'QA')`,
		`INSERT INTO user_groups (org, id, name) VALUES ('a', 'g_2', 'qa')`,
		`INSERT INTO teams (org, id, name) VALUES ('a', 't_1', 'North')`,
		`INSERT INTO teams (org, id, name) VALUES ('a', 't_2', 'NORTH')`,
		`INSERT INTO teams (org, id, name) VALUES ('a', 't_3', '')`,
		`INSERT INTO teams (org, id, name) VALUES ('a', 't_4', '')`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := p.Up(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"g_1": "QA", "g_2": "qa (g_2)", "t_1": "North", "t_2": "NORTH (t_2)", "t_3": "", "t_4": ""}
	rows, err := raw.Query(`SELECT id, name FROM user_groups UNION ALL SELECT id, name FROM teams`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		if name != want[id] {
			t.Errorf("%s after the migration: %q, want %q", id, name, want[id])
		}
	}
	if _, err := raw.Exec(`INSERT INTO teams (org, id, name) VALUES ('a', 't_9', 'north')`); err == nil {
		t.Error("a second team named north was stored")
	}
}
