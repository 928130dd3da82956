package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

type reviewItem struct {
	ID       string `json:"id"`
	UserID   string `json:"user_id"`
	Email    string `json:"email"`
	Kind     string `json:"kind"`
	Grant    string `json:"grant"`
	Role     string `json:"role"`
	Scope    string `json:"scope"`
	Via      string `json:"via"`
	Decision string `json:"decision"`
	Outcome  string `json:"outcome"`
}

// reviewItems reads every item of a review, a page of two at a time, so
// that paging is walked too.
func reviewItems(t *testing.T, c *client, org, id string) []reviewItem {
	t.Helper()
	var all []reviewItem
	token := ""
	for range 100 {
		r := c.get("/v1/orgs/"+org+"/access-reviews/"+id+"/items?limit=2&page_token="+token).want(t, 200)
		var page struct {
			Items []reviewItem `json:"items"`
			Next  string       `json:"next_page_token"`
		}
		if err := json.Unmarshal(r.body, &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > 2 {
			t.Fatalf("a page of %d items at limit 2", len(page.Items))
		}
		all = append(all, page.Items...)
		if token = page.Next; token == "" {
			return all
		}
	}
	t.Fatal("items never end")
	return nil
}

func findItem(items []reviewItem, email, kind, via string) (reviewItem, bool) {
	for _, it := range items {
		if it.Email == email && it.Kind == kind && (via == "" || it.Via == via) {
			return it, true
		}
	}
	return reviewItem{}, false
}

func TestAccessReviewFlow(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for _, ref := range []string{"dataset:cats", "dataset:dogs"} {
			e.owner.resource(t, "acme", ref, nil)
		}
		ada, adaID := e.member(e.owner, "acme", "ada@acme.test", "member")
		bob, bobID := e.member(e.owner, "acme", "bob@acme.test", "admin")
		carol, carolID := e.member(e.owner, "acme", "carol@acme.test", "member")
		dana, danaID := e.member(e.owner, "acme", "dana@acme.test", "member")
		gid := e.owner.post("/v1/orgs/acme/groups", map[string]any{"name": "Labelers"}).want(t, 201).str(t, "id")
		e.owner.put("/v1/orgs/acme/groups/"+gid+"/members/"+adaID, nil).want(t, 204)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + gid, "role": "dataset.editor", "scope": "dataset:cats"}).want(t, 201)
		carolGrant := e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + carolID, "role": "dataset.viewer", "scope": "dataset:dogs"}).want(t, 201).str(t, "id")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + danaID, "role": "dataset.owner", "scope": "dataset:cats"}).want(t, 201)

		due := e.clock.Now().Add(7 * 24 * time.Hour)
		cr := e.owner.post("/v1/orgs/acme/access-reviews", map[string]any{"name": "Q3 access", "due_at": due}).want(t, 201)
		rid := cr.str(t, "id")
		created := cr.obj(t)
		if created["revision"] == nil || created["overdue"] != false || created["state"] != "open" || created["undecided"] != "keep" {
			t.Errorf("created review %s", cr.body)
		}
		reviewers := map[string]bool{}
		for _, r := range created["reviewers"].([]any) {
			reviewers[r.(string)] = true
		}
		if !reviewers[bobID] || reviewers[adaID] || len(reviewers) != 2 {
			t.Errorf("default reviewers %v: want the user managers (the Owner and bob)", created["reviewers"])
		}

		items := reviewItems(t, e.owner, "acme", rid)
		adaGroup, ok := findItem(items, "ada@acme.test", "grant", "group:"+gid)
		if !ok || adaGroup.Role != "dataset.editor" || adaGroup.Scope != "dataset:cats" {
			t.Errorf("no item for ada's access through the group: %+v", items)
		}
		carolItem, ok := findItem(items, "carol@acme.test", "grant", "direct")
		if !ok || carolItem.Grant != carolGrant {
			t.Errorf("no item for carol's direct grant: %+v", items)
		}
		bobRole, ok := findItem(items, "bob@acme.test", "org_role", "membership")
		if !ok || bobRole.Role != "admin" {
			t.Errorf("no item for bob's org role: %+v", items)
		}
		for _, email := range []string{"ada@acme.test", "carol@acme.test", "dana@acme.test"} {
			if _, ok := findItem(items, email, "org_role", ""); !ok {
				t.Errorf("no org-role item for %s", email)
			}
		}

		// Only reviewers decide, and see the review.
		decide := func(c *client, id, item, decision, note string) *response {
			return c.post("/v1/orgs/acme/access-reviews/"+id+"/items/"+item+"/decision", map[string]any{"decision": decision, "note": note})
		}
		decide(carol, rid, adaGroup.ID, "keep", "").want(t, 403)
		carol.get("/v1/orgs/acme/access-reviews/"+rid).want(t, 403)
		decide(e.owner, rid, adaGroup.ID, "maybe", "").want(t, 400)
		decide(e.owner, rid, "ri_nothing", "keep", "").want(t, 404)

		// A dataset's Owner reviews their dataset: what reaches it only.
		dr := dana.post("/v1/orgs/acme/access-reviews", map[string]any{"name": "Cats", "due_at": due, "scope": "dataset:cats",
			"reviewers": []string{danaID}}).want(t, 201).str(t, "id")
		carol.post("/v1/orgs/acme/access-reviews", map[string]any{"name": "Cats", "due_at": due, "scope": "dataset:cats"}).want(t, 403)
		carol.post("/v1/orgs/acme/access-reviews", map[string]any{"name": "All", "due_at": due}).want(t, 403)
		scoped := reviewItems(t, dana, "acme", dr)
		if _, ok := findItem(scoped, "ada@acme.test", "grant", "group:"+gid); !ok {
			t.Errorf("the dataset's review lacks ada's group access: %+v", scoped)
		}
		if _, ok := findItem(scoped, "carol@acme.test", "grant", ""); ok {
			t.Errorf("the dataset's review has carol's grant on another dataset: %+v", scoped)
		}
		if _, ok := findItem(scoped, "carol@acme.test", "org_role", ""); ok {
			t.Errorf("the dataset's review has a Member's org role, which reaches no dataset: %+v", scoped)
		}
		danaBob, ok := findItem(scoped, "bob@acme.test", "org_role", "")
		if !ok {
			t.Fatalf("the dataset's review lacks the Admin's org role, which reaches every dataset: %+v", scoped)
		}
		// She may keep it, never revoke what she could not revoke herself.
		decide(dana, dr, danaBob.ID, "revoke", "").want(t, 403)
		decide(dana, dr, danaBob.ID, "keep", "needed").want(t, 200)
		bob.get("/v1/orgs/acme/access-reviews/"+dr).want(t, 200)   // not a reviewer, but a user manager
		carol.get("/v1/orgs/acme/access-reviews/"+dr).want(t, 403) // neither
		_ = ada

		// The Owner's decisions; carol's grant goes before the close.
		d := decide(e.owner, rid, adaGroup.ID, "revoke", "moved to the dogs team").want(t, 200)
		if d.num(t, "revision") == 0 || d.str(t, "decision") != "revoke" {
			t.Errorf("decision answer %s", d.body)
		}
		decide(bob, rid, carolItem.ID, "revoke", "").want(t, 200)
		decide(e.owner, rid, bobRole.ID, "revoke", "no longer administers").want(t, 200)
		e.owner.delete("/v1/orgs/acme/grants/"+carolGrant).want(t, 200)

		// Another org's review is not found here.
		e.owner.post("/v1/orgs", map[string]any{"id": "other", "name": "Other"}).want(t, 201)
		oid := e.owner.post("/v1/orgs/other/access-reviews", map[string]any{"name": "Theirs", "due_at": due}).want(t, 201).str(t, "id")
		e.owner.get("/v1/orgs/acme/access-reviews/"+oid).want(t, 404)
		e.owner.get("/v1/orgs/acme/access-reviews/"+oid+"/items").want(t, 404)
		e.owner.post("/v1/orgs/acme/access-reviews/"+oid+"/close", nil).want(t, 404)
		bob.get("/v1/orgs/other/access-reviews/"+oid).want(t, 404)

		// Sessions end while a week passes; the Admin key reads on.
		e.clock.Advance(8 * 24 * time.Hour)
		if v := e.key.get("/v1/orgs/acme/access-reviews/"+rid).want(t, 200).obj(t); v["overdue"] != true || v["decided"] != float64(3) {
			t.Errorf("a review past its due date: %v", v)
		}
		listed := e.key.get("/v1/orgs/acme/access-reviews").want(t, 200).items(t)
		if len(listed) != 2 || listed[0]["id"] != dr || listed[1]["overdue"] != true {
			t.Errorf("review list %v", listed)
		}

		cl := e.key.post("/v1/orgs/acme/access-reviews/"+rid+"/close", nil).want(t, 200)
		res := cl.obj(t)
		rev := cl.num(t, "revision")
		if res["revoked"] != float64(2) || res["gone"] != float64(1) || rev == 0 {
			t.Errorf("close %s: want ada's group access and bob's role revoked, carol's grant gone", cl.body)
		}
		if e.key.allowed(t, "acme", "user:"+adaID, "dataset.annotate", "dataset:cats") {
			t.Errorf("ada still annotates cats after the review revoked her group access")
		}
		if role := e.key.get("/v1/orgs/acme/members/"+bobID).want(t, 200).str(t, "role"); role != "member" {
			t.Errorf("bob's role after the review: %s, want member", role)
		}
		after := reviewItems(t, e.key, "acme", rid)
		for _, it := range after {
			want := "kept"
			switch it.ID {
			case adaGroup.ID, bobRole.ID:
				want = "revoked"
			case carolItem.ID:
				want = "gone"
			}
			if it.Outcome != want {
				t.Errorf("item %s (%s %s): outcome %q, want %q", it.ID, it.Email, it.Role, it.Outcome, want)
			}
		}

		// Read-only from now on.
		decide(e.key, rid, adaGroup.ID, "keep", "").want(t, 409)
		e.key.post("/v1/orgs/acme/access-reviews/"+rid+"/close", nil).want(t, 409)
		if v := e.key.get("/v1/orgs/acme/access-reviews/"+rid).want(t, 200).obj(t); v["overdue"] != false || v["state"] != "closed" {
			t.Errorf("a closed review: %v", v)
		}

		ev := e.key.get("/v1/orgs/acme/access-reviews/"+rid+"/evidence").want(t, 200)
		var evidence struct {
			Decisions []struct {
				Item, Decision, Note, DecidedBy string
			} `json:"decisions"`
			SignedOff *struct {
				By       string `json:"by"`
				Revision int64  `json:"revision"`
			} `json:"signed_off"`
		}
		if err := json.Unmarshal(ev.body, &evidence); err != nil {
			t.Fatal(err)
		}
		if evidence.SignedOff == nil || evidence.SignedOff.Revision != rev || len(evidence.Decisions) != 3 ||
			evidence.Decisions[0].Note != "moved to the dogs team" {
			t.Errorf("evidence %s", ev.body)
		}
		csv := e.key.get("/v1/orgs/acme/access-reviews/"+rid+"/evidence?format=csv").want(t, 200)
		if ct := csv.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("content type %q", ct)
		}
		for _, want := range []string{"item,user_id,name,email,kind,role,scope,via,decision,note,decided_by,decided_at,outcome",
			"ada@acme.test", "moved to the dogs team", ",revoked", ",gone", "signed_off"} {
			if !strings.Contains(string(csv.body), want) {
				t.Errorf("CSV lacks %q:\n%s", want, csv.body)
			}
		}
		e.key.get("/v1/orgs/acme/access-reviews/"+rid+"/evidence?format=xml").want(t, 400)

		audit := e.key.get("/v1/orgs/acme/audit?limit=20").want(t, 200).items(t)
		closed := false
		for _, a := range audit {
			closed = closed || a["action"] == "review.close" && a["target"] == "review:"+rid
		}
		if !closed {
			t.Errorf("no review.close event in the audit log")
		}

		// Bad input.
		e.key.post("/v1/orgs/acme/access-reviews", map[string]any{"name": "", "due_at": due}).want(t, 422)
		e.key.post("/v1/orgs/acme/access-reviews", map[string]any{"name": "x", "due_at": due, "scope": "dataset:nope"}).want(t, 404)
		e.key.post("/v1/orgs/acme/access-reviews", map[string]any{"name": "x", "due_at": due, "reviewers": []string{"u_nobody"}}).want(t, 422)
	})
}

