package httpapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

const azBase = "/v1/orgs/acme/access/v1"

// azWorld: dataset:cats and dataset:dogs; Bob views cats and is known by
// the alias idp|bob; a key without the audit permission.
type azWorld struct {
	bobID   string
	noAudit *client
}

func newAZWorld(t *testing.T, e *env) azWorld {
	e.owner.resource(t, "acme", "dataset:cats", nil)
	e.owner.resource(t, "acme", "dataset:dogs", nil)
	_, bobID := e.member(e.owner, "acme", "bob@acme.test", "member", grant("dataset.viewer", "dataset:cats"))
	e.owner.put("/v1/orgs/acme/members/"+bobID+"/aliases/idp|bob", nil).want(t, 204)
	k := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "viewer", "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
	e.remember(k.str(t, "secret"))
	return azWorld{bobID: bobID, noAudit: e.as(k.str(t, "secret"))}
}

func azEval(sub, action, typ, id string) map[string]any {
	return map[string]any{"subject": map[string]any{"type": "user", "id": sub}, "action": map[string]any{"name": action},
		"resource": map[string]any{"type": typ, "id": id}}
}

func decisionOf(t *testing.T, r *response) bool {
	t.Helper()
	d, ok := r.obj(t)["decision"].(bool)
	if !ok {
		t.Fatalf("no decision in %s", r.body)
	}
	return d
}

// Evaluation: the /check decision for a user id or an alias; a deny, an
// unknown subject, action or resource is 200 with decision false; unknown
// members are ignored; the request id is echoed.
func TestAuthZENEvaluation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := newAZWorld(t, e)
		withExtra := azEval(w.bobID, "dataset.view", "dataset", "cats")
		withExtra["futureField"] = map[string]any{"nested": true}
		withExtra["subject"].(map[string]any)["properties"] = map[string]any{"role": "owner"}
		for _, c := range []struct {
			name string
			body map[string]any
			want bool
		}{
			{"user id, allowed", azEval(w.bobID, "dataset.view", "dataset", "cats"), true},
			{"alias, allowed", azEval("idp|bob", "dataset.view", "dataset", "cats"), true},
			{"alias, denied", azEval("idp|bob", "dataset.delete", "dataset", "cats"), false},
			{"another dataset", azEval("idp|bob", "dataset.view", "dataset", "dogs"), false},
			{"unknown subject", azEval("nobody", "dataset.view", "dataset", "cats"), false},
			{"unknown resource", azEval(w.bobID, "dataset.view", "dataset", "wolves"), false},
			{"unknown resource type", azEval(w.bobID, "dataset.view", "spaceship", "cats"), false},
			{"unknown action", azEval(w.bobID, "dataset.fly", "dataset", "cats"), false},
			{"the org", azEval(w.bobID, "org.view", "org", "acme"), true},
			{"another org's id as the org", azEval(w.bobID, "org.view", "org", "beta"), false},
			{"unknown members ignored, subject properties grant nothing", withExtra, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				if got := decisionOf(t, e.key.post(azBase+"/evaluation", c.body).want(t, 200)); got != c.want {
					t.Errorf("decision = %v, want %v", got, c.want)
				}
			})
		}
		sub := azEval(w.bobID, "dataset.view", "dataset", "cats")
		sub["subject"] = map[string]any{"type": "key", "id": w.bobID}
		if decisionOf(t, e.key.post(azBase+"/evaluation", sub).want(t, 200)) {
			t.Error("a subject of type key named by a user id is allowed")
		}
		r := e.key.with("X-Request-ID", "az-trace-7").post(azBase+"/evaluation", azEval(w.bobID, "dataset.view", "dataset", "cats")).want(t, 200)
		if got := r.header.Get("X-Request-Id"); got != "az-trace-7" {
			t.Errorf("X-Request-ID echoed as %q", got)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
	})
}

