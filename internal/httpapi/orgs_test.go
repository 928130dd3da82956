package httpapi_test

import (
	"testing"
)

func TestOrganizations(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		o := e.owner.get("/v1/orgs/acme").want(t, 200).obj(t)
		hasKeys(t, "org", o, "id", "name", "scheme", "plan", "revision")
		plan := o["plan"].(map[string]any)
		hasKeys(t, "plan", plan, "name", "seat_limit")
		if o["scheme"] != "vi" || plan["seat_limit"].(float64) < 1 {
			t.Errorf("org = %v", o)
		}

		// Create: 201, the caller gets the top role.
		r := e.owner.post("/v1/orgs", map[string]any{"id": "beta-labs", "name": "Beta Labs", "scheme": "labelbox"}).want(t, 201)
		b := r.obj(t)
		if b["id"] != "beta-labs" || b["scheme"] != "labelbox" || b["revision"].(float64) < 1 {
			t.Errorf("created org = %v", b)
		}
		me := e.owner.get("/v1/me").want(t, 200).obj(t)
		if len(me["orgs"].([]any)) != 2 {
			t.Errorf("me orgs = %v", me["orgs"])
		}
		members := e.owner.get("/v1/orgs/beta-labs/members").want(t, 200).items(t)
		if len(members) != 1 || members[0]["role"] != "admin" {
			t.Errorf("labelbox creator: %v", members)
		}
		// Default scheme vi; duplicates conflict; keys cannot create orgs.
		if s := e.owner.post("/v1/orgs", map[string]any{"id": "gamma", "name": "Gamma"}).want(t, 201).str(t, "scheme"); s != "vi" {
			t.Errorf("default scheme %q", s)
		}
		e.owner.post("/v1/orgs", map[string]any{"id": "gamma", "name": "Gamma again"}).want(t, 409)
		e.key.post("/v1/orgs", map[string]any{"id": "delta", "name": "Delta"}).want(t, 403)

		// Rename: the name changes, the id never.
		r = e.owner.patch("/v1/orgs/acme", map[string]any{"name": "Acme Corp"}).want(t, 200)
		if r.str(t, "name") != "Acme Corp" || r.str(t, "id") != "acme" || r.num(t, "revision") <= int64(o["revision"].(float64)) {
			t.Errorf("renamed = %s", r.body)
		}
		e.owner.patch("/v1/orgs/acme", map[string]any{"id": "acme-2", "name": "X"}).want(t, 422)
		e.owner.patch("/v1/orgs/acme", map[string]any{"id": "acme", "name": "Acme Corp 2"}).want(t, 200)
		e.owner.get("/v1/orgs/acme-2").want(t, 404)

		// A plain member sees the org but may not rename it.
		bob, _ := e.member(e.owner, "acme", "bob@acme.test", "member")
		bob.get("/v1/orgs/acme").want(t, 200)
		bob.patch("/v1/orgs/acme", map[string]any{"name": "Bob's"}).want(t, 403)
		// ... and does not see orgs it is not in.
		bob.get("/v1/orgs/gamma").want(t, 404)
		bob.get("/v1/orgs/gamma/members").want(t, 404)
	})
}

func TestBilling(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		b := e.owner.get("/v1/orgs/acme/billing").want(t, 200).obj(t)
		hasKeys(t, "billing", b, "plan", "seat_limit", "billing_email")
		r := e.owner.patch("/v1/orgs/acme/billing", map[string]any{"plan": "enterprise", "seat_limit": 3, "billing_email": "Billing@Acme.test"}).want(t, 200)
		got := r.obj(t)
		if got["plan"] != "enterprise" || got["seat_limit"].(float64) != 3 || got["billing_email"] != "billing@acme.test" || got["revision"] == nil {
			t.Errorf("billing after patch: %v", got)
		}
		// Admins (and keys, which hold admin) have no billing.
		admin, _ := e.member(e.owner, "acme", "ada@acme.test", "admin")
		admin.get("/v1/orgs/acme/billing").want(t, 403)
		admin.patch("/v1/orgs/acme/billing", map[string]any{"plan": "free"}).want(t, 403)
		e.key.get("/v1/orgs/acme/billing").want(t, 403)
		// Seats: owner, ada, and one invitation fill 3.
		e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "c@acme.test"}).want(t, 201)
		r = e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "d@acme.test"}).want(t, 409)
		if d := r.detail(t); d == "" {
			t.Errorf("seat limit 409 without detail")
		}
		e.owner.patch("/v1/orgs/acme/billing", map[string]any{"seat_limit": 2}).want(t, 409)
		e.owner.patch("/v1/orgs/acme/billing", map[string]any{"billing_email": "nope"}).want(t, 422)
		e.owner.patch("/v1/orgs/acme/billing", map[string]any{"seat_limit": 4}).want(t, 200)
		e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "d@acme.test"}).want(t, 201)
	})
}

