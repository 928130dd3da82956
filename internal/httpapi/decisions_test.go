package httpapi_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sam, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		e.owner.resource(t, "acme", "dataset:cats", nil)
		gid := e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.editor", "scope": "dataset:cats"}).want(t, 201).str(t, "id")

		// Allowed: the reason names the grant.
		r := sam.post("/v1/orgs/acme/check", map[string]any{"permission": "dataset.upload", "resource": "dataset:cats"}).want(t, 200).obj(t)
		hasKeys(t, "check", r, "allowed", "revision", "reason")
		reason := r["reason"].(map[string]any)
		if r["allowed"] != true || reason["grant"] != gid || reason["role"] != "dataset.editor" || reason["scope"] != "dataset:cats" || reason["via"] != "direct" {
			t.Errorf("check %v", r)
		}
		// Through the org role: via membership.
		r = e.owner.post("/v1/orgs/acme/check", map[string]any{"permission": "billing.manage"}).want(t, 200).obj(t)
		if r["allowed"] != true || r["reason"].(map[string]any)["via"] != "membership" || r["reason"].(map[string]any)["role"] != "owner" {
			t.Errorf("owner billing check %v", r)
		}
		// Denied: no reason (or only a failed condition).
		r = sam.post("/v1/orgs/acme/check", map[string]any{"permission": "dataset.delete", "resource": "dataset:cats"}).want(t, 200).obj(t)
		if r["allowed"] != false || r["reason"] != nil {
			t.Errorf("denied check %v", r)
		}
		// About another subject: the audit permission.
		if !e.owner.allowed(t, "acme", "user:"+samID, "dataset.view", "dataset:cats") {
			t.Errorf("owner asking about sam")
		}
		sam.post("/v1/orgs/acme/check", map[string]any{"subject": "user:" + e.boot.UserID, "permission": "org.view"}).want(t, 403)
		sam.post("/v1/orgs/acme/check", map[string]any{"subject": "user:" + samID, "permission": "org.view"}).want(t, 200)
		// Not a member: simply denied.
		if e.owner.allowed(t, "acme", "user:u_stranger", "org.view", "") {
			t.Errorf("stranger allowed")
		}
		// Unknown permission 422, unknown resource 404.
		e.owner.post("/v1/orgs/acme/check", map[string]any{"permission": "dataset.fly", "resource": "dataset:cats"}).want(t, 422)
		e.owner.post("/v1/orgs/acme/check", map[string]any{"permission": "dataset.view", "resource": "dataset:nope"}).want(t, 404)

		// at_least_revision: reached, fine; one nobody wrote, 422 at once (a
		// replica behind a written one answers 503: internal/e2e replicas).
		rev := e.owner.patch("/v1/orgs/acme", map[string]any{"name": "Acme 2"}).want(t, 200).num(t, "revision")
		e.owner.post("/v1/orgs/acme/check", map[string]any{"permission": "org.view", "at_least_revision": rev}).want(t, 200)
		far := e.owner.post("/v1/orgs/acme/check", map[string]any{"permission": "org.view", "at_least_revision": rev + 1000}).want(t, 422)
		if d := far.detail(t); !strings.Contains(d, "has not been written") {
			t.Errorf("future revision: %q", d)
		}
		e.owner.post("/v1/orgs/acme/check/batch", map[string]any{"at_least_revision": rev + 1000,
			"checks": []any{map[string]any{"permission": "org.view"}}}).want(t, 422)
		e.owner.post("/v1/orgs/acme/lookup/resources", map[string]any{"permission": "dataset.view", "type": "dataset", "at_least_revision": rev + 1000}).want(t, 422)
		e.owner.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "dataset.view", "resource": "dataset:cats", "at_least_revision": rev + 1000}).want(t, 422)
	})
}

