package httpapi_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestGrants(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sam, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		e.owner.resource(t, "acme", "dataset:cats", nil)
		e.owner.resource(t, "acme", "training:yolo", nil)

		exp := e.clock.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		r := e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.viewer",
			"scope": "dataset:cats", "expires_at": exp.Format(time.RFC3339)}).want(t, 201)
		g := r.obj(t)
		hasKeys(t, "grant", g, "id", "subject", "role", "scope", "expires_at", "revision")
		if !strings.HasPrefix(g["id"].(string), "gr_") || g["subject"] != "user:"+samID {
			t.Errorf("grant %v", g)
		}
		if got, _ := time.Parse(time.RFC3339, g["expires_at"].(string)); !got.Equal(exp) {
			t.Errorf("expires_at %v, want %v", g["expires_at"], exp)
		}
		rev := r.num(t, "revision")
		// Effective at once, and at the revision the write returned.
		c := e.owner.post("/v1/orgs/acme/check", map[string]any{"subject": "user:" + samID, "permission": "dataset.view",
			"resource": "dataset:cats", "at_least_revision": rev}).want(t, 200).obj(t)
		if c["allowed"] != true || c["revision"].(float64) < float64(rev) {
			t.Errorf("check after grant: %v", c)
		}
		// No expiry: null.
		g2 := e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "training.viewer",
			"scope": "training:*", "expires_at": nil}).want(t, 201).obj(t)
		if g2["expires_at"] != nil {
			t.Errorf("expires_at of a permanent grant: %v", g2["expires_at"])
		}

		// Lists with filters.
		if items := e.owner.get("/v1/orgs/acme/grants?subject=user:"+samID).want(t, 200).items(t); len(items) != 2 {
			t.Errorf("sam's grants: %v", items)
		}
		if items := e.owner.get("/v1/orgs/acme/grants?scope=dataset:cats").want(t, 200).items(t); len(items) != 1 || items[0]["id"] != g["id"] {
			t.Errorf("grants at cats: %v", items)
		}
		all := e.owner.get("/v1/orgs/acme/grants").want(t, 200).items(t)
		if len(all) < 3 { // sam's two and the bootstrap key's
			t.Errorf("all grants: %v", all)
		}
		// Sam lists only his own.
		sam.get("/v1/orgs/acme/grants?subject=user:"+samID).want(t, 200)
		sam.get("/v1/orgs/acme/grants").want(t, 403)

		// Errors.
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:u_nobody", "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 404)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.viewer", "scope": "dataset:nope"}).want(t, 404)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "no.role", "scope": "dataset:cats"}).want(t, 422)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "training.viewer", "scope": "dataset:cats"}).want(t, 422)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.viewer", "scope": "nonsense"}).want(t, 422)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.viewer", "scope": "dataset:cats",
			"expires_at": e.clock.Now().Add(-time.Hour).Format(time.RFC3339)}).want(t, 422)
		// No escalation: a member grants nothing; nobody grants owner.
		sam.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.owner", "scope": "dataset:cats"}).want(t, 403)
		e.key.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "owner", "scope": "org"}).want(t, 403)

		// Delete: 200 with the revision; the check is denied at once.
		d := e.owner.delete("/v1/orgs/acme/grants/"+g["id"].(string)).want(t, 200)
		if d.num(t, "revision") <= rev {
			t.Errorf("delete revision %s", d.body)
		}
		if len(d.obj(t)) != 1 {
			t.Errorf("delete answer %s, want just the revision", d.body)
		}
		if sam.allowed(t, "acme", "", "dataset.view", "dataset:cats") {
			t.Errorf("revoked grant still allows")
		}
		e.owner.delete("/v1/orgs/acme/grants/"+g["id"].(string)).want(t, 404)
		sam.delete("/v1/orgs/acme/grants/"+g2["id"].(string)).want(t, 403)
	})
}

