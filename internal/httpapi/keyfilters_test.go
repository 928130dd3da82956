package httpapi_test

import (
	"testing"
	"time"
)

// GET keys filters by state, owner and a search of names and prefixes,
// and names each key's owner.
func TestKeyFilters(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		soon := e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "CI deploy", "role": "member"}).want(t, 201)
		e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "short", "role": "member", "expires_at": soon}).want(t, 201)
		gone := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "gone", "role": "member"}).want(t, 201).obj(t)
		e.owner.delete("/v1/orgs/acme/keys/"+gone["id"].(string)).want(t, 204)
		e.clock.Advance(2 * time.Hour)
		names := func(query string) []string {
			var out []string
			for _, k := range e.owner.get("/v1/orgs/acme/keys"+query).want(t, 200).items(t) {
				out = append(out, k["name"].(string))
			}
			return out
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"?state=live&q=ci%20d", []string{"CI deploy"}}, // a space: no random key prefix holds one
			{"?state=expired", []string{"short"}},
			{"?state=revoked", []string{"gone"}},
			{"?q=DEPLOY", []string{"CI deploy"}},
			{"?owner=" + e.boot.UserID + "&state=revoked", []string{"gone"}},
			{"?owner=u_nobody", nil},
		} {
			if got := names(c.query); len(got) != len(c.want) || len(got) > 0 && got[0] != c.want[0] {
				t.Errorf("keys%s = %v, want %v", c.query, got, c.want)
			}
		}
		for _, k := range e.owner.get("/v1/orgs/acme/keys?q=short").want(t, 200).items(t) {
			if k["owner_name"] == "" || k["owner_name"] == nil || k["owner_email"] == nil {
				t.Errorf("a listed key does not name its owner: %v", k)
			}
		}
		e.owner.get("/v1/orgs/acme/keys?state=lost").want(t, 400)
	})
}