// The 400s of AuthZEN (where /v1 answers 415 or 422), and who may ask.
func TestAuthZENErrors(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := newAZWorld(t, e)
		ok := azEval(w.bobID, "dataset.view", "dataset", "cats")
		drop := func(path ...string) map[string]any {
			b := azEval(w.bobID, "dataset.view", "dataset", "cats")
			if len(path) == 1 {
				delete(b, path[0])
			} else {
				delete(b[path[0]].(map[string]any), path[1])
			}
			return b
		}
		for _, c := range []struct {
			name, path string
			body       any
		}{
			{"no subject", "/evaluation", drop("subject")},
			{"no action", "/evaluation", drop("action")},
			{"no resource", "/evaluation", drop("resource")},
			{"no subject type", "/evaluation", drop("subject", "type")},
			{"no subject id", "/evaluation", drop("subject", "id")},
			{"no action name", "/evaluation", drop("action", "name")},
			{"no resource id", "/evaluation", drop("resource", "id")},
			{"subject a string", "/evaluation", `{"subject":"alice","action":{"name":"x"},"resource":{"type":"dataset","id":"cats"}}`},
			{"action name a number", "/evaluation", `{"subject":{"type":"user","id":"a"},"action":{"name":123},"resource":{"type":"dataset","id":"cats"}}`},
			{"malformed JSON", "/evaluation", `{"subject":`},
			{"empty body", "/evaluation", ``},
			{"two values", "/evaluation", `{} {}`},
			{"bad semantic", "/evaluations", map[string]any{"options": map[string]any{"evaluations_semantic": "maybe"}, "evaluations": []any{ok}}},
			{"subject search without action", "/search/subject", map[string]any{"subject": map[string]any{"type": "user"}, "resource": map[string]any{"type": "dataset", "id": "cats"}}},
			{"resource search without resource type", "/search/resource", map[string]any{"subject": map[string]any{"type": "user", "id": "a"}, "action": map[string]any{"name": "dataset.view"}, "resource": map[string]any{}}},
			{"action search without resource", "/search/action", map[string]any{"subject": map[string]any{"type": "user", "id": "a"}}},
			{"bad page token", "/search/subject", map[string]any{"subject": map[string]any{"type": "user"}, "action": map[string]any{"name": "dataset.view"},
				"resource": map[string]any{"type": "dataset", "id": "cats"}, "page": map[string]any{"token": "zz"}}},
		} {
			t.Run(c.name, func(t *testing.T) { e.key.post(azBase+c.path, c.body).want(t, 400) })
		}
		t.Run("text/plain", func(t *testing.T) {
			e.key.with("Content-Type", "text/plain").post(azBase+"/evaluation", ok).want(t, 400)
		})
		for _, p := range []string{"/evaluation", "/evaluations", "/search/subject", "/search/resource", "/search/action"} {
			e.anon().post(azBase+p, ok).want(t, 401)
			e.owner.post(azBase+p, ok).want(t, 403)   // a session, not a key
			w.noAudit.post(azBase+p, ok).want(t, 403) // a key without audit.view
		}
		// Tenant isolation: another org, existing or not, is the same 404.
		e.owner.post("/v1/orgs", map[string]any{"id": "beta", "name": "Beta"}).want(t, 201)
		a := e.key.post("/v1/orgs/beta/access/v1/evaluation", ok).want(t, 404)
		b := e.key.post("/v1/orgs/nope/access/v1/evaluation", ok).want(t, 404)
		if strings.ReplaceAll(string(a.body), "beta", "nope") != string(b.body) {
			t.Errorf("another org answers differently when it exists: %s vs %s", a.body, b.body)
		}
	})
}

