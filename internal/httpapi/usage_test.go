package httpapi_test

import (
	"strings"
	"testing"
)

// usageOf finds one item of a usage answer by id.
func usageOf(t *testing.T, u map[string]any, id string) map[string]any {
	t.Helper()
	for _, it := range u["items"].([]any) {
		if m := it.(map[string]any); m["id"] == id {
			return m
		}
	}
	t.Fatalf("usage has no item %q: %v", id, u)
	return nil
}

func TestPlansAndUsage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		cat := e.owner.get("/v1/plans").want(t, 200).obj(t)
		if cat["default"] != "team" || len(cat["plans"].([]any)) != 4 {
			t.Errorf("plans = %v", cat)
		}

		// The Owner and Admins see usage (usage.view); a Member does not.
		admin, _ := e.member(e.owner, "acme", "ada@acme.test", "admin")
		member, _ := e.member(e.owner, "acme", "max@acme.test", "member")
		member.get("/v1/orgs/acme/usage").want(t, 403)
		e.owner.resource(t, "acme", "dataset:cats", nil)
		e.owner.resource(t, "acme", "dataset:dogs", nil)
		u := admin.get("/v1/orgs/acme/usage").want(t, 200).obj(t)
		if p := u["plan"].(map[string]any); p["id"] != "team" || p["name"] != "Team" || p["listed"] != true {
			t.Errorf("usage plan = %v", p)
		}
		seats := usageOf(t, u, "seats")
		if seats["used"].(float64) != 3 || seats["limit"] == nil {
			t.Errorf("seats = %v, want 3 used of the seat limit", seats)
		}
		ds := usageOf(t, u, "resources.dataset")
		if ds["name"] != "Datasets" || ds["used"].(float64) != 2 || ds["limit"].(float64) != 100 || ds["left"].(float64) != 98 {
			t.Errorf("datasets = %v", ds)
		}
		if keys := usageOf(t, u, "keys"); keys["used"].(float64) < 1 || keys["limit"].(float64) != 20 {
			t.Errorf("keys = %v", keys)
		}

		// Only listed plans; the message lists them.
		r := e.owner.patch("/v1/orgs/acme/billing", map[string]any{"plan": "platinum-ultra"}).want(t, 422)
		if d := r.detail(t); !strings.Contains(d, "free, team, business, enterprise") {
			t.Errorf("unknown plan: %q", d)
		}
		// A seat limit past the plan's seats names the plan's limit.
		r = e.owner.patch("/v1/orgs/acme/billing", map[string]any{"seat_limit": 51}).want(t, 409)
		if d := r.detail(t); !strings.Contains(d, "Team plan allows at most 50 seats") {
			t.Errorf("seats past the plan: %q", d)
		}
		e.owner.patch("/v1/orgs/acme/billing", map[string]any{"seat_limit": 50}).want(t, 200)
		// An org over its plan's seats (set before plans were data) keeps
		// them when only the billing email changes.
		e.raw(t, "UPDATE orgs SET seat_limit = 80 WHERE id = 'acme'")
		if b := e.owner.patch("/v1/orgs/acme/billing", map[string]any{"billing_email": "ap@acme.test"}).want(t, 200).obj(t); b["seat_limit"].(float64) != 80 {
			t.Errorf("an email edit changed the seat limit to %v", b["seat_limit"])
		}
		e.raw(t, "UPDATE orgs SET seat_limit = 50 WHERE id = 'acme'")

		// Free allows 2 live keys: the org has more than that, so it cannot
		// move there until it revokes some; a seat count past 3 also stops it.
		for range 2 {
			e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "ci", "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		}
		r = e.owner.patch("/v1/orgs/acme/billing", map[string]any{"plan": "free"}).want(t, 409)
		if d := r.detail(t); !strings.Contains(d, "Free plan allows 2 live secret keys") {
			t.Errorf("downgrade past the keys: %q", d)
		}

		// Business: the seat limit stays what was bought; the limits move.
		b := e.owner.patch("/v1/orgs/acme/billing", map[string]any{"plan": "business"}).want(t, 200).obj(t)
		if b["plan"] != "business" || b["seat_limit"].(float64) != 50 {
			t.Errorf("billing after the upgrade = %v", b)
		}
		u = e.owner.get("/v1/orgs/acme/usage").want(t, 200).obj(t)
		if ds := usageOf(t, u, "resources.dataset"); ds["limit"].(float64) != 1000 {
			t.Errorf("datasets on business = %v", ds)
		}
		// Enterprise sets no limit but the seats.
		e.owner.patch("/v1/orgs/acme/billing", map[string]any{"plan": "enterprise"}).want(t, 200)
		u = e.owner.get("/v1/orgs/acme/usage").want(t, 200).obj(t)
		if ds := usageOf(t, u, "resources.dataset"); ds["limit"] != nil || ds["left"] != nil {
			t.Errorf("datasets on enterprise = %v", ds)
		}
	})
}

// Each plan limit is enforced where the thing is made, with a 409 naming it.
func TestPlanLimitsEnforced(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// Free: 3 seats, 2 keys, no custom roles, 5 of each top-level type.
		// The bootstrap key is one; revoke nothing, so one more key fits.
		for _, k := range e.owner.get("/v1/orgs/acme/keys").want(t, 200).items(t)[1:] {
			e.owner.delete("/v1/orgs/acme/keys/"+k["id"].(string)).want(t, 200)
		}
		e.owner.patch("/v1/orgs/acme/billing", map[string]any{"plan": "free"}).want(t, 200)
		if b := e.owner.get("/v1/orgs/acme/billing").want(t, 200).obj(t); b["seat_limit"].(float64) != 3 {
			t.Errorf("seat limit on free = %v, want the plan's 3", b["seat_limit"])
		}
		for _, c := range []struct {
			name, method, path string
			body               map[string]any
			want               string
		}{
			{"custom role", "POST", "/v1/orgs/acme/roles", map[string]any{"id": "reviewer", "name": "Reviewer",
				"scope_type": "dataset", "permissions": []any{map[string]any{"id": "dataset.view"}}}, "Free plan allows no custom roles"},
		} {
			r := e.owner.do(c.method, c.path, c.body).want(t, 409)
			if d := r.detail(t); !strings.Contains(d, c.want) {
				t.Errorf("%s: %q, want %q", c.name, d, c.want)
			}
		}
		for i := range 5 {
			e.owner.put("/v1/orgs/acme/resources/dataset/d"+string(rune('a'+i)), map[string]any{}).want(t, 200)
		}
		r := e.owner.put("/v1/orgs/acme/resources/dataset/zz", map[string]any{}).want(t, 409)
		if d := r.detail(t); !strings.Contains(d, "Free plan allows 5 datasets and 5 are in use") {
			t.Errorf("sixth dataset: %q", d)
		}
		// Replacing one is not adding one.
		e.owner.put("/v1/orgs/acme/resources/dataset/da", map[string]any{"name": "Renamed"}).want(t, 200)
		e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "one", "role": "dataset.viewer", "scope": "dataset:da"}).want(t, 201)
		r = e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "two", "role": "dataset.viewer", "scope": "dataset:da"}).want(t, 409)
		if d := r.detail(t); !strings.Contains(d, "Free plan allows 2 live secret keys and 2 are in use") {
			t.Errorf("third key: %q", d)
		}
		e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "a@acme.test"}).want(t, 201)
		e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "b@acme.test"}).want(t, 201)
		r = e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "c@acme.test"}).want(t, 409)
		if d := r.detail(t); !strings.Contains(d, "seat") {
			t.Errorf("fourth seat: %q", d)
		}
	})
}