// TestAccessReviewUndecidedRevoke: a review that revokes what nobody
// decided ends that access at close, except what the closer may not end
// (the Owner's own role), which is recorded as refused.
func TestAccessReviewUndecidedRevoke(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		_, adaID := e.member(e.owner, "acme", "ada@acme.test", "member")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + adaID, "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		rid := e.owner.post("/v1/orgs/acme/access-reviews", map[string]any{"name": "Strict", "due_at": e.clock.Now().Add(time.Hour),
			"undecided": "revoke", "scope": "dataset:cats"}).want(t, 201).str(t, "id")
		res := e.owner.post("/v1/orgs/acme/access-reviews/"+rid+"/close", nil).want(t, 200).obj(t)
		if res["revoked"] != float64(1) {
			t.Errorf("close %v: want ada's undecided grant revoked", res)
		}
		if e.owner.allowed(t, "acme", "user:"+adaID, "dataset.view", "dataset:cats") {
			t.Errorf("ada still views cats")
		}
		for _, it := range reviewItems(t, e.owner, "acme", rid) {
			if it.Kind == "org_role" && it.Outcome != "refused" {
				t.Errorf("org role %s of %s: outcome %q, want refused (the top role and the Admin key's role are not the closer's to end)", it.Role, it.Email, it.Outcome)
			}
		}
	})
}
