package httpapi_test

import (
	"testing"
	"time"
)

func TestAudit(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sam, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		e.owner.resource(t, "acme", "dataset:cats", nil)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		e.key.patch("/v1/orgs/acme", map[string]any{"name": "Acme by key"}).want(t, 200)

		items := e.owner.get("/v1/orgs/acme/audit").want(t, 200).items(t)
		if len(items) < 5 {
			t.Fatalf("audit: %v", items)
		}
		var prev int64 = 1 << 62
		for _, ev := range items {
			hasKeys(t, "audit event", ev, "seq", "at", "actor", "action", "target", "before", "after", "request_id", "hash")
			seq := int64(ev["seq"].(float64))
			if seq >= prev {
				t.Errorf("audit not newest first: %d after %d", seq, prev)
			}
			prev = seq
			if _, err := time.Parse(time.RFC3339Nano, ev["at"].(string)); err != nil {
				t.Errorf("at %v", ev["at"])
			}
		}
		if items[0]["action"] != "org.rename" || items[0]["actor"] != "key:"+keyID(t, e) {
			t.Errorf("newest event %v", items[0])
		}
		if items[len(items)-1]["action"] != "org.bootstrap" {
			t.Errorf("oldest event %v", items[len(items)-1])
		}
		// Filters.
		for _, ev := range e.owner.get("/v1/orgs/acme/audit?action=grant.create").want(t, 200).items(t) {
			if ev["action"] != "grant.create" {
				t.Errorf("action filter let through %v", ev)
			}
		}
		byKey := e.owner.get("/v1/orgs/acme/audit?actor=key:"+keyID(t, e)).want(t, 200).items(t)
		if len(byKey) != 1 {
			t.Errorf("actor filter: %v", byKey)
		}
		// Pages of two, complete and in order.
		var seqs []int64
		tok := ""
		for range 50 {
			r := e.owner.get("/v1/orgs/acme/audit?limit=2&page_token="+tok).want(t, 200)
			for _, ev := range r.items(t) {
				seqs = append(seqs, int64(ev["seq"].(float64)))
			}
			if tok = r.str(t, "next_page_token"); tok == "" {
				break
			}
		}
		if len(seqs) != len(items) {
			t.Errorf("paged %d events of %d", len(seqs), len(items))
		}
		// Members without audit.view see nothing.
		sam.get("/v1/orgs/acme/audit").want(t, 403)
		sam.get("/v1/orgs/acme/audit/verify").want(t, 403)

		v := e.owner.get("/v1/orgs/acme/audit/verify").want(t, 200).obj(t)
		hasKeys(t, "verify", v, "ok", "events", "first_bad_seq")
		if v["ok"] != true || int(v["events"].(float64)) != len(items) || v["first_bad_seq"] != nil {
			t.Errorf("verify %v", v)
		}
	})
}

// TestAuditTamper: an event changed behind the server's back is found.
func TestAuditTamper(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.patch("/v1/orgs/acme", map[string]any{"name": "One"}).want(t, 200)
		e.owner.patch("/v1/orgs/acme", map[string]any{"name": "Two"}).want(t, 200)
		if v := e.owner.get("/v1/orgs/acme/audit/verify").want(t, 200).obj(t); v["ok"] != true {
			t.Fatalf("verify before tampering: %v", v)
		}
		// The tamperer has the database: it drops the append-only guard.
		if e.backend == "sqlite" {
			e.raw(t, "DROP TRIGGER audit_events_no_update")
		} else {
			e.raw(t, "DROP TRIGGER audit_events_append_only ON audit_events")
		}
		e.raw(t, "UPDATE audit_events SET actor = 'user:mallory' WHERE org = 'acme' AND seq = 2")
		v := e.owner.get("/v1/orgs/acme/audit/verify").want(t, 200).obj(t)
		if v["ok"] != false || v["first_bad_seq"] != float64(2) {
			t.Errorf("verify after tampering: %v", v)
		}
	})
}

func keyID(t *testing.T, e *env) string {
	t.Helper()
	for _, k := range e.owner.get("/v1/orgs/acme/keys").want(t, 200).items(t) {
		if k["name"] == "bootstrap" {
			return k["id"].(string)
		}
	}
	t.Fatal("no bootstrap key")
	return ""
}
