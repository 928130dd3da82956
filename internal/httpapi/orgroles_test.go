package httpapi_test

import (
	"strings"
	"testing"
	"time"
)

// The member list shows every role a member holds across the org: the org
// role, then roles granted at the org, directly or through a group.
func TestMemberListOrgRoles(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		_, miaID := e.member(e.owner, "acme", "mia@acme.test", "member")
		_, leoID := e.member(e.owner, "acme", "leo@acme.test", "member")
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "finance", "name": "Finance", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "org.view"}, map[string]any{"id": "billing.view"}}}).want(t, 201)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "finance", "scope": "org"}).want(t, 201)
		gid := e.owner.post("/v1/orgs/acme/groups", map[string]any{"name": "Accounts"}).want(t, 201).str(t, "id")
		e.owner.put("/v1/orgs/acme/groups/"+gid+"/members/"+miaID, nil).want(t, 204)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + gid, "role": "finance", "scope": "org"}).want(t, 201)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + leoID, "role": "finance", "scope": "org",
			"expires_at": e.clock.Now().Add(time.Hour)}).want(t, 201)
		e.clock.Advance(2 * time.Hour)

		got := map[string]string{}
		for _, m := range e.key.get("/v1/orgs/acme/members").want(t, 200).items(t) {
			var roles []string
			for _, r := range m["org_roles"].([]any) {
				roles = append(roles, r.(string))
			}
			got[m["email"].(string)] = strings.Join(roles, ",")
		}
		for email, want := range map[string]string{"sam@acme.test": "member,finance", "mia@acme.test": "member,finance",
			"leo@acme.test": "member", ownerEmail: "owner"} {
			if got[email] != want {
				t.Errorf("%s holds %q across the org, want %q", email, got[email], want)
			}
		}
	})
}

// Teams and groups are searched by name, sorted and paged by the server.
func TestCollectionsSearchSortPage(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		for _, n := range []string{"Night shift", "day shift", "QA", "Annotators"} {
			id := e.owner.post("/v1/orgs/acme/groups", map[string]any{"name": n}).want(t, 201).str(t, "id")
			if n == "QA" {
				e.owner.put("/v1/orgs/acme/groups/"+id+"/members/"+samID, nil).want(t, 204)
			}
		}
		names := func(path string) string {
			var out []string
			for _, g := range e.owner.get(path).want(t, 200).items(t) {
				out = append(out, g["name"].(string))
			}
			return strings.Join(out, ",")
		}
		for path, want := range map[string]string{
			"/v1/orgs/acme/groups":                   "Night shift,day shift,QA,Annotators", // creation order
			"/v1/orgs/acme/groups?sort=name":         "Annotators,day shift,Night shift,QA",
			"/v1/orgs/acme/groups?sort=-name":        "QA,Night shift,day shift,Annotators",
			"/v1/orgs/acme/groups?q=SHIFT&sort=name": "day shift,Night shift",
			"/v1/orgs/acme/groups?sort=-members":     "QA,Night shift,day shift,Annotators",
			"/v1/orgs/acme/groups?sort=name&limit=3": "Annotators,day shift,Night shift",
			"/v1/orgs/acme/teams?q=anything":         "",
		} {
			if got := names(path); got != want {
				t.Errorf("GET %s: %q, want %q", path, got, want)
			}
		}
		next := e.owner.get("/v1/orgs/acme/groups?sort=name&limit=3").want(t, 200).str(t, "next_page_token")
		if got := names("/v1/orgs/acme/groups?sort=name&limit=3&page_token=" + next); got != "QA" {
			t.Errorf("second page: %q", got)
		}
		e.owner.get("/v1/orgs/acme/groups?sort=size").want(t, 400, 422)
	})
}
