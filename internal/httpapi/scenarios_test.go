package httpapi_test

import (
	"slices"
	"testing"
	"time"
)

// TestSeed002UseCases plays the use cases of seed 002 (Datature Vi "Team
// Settings") over HTTP: contractor, team lead, read-only stakeholder and
// access audit.
func TestSeed002UseCases(t *testing.T) {
	runWith(t, envOptions{sessions: 90 * 24 * time.Hour}, func(t *testing.T, e *env) {
		for _, ref := range []string{"dataset:cats", "dataset:dogs", "dataset:secret", "training:yolo", "training:rcnn"} {
			e.owner.resource(t, "acme", ref, nil)
		}
		// An Admin runs the team.
		adam, adamID := e.member(e.owner, "acme", "adam@acme.test", "admin")

		// Contractor: Member + Editor on specific datasets, invited and
		// accepted; a time-boxed grant for the contract's end.
		carla, carlaID := e.member(adam, "acme", "carla@contractor.test", "member",
			grant("dataset.editor", "dataset:cats"), grant("dataset.editor", "dataset:dogs"))
		contractEnd := e.clock.Now().Add(30 * 24 * time.Hour).UTC()
		adam.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + carlaID, "role": "dataset.editor",
			"scope": "dataset:secret", "expires_at": contractEnd.Format(time.RFC3339)}).want(t, 201)
		for _, c := range []struct {
			perm, res string
			want      bool
		}{
			{"dataset.view", "dataset:cats", true},
			{"dataset.upload", "dataset:cats", true},
			{"dataset.annotate", "dataset:dogs", true},
			{"dataset.annotate", "dataset:secret", true},
			{"dataset.delete_images", "dataset:cats", false},
			{"dataset.settings", "dataset:cats", false},
			{"dataset.delete", "dataset:dogs", false},
			{"training.view", "training:yolo", false},
			{"members.view", "", true},
			{"members.manage", "", false},
			{"keys.manage", "", false},
			{"datasets.create", "", false},
			{"billing.view", "", false},
		} {
			if got := carla.allowed(t, "acme", "", c.perm, c.res); got != c.want {
				t.Errorf("contractor %s on %q = %v, want %v", c.perm, c.res, got, c.want)
			}
		}
		// The contract ends: the time-boxed grant is denied at once.
		e.clock.Advance(31 * 24 * time.Hour)
		if carla.allowed(t, "acme", "", "dataset.annotate", "dataset:secret") {
			t.Errorf("expired grant still allows")
		}
		if !carla.allowed(t, "acme", "", "dataset.annotate", "dataset:cats") {
			t.Errorf("a grant without expiry expired")
		}
		// The contractor leaves: removed, denied at once, the work stays.
		e.owner.resource(t, "acme", "dataset:carla_work", map[string]any{"owner": carlaID})
		adam.delete("/v1/orgs/acme/members/"+carlaID).want(t, 200)
		if adam.allowed(t, "acme", "user:"+carlaID, "dataset.view", "dataset:cats") {
			t.Errorf("removed contractor still allowed")
		}
		if o := adam.get("/v1/orgs/acme/resources/dataset/carla_work").want(t, 200).obj(t)["owner"]; o != carlaID {
			t.Errorf("contractor's work owner %v", o)
		}

		// Team lead: Admin + All Datasets / All Trainings as Owner; no billing.
		tina, tinaID := e.member(e.owner, "acme", "tina@acme.test", "admin",
			grant("dataset.owner", "dataset:*"), grant("training.owner", "training:*"))
		for _, c := range []struct {
			perm, res string
			want      bool
		}{
			{"dataset.delete", "dataset:secret", true},
			{"dataset.settings", "dataset:cats", true},
			{"training.deploy", "training:yolo", true},
			{"training.delete", "training:rcnn", true},
			{"members.manage", "", true},
			{"keys.manage", "", true},
			{"trainings.create", "", true},
			{"billing.view", "", false},
			{"billing.manage", "", false},
			{"org.transfer", "", false},
		} {
			if got := tina.allowed(t, "acme", "", c.perm, c.res); got != c.want {
				t.Errorf("team lead %s on %q = %v, want %v", c.perm, c.res, got, c.want)
			}
		}
		// New datasets are covered at once.
		e.owner.resource(t, "acme", "dataset:fresh", nil)
		if !tina.allowed(t, "acme", "", "dataset.delete", "dataset:fresh") {
			t.Errorf("All Datasets does not cover a new dataset")
		}
		tina.get("/v1/orgs/acme/billing").want(t, 403)

		// Read-only stakeholder: Member + Viewer on what they monitor.
		sam, samID := e.member(tina, "acme", "sam@acme.test", "member",
			grant("dataset.viewer", "dataset:cats"), grant("training.viewer", "training:yolo"))
		for _, c := range []struct {
			perm, res string
			want      bool
		}{
			{"dataset.view", "dataset:cats", true},
			{"dataset.upload", "dataset:cats", false},
			{"dataset.annotate", "dataset:cats", false},
			{"dataset.view", "dataset:dogs", false},
			{"training.view", "training:yolo", true},
			{"training.run", "training:yolo", false},
			{"training.export", "training:yolo", false},
			{"training.view", "training:rcnn", false},
		} {
			if got := sam.allowed(t, "acme", "", c.perm, c.res); got != c.want {
				t.Errorf("stakeholder %s on %q = %v, want %v", c.perm, c.res, got, c.want)
			}
		}
		sam.put("/v1/orgs/acme/resources/dataset/cats", map[string]any{"name": "mine now"}).want(t, 403)

		// Access audit: what a member can access...
		d := e.owner.get("/v1/orgs/acme/members/"+samID).want(t, 200).obj(t)
		access := d["access"].(map[string]any)
		var ds, tr []string
		for _, a := range access["dataset"].([]any) {
			ds = append(ds, a.(map[string]any)["id"].(string)+"="+a.(map[string]any)["role"].(string))
		}
		for _, a := range access["training"].([]any) {
			tr = append(tr, a.(map[string]any)["id"].(string)+"="+a.(map[string]any)["role"].(string))
		}
		if !slices.Equal(ds, []string{"cats=dataset.viewer"}) || !slices.Equal(tr, []string{"yolo=training.viewer"}) {
			t.Errorf("stakeholder's access: datasets %v, trainings %v", ds, tr)
		}
		td := e.owner.get("/v1/orgs/acme/members/"+tinaID).want(t, 200).obj(t)
		if len(td["grants"].([]any)) != 2 {
			t.Errorf("team lead's grants %v", td["grants"])
		}
		// ... and who can access a sensitive dataset, through what.
		who := map[string]bool{}
		for _, a := range e.owner.get("/v1/orgs/acme/resources/dataset/cats/access").want(t, 200).items(t) {
			who[a["subject"].(string)] = true
		}
		for _, s := range []string{"user:" + e.boot.UserID, "user:" + adamID, "user:" + tinaID, "user:" + samID} {
			if !who[s] {
				t.Errorf("access of cats lacks %s: %v", s, who)
			}
		}
		if who["user:"+carlaID] {
			t.Errorf("removed contractor still listed")
		}
		subs := map[string]bool{}
		for _, x := range tina.post("/v1/orgs/acme/lookup/subjects", map[string]any{"permission": "dataset.view", "resource": "dataset:secret"}).want(t, 200).obj(t)["items"].([]any) {
			subs[x.(map[string]any)["subject"].(string)] = true
		}
		if subs["user:"+samID] || !subs["user:"+tinaID] {
			t.Errorf("who can view secret: %v", subs)
		}
	})
}

