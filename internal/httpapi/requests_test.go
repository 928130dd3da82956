package httpapi_test

import (
	"testing"
	"time"
)

// TestAccessRequestFlow: a member asks, the deciders see it, an approval
// makes an expiring grant and answers its id and revision; the power rule,
// self-approval, decided requests, bad input and another org's ids are
// answered with the status each deserves; every change is audited.
func TestAccessRequestFlow(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		e.owner.patch("/v1/orgs/acme/billing", map[string]any{"plan": "business"}).want(t, 200)
		mia, miaID := e.member(e.owner, "acme", "mia@acme.test", "member")
		dora, doraID := e.member(e.owner, "acme", "dora@acme.test", "member")
		max, _ := e.member(e.owner, "acme", "max@acme.test", "member")
		admin, _ := e.member(e.owner, "acme", "ada@acme.test", "admin")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + doraID, "role": "dataset.owner", "scope": "dataset:cats"}).want(t, 201)

		until := e.clock.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
		cr := mia.post("/v1/orgs/acme/access-requests", map[string]any{"role": "dataset.editor", "resource": "dataset:cats",
			"reason": "labelling the Q3 batch", "until": until}).want(t, 201)
		id := cr.str(t, "id")
		if v := cr.obj(t); v["state"] != "pending" || v["user_id"] != miaID || v["can_decide"] != false {
			t.Errorf("created request %s", cr.body)
		}
		mia.post("/v1/orgs/acme/access-requests", map[string]any{"role": "dataset.editor", "resource": "dataset:cats"}).want(t, 409)
		for _, b := range []map[string]any{
			{"role": "dataset.god", "resource": "dataset:cats"},
			{"role": "admin", "resource": "dataset:cats"},
			{"role": "dataset.viewer", "resource": "cats"},
			{"role": "dataset.viewer", "resource": "dataset:cats", "until": "2001-01-01T00:00:00Z"},
		} {
			mia.post("/v1/orgs/acme/access-requests", b).want(t, 422)
		}
		mia.post("/v1/orgs/acme/access-requests", map[string]any{"role": "dataset.viewer", "resource": "dataset:nope"}).want(t, 404)
		mia.post("/v1/orgs/acme/access-requests", map[string]any{"role": 7}).want(t, 400)
		e.key.post("/v1/orgs/acme/access-requests", map[string]any{"role": "dataset.viewer", "resource": "dataset:cats"}).want(t, 403)
		mia.get("/v1/orgs/acme/access-requests?state=open").want(t, 400)
		mia.get("/v1/orgs/acme/access-requests?resource=cats").want(t, 400)

		if got := dora.get("/v1/orgs/acme/access-requests?state=pending").want(t, 200).items(t); len(got) != 1 || got[0]["can_decide"] != true {
			t.Errorf("the dataset's owner's list %v", got)
		}
		if got := max.get("/v1/orgs/acme/access-requests").want(t, 200).items(t); len(got) != 0 {
			t.Errorf("another member sees %v", got)
		}
		max.get("/v1/orgs/acme/access-requests/"+id).want(t, 403)
		mia.get("/v1/orgs/acme/access-requests/"+id).want(t, 200)

		// Nobody approves their own, or more than they could grant: in vi a
		// dataset's Owner cannot grant, so she may deny but not approve.
		mia.post("/v1/orgs/acme/access-requests/"+id+"/approve", nil).want(t, 403)
		dora.post("/v1/orgs/acme/access-requests/"+id+"/approve", nil).want(t, 403)
		max.post("/v1/orgs/acme/access-requests/"+id+"/deny", nil).want(t, 403)
		max.post("/v1/orgs/acme/access-requests/"+id+"/withdraw", nil).want(t, 403)

		ap := admin.post("/v1/orgs/acme/access-requests/"+id+"/approve", map[string]any{"note": "ok"}).want(t, 200)
		v := ap.obj(t)
		if v["state"] != "approved" || v["grant"] == nil || ap.num(t, "revision") == 0 || v["grant_expires_at"] == nil {
			t.Fatalf("approval %s", ap.body)
		}
		if ends, _ := time.Parse(time.RFC3339Nano, v["grant_expires_at"].(string)); !ends.Equal(until) {
			t.Errorf("the grant ends %v, want the asked %v", ends, until)
		}
		if !mia.allowed(t, "acme", "", "dataset.annotate", "dataset:cats") {
			t.Error("mia should annotate cats once approved")
		}
		admin.post("/v1/orgs/acme/access-requests/"+id+"/approve", nil).want(t, 409)
		mia.post("/v1/orgs/acme/access-requests/"+id+"/withdraw", nil).want(t, 409)
		e.clock.Advance(11 * 24 * time.Hour)
		// Sessions end while the days pass.
		mia = e.login("mia@acme.test", memberPassword("mia@acme.test"))
		dora = e.login("dora@acme.test", memberPassword("dora@acme.test"))
		e.owner = e.login(ownerEmail, ownerPassword)
		if mia.allowed(t, "acme", "", "dataset.annotate", "dataset:cats") {
			t.Error("the approved grant should end when asked")
		}

		// Deny and withdraw.
		d := mia.post("/v1/orgs/acme/access-requests", map[string]any{"role": "dataset.viewer", "resource": "dataset:cats"}).want(t, 201).str(t, "id")
		w := mia.post("/v1/orgs/acme/access-requests", map[string]any{"role": "admin", "resource": "org"}).want(t, 201).str(t, "id")
		if v := dora.post("/v1/orgs/acme/access-requests/"+d+"/deny", map[string]any{"note": "viewer comes with the team"}).want(t, 200).obj(t); v["state"] != "denied" {
			t.Errorf("denied %v", v)
		}
		dora.post("/v1/orgs/acme/access-requests/"+w+"/deny", nil).want(t, 403) // not on her dataset
		if v := mia.post("/v1/orgs/acme/access-requests/"+w+"/withdraw", nil).want(t, 200).obj(t); v["state"] != "withdrawn" {
			t.Errorf("withdrawn %v", v)
		}
		if got := e.owner.get("/v1/orgs/acme/access-requests?user="+miaID).want(t, 200).items(t); len(got) != 3 {
			t.Errorf("mia's requests %v", got)
		}

		// Another org's request is not found here.
		e.owner.post("/v1/orgs", map[string]any{"id": "other", "name": "Other"}).want(t, 201)
		oid := e.owner.post("/v1/orgs/other/access-requests", map[string]any{"role": "admin", "resource": "org"}).want(t, 201).str(t, "id")
		for _, path := range []string{"", "/approve", "/deny", "/withdraw"} {
			method := "POST"
			if path == "" {
				method = "GET"
			}
			e.owner.do(method, "/v1/orgs/acme/access-requests/"+oid+path, nil).want(t, 404)
		}

		acts := map[string]int{}
		for _, ev := range e.owner.get("/v1/orgs/acme/audit?limit=500").want(t, 200).items(t) {
			acts[ev["action"].(string)]++
		}
		if acts["request.create"] != 3 || acts["request.approve"] != 1 || acts["request.deny"] != 1 || acts["request.withdraw"] != 1 {
			t.Errorf("audit %v", acts)
		}
	})
}
