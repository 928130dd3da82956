package storetest

import (
	"database/sql"
	"strings"
	"testing"
)

// AuditTriggers holds a migrated database to the audit chain's triggers,
// through raw SQL behind the store: the one event at (acme, 1), of the
// unkeyed scheme, changes only by being resealed, once, and is never
// deleted; the audit key, once recorded by keyAudit (the backend's
// INSERT), never changes. Both backends' migration tests run it.
func AuditTriggers(t *testing.T, raw *sql.DB, keyAudit string) {
	t.Helper()
	refused := []string{
		`UPDATE audit_events SET target = 'org:evil' WHERE seq = 1`,
		`UPDATE audit_events SET scheme = 2, hash = 'h2', actor = 'user:evil' WHERE seq = 1`,
		`UPDATE audit_events SET scheme = 2, hash = 'h2', after_doc = NULL WHERE seq = 1`,
		`DELETE FROM audit_events WHERE seq = 1`,
	}
	for _, q := range refused {
		if _, err := raw.Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v, want refused as append-only", q, err)
		}
	}
	if _, err := raw.Exec(`UPDATE audit_events SET scheme = 2, prev_hash = 'p2', hash = 'h2' WHERE seq = 1`); err != nil {
		t.Fatalf("the reseal is refused: %v", err)
	}
	for _, q := range []string{
		`UPDATE audit_events SET scheme = 2, hash = 'h3' WHERE seq = 1`,
		`UPDATE audit_events SET scheme = 1, hash = 'h1' WHERE seq = 1`,
	} {
		if _, err := raw.Exec(q); err == nil {
			t.Errorf("%s: allowed after the reseal", q)
		}
	}
	if _, err := raw.Exec(keyAudit); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE audit_key SET key_id = 'k2'`, `DELETE FROM audit_key`} {
		if _, err := raw.Exec(q); err == nil || !strings.Contains(err.Error(), "recorded once") {
			t.Errorf("%s: %v, want refused", q, err)
		}
	}
}