func TestCheckBatch(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		e.owner.resource(t, "acme", "dataset:cats", nil)
		e.owner.resource(t, "acme", "dataset:dogs", nil)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		checks := []any{
			map[string]any{"subject": "user:" + samID, "permission": "dataset.view", "resource": "dataset:cats"},
			map[string]any{"subject": "user:" + samID, "permission": "dataset.view", "resource": "dataset:dogs"},
			map[string]any{"permission": "billing.view"},
			map[string]any{"subject": "user:" + samID, "permission": "members.view"},
			map[string]any{"subject": "user:" + samID, "permission": "dataset.upload", "resource": "dataset:cats"},
		}
		r := e.owner.post("/v1/orgs/acme/check/batch", map[string]any{"checks": checks}).want(t, 200).obj(t)
		hasKeys(t, "batch", r, "results", "revision")
		var got []bool
		for _, x := range r["results"].([]any) {
			m := x.(map[string]any)
			hasKeys(t, "batch result", m, "allowed")
			got = append(got, m["allowed"].(bool))
			if m["allowed"] == true && m["reason"] == nil {
				t.Errorf("allowed without reason: %v", m)
			}
		}
		if !slices.Equal(got, []bool{true, false, true, true, false}) {
			t.Errorf("batch results %v", got)
		}
		// Limits and errors apply to the whole batch.
		many := make([]any, 1001)
		for i := range many {
			many[i] = map[string]any{"permission": "org.view"}
		}
		e.owner.post("/v1/orgs/acme/check/batch", map[string]any{"checks": many}).want(t, 422)
		e.owner.post("/v1/orgs/acme/check/batch", map[string]any{"checks": many[:1000]}).want(t, 200)
		e.owner.post("/v1/orgs/acme/check/batch", map[string]any{"checks": []any{map[string]any{"permission": "org.view"}, map[string]any{"permission": "x.y"}}}).want(t, 422)
		e.owner.post("/v1/orgs/acme/check/batch", map[string]any{}).want(t, 422)
	})
}

func TestLookups(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sam, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		var want []string
		for i := range 7 {
			id := "ds" + strconv.Itoa(i)
			e.owner.resource(t, "acme", "dataset:"+id, nil)
			if i%2 == 0 {
				e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.viewer", "scope": "dataset:" + id}).want(t, 201)
				want = append(want, id)
			}
		}
		collect := func(c *client, body map[string]any) []string {
			t.Helper()
			var out []string
			tok := ""
			for range 20 {
				b := map[string]any{"limit": 2, "page_token": tok}
				for k, v := range body {
					b[k] = v
				}
				r := c.post("/v1/orgs/acme/lookup/resources", b).want(t, 200)
				m := r.obj(t)
				hasKeys(t, "lookup", m, "items", "next_page_token", "revision")
				for _, x := range m["items"].([]any) {
					out = append(out, x.(string))
				}
				if tok = m["next_page_token"].(string); tok == "" {
					return out
				}
			}
			t.Fatalf("lookup does not end")
			return nil
		}
		got := collect(sam, map[string]any{"permission": "dataset.view", "type": "dataset"})
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("sam's datasets %v, want %v", got, want)
		}
		if got := collect(e.owner, map[string]any{"permission": "dataset.delete", "type": "dataset"}); len(got) != 7 {
			t.Errorf("owner's datasets %v", got)
		}
		if got := collect(e.owner, map[string]any{"subject": "user:" + samID, "permission": "dataset.view", "type": "dataset"}); len(got) != len(want) {
			t.Errorf("sam's datasets asked by the owner %v", got)
		}
		if got := collect(sam, map[string]any{"permission": "training.view", "type": "training"}); len(got) != 0 {
			t.Errorf("sam's trainings %v", got)
		}
		sam.post("/v1/orgs/acme/lookup/resources", map[string]any{"subject": "user:" + e.boot.UserID, "permission": "dataset.view", "type": "dataset"}).want(t, 403)
		e.owner.post("/v1/orgs/acme/lookup/resources", map[string]any{"permission": "dataset.view", "type": "spaceship"}).want(t, 422)
		e.owner.post("/v1/orgs/acme/lookup/resources", map[string]any{"permission": "dataset.fly", "type": "dataset"}).want(t, 422)
		e.owner.post("/v1/orgs/acme/lookup/resources", map[string]any{"permission": "dataset.view", "type": "dataset", "page_token": "garbage!"}).want(t, 400)

		// Who may view ds0: owner and key through their roles, sam directly.
		r := e.owner.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "dataset.view", "resource": "dataset:ds0"}).want(t, 200).obj(t)
		hasKeys(t, "lookup subjects", r, "items", "next_page_token", "revision")
		subjects := map[string]bool{}
		for _, x := range r["items"].([]any) {
			m := x.(map[string]any)
			hasKeys(t, "subject access", m, "subject", "via")
			subjects[m["subject"].(string)] = true
		}
		if !subjects["user:"+samID] || !subjects["user:"+e.boot.UserID] || len(subjects) != 3 {
			t.Errorf("subjects of ds0: %v", subjects)
		}
		r2 := e.owner.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "dataset.view", "resource": "dataset:ds1", "limit": 1}).want(t, 200).obj(t)
		if len(r2["items"].([]any)) != 1 || r2["next_page_token"] == "" {
			t.Errorf("paged subjects %v", r2)
		}
		sam.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "dataset.view", "resource": "dataset:ds0"}).want(t, 403)
		e.owner.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "dataset.view", "resource": "dataset:nope"}).want(t, 404)
		e.owner.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "nope.nope", "resource": "dataset:ds0"}).want(t, 422)
	})
}