// TestDeepomaticTeamSegregation: a Team Admin manages its own team only,
// never another team's work orders nor an org-level role.
func TestDeepomaticTeamSegregation(t *testing.T) {
	runWith(t, envOptions{scheme: "deepomatic"}, func(t *testing.T, e *env) {
		north := e.owner.post("/v1/orgs/acme/teams", map[string]any{"name": "North"}).want(t, 201).str(t, "id")
		south := e.owner.post("/v1/orgs/acme/teams", map[string]any{"name": "South"}).want(t, 201).str(t, "id")
		e.owner.resource(t, "acme", "work_order:wo_n1", map[string]any{"team": north})
		e.owner.resource(t, "acme", "work_order:wo_s1", map[string]any{"team": south})
		e.owner.resource(t, "acme", "work_order:wo_free", nil)

		ta, taID := e.member(e.owner, "acme", "ta@acme.test", "member", grant("team_admin", "team:"+north))
		e.owner.put("/v1/orgs/acme/teams/"+north+"/members/"+taID, nil).want(t, 204)

		// Work orders of its own team only.
		if !ta.allowed(t, "acme", "", "work_order.write", "work_order:wo_n1") {
			t.Errorf("team admin cannot write its team's work order")
		}
		for _, wo := range []string{"work_order:wo_s1", "work_order:wo_free"} {
			if ta.allowed(t, "acme", "", "work_order.read", wo) {
				t.Errorf("team admin reads %s", wo)
			}
		}
		ta.get("/v1/orgs/acme/resources/work_order/wo_n1").want(t, 200)
		ta.get("/v1/orgs/acme/resources/work_order/wo_s1").want(t, 404)
		ta.delete("/v1/orgs/acme/resources/work_order/wo_s1").want(t, 404)
		ta.resource(t, "acme", "work_order:wo_n2", map[string]any{"team": north})
		ta.put("/v1/orgs/acme/resources/work_order/wo_s2", map[string]any{"team": south}).want(t, 403)
		ta.put("/v1/orgs/acme/resources/work_order/wo_free2", nil).want(t, 403)
		var got []string
		for _, x := range ta.post("/v1/orgs/acme/lookup/resources", map[string]any{"permission": "work_order.read", "type": "work_order"}).want(t, 200).obj(t)["items"].([]any) {
			got = append(got, x.(string))
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"wo_n1", "wo_n2"}) {
			t.Errorf("team admin's work orders %v", got)
		}

		// Team-level roles in its own team: yes; elsewhere or org-level: no.
		op, opID := e.member(ta, "acme", "op@acme.test", "member", grant("team_operator", "team:"+north))
		ta.put("/v1/orgs/acme/teams/"+north+"/members/"+opID, nil).want(t, 204)
		// Channels: a team operator works from the back-office only.
		for ch, want := range map[string]bool{"backoffice": true, "mobile": false, "": false} {
			body := map[string]any{"permission": "work_order.read", "resource": "work_order:wo_n1"}
			if ch != "" {
				body["context"] = map[string]any{"channel": ch}
			}
			r := op.post("/v1/orgs/acme/check", body).want(t, 200).obj(t)
			if r["allowed"] != want {
				t.Errorf("team operator from %q: %v", ch, r)
			}
		}
		r := op.post("/v1/orgs/acme/check/batch", map[string]any{"checks": []any{
			map[string]any{"permission": "work_order.write", "resource": "work_order:wo_n1", "context": map[string]any{"channel": "backoffice"}},
			map[string]any{"permission": "work_order.write", "resource": "work_order:wo_s1", "context": map[string]any{"channel": "backoffice"}},
		}}).want(t, 200).obj(t)
		res := r["results"].([]any)
		if res[0].(map[string]any)["allowed"] != true || res[1].(map[string]any)["allowed"] != false {
			t.Errorf("batch with channels %v", res)
		}
		ta.put("/v1/orgs/acme/teams/"+south+"/members/"+opID, nil).want(t, 403)
		ta.post("/v1/orgs/acme/invitations", map[string]any{"email": "x@acme.test", "grants": []any{grant("team_operator", "team:"+south)}}).want(t, 403)
		ta.post("/v1/orgs/acme/invitations", map[string]any{"email": "y@acme.test", "role": "operator_manager"}).want(t, 403)
		ta.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + opID, "role": "team_operator_manager", "scope": "team:" + north}).want(t, 201)
		ta.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + opID, "role": "team_operator", "scope": "team:" + south}).want(t, 403)
		ta.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + opID, "role": "operator", "scope": "org"}).want(t, 403)
		ta.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + opID, "role": "org_admin", "scope": "org"}).want(t, 403)
		ta.patch("/v1/orgs/acme/members/"+opID, map[string]any{"role": "operator_manager"}).want(t, 403)
		ta.post("/v1/orgs/acme/teams", map[string]any{"name": "Mine"}).want(t, 403)
		ta.delete("/v1/orgs/acme/teams/"+north).want(t, 403)
		ta.get("/v1/orgs/acme/audit").want(t, 403)

	})
}

