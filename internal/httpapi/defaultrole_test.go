package httpapi_test

import (
	"strings"
	"testing"
)

// Labelbox's Default role: a grant made with the default role gives each
// member it reaches their own, and follows it when it changes; changing it
// takes the power to hand out the new and the old role wherever such a
// grant reaches the member.
func TestDefaultRoleGrants(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "project:p1", nil)
		e.owner.resource(t, "acme", "project:p2", nil)
		e.owner.resource(t, "acme", "label:l1", map[string]any{"parent": "project:p1"})
		e.owner.resource(t, "acme", "label:l2", map[string]any{"parent": "project:p2"})
		rev, revID := e.member(e.owner, "acme", "rev@acme.test", "member")
		lab, labID := e.member(e.owner, "acme", "lab@acme.test", "member")
		_, newID := e.member(e.owner, "acme", "new@acme.test", "member")

		m := e.owner.patch("/v1/orgs/acme/members/"+revID, map[string]any{"default_role": "reviewer"}).want(t, 200).obj(t)
		if m["default_role"] != "reviewer" {
			t.Fatalf("default_role after PATCH = %v", m["default_role"])
		}
		e.owner.patch("/v1/orgs/acme/members/"+labID, map[string]any{"default_role": "labeler"}).want(t, 200)
		// Not a role a project assignment carries; not a role at all.
		e.owner.patch("/v1/orgs/acme/members/"+labID, map[string]any{"default_role": "admin"}).want(t, 422)
		e.owner.patch("/v1/orgs/acme/members/"+labID, map[string]any{"default_role": "no_such_role"}).want(t, 422)

		g := e.owner.post("/v1/orgs/acme/groups", map[string]any{"name": "Annotators"}).want(t, 201).str(t, "id")
		e.owner.put("/v1/orgs/acme/groups/"+g+"/members/"+revID, nil).want(t, 204)
		e.owner.put("/v1/orgs/acme/groups/"+g+"/members/"+labID, nil).want(t, 204)
		gid := e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + g, "role": "default", "scope": "project:p1"}).want(t, 201).str(t, "id")

		if !rev.allowed(t, "acme", "", "label.review", "label:l1") {
			t.Error("a member whose default role is Reviewer does not review in the group's project")
		}
		if lab.allowed(t, "acme", "", "label.review", "label:l1") || !lab.allowed(t, "acme", "", "benchmark.receive", "project:p1") {
			t.Error("a member whose default role is Labeler holds other than a Labeler's access in the group's project")
		}
		if rev.allowed(t, "acme", "", "label.review", "label:l2") {
			t.Error("the default role reaches a project the group is not assigned to")
		}
		// The grant follows the default role.
		e.owner.patch("/v1/orgs/acme/members/"+revID, map[string]any{"default_role": "labeler"}).want(t, 200)
		if rev.allowed(t, "acme", "", "label.review", "label:l1") {
			t.Error("after the default role became Labeler, the member still reviews")
		}
		e.owner.patch("/v1/orgs/acme/members/"+revID, map[string]any{"default_role": nil}).want(t, 200)
		if rev.allowed(t, "acme", "", "benchmark.receive", "project:p1") {
			t.Error("with no default role, a grant made with the default role still gives something")
		}
		e.owner.patch("/v1/orgs/acme/members/"+revID, map[string]any{"default_role": "reviewer"}).want(t, 200)

		// A manual assignment with the default role: the user needs one,
		// and it is made at a resource or a type, not the org.
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + newID, "role": "default", "scope": "project:p2"}).want(t, 409)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + g, "role": "default", "scope": "org"}).want(t, 422)

		// Lower-powered actors. A Project Lead of p2 manages p2's members,
		// but the Reviewer's default role also acts in p1: changing it is
		// refused, and so is a change by oneself.
		lead, _ := e.member(e.owner, "acme", "lead@acme.test", "member", grant("project_lead", "project:p2"))
		lead.patch("/v1/orgs/acme/members/"+revID, map[string]any{"default_role": "labeler"}).want(t, 403)
		rev.patch("/v1/orgs/acme/members/"+revID, map[string]any{"default_role": "project_lead"}).want(t, 403)
		// User management without a Reviewer's or Labeler's access: it sets
		// the default role of a member no such grant reaches yet, and not of
		// one whose default role already acts in p1.
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "people_ops", "name": "People ops", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "org.view"}, map[string]any{"id": "admin.membership.modify"}}}).want(t, 201)
		po, _ := e.member(e.owner, "acme", "po@acme.test", "people_ops")
		po.patch("/v1/orgs/acme/members/"+newID, map[string]any{"default_role": "labeler"}).want(t, 200)
		// A custom role someone has as default role is in use.
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "spotter", "name": "Spotter", "scope_type": "project",
			"permissions": []any{map[string]any{"id": "label.view"}}}).want(t, 201)
		e.owner.patch("/v1/orgs/acme/members/"+newID, map[string]any{"default_role": "spotter"}).want(t, 200)
		if d := e.owner.delete("/v1/orgs/acme/roles/spotter").want(t, 409).detail(t); !strings.Contains(d, "as default role") {
			t.Errorf("deleting a role in use as default role: %q", d)
		}
		e.owner.patch("/v1/orgs/acme/members/"+newID, map[string]any{"default_role": "labeler"}).want(t, 200)
		e.owner.delete("/v1/orgs/acme/roles/spotter").want(t, 200, 204)
		po.patch("/v1/orgs/acme/members/"+revID, map[string]any{"default_role": "labeler"}).want(t, 403)
		// Joining the group hands the joiner their default role in p1.
		po.put("/v1/orgs/acme/groups/"+g+"/members/"+newID, nil).want(t, 403)
		e.owner.put("/v1/orgs/acme/groups/"+g+"/members/"+newID, nil).want(t, 204)
		e.owner.delete("/v1/orgs/acme/groups/"+g+"/members/"+newID).want(t, 204)
		// A Team Manager of p1 may not assign the group while one of its
		// members would get Project Lead there, a role holding more than hers.
		tm, _ := e.member(e.owner, "acme", "tm@acme.test", "member", grant("team_manager", "project:p1"))
		e.owner.patch("/v1/orgs/acme/members/"+labID, map[string]any{"default_role": "project_lead"}).want(t, 200)
		e.owner.delete("/v1/orgs/acme/grants/"+gid).want(t, 200)
		tm.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + g, "role": "default", "scope": "project:p1"}).want(t, 403)
		e.owner.patch("/v1/orgs/acme/members/"+labID, map[string]any{"default_role": "labeler"}).want(t, 200)
		tm.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + g, "role": "default", "scope": "project:p1"}).want(t, 201)

		if !rev.allowed(t, "acme", "", "label.review", "label:l1") {
			t.Error("the Team Manager's assignment gives the Reviewer nothing")
		}
	})
}