func TestTransferOwnership(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		ada, adaID := e.member(e.owner, "acme", "ada@acme.test", "admin")
		mem, memID := e.member(e.owner, "acme", "max@acme.test", "member")

		e.owner.post("/v1/orgs/acme/transfer-ownership", map[string]any{"user_id": memID}).want(t, 409) // not an Admin
		e.owner.post("/v1/orgs/acme/transfer-ownership", map[string]any{"user_id": "u_nobody"}).want(t, 404)
		ada.post("/v1/orgs/acme/transfer-ownership", map[string]any{"user_id": adaID}).want(t, 403) // only the Owner
		e.key.post("/v1/orgs/acme/transfer-ownership", map[string]any{"user_id": adaID}).want(t, 403)
		mem.post("/v1/orgs/acme/transfer-ownership", map[string]any{"user_id": adaID}).want(t, 403)
		// The Owner cannot be demoted or removed except by transfer.
		ada.patch("/v1/orgs/acme/members/"+e.boot.UserID, map[string]any{"role": "member"}).want(t, 403, 409)
		e.owner.patch("/v1/orgs/acme/members/"+e.boot.UserID, map[string]any{"role": "admin"}).want(t, 409)
		ada.delete("/v1/orgs/acme/members/"+e.boot.UserID).want(t, 403, 409)
		e.owner.delete("/v1/orgs/acme/members/"+e.boot.UserID).want(t, 409)
		// Nobody makes a second Owner.
		e.owner.patch("/v1/orgs/acme/members/"+adaID, map[string]any{"role": "owner"}).want(t, 403, 409)

		r := e.owner.post("/v1/orgs/acme/transfer-ownership", map[string]any{"user_id": adaID}).want(t, 200)
		if r.num(t, "revision") < 1 {
			t.Errorf("transfer: %s", r.body)
		}
		roles := map[string]string{}
		owners := 0
		for _, m := range e.owner.get("/v1/orgs/acme/members").want(t, 200).items(t) {
			roles[m["user_id"].(string)] = m["role"].(string)
			if m["role"] == "owner" {
				owners++
			}
		}
		if owners != 1 || roles[adaID] != "owner" || roles[e.boot.UserID] != "admin" {
			t.Errorf("after transfer: %v", roles)
		}
		// The new Owner has billing; the old one lost it.
		ada.get("/v1/orgs/acme/billing").want(t, 200)
		e.owner.get("/v1/orgs/acme/billing").want(t, 403)
		if !ada.allowed(t, "acme", "", "org.transfer", "") || e.owner.allowed(t, "acme", "", "org.transfer", "") {
			t.Errorf("org.transfer did not move")
		}
		// Schemes without a unique owner have no transfer.
		e.owner.post("/v1/orgs", map[string]any{"id": "lb", "name": "LB", "scheme": "labelbox"}).want(t, 201)
		e.owner.post("/v1/orgs/lb/transfer-ownership", map[string]any{"user_id": adaID}).want(t, 409, 404)
	})
}