// Evaluations: defaults replaced whole by an item's members; the three
// semantics; a failed item is decision false with its error in context;
// no evaluations is one evaluation.
func TestAuthZENEvaluations(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := newAZWorld(t, e)
		res := func(id string) map[string]any {
			return map[string]any{"resource": map[string]any{"type": "dataset", "id": id}}
		}
		items := []any{res("cats"), res("dogs"), res("cats"),
			// The item's resource replaces the default whole: no id, so it fails.
			map[string]any{"resource": map[string]any{"type": "dataset"}},
			map[string]any{"action": map[string]any{"name": "dataset.delete"}, "resource": map[string]any{"type": "dataset", "id": "cats"}}}
		decisions := func(semantic string) []bool {
			body := map[string]any{"subject": map[string]any{"type": "user", "id": "idp|bob"}, "action": map[string]any{"name": "dataset.view"},
				"resource": map[string]any{"type": "dataset", "id": "cats", "properties": map[string]any{"x": "y"}}, "evaluations": items}
			if semantic != "" {
				body["options"] = map[string]any{"evaluations_semantic": semantic}
			}
			var out struct {
				Evaluations []struct {
					Decision *bool          `json:"decision"`
					Context  map[string]any `json:"context"`
				} `json:"evaluations"`
			}
			r := e.key.post(azBase+"/evaluations", body).want(t, 200)
			if err := json.Unmarshal(r.body, &out); err != nil {
				t.Fatal(err)
			}
			var got []bool
			for i, ev := range out.Evaluations {
				if ev.Decision == nil {
					t.Fatalf("evaluation %d without decision: %s", i, r.body)
				}
				got = append(got, *ev.Decision)
				if i == 3 && semantic == "" {
					if errv, _ := ev.Context["error"].(map[string]any); errv["status"] != float64(400) {
						t.Errorf("the failed item's context = %v, want an error with status 400", ev.Context)
					}
				}
			}
			return got
		}
		for _, c := range []struct {
			semantic string
			want     []bool
		}{
			{"", []bool{true, false, true, false, false}},
			{"execute_all", []bool{true, false, true, false, false}},
			{"deny_on_first_deny", []bool{true, false}},
			{"permit_on_first_permit", []bool{true}},
		} {
			if got := decisions(c.semantic); !slices.Equal(got, c.want) {
				t.Errorf("semantic %q: %v, want %v", c.semantic, got, c.want)
			}
		}
		// No evaluations, or none: the single evaluation's answer.
		one := azEval("idp|bob", "dataset.view", "dataset", "cats")
		if !decisionOf(t, e.key.post(azBase+"/evaluations", one).want(t, 200)) {
			t.Error("evaluations without an array: not the single decision")
		}
		one["evaluations"] = []any{}
		if !decisionOf(t, e.key.post(azBase+"/evaluations", one).want(t, 200)) {
			t.Error("evaluations with an empty array: not the single decision")
		}
		// An item with every member of its own needs no defaults.
		full := map[string]any{"evaluations": []any{azEval(w.bobID, "dataset.view", "dataset", "cats"), azEval("nobody", "dataset.view", "dataset", "cats")}}
		if got := e.key.post(azBase+"/evaluations", full).want(t, 200).obj(t)["evaluations"].([]any); len(got) != 2 ||
			got[0].(map[string]any)["decision"] != true || got[1].(map[string]any)["decision"] != false {
			t.Errorf("fully specified items: %v", got)
		}
	})
}

