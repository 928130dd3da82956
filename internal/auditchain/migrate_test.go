package auditchain_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain"
	"github.com/gatehouse/gatehouse/internal/auditchain/tamper"
	"github.com/gatehouse/gatehouse/internal/domain"
)

// schemaBeforeKeys is the migration version of the last schema without
// audit keys: the one before the migration that adds them, found by name
// so the test follows a renumbering.
func schemaBeforeKeys(t *testing.T, dir string) int64 {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_audit_keys.sql"))
	if err != nil || len(files) != 1 {
		t.Fatalf("the audit keys migration in %s: %v %v", dir, files, err)
	}
	n, err := strconv.ParseInt(strings.SplitN(filepath.Base(files[0]), "_", 2)[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n - 1
}

// TestMigrateFromThePreviousSchema: a database written by the version
// before audit keys (its schema built by the real migration files, its
// rows as that version wrote them, hashed with the unkeyed formula) is
// migrated by the store, then keyed by Prepare: every chain verifies with
// the key, keeps its content, and ends with an audit.rekey event.
func TestMigrateFromThePreviousSchema(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		dsn := b.new(t)
		driver, dialect, dir := "sqlite", goose.DialectSQLite3, "../store/sqlite/migrations"
		at := func(tm time.Time) any { return tm.UnixMicro() }
		if b.name == "postgres" {
			driver, dialect, dir = "pgx", goose.DialectPostgres, "../store/postgres/migrations"
			at = func(tm time.Time) any { return tm }
		}
		raw, err := sql.Open(driver, dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		p, err := goose.NewProvider(dialect, raw, os.DirFS(dir), goose.WithDisableGlobalRegistry(true))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := p.UpTo(ctx, schemaBeforeKeys(t, dir)); err != nil {
			t.Fatal(err)
		}

		// What the previous version wrote: two orgs, three events each.
		var old []domain.AuditEvent
		for _, org := range []string{"acme", "beta"} {
			if _, err := raw.ExecContext(ctx, `INSERT INTO orgs (id, name, scheme, plan_name, seat_limit, billing_email) VALUES ($1, $2, 'vi', 'team', 5, '')`,
				org, strings.ToUpper(org)); err != nil {
				t.Fatal(err)
			}
			prev := audit.Genesis
			for i, action := range []string{"org.create", "member.add", "grant.create"} {
				e := domain.AuditEvent{Org: org, Seq: int64(i + 1), At: t0.Add(time.Duration(i) * time.Minute), Actor: "user:u_owner",
					Action: action, Target: "org:" + org, After: []byte(`{"i":` + strconv.Itoa(i) + `}`), RequestID: "req-" + strconv.Itoa(i)}
				if i == 1 {
					e.Before = []byte(`{"was":"nothing"}`)
				}
				audit.LegacySeal(prev, &e)
				prev = e.Hash
				if _, err := raw.ExecContext(ctx, `INSERT INTO audit_events (org, seq, at, actor, action, target, before_doc, after_doc, request_id, prev_hash, hash)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
					e.Org, e.Seq, at(e.At), e.Actor, e.Action, e.Target, e.Before, e.After, e.RequestID, e.PrevHash, e.Hash); err != nil {
					t.Fatal(err)
				}
				old = append(old, e)
			}
		}
		raw.Close()

		key := audit.NewKey()
		st := open(t, dsn, key.Seal) // runs the newer migrations
		defer st.Close()
		done, err := auditchain.Prepare(ctx, st, key, auditchain.PrepareOptions{Now: func() time.Time { return t0.Add(time.Hour) }})
		if err != nil {
			t.Fatal(err)
		}
		if len(done) != 2 || done[0] != (auditchain.Rekeyed{Org: "acme", Events: 3}) || done[1] != (auditchain.Rekeyed{Org: "beta", Events: 3}) {
			t.Fatalf("Prepare = %+v", done)
		}
		for oi, org := range []string{"acme", "beta"} {
			if r := verify(t, st, key, org, nil); !r.OK || r.Events != 4 {
				t.Errorf("%s after the migration: %+v", org, r)
			}
			evs := tamper.Events(t, dsn, org)
			for i, e := range evs[:3] {
				o := old[3*oi+i]
				if e.Scheme != domain.AuditSchemeHMAC || e.Seq != o.Seq || !e.At.Equal(o.At) || e.Actor != o.Actor || e.Action != o.Action ||
					e.Target != o.Target || string(e.Before) != string(o.Before) || string(e.After) != string(o.After) || e.RequestID != o.RequestID {
					t.Errorf("%s seq %d: %+v, was %+v", org, e.Seq, e, o)
				}
			}
			if rk := evs[3]; rk.Action != auditchain.RekeyAction || !strings.Contains(string(rk.Before), old[3*oi+2].Hash) {
				t.Errorf("%s: the last event is %+v (before %s), want the rekey naming the old head", org, rk, rk.Before)
			}
		}
	})
}