func TestRolesPermissionsMatrix(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		roles := e.owner.get("/v1/orgs/acme/roles").want(t, 200).items(t)
		if len(roles) < 8 {
			t.Fatalf("roles: %d", len(roles))
		}
		for _, r := range roles {
			hasKeys(t, "role", r, "id", "name", "scope_type", "permissions", "builtin")
			if r["builtin"] != true {
				t.Errorf("built-in role not builtin: %v", r)
			}
			for _, p := range r["permissions"].([]any) {
				hasKeys(t, "role permission", p.(map[string]any), "id", "condition")
			}
		}
		perms := e.owner.get("/v1/orgs/acme/permissions?limit=1000").want(t, 200).items(t)
		for _, p := range perms {
			hasKeys(t, "permission", p, "id", "resource_type", "description")
		}
		if len(perms) < 50 {
			t.Errorf("catalog has %d permissions", len(perms))
		}
		// Paging an in-memory list is complete.
		n, tok := 0, ""
		for {
			r := e.owner.get("/v1/orgs/acme/permissions?limit=7&page_token="+tok).want(t, 200)
			n += len(r.items(t))
			if tok = r.str(t, "next_page_token"); tok == "" {
				break
			}
		}
		if n != len(perms) {
			t.Errorf("paged %d of %d permissions", n, len(perms))
		}

		// Custom role: 201; unknown permission 422; duplicate 409.
		body := map[string]any{"id": "qa_reviewer", "name": "QA reviewer", "scope_type": "org", "also_at": []string{"project"},
			"permissions": []any{map[string]any{"id": "label.view"}, map[string]any{"id": "label.review", "condition": "own"}}}
		r := e.owner.post("/v1/orgs/acme/roles", body).want(t, 201).obj(t)
		hasKeys(t, "custom role", r, "id", "name", "scope_type", "permissions", "builtin", "revision")
		if r["builtin"] != false || len(r["permissions"].([]any)) != 2 {
			t.Errorf("custom role %v", r)
		}
		e.owner.post("/v1/orgs/acme/roles", body).want(t, 409)
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "bad", "name": "Bad", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "label.fly"}}}).want(t, 422)
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "bad2", "name": "Bad", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "label.view", "condition": "phase of moon"}}}).want(t, 422)
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "empty", "name": "Empty", "scope_type": "org", "permissions": []any{}}).want(t, 422)
		lab, lid := e.member(e.owner, "acme", "lab@acme.test", "labeler")
		lab.post("/v1/orgs/acme/roles", map[string]any{"id": "mine", "name": "Mine", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "label.view"}}}).want(t, 403)

		// The matrix shows it, in every format with its content type.
		for format, ct := range map[string]string{"": "application/json", "json": "application/json", "csv": "text/csv",
			"md": "text/markdown", "markdown": "text/markdown", "html": "text/html"} {
			m := e.owner.get("/v1/orgs/acme/matrix?format="+format).want(t, 200)
			if !strings.HasPrefix(m.header.Get("Content-Type"), ct) {
				t.Errorf("matrix %q: Content-Type %q", format, m.header.Get("Content-Type"))
			}
			if !strings.Contains(string(m.body), "QA reviewer") && !strings.Contains(string(m.body), "qa_reviewer") {
				t.Errorf("matrix %q lacks the custom role", format)
			}
			switch format {
			case "", "json":
				var doc struct {
					Roles []map[string]any `json:"roles"`
				}
				if err := json.Unmarshal(m.body, &doc); err != nil || len(doc.Roles) != len(roles)+1 {
					t.Errorf("json matrix: %v, %d roles", err, len(doc.Roles))
				}
			case "csv":
				rows, err := csv.NewReader(strings.NewReader(string(m.body))).ReadAll()
				if err != nil || len(rows) < 2 {
					t.Errorf("csv matrix: %v", err)
				}
			case "html":
				if !strings.Contains(string(m.body), "<table") {
					t.Errorf("html matrix: %.100s", m.body)
				}
			}
		}

		// A role in use cannot go; unused, it can.
		g := e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + lid, "role": "qa_reviewer", "scope": "org"}).want(t, 201).str(t, "id")
		if d := e.owner.delete("/v1/orgs/acme/roles/qa_reviewer").want(t, 409).detail(t); !strings.Contains(d, "lab@acme.test") ||
			!strings.Contains(d, "the whole organization") {
			t.Errorf("deleting a role in use: %q does not name who holds it, and where", d)
		}
		e.owner.delete("/v1/orgs/acme/grants/"+g).want(t, 200)
		r2 := e.owner.delete("/v1/orgs/acme/roles/qa_reviewer").want(t, 204)
		if r2.header.Get("Gatehouse-Revision") == "" {
			t.Errorf("no revision header")
		}
		e.owner.delete("/v1/orgs/acme/roles/qa_reviewer").want(t, 404)
		e.owner.delete("/v1/orgs/acme/roles/admin").want(t, 404) // built-in
		if len(e.owner.get("/v1/orgs/acme/roles").want(t, 200).items(t)) != len(roles) {
			t.Errorf("custom role still listed")
		}
	})
}

