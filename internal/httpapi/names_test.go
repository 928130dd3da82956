package httpapi_test

import "testing"

// The access reports put a person's name and email, and a key's name,
// beside each subject id, for whoever may read the reports.
func TestAccessReportsName(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		_, ada := e.member(e.owner, "acme", "ada@acme.test", "member", grant("dataset.editor", "dataset:cats"))
		k := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "cats-etl", "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		e.remember(k.str(t, "secret"))
		keyRef := "key:" + k.str(t, "id")

		byRef := func(items []map[string]any) map[string]map[string]any {
			out := map[string]map[string]any{}
			for _, it := range items {
				out[it["subject"].(string)] = it
			}
			return out
		}
		subs := byRef(e.key.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "dataset.view", "resource": "dataset:cats"}).want(t, 200).items(t))
		acc := byRef(e.key.get("/v1/orgs/acme/resources/dataset/cats/access").want(t, 200).items(t))
		for what, m := range map[string]map[string]map[string]any{"lookup subjects": subs, "resource access": acc} {
			if a := m["user:"+ada]; a == nil || a["name"] != "ada" || a["email"] != "ada@acme.test" {
				t.Errorf("%s: Ada = %v", what, a)
			}
			if o := m["user:"+e.boot.UserID]; o == nil || o["email"] != ownerEmail {
				t.Errorf("%s: the Owner = %v", what, o)
			}
			if k := m[keyRef]; k == nil || k["name"] != "cats-etl" || k["email"] != nil {
				t.Errorf("%s: the key = %v", what, k)
			}
		}
		// Names take what the reports take.
		plain, _ := e.member(e.owner, "acme", "pat@acme.test", "member")
		plain.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "dataset.view", "resource": "dataset:cats"}).want(t, 403)
	})
}