func azResults(t *testing.T, r *response, key string) ([]string, string) {
	t.Helper()
	var out struct {
		Results []map[string]any `json:"results"`
		Page    struct {
			NextToken string `json:"next_token"`
		} `json:"page"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil || out.Results == nil {
		t.Fatalf("search answer %s: %v", r.body, err)
	}
	var got []string
	for _, m := range out.Results {
		got = append(got, m[key].(string))
	}
	return got, out.Page.NextToken
}

// Searches: through the engine's lookups; users by their primary alias;
// unknown types find nothing; pages follow page.token.
func TestAuthZENSearch(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := newAZWorld(t, e)
		_, carolID := e.member(e.owner, "acme", "carol@acme.test", "member", grant("dataset.viewer", "dataset:cats"))
		subj := func(typ string, page map[string]any) map[string]any {
			b := map[string]any{"subject": map[string]any{"type": typ}, "action": map[string]any{"name": "dataset.view"},
				"resource": map[string]any{"type": "dataset", "id": "cats"}}
			if page != nil {
				b["page"] = page
			}
			return b
		}
		got, _ := azResults(t, e.key.post(azBase+"/search/subject", subj("user", nil)).want(t, 200), "id")
		for _, want := range []string{"idp|bob", carolID, e.boot.UserID} {
			if !slices.Contains(got, want) {
				t.Errorf("subject search lacks %s: %v", want, got)
			}
		}
		if slices.Contains(got, w.bobID) {
			t.Errorf("a member with an alias is named by her user id: %v", got)
		}
		var paged []string
		tok := ""
		for range 10 {
			page := map[string]any{"limit": 1}
			if tok != "" {
				page["token"] = tok
			}
			p, next := azResults(t, e.key.post(azBase+"/search/subject", subj("user", page)).want(t, 200), "id")
			paged = append(paged, p...)
			if tok = next; tok == "" {
				break
			}
		}
		if !slices.Equal(paged, got) {
			t.Errorf("paged subject search %v, whole %v", paged, got)
		}
		if none, _ := azResults(t, e.key.post(azBase+"/search/subject", subj("spaceship", nil)).want(t, 200), "id"); len(none) != 0 {
			t.Errorf("subjects of an unknown type: %v", none)
		}

		rs := map[string]any{"subject": map[string]any{"type": "user", "id": "idp|bob"}, "action": map[string]any{"name": "dataset.view"},
			"resource": map[string]any{"type": "dataset"}}
		if got, _ := azResults(t, e.key.post(azBase+"/search/resource", rs).want(t, 200), "id"); !slices.Equal(got, []string{"cats"}) {
			t.Errorf("resource search: %v, want [cats]", got)
		}
		rs["resource"] = map[string]any{"type": "spaceship"}
		if got, _ := azResults(t, e.key.post(azBase+"/search/resource", rs).want(t, 200), "id"); len(got) != 0 {
			t.Errorf("resources of an unknown type: %v", got)
		}
		as := map[string]any{"subject": map[string]any{"type": "user", "id": "idp|bob"}, "resource": map[string]any{"type": "dataset", "id": "cats"}}
		if got, _ := azResults(t, e.key.post(azBase+"/search/action", as).want(t, 200), "name"); !slices.Equal(got, []string{"dataset.view"}) {
			t.Errorf("action search: %v, want [dataset.view]", got)
		}
		as["subject"] = map[string]any{"type": "user", "id": "nobody"}
		if got, _ := azResults(t, e.key.post(azBase+"/search/action", as).want(t, 200), "name"); len(got) != 0 {
			t.Errorf("actions of nobody: %v", got)
		}
	})
}

// Metadata: public, the PDP base of the org, the endpoints under it.
func TestAuthZENMetadata(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		m := e.anon().get("/.well-known/authzen-configuration/v1/orgs/acme").want(t, 200).obj(t)
		pdp := "https://gatehouse.test/v1/orgs/acme"
		for k, want := range map[string]string{
			"policy_decision_point":       pdp,
			"access_evaluation_endpoint":  pdp + "/access/v1/evaluation",
			"access_evaluations_endpoint": pdp + "/access/v1/evaluations",
			"search_subject_endpoint":     pdp + "/access/v1/search/subject",
			"search_resource_endpoint":    pdp + "/access/v1/search/resource",
			"search_action_endpoint":      pdp + "/access/v1/search/action",
		} {
			if m[k] != want {
				t.Errorf("%s = %v, want %s", k, m[k], want)
			}
		}
		// The same for any well-formed id: it tells nobody which orgs exist.
		e.anon().get("/.well-known/authzen-configuration/v1/orgs/nope").want(t, 200)
	})
}

// Stated properties count only for a key holding the scheme's properties
// permission; another key's are ignored, and the answer says so.
func TestAuthZENStatedProperties(t *testing.T) {
	id := registerFixture(t, "certification")
	runWith(t, envOptions{scheme: id}, func(t *testing.T, e *env) {
		seedFixture(t, e, "certification")
		k := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "pdp", "role": "pdp"}).want(t, 201)
		e.remember(k.str(t, "secret"))
		pdp := e.as(k.str(t, "secret"))
		softDelete := azEval("alice", "delete", "record", "record-1")
		softDelete["action"] = map[string]any{"name": "delete", "properties": map[string]any{"soft": true}}

		r := e.key.post("/v1/orgs/acme/access/v1/evaluation", softDelete).want(t, 200)
		if !decisionOf(t, r) || r.obj(t)["context"] != nil {
			t.Errorf("a soft delete stated by a key that may state it: %s", r.body)
		}
		r = pdp.post("/v1/orgs/acme/access/v1/evaluation", softDelete).want(t, 200)
		ctx, _ := r.obj(t)["context"].(map[string]any)
		if decisionOf(t, r) || ctx["properties_ignored"] == nil {
			t.Errorf("a soft delete stated by a key that may not state it: %s", r.body)
		}
		// Saying nothing gets no more than saying the worst.
		if r := e.key.post("/v1/orgs/acme/access/v1/evaluation", azEval("alice", "delete", "record", "record-1")).want(t, 200); decisionOf(t, r) {
			t.Errorf("a delete that states nothing: %s", r.body)
		}
		// A stated subject property is no role: alice is no archivist
		// however the request describes her.
		claim := azEval("alice", "write", "record", "record-2")
		claim["subject"] = map[string]any{"type": "user", "id": "alice", "properties": map[string]any{"role": "admin"}}
		if r := e.key.post("/v1/orgs/acme/access/v1/evaluation", claim).want(t, 200); decisionOf(t, r) {
			t.Errorf("alice writing an archived record as a stated admin: %s", r.body)
		}
		// Searches pass on what the request states: who may delete
		// record-1 softly includes alice, who may delete it at all does not.
		for _, c := range []struct {
			action map[string]any
			alice  bool
		}{
			{map[string]any{"name": "delete", "properties": map[string]any{"soft": true}}, true},
			{map[string]any{"name": "delete"}, false},
		} {
			r := e.key.post("/v1/orgs/acme/access/v1/search/subject", map[string]any{"subject": map[string]any{"type": "user"},
				"action": c.action, "resource": map[string]any{"type": "record", "id": "record-1"}}).want(t, 200)
			got, _ := azResults(t, r, "id")
			if slices.Contains(got, "alice") != c.alice {
				t.Errorf("who may %v record-1: %v", c.action, got)
			}
		}
	})
}