func TestTeamsAndGroups(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		bob, bobID := e.member(e.owner, "acme", "bob@acme.test", "member")
		e.owner.resource(t, "acme", "dataset:cats", nil)
		for _, kind := range []string{"teams", "groups"} {
			base := "/v1/orgs/acme/" + kind
			r := e.owner.post(base, map[string]any{"name": "Night shift"}).want(t, 201).obj(t)
			hasKeys(t, kind, r, "id", "name", "revision")
			id := r["id"].(string)
			prefix := map[string]string{"teams": "t_", "groups": "g_"}[kind]
			if !strings.HasPrefix(id, prefix) || r["name"] != "Night shift" {
				t.Errorf("%s created %v", kind, r)
			}
			e.owner.post(base, map[string]any{"name": ""}).want(t, 422)
			bob.post(base, map[string]any{"name": "Mine"}).want(t, 403)

			// Rename.
			rn := e.owner.patch(base+"/"+id, map[string]any{"name": "Day shift"}).want(t, 200).obj(t)
			if rn["name"] != "Day shift" || rn["id"] != id {
				t.Errorf("renamed %v", rn)
			}
			bob.patch(base+"/"+id, map[string]any{"name": "x"}).want(t, 403)
			// Names are unique in the org, case aside.
			other := e.owner.post(base, map[string]any{"name": "Spare"}).want(t, 201).str(t, "id")
			if d := e.owner.post(base, map[string]any{"name": "day SHIFT"}).want(t, 409).detail(t); !strings.Contains(d, `named "Day shift" already exists`) {
				t.Errorf("duplicate %s name: %q", kind, d)
			}
			e.owner.patch(base+"/"+other, map[string]any{"name": "DAY shift"}).want(t, 409)
			e.owner.delete(base+"/"+other).want(t, 200, 204)
			e.owner.patch(base+"/"+prefix+"nothing", map[string]any{"name": "x"}).want(t, 404)

			// Members: 204 both ways.
			e.owner.put(base+"/"+id+"/members/"+bobID, nil).want(t, 204)
			e.owner.put(base+"/"+id+"/members/u_nobody", nil).want(t, 404)
			list := e.owner.get(base).want(t, 200).items(t)
			if len(list) != 1 || list[0]["name"] != "Day shift" || len(list[0]["members"].([]any)) != 1 {
				t.Errorf("%s list %v", kind, list)
			}
			bob.get(base).want(t, 200) // members.view

			// Access through groups (team-level roles are deepomatic's: see
			// TestDeepomaticTeamSegregation).
			subject := "group:" + id
			if kind == "groups" {
				e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": subject, "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
				if !bob.allowed(t, "acme", "", "dataset.view", "dataset:cats") {
					t.Errorf("group grant does not reach its member")
				}
				d := e.owner.get("/v1/orgs/acme/members/"+bobID).want(t, 200).obj(t)
				found := false
				for _, g := range d["grants"].([]any) {
					if g.(map[string]any)["via"] == "group:"+id {
						found = true
					}
				}
				if !found {
					t.Errorf("member dialog lacks the group grant: %v", d["grants"])
				}
			}
			e.owner.delete(base+"/"+id+"/members/"+bobID).want(t, 204)
			e.owner.delete(base+"/"+id+"/members/"+bobID).want(t, 404)
			if kind == "groups" && bob.allowed(t, "acme", "", "dataset.view", "dataset:cats") {
				t.Errorf("group grant outlives membership")
			}

			// Delete: 204; grants it held go.
			bob.delete(base+"/"+id).want(t, 403)
			e.owner.delete(base+"/"+id).want(t, 204)
			e.owner.delete(base+"/"+id).want(t, 404)
			if len(e.owner.get(base).want(t, 200).items(t)) != 0 {
				t.Errorf("%s left", kind)
			}
			if items := e.owner.get("/v1/orgs/acme/grants?subject="+subject).want(t, 200).items(t); kind == "groups" && len(items) != 0 {
				t.Errorf("group grants left: %v", items)
			}
		}
	})
}

