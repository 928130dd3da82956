package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStaleAccessReport(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, adaID := e.member(e.owner, "acme", "ada@acme.test", "member")
		e.owner.resource(t, "acme", "dataset:cats", map[string]any{"name": "Cats"})
		gid := e.owner.post("/v1/orgs/acme/groups", map[string]any{"name": "Night shift"}).want(t, 201).str(t, "id")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + gid, "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + adaID, "role": "dataset.editor", "scope": "dataset:cats",
			"expires_at": e.clock.Now().Add(time.Hour)}).want(t, 201)
		e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "forgotten", "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		e.clock.Advance(31 * 24 * time.Hour)

		// The bootstrap key holds admin: a user manager who lists members and keys.
		r := e.key.get("/v1/orgs/acme/reports/stale-access?days=30").want(t, 200)
		var rep struct {
			Days        int `json:"days"`
			IdleMembers []struct {
				Email string `json:"email"`
			} `json:"idle_members"`
			UnusedKeys []struct {
				Name string `json:"name"`
			} `json:"unused_keys"`
			ExpiredGrants []struct {
				Role         string `json:"role"`
				SubjectEmail string `json:"subject_email"`
				ScopeName    string `json:"scope_name"`
			} `json:"expired_grants"`
			EmptyGroups []struct {
				Name   string `json:"name"`
				Grants []any  `json:"grants"`
			} `json:"empty_groups"`
		}
		if err := json.Unmarshal(r.body, &rep); err != nil {
			t.Fatal(err)
		}
		idle := false
		for _, m := range rep.IdleMembers {
			idle = idle || m.Email == "ada@acme.test"
		}
		if rep.Days != 30 || !idle {
			t.Errorf("idle members %+v", rep.IdleMembers)
		}
		if len(rep.UnusedKeys) != 1 || rep.UnusedKeys[0].Name != "forgotten" {
			t.Errorf("unused keys %+v, want the one never used (the bootstrap key is in use)", rep.UnusedKeys)
		}
		if len(rep.ExpiredGrants) != 1 || rep.ExpiredGrants[0].SubjectEmail != "ada@acme.test" || rep.ExpiredGrants[0].ScopeName != "Cats" {
			t.Errorf("expired grants %+v", rep.ExpiredGrants)
		}
		if len(rep.EmptyGroups) != 1 || rep.EmptyGroups[0].Name != "Night shift" || len(rep.EmptyGroups[0].Grants) != 1 {
			t.Errorf("empty groups %+v", rep.EmptyGroups)
		}
		// A wider window finds nothing idle.
		wide := e.key.get("/v1/orgs/acme/reports/stale-access?days=365").want(t, 200).obj(t)
		for _, m := range wide["idle_members"].([]any) {
			if m.(map[string]any)["email"] == "ada@acme.test" {
				t.Errorf("a member who signed in 31 days ago is stale at 365 days")
			}
		}

		c := e.key.get("/v1/orgs/acme/reports/stale-access?days=30&format=csv").want(t, 200)
		if ct := c.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("content type %q", ct)
		}
		body := string(c.body)
		for _, want := range []string{"kind,id,name,email,detail,last_used", "idle_member,", "ada@acme.test", "unused_key,", "forgotten",
			"expired_grant,", "dataset.editor at Cats (dataset:cats)", "empty_group_grant,", "Night shift"} {
			if !strings.Contains(body, want) {
				t.Errorf("CSV lacks %q:\n%s", want, body)
			}
		}

		e.key.get("/v1/orgs/acme/reports/stale-access?days=0").want(t, 422)
		e.key.get("/v1/orgs/acme/reports/stale-access?format=xml").want(t, 400)
		member, _ := e.member(e.key, "acme", "max@acme.test", "member")
		member.get("/v1/orgs/acme/reports/stale-access").want(t, 403)
	})
}

// A resource's owner is a member of its org: a replace cannot hand it to
// another tenant's user (whose name the audit log would then show).
func TestResourceOwnerIsOfTheOrg(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.post("/v1/orgs", map[string]any{"id": "beta", "name": "Beta"}).want(t, 201)
		_, bobID := e.member(e.owner, "beta", "bob@beta.test", "member")
		e.owner.put("/v1/orgs/acme/resources/dataset/cats", map[string]any{"name": "Cats", "owner": bobID}).want(t, 422)
		e.owner.put("/v1/orgs/acme/resources/dataset/cats", map[string]any{"name": "Cats"}).want(t, 200)
		r := e.owner.put("/v1/orgs/acme/resources/dataset/cats", map[string]any{"name": "Cats", "owner": bobID}).want(t, 422)
		if d := r.detail(t); !strings.Contains(d, "is not a member") {
			t.Errorf("replace with a stranger as owner: %q", d)
		}
		// A former member keeps what they own through a replace.
		_, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		e.owner.put("/v1/orgs/acme/resources/dataset/dogs", map[string]any{"name": "Dogs", "owner": samID}).want(t, 200)
		e.owner.delete("/v1/orgs/acme/members/"+samID).want(t, 200, 204)
		e.owner.put("/v1/orgs/acme/resources/dataset/dogs", map[string]any{"name": "Dogs v2", "owner": samID}).want(t, 200)
		body := string(e.owner.get("/v1/orgs/acme/audit").want(t, 200).body)
		if strings.Contains(body, "bob@beta.test") {
			t.Errorf("acme's audit log names a member of beta: %s", body)
		}
	})
}
