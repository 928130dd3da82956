package httpapi_test

import (
	"strings"
	"testing"
	"time"
)

// TestApprovalGateFlow: vi gates training.export; a check for it is denied
// with a reason saying approval is needed, allowed after the project's
// owner approves (the reason naming the approval), and denied again once
// the window runs out. Bad input is a 400 problem, and every write is
// audited under its action's name.
func TestApprovalGateFlow(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "training:resnet", nil)
		lead, leadID := e.member(e.owner, "acme", "lead@acme.test", "member", grant("training.owner", "training:resnet"))
		dev, devID := e.member(e.owner, "acme", "dev@acme.test", "member", grant("training.editor", "training:resnet"))

		e.owner.put("/v1/orgs/acme/approval-gates/members.manage", map[string]any{"approver_role": "owner"}).want(t, 400)
		e.owner.put("/v1/orgs/acme/approval-gates/nope.nope", map[string]any{"approver_role": "owner"}).want(t, 400)
		e.owner.put("/v1/orgs/acme/approval-gates/training.export", map[string]any{"approver_role": "nope"}).want(t, 400)
		dev.put("/v1/orgs/acme/approval-gates/training.export", map[string]any{"approver_role": "training.owner"}).want(t, 403)
		g := e.owner.put("/v1/orgs/acme/approval-gates/training.export", map[string]any{"approver_role": "training.owner"}).want(t, 200).obj(t)
		if g["permission"] != "training.export" || g["approver_role"] != "training.owner" {
			t.Fatalf("gate %v", g)
		}
		if items := dev.get("/v1/orgs/acme/approval-gates").want(t, 200).items(t); len(items) != 1 {
			t.Fatalf("gates %v", items)
		}

		checkBody := map[string]any{"permission": "training.export", "resource": "training:resnet"}
		d := dev.post("/v1/orgs/acme/check", checkBody).want(t, 200).obj(t)
		reason, _ := d["reason"].(map[string]any)
		if d["allowed"] != false || reason == nil || !strings.Contains(reason["approval"].(string), "needs approval") {
			t.Fatalf("gated check without a window: %v", d)
		}

		until := e.clock.Now().Add(2 * time.Hour).UTC()
		body := map[string]any{"subject": devID, "permission": "training.export", "resource": "training:resnet",
			"until": until.Format(time.RFC3339), "reason": "ship v2 weights"}
		dev.post("/v1/orgs/acme/approvals", body).want(t, 403)
		self := map[string]any{"subject": leadID, "permission": "training.export", "resource": "training:resnet",
			"until": until.Format(time.RFC3339), "reason": "mine"}
		lead.post("/v1/orgs/acme/approvals", self).want(t, 403)
		for _, bad := range []map[string]any{
			{"subject": devID, "permission": "training.export", "resource": "training:resnet", "reason": "no until"},
			{"subject": devID, "permission": "training.export", "resource": "training:resnet", "reason": "x",
				"until": e.clock.Now().Add(40 * 24 * time.Hour).Format(time.RFC3339)},
			{"subject": devID, "permission": "training.export", "resource": "bad ref", "reason": "x", "until": until.Format(time.RFC3339)},
		} {
			r := lead.post("/v1/orgs/acme/approvals", bad).want(t, 400)
			if r.detail(t) == "" {
				t.Errorf("a 400 without a sentence: %s", r.body)
			}
		}
		e.owner.get("/v1/orgs/acme/approvals?state=gone").want(t, 400)

		ap := lead.post("/v1/orgs/acme/approvals", body).want(t, 201)
		apID := ap.str(t, "id")
		d = dev.post("/v1/orgs/acme/check", checkBody).want(t, 200).obj(t)
		reason, _ = d["reason"].(map[string]any)
		want := "approved by " + leadID + " (approval " + apID + ") until " + until.Format(time.RFC3339)
		if d["allowed"] != true || reason == nil || reason["approval"] != want {
			t.Fatalf("check within the window: %v, want approval %q", d, want)
		}
		if items := e.owner.get("/v1/orgs/acme/approvals?state=active").want(t, 200).items(t); len(items) != 1 || items[0]["id"] != apID {
			t.Fatalf("active windows %v", items)
		}

		e.clock.Advance(3 * time.Hour)
		if dev.allowed(t, "acme", "", "training.export", "training:resnet") {
			t.Fatal("allowed after the window ran out")
		}
		if items := e.owner.get("/v1/orgs/acme/approvals?state=ended").want(t, 200).items(t); len(items) != 1 || items[0]["state"] != "ended" {
			t.Fatalf("ended windows %v", items)
		}
		e.owner.delete("/v1/orgs/acme/approvals/"+apID).want(t, 409)

		// The lead holds the approver role at one project, not the org.
		lead.post("/v1/orgs/acme/approvals", map[string]any{"subject": devID, "permission": "training.export",
			"until": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "reason": "org-wide"}).want(t, 403)
		second := lead.post("/v1/orgs/acme/approvals", map[string]any{"subject": devID, "permission": "training.export",
			"resource": "training:resnet", "until": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "reason": "again"}).want(t, 201).str(t, "id")
		if !dev.allowed(t, "acme", "", "training.export", "training:resnet") {
			t.Fatal("a second window allows it again")
		}
		if ended := e.owner.delete("/v1/orgs/acme/approvals/"+second).want(t, 200).obj(t); ended["state"] != "ended" {
			t.Fatalf("ended early: %v", ended)
		}
		if dev.allowed(t, "acme", "", "training.export", "training:resnet") {
			t.Fatal("allowed after the window was ended")
		}

		e.owner.delete("/v1/orgs/acme/approval-gates/training.export").want(t, 204)
		e.owner.delete("/v1/orgs/acme/approval-gates/training.export").want(t, 404)
		if !dev.allowed(t, "acme", "", "training.export", "training:resnet") {
			t.Fatal("ungated: the editor's role allows it again")
		}

		seen := map[string]bool{}
		for _, ev := range e.owner.get("/v1/orgs/acme/audit?limit=200").want(t, 200).items(t) {
			seen[ev["action"].(string)] = true
		}
		for _, act := range []string{"gate.set", "gate.delete", "approval.create", "approval.end"} {
			if !seen[act] {
				t.Errorf("no %s in the audit log", act)
			}
		}
	})
}