// TestLabelboxOwnOnly: a labeler sees and changes only its own labels,
// and labels in the rework step.
func TestLabelboxOwnOnly(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "project:p1", nil)
		e.owner.resource(t, "acme", "project:p2", nil)
		g := e.owner.post("/v1/orgs/acme/groups", map[string]any{"name": "Labelers"}).want(t, 201).str(t, "id")
		lab1, lab1ID := e.member(e.owner, "acme", "lab1@acme.test", "member")
		_, lab2ID := e.member(e.owner, "acme", "lab2@acme.test", "member")
		for _, id := range []string{lab1ID, lab2ID} {
			e.owner.put("/v1/orgs/acme/groups/"+g+"/members/"+id, nil).want(t, 204)
		}
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + g, "role": "labeler", "scope": "project:p1"}).want(t, 201)
		e.owner.resource(t, "acme", "label:l1a", map[string]any{"parent": "project:p1", "owner": lab1ID, "attributes": map[string]string{"task": "label"}})
		e.owner.resource(t, "acme", "label:l1b", map[string]any{"parent": "project:p1", "owner": lab2ID, "attributes": map[string]string{"task": "review"}})
		e.owner.resource(t, "acme", "label:l1r", map[string]any{"parent": "project:p1", "owner": lab2ID, "attributes": map[string]string{"task": "rework"}})
		e.owner.resource(t, "acme", "label:l2a", map[string]any{"parent": "project:p2", "owner": lab1ID, "attributes": map[string]string{"task": "label"}})

		for _, c := range []struct {
			perm, res string
			want      bool
		}{
			{"label.view", "label:l1a", true},
			{"label.write", "label:l1a", true},
			{"label.view", "label:l1b", false},
			{"label.write", "label:l1b", false},
			{"label.write", "label:l1r", true}, // rework opens write...
			{"label.view", "label:l1r", true},  // ... and view: never write without view
			{"label.review", "label:l1a", false},
			{"label.delete", "label:l1a", false},
			{"label.view", "label:l2a", false}, // own, but another project
		} {
			if got := lab1.allowed(t, "acme", "", c.perm, c.res); got != c.want {
				t.Errorf("labeler %s on %s = %v, want %v", c.perm, c.res, got, c.want)
			}
		}
		// The reason names the group and the condition.
		r := lab1.post("/v1/orgs/acme/check", map[string]any{"permission": "label.view", "resource": "label:l1a"}).want(t, 200).obj(t)
		if reason := r["reason"].(map[string]any); reason["via"] != "group:"+g || reason["role"] != "labeler" {
			t.Errorf("reason %v", reason)
		}
		// A labeler registers labels it owns, never someone else's.
		lab1.resource(t, "acme", "label:l1new", map[string]any{"parent": "project:p1", "attributes": map[string]string{"task": "label"}})
		lab1.put("/v1/orgs/acme/resources/label/l1forged", map[string]any{"parent": "project:p1", "owner": lab2ID}).want(t, 403)
		var got []string
		for _, x := range lab1.post("/v1/orgs/acme/lookup/resources", map[string]any{"permission": "label.view", "type": "label"}).want(t, 200).obj(t)["items"].([]any) {
			got = append(got, x.(string))
		}
		slices.Sort(got)
		if !slices.Equal(got, []string{"l1a", "l1new", "l1r"}) {
			t.Errorf("labeler's visible labels %v", got)
		}
		// Leaving the group ends it at once.
		e.owner.delete("/v1/orgs/acme/groups/"+g+"/members/"+lab1ID).want(t, 204)
		if lab1.allowed(t, "acme", "", "label.view", "label:l1a") {
			t.Errorf("access outlives group membership")
		}
	})
}