func TestResources(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sam, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		r := e.owner.put("/v1/orgs/acme/resources/dataset/cats", map[string]any{"name": "Cats", "attributes": map[string]string{"tier": "gold"}}).want(t, 200).obj(t)
		hasKeys(t, "resource", r, "type", "id", "name", "parent", "team", "owner", "attributes", "revision")
		if r["type"] != "dataset" || r["id"] != "cats" || r["owner"] != e.boot.UserID || r["attributes"].(map[string]any)["tier"] != "gold" {
			t.Errorf("resource %v", r)
		}
		// Replace keeps it; GET shows it.
		e.owner.put("/v1/orgs/acme/resources/dataset/cats", map[string]any{"name": "Cats v2"}).want(t, 200)
		if g := e.owner.get("/v1/orgs/acme/resources/dataset/cats").want(t, 200).obj(t); g["name"] != "Cats v2" {
			t.Errorf("after replace %v", g)
		}
		e.owner.resource(t, "acme", "dataset:dogs", nil)
		e.key.resource(t, "acme", "training:yolo", nil)

		// Errors.
		e.owner.put("/v1/orgs/acme/resources/spaceship/x", nil).want(t, 404)
		e.owner.put("/v1/orgs/acme/resources/dataset/cats", map[string]any{"parent": "dataset:dogs"}).want(t, 422)
		e.owner.put("/v1/orgs/acme/resources/dataset/cats", map[string]any{"attributes": map[string]string{"Bad Key": "x"}}).want(t, 422)
		e.owner.put("/v1/orgs/acme/resources/dataset/bad%20id", nil).want(t, 422)
		sam.put("/v1/orgs/acme/resources/dataset/mine", nil).want(t, 403)
		e.owner.get("/v1/orgs/acme/resources/dataset/nope").want(t, 404)
		// Existence does not leak to members without access.
		sam.get("/v1/orgs/acme/resources/dataset/cats").want(t, 404)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		sam.get("/v1/orgs/acme/resources/dataset/cats").want(t, 200)
		sam.delete("/v1/orgs/acme/resources/dataset/cats").want(t, 403)

		// Lists.
		all := e.owner.get("/v1/orgs/acme/resources").want(t, 200).items(t)
		if len(all) != 3 {
			t.Errorf("resources: %v", all)
		}
		ds := e.owner.get("/v1/orgs/acme/resources?type=dataset&limit=1").want(t, 200)
		if len(ds.items(t)) != 1 || ds.str(t, "next_page_token") == "" {
			t.Errorf("first page %s", ds.body)
		}
		next := e.owner.get("/v1/orgs/acme/resources?type=dataset&limit=1&page_token="+ds.str(t, "next_page_token")).want(t, 200)
		if len(next.items(t)) != 1 || next.items(t)[0]["id"] == ds.items(t)[0]["id"] {
			t.Errorf("second page %s", next.body)
		}
		e.owner.get("/v1/orgs/acme/resources?type=spaceship").want(t, 404)
		sam.get("/v1/orgs/acme/resources").want(t, 403)

		// Who can access cats, and through what.
		acc := e.owner.get("/v1/orgs/acme/resources/dataset/cats/access").want(t, 200).items(t)
		subjects := map[string]any{}
		for _, a := range acc {
			hasKeys(t, "access", a, "subject", "role", "via")
			subjects[a["subject"].(string)] = a["via"]
		}
		for _, want := range []string{"user:" + e.boot.UserID, "user:" + samID, "key:"} {
			found := false
			for s := range subjects {
				if strings.HasPrefix(s, want) {
					found = true
				}
			}
			if !found {
				t.Errorf("access of cats lacks %s: %v", want, subjects)
			}
		}
		sam.get("/v1/orgs/acme/resources/dataset/cats/access").want(t, 403)
		e.owner.get("/v1/orgs/acme/resources/dataset/nope/access").want(t, 404)

		// Delete: 200 with the revision; grants at it go; checks are 404.
		d := e.owner.delete("/v1/orgs/acme/resources/dataset/cats").want(t, 200)
		rev := d.num(t, "revision")
		e.owner.get("/v1/orgs/acme/resources/dataset/cats").want(t, 404)
		if items := e.owner.get("/v1/orgs/acme/grants?scope=dataset:cats").want(t, 200).items(t); len(items) != 0 {
			t.Errorf("grants at a removed resource: %v", items)
		}
		e.owner.post("/v1/orgs/acme/check", map[string]any{"permission": "dataset.view", "resource": "dataset:cats", "at_least_revision": rev}).want(t, 404)
		e.owner.delete("/v1/orgs/acme/resources/dataset/cats").want(t, 404)
	})
}