// TestTenantIsolation: nothing of one org is visible to credentials of
// another; another org's ids answer 404, never 403.
func TestTenantIsolation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// Org B, created by another person, with its own member, key,
		// resources, team, group, grant, invitation and role.
		bea, beaID := e.member(e.owner, "acme", "bea@other.test", "member")
		bea.post("/v1/orgs", map[string]any{"id": "borg", "name": "B Org"}).want(t, 201)
		bKey := bea.post("/v1/orgs/borg/keys", map[string]any{"name": "b-key", "role": "admin"}).want(t, 201)
		bKeyID := bKey.str(t, "id")
		bKeySecret := bKey.str(t, "secret")
		bea.resource(t, "borg", "dataset:bdata", nil)
		bea.resource(t, "borg", "training:btrain", nil)
		bTeam := bea.post("/v1/orgs/borg/teams", map[string]any{"name": "B team"}).want(t, 201).str(t, "id")
		bGroup := bea.post("/v1/orgs/borg/groups", map[string]any{"name": "B group"}).want(t, 201).str(t, "id")
		bInv := bea.post("/v1/orgs/borg/invitations", map[string]any{"email": "x@other.test"}).want(t, 201).str(t, "id")
		bRole := bea.post("/v1/orgs/borg/roles", map[string]any{"id": "b_viewer", "name": "B viewer", "scope_type": "dataset",
			"permissions": []any{map[string]any{"id": "dataset.view"}}}).want(t, 201).str(t, "id")
		_, bMemberID := e.member(bea, "borg", "bart@other.test", "member")
		bGrant := bea.post("/v1/orgs/borg/grants", map[string]any{"subject": "user:" + bMemberID, "role": "dataset.viewer", "scope": "dataset:bdata"}).want(t, 201).str(t, "id")
		bk := e.as(bKeySecret)

		// Org A's Owner and key, with org B's ids, in org A's URLs: 404.
		for _, c := range []*client{e.owner, e.key} {
			for _, p := range []string{
				"/v1/orgs/acme/members/" + bMemberID,
				"/v1/orgs/acme/resources/dataset/bdata",
				"/v1/orgs/acme/resources/dataset/bdata/access",
			} {
				c.get(p).want(t, 404)
			}
			c.delete("/v1/orgs/acme/grants/"+bGrant).want(t, 404)
			c.delete("/v1/orgs/acme/keys/"+bKeyID).want(t, 404)
			c.post("/v1/orgs/acme/keys/"+bKeyID+"/rotate", map[string]any{}).want(t, 404)
			c.delete("/v1/orgs/acme/invitations/"+bInv).want(t, 404)
			c.post("/v1/orgs/acme/invitations/"+bInv+"/resend", nil).want(t, 404)
			c.delete("/v1/orgs/acme/roles/"+bRole).want(t, 404)
			c.patch("/v1/orgs/acme/teams/"+bTeam, map[string]any{"name": "mine"}).want(t, 404)
			c.delete("/v1/orgs/acme/teams/"+bTeam).want(t, 404)
			c.delete("/v1/orgs/acme/groups/"+bGroup).want(t, 404)
			c.put("/v1/orgs/acme/groups/"+bGroup+"/members/"+beaID, nil).want(t, 404)
			c.patch("/v1/orgs/acme/members/"+bMemberID, map[string]any{"role": "admin"}).want(t, 404)
			c.delete("/v1/orgs/acme/members/"+bMemberID).want(t, 404)
			c.post("/v1/orgs/acme/transfer-ownership", map[string]any{"user_id": bMemberID}).want(t, 404, 403)
			c.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + bMemberID, "role": "dataset.viewer", "scope": "dataset:*"}).want(t, 404)
			c.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + bGroup, "role": "dataset.viewer", "scope": "dataset:*"}).want(t, 404)
			c.post("/v1/orgs/acme/grants", map[string]any{"subject": "key:" + bKeyID, "role": "dataset.viewer", "scope": "dataset:*"}).want(t, 404)
			c.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + e.boot.UserID, "role": "dataset.viewer", "scope": "dataset:bdata"}).want(t, 404)
			c.post("/v1/orgs/acme/check", map[string]any{"permission": "dataset.view", "resource": "dataset:bdata"}).want(t, 404)
			c.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "dataset.view", "resource": "dataset:bdata"}).want(t, 404)
			c.put("/v1/orgs/acme/resources/dataset/child", map[string]any{"team": bTeam}).want(t, 404, 422)
		}
		// Org A's Owner is not in org B at all: everything of it is 404.
		for _, p := range []string{"/v1/orgs/borg", "/v1/orgs/borg/members", "/v1/orgs/borg/keys", "/v1/orgs/borg/audit",
			"/v1/orgs/borg/resources/dataset/bdata", "/v1/orgs/borg/roles", "/v1/orgs/borg/matrix", "/v1/orgs/borg/billing"} {
			e.owner.get(p).want(t, 404)
		}
		e.owner.post("/v1/orgs/borg/check", map[string]any{"permission": "org.view"}).want(t, 404)
		e.owner.delete("/v1/orgs/borg/grants/"+bGrant).want(t, 404)
		// Org A's key in org B, and org B's key in org A: 404.
		e.key.get("/v1/orgs/borg").want(t, 404)
		e.key.post("/v1/orgs/borg/check", map[string]any{"permission": "org.view"}).want(t, 404)
		bk.get("/v1/orgs/borg").want(t, 200)
		bk.get("/v1/orgs/acme").want(t, 404)
		bk.get("/v1/orgs/acme/members").want(t, 404)
		bk.post("/v1/orgs/acme/check", map[string]any{"permission": "org.view"}).want(t, 404)
		bk.put("/v1/orgs/acme/resources/dataset/evil", nil).want(t, 404)
		// Bea is in both; her org-B grant means nothing in A.
		if bea.allowed(t, "acme", "", "dataset.view", "") {
			t.Errorf("org-B power leaked into A")
		}
		// Subjects of org B are unknown in org A: denied, not an error.
		if e.owner.allowed(t, "acme", "user:"+bMemberID, "org.view", "") {
			t.Errorf("a member of B is allowed in A")
		}
		if e.owner.allowed(t, "acme", "key:"+bKeyID, "org.view", "") {
			t.Errorf("a key of B is allowed in A")
		}
	})
}
