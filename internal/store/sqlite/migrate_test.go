package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// Migration 4: keys made before owners existed get one from their creator
// (a user directly, a key through that key's owner, down a chain), and
// users holding team-scoped grants join those teams' rosters.
func TestMigrationKeyOwnersAndRosters(t *testing.T) {
	ctx := context.Background()
	db, err := open(filepath.Join(t.TempDir(), "old.db") + "?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO orgs (id, name, scheme, plan_name, seat_limit, billing_email) VALUES ('a', 'A', 'vi', 'team', 5, '')`,
		`INSERT INTO api_keys (org, id, name, prefix, created_by) VALUES ('a', 'k1', 'boot', 'p1', 'user:u_owner')`,
		`INSERT INTO api_keys (org, id, name, prefix, created_by) VALUES ('a', 'k2', 'by k1', 'p2', 'key:k1')`,
		`INSERT INTO api_keys (org, id, name, prefix, created_by) VALUES ('a', 'k3', 'by k2', 'p3', 'key:k2')`,
		`INSERT INTO api_keys (org, id, name, prefix, created_by) VALUES ('a', 'k4', 'by admin', 'p4', 'user:u_admin')`,
		`INSERT INTO api_keys (org, id, name, prefix, created_by) VALUES ('a', 'k5', 'unknown', 'p5', 'system')`,
		`INSERT INTO users (id, email, email_key, name, password_hash) VALUES ('u_ta', 'ta@a', 'ta@a', 'TA', '')`,
		`INSERT INTO users (id, email, email_key, name, password_hash) VALUES ('u_on', 'on@a', 'on@a', 'On', '')`,
		`INSERT INTO teams (org, id, name) VALUES ('a', 't_n', 'North')`,
		`INSERT INTO team_members (org, team_id, user_id) VALUES ('a', 't_n', 'u_on')`,
		`INSERT INTO grants (org, id, subject_kind, subject_id, role, scope_kind, scope_type, scope_id, created_by)
			VALUES ('a', 'g1', 1, 'u_ta', 'team_admin', 4, '', 't_n', 'user:x')`,
		`INSERT INTO grants (org, id, subject_kind, subject_id, role, scope_kind, scope_type, scope_id, created_by)
			VALUES ('a', 'g2', 1, 'u_on', 'team_operator', 4, '', 't_n', 'user:x')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"k1": "u_owner", "k2": "u_owner", "k3": "u_owner", "k4": "u_admin", "k5": ""}
	rows, err := db.QueryContext(ctx, `SELECT id, owner FROM api_keys`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, owner string
		if err := rows.Scan(&id, &owner); err != nil {
			t.Fatal(err)
		}
		n++
		if owner != want[id] {
			t.Errorf("key %s: owner %q, want %q", id, owner, want[id])
		}
	}
	if n != len(want) {
		t.Errorf("%d keys after the migration, want %d", n, len(want))
	}
	var rostered []string
	rs, err := db.QueryContext(ctx, `SELECT user_id FROM team_members WHERE org = 'a' AND team_id = 't_n' ORDER BY user_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var u string
		if err := rs.Scan(&u); err != nil {
			t.Fatal(err)
		}
		rostered = append(rostered, u)
	}
	if strings.Join(rostered, ",") != "u_on,u_ta" {
		t.Errorf("North's roster after the migration: %v, want [u_on u_ta]", rostered)
	}
}

// Migration 6: a database of the version before audit keys keeps its
// events, marked as the unkeyed scheme, and the schema then allows exactly
// one change to them: the reseal.
func TestMigrateAuditKeys(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	fsys, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`INSERT INTO audit_events (org, seq, at, actor, action, target, before_doc, after_doc, request_id, prev_hash, hash)
		VALUES ('acme', 1, 1767322800000000, 'user:u1', 'org.create', 'org:acme', NULL, '{"name":"Acme"}', 'r1', ?, 'h1')`, store.GenesisHash); err != nil {
		t.Fatal(err)
	}

	db, err := New(ctx, path, store.Options{Sealer: storetest.Seal})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	evs, err := store.Read(ctx, db, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("acme") })
	if err != nil || len(evs) != 1 || evs[0].Scheme != domain.AuditSchemeSHA256 || evs[0].Hash != "h1" || string(evs[0].After) != `{"name":"Acme"}` {
		t.Fatalf("old event after migration: %+v, %v", evs, err)
	}

	storetest.AuditTriggers(t, raw, `INSERT INTO audit_key (id, key_id, keyed_at) VALUES (1, 'k1', 1)`)
}

// Migration 8: duplicated team and group names (case aside) are kept for
// the oldest and get their id appended on the others; from then on the
// store refuses a duplicate.
func TestMigrationUniqueNames(t *testing.T) {
	ctx := context.Background()
	db, err := open(filepath.Join(t.TempDir(), "old.db") + "?_pragma=foreign_keys(1)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fsys, _ := fs.Sub(migrations, "migrations")
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 7); err != nil {
		t.Fatal(err)
	}
	uniqueNamesSeed(t, db)
	if err := migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	uniqueNamesCheck(t, db)
}

func uniqueNamesSeed(t *testing.T, db *sql.DB) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO orgs (id, name, scheme, plan_name, seat_limit, billing_email) VALUES ('a', 'A', 'vi', 'team', 5, '')`,
		`INSERT INTO orgs (id, name, scheme, plan_name, seat_limit, billing_email) VALUES ('b', 'B', 'vi', 'team', 5, '')`,
		`INSERT INTO user_groups (org, id, name) VALUES ('a', 'g_1', 'QA')`,
		`INSERT INTO user_groups (org, id, name) VALUES ('a', 'g_2', 'qa')`,
		`INSERT INTO user_groups (org, id, name) VALUES ('a', 'g_3', 'Qa')`,
		`INSERT INTO user_groups (org, id, name) VALUES ('a', 'g_4', 'Ops')`,
		`INSERT INTO user_groups (org, id, name) VALUES ('b', 'g_5', 'QA')`,
		`INSERT INTO teams (org, id, name) VALUES ('a', 't_1', 'North')`,
		`INSERT INTO teams (org, id, name) VALUES ('a', 't_2', 'NORTH')`,
		`INSERT INTO teams (org, id, name) VALUES ('a', 't_3', '')`,
		`INSERT INTO teams (org, id, name) VALUES ('a', 't_4', '')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

func uniqueNamesCheck(t *testing.T, db *sql.DB) {
	t.Helper()
	want := map[string]string{"g_1": "QA", "g_2": "qa (g_2)", "g_3": "Qa (g_3)", "g_4": "Ops", "g_5": "QA",
		"t_1": "North", "t_2": "NORTH (t_2)", "t_3": "", "t_4": ""}
	rows, err := db.Query(`SELECT id, name FROM user_groups UNION ALL SELECT id, name FROM teams`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			t.Fatal(err)
		}
		n++
		if name != want[id] {
			t.Errorf("%s after the migration: %q, want %q", id, name, want[id])
		}
	}
	if n != len(want) {
		t.Errorf("%d teams and groups after the migration, want %d", n, len(want))
	}
	if _, err := db.Exec(`INSERT INTO user_groups (org, id, name) VALUES ('a', 'g_9', 'ops')`); err == nil {
		t.Error("a second group named ops was stored")
	}
}