// A custom role is edited in place: name, description, permissions; never
// beyond the editor's own power; audited; checks see it at the revision.
func TestUpdateRole(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "project:p1", nil)
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "qa", "name": "QA", "scope_type": "project",
			"description": "Looks at labels", "permissions": []any{map[string]any{"id": "label.view"}}}).want(t, 201)
		lab, lid := e.member(e.owner, "acme", "lab@acme.test", "member")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + lid, "role": "qa", "scope": "project:p1"}).want(t, 201)
		if lab.allowed(t, "acme", "", "label.review", "project:p1") {
			t.Fatal("label.review before the edit")
		}
		r := e.owner.patch("/v1/orgs/acme/roles/qa", map[string]any{"name": "QA reviewer", "description": "Reviews labels",
			"permissions": []any{map[string]any{"id": "label.view"}, map[string]any{"id": "label.review"}}}).want(t, 200)
		o := r.obj(t)
		if o["name"] != "QA reviewer" || o["description"] != "Reviews labels" || len(o["permissions"].([]any)) != 2 || o["scope_type"] != "project" {
			t.Errorf("edited role %v", o)
		}
		if !lab.allowed(t, "acme", "", "label.review", "project:p1") {
			t.Error("the holder lacks the new permission at the edit's revision")
		}
		// Only the fields present change.
		o = e.owner.patch("/v1/orgs/acme/roles/qa", map[string]any{"name": "QA"}).want(t, 200).obj(t)
		if o["description"] != "Reviews labels" || len(o["permissions"].([]any)) != 2 {
			t.Errorf("a name-only edit changed more: %v", o)
		}
		// No escalation: a project team manager cannot put into a role what it lacks.
		mgr, _ := e.member(e.owner, "acme", "mgr@acme.test", "team_manager")
		mgr.patch("/v1/orgs/acme/roles/qa", map[string]any{"permissions": []any{map[string]any{"id": "project.manage"}}}).want(t, 403)
		lab.patch("/v1/orgs/acme/roles/qa", map[string]any{"name": "Mine"}).want(t, 403)
		e.owner.patch("/v1/orgs/acme/roles/qa", map[string]any{"permissions": []any{map[string]any{"id": "label.fly"}}}).want(t, 422)
		e.owner.patch("/v1/orgs/acme/roles/qa", map[string]any{"permissions": []any{}}).want(t, 422)
		e.owner.patch("/v1/orgs/acme/roles/admin", map[string]any{"name": "Boss"}).want(t, 404)
		e.owner.patch("/v1/orgs/acme/roles/nope", map[string]any{"name": "x"}).want(t, 404)
		ev := e.owner.get("/v1/orgs/acme/audit?action=role.update").want(t, 200).items(t)
		if len(ev) != 2 {
			t.Errorf("role.update events: %d, want 2", len(ev))
		}
	})
}
