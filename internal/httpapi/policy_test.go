package httpapi_test

import (
	"slices"
	"testing"
)

// The management surface hands out no power its caller could not grant.
// One test per way it once did, each on the scheme it was found on.

// Resending an invitation issues a new token: the resender needs the power
// to issue it, and becomes the inviter acceptance judges.
func TestResendTakesThePowerToInvite(t *testing.T) {
	t.Run("deepomatic", func(t *testing.T) {
		runWith(t, envOptions{scheme: "deepomatic"}, func(t *testing.T, e *env) {
			id := e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "boss@acme.test", "role": "org_admin"}).want(t, 201).str(t, "id")
			opm, _ := e.member(e.owner, "acme", "opm@acme.test", "operation_project_manager")
			opm.post("/v1/orgs/acme/invitations/"+id+"/resend", nil).want(t, 403)
			// The org admin may; the new token works.
			tok := e.owner.post("/v1/orgs/acme/invitations/"+id+"/resend", nil).want(t, 200).str(t, "token")
			e.anon().post("/v1/invitations/accept", map[string]any{"token": tok, "name": "Boss", "password": memberPassword("boss@acme.test")}).want(t, 200)
		})
	})
	t.Run("labelbox", func(t *testing.T) {
		runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
			id := e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "adm@acme.test", "role": "admin"}).want(t, 201).str(t, "id")
			tm, _ := e.member(e.owner, "acme", "tm@acme.test", "team_manager")
			tm.post("/v1/orgs/acme/invitations/"+id+"/resend", nil).want(t, 403)
		})
	})
	t.Run("vi", func(t *testing.T) {
		run(t, func(t *testing.T, e *env) {
			// vi: an Owner-made custom role holding billing, resent by an Admin.
			e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "payer", "name": "Payer", "scope_type": "org",
				"permissions": []any{map[string]any{"id": "org.view"}, map[string]any{"id": "billing.view"}}}).want(t, 201)
			id := e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "pay@acme.test", "role": "payer"}).want(t, 201).str(t, "id")
			admin, adminID := e.member(e.owner, "acme", "adm@acme.test", "admin")
			admin.post("/v1/orgs/acme/invitations/"+id+"/resend", nil).want(t, 403)

			// An invitation the Admin may resend names the Admin as its inviter,
			// and acceptance judges the Admin's power then.
			e.owner.resource(t, "acme", "dataset:cats", nil)
			id2 := e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "ed@acme.test",
				"grants": []any{grant("dataset.editor", "dataset:cats")}}).want(t, 201).str(t, "id")
			r := admin.post("/v1/orgs/acme/invitations/"+id2+"/resend", nil).want(t, 200)
			if got := r.str(t, "invited_by"); got != "user:"+adminID {
				t.Errorf("resent invitation's inviter = %s, want the resender user:%s", got, adminID)
			}
			e.owner.patch("/v1/orgs/acme/members/"+adminID, map[string]any{"role": "member"}).want(t, 200)
			e.anon().post("/v1/invitations/accept", map[string]any{"token": r.str(t, "token"), "name": "Ed",
				"password": memberPassword("ed@acme.test")}).want(t, 409)
		})
	})
}

// Rotating a key hands out its secret: the rotator must cover the key.
func TestRotateTakesThePowerOfTheKey(t *testing.T) {
	t.Run("vi", func(t *testing.T) {
		run(t, func(t *testing.T, e *env) {
			e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "payer", "name": "Payer", "scope_type": "org",
				"permissions": []any{map[string]any{"id": "org.view"}, map[string]any{"id": "billing.view"}}}).want(t, 201)
			kid := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "billing", "role": "payer"}).want(t, 201).str(t, "id")
			admin, _ := e.member(e.owner, "acme", "adm@acme.test", "admin")
			admin.post("/v1/orgs/acme/keys/"+kid+"/rotate", map[string]any{"overlap_seconds": 3600}).want(t, 403)
			admin.post("/v1/orgs/acme/keys/"+kid+"/transfer", map[string]any{"owner": "u_nobody"}).want(t, 403)
			e.owner.post("/v1/orgs/acme/keys/"+kid+"/rotate", nil).want(t, 200)
		})
	})
	t.Run("deepomatic", func(t *testing.T) {
		runWith(t, envOptions{scheme: "deepomatic"}, func(t *testing.T, e *env) {
			e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "keyman", "name": "Key manager", "scope_type": "org",
				"permissions": []any{map[string]any{"id": "org.view"}, map[string]any{"id": "users.manage"}, map[string]any{"id": "keys.manage"}}}).want(t, 201)
			km, _ := e.member(e.owner, "acme", "km@acme.test", "keyman")
			var boot string
			for _, k := range km.get("/v1/orgs/acme/keys").want(t, 200).items(t) {
				if k["name"] == "bootstrap" {
					boot = k["id"].(string)
				}
			}
			if boot == "" {
				t.Fatal("bootstrap key not listed")
			}
			km.post("/v1/orgs/acme/keys/"+boot+"/rotate", map[string]any{"overlap_seconds": 30 * 24 * 3600}).want(t, 403)
		})
	})
}

// A key holds its grants only as far as its owner holds them.
func TestKeysEndWithTheirOwnersPower(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		admin, adminID := e.member(e.owner, "acme", "adm@acme.test", "admin")
		r := admin.post("/v1/orgs/acme/keys", map[string]any{"name": "ci", "role": "admin"}).want(t, 201)
		kid, secret := r.str(t, "id"), r.str(t, "secret")
		e.remember(secret)
		if got := r.str(t, "owner"); got != adminID {
			t.Errorf("key owner = %s, want its creator %s", got, adminID)
		}
		key := e.as(secret)
		key.get("/v1/orgs/acme/members").want(t, 200)

		// Demoted: the key may no longer make keys nor invite an Admin.
		e.owner.patch("/v1/orgs/acme/members/"+adminID, map[string]any{"role": "member"}).want(t, 200)
		key.post("/v1/orgs/acme/keys", map[string]any{"name": "more", "role": "viewer"}).want(t, 403)
		key.post("/v1/orgs/acme/invitations", map[string]any{"email": "adm2@acme.test", "role": "admin"}).want(t, 403)

		// Removed: the answer names the key that stops, and it stops.
		rm := e.owner.delete("/v1/orgs/acme/members/"+adminID).want(t, 200).obj(t)
		keys, _ := rm["stopped_keys"].([]any)
		if len(keys) != 1 || keys[0].(map[string]any)["id"] != kid {
			t.Errorf("stopped_keys = %v, want [%s]", rm["stopped_keys"], kid)
		}
		if code := key.get("/v1/orgs/acme/members").status; code != 401 && code != 404 {
			t.Errorf("a removed owner's key: status %d, want 401 or 404", code)
		}
	})
}

// A key holds exactly what GET /keys shows: grants are made with the key.
func TestKeysHoldOnlyWhatTheListShows(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		kid := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "viewer", "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201).str(t, "id")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "key:" + kid, "role": "admin", "scope": "org"}).want(t, 422)
		for _, k := range e.owner.get("/v1/orgs/acme/keys").want(t, 200).items(t) {
			if k["id"] != kid {
				continue
			}
			gs, _ := k["grants"].([]any)
			if len(gs) != 1 || gs[0].(map[string]any)["role"] != "dataset.viewer" {
				t.Errorf("key grants %v, want only dataset.viewer", k["grants"])
			}
		}
	})
}

// A condition holds against the people it limits; write never comes
// without view.
func TestLabelboxLabelTakeover(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "project:p1", nil)
		lab1, lab1ID := e.member(e.owner, "acme", "lab1@acme.test", "member", grant("labeler", "project:p1"))
		lab2, lab2ID := e.member(e.owner, "acme", "lab2@acme.test", "member", grant("labeler", "project:p1"))
		e.owner.resource(t, "acme", "label:l1r", map[string]any{"parent": "project:p1", "owner": lab2ID, "attributes": map[string]string{"task": "rework"}})
		if !lab1.allowed(t, "acme", "", "label.write", "label:l1r") || !lab1.allowed(t, "acme", "", "label.view", "label:l1r") {
			t.Fatal("a labeler writes and views a label in rework")
		}
		lab1.put("/v1/orgs/acme/resources/label/l1r", map[string]any{"parent": "project:p1", "owner": lab1ID,
			"attributes": map[string]string{"task": "rework"}}).want(t, 403)
		lab1.put("/v1/orgs/acme/resources/label/l1r", map[string]any{"parent": "project:p1",
			"attributes": map[string]string{"task": "label"}}).want(t, 403)
		if !lab2.allowed(t, "acme", "", "label.view", "label:l1r") {
			t.Error("the author lost their label")
		}
	})
}

// A custom role holds nothing more freely than its creator.
func TestCustomRoleKeepsConditions(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "careful", "name": "Careful lead", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "org.view"}, map[string]any{"id": "members.invite"},
				map[string]any{"id": "label.view", "condition": "task not in (done)"},
				map[string]any{"id": "label.write", "condition": "task not in (done)"}}}).want(t, 201)
		c, _ := e.member(e.owner, "acme", "careful@acme.test", "careful")
		c.post("/v1/orgs/acme/roles", map[string]any{"id": "free", "name": "Free", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "label.view"}, map[string]any{"id": "label.write"}}}).want(t, 403)
		c.post("/v1/orgs/acme/roles", map[string]any{"id": "same", "name": "Same", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "label.view", "condition": "task not in (done)"},
				map[string]any{"id": "label.write", "condition": "task not in (done)"}}}).want(t, 201)
		// Write without view is refused for custom roles as for built-in ones.
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "blind", "name": "Blind", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "label.write"}}}).want(t, 422)
	})
}

// Removing a member takes the power to end everything the removal ends.
func TestRemovalNeedsThePowerToRevoke(t *testing.T) {
	runWith(t, envOptions{scheme: "deepomatic"}, func(t *testing.T, e *env) {
		opm, _ := e.member(e.owner, "acme", "opm@acme.test", "operation_project_manager")
		_, dsID := e.member(e.owner, "acme", "ds@acme.test", "member")
		gid := e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + dsID, "role": "data_scientist", "scope": "org"}).want(t, 201).str(t, "id")
		opm.delete("/v1/orgs/acme/grants/"+gid).want(t, 403)
		opm.delete("/v1/orgs/acme/members/"+dsID).want(t, 403)
		e.owner.delete("/v1/orgs/acme/members/"+dsID).want(t, 200)
	})
}

// The same grant twice is one grant.
func TestDuplicateGrantConflicts(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		_, uid := e.member(e.owner, "acme", "v@acme.test", "member")
		body := map[string]any{"subject": "user:" + uid, "role": "dataset.viewer", "scope": "dataset:cats"}
		id := e.owner.post("/v1/orgs/acme/grants", body).want(t, 201).str(t, "id")
		r := e.owner.post("/v1/orgs/acme/grants", body).want(t, 409)
		if got := r.str(t, "existing_id"); got != id {
			t.Errorf("existing_id = %q, want %q", got, id)
		}
		e.owner.delete("/v1/orgs/acme/grants/"+id).want(t, 200)
		if e.owner.allowed(t, "acme", "user:"+uid, "dataset.view", "dataset:cats") {
			t.Error("access outlives its only grant")
		}
	})
}

// Rosters and team roles go together.
func TestDeepomaticRosters(t *testing.T) {
	runWith(t, envOptions{scheme: "deepomatic"}, func(t *testing.T, e *env) {
		north := e.owner.post("/v1/orgs/acme/teams", map[string]any{"name": "North"}).want(t, 201).str(t, "id")
		ta, _ := e.member(e.owner, "acme", "ta@acme.test", "member", grant("team_admin", "team:"+north))
		_, opID := e.member(e.owner, "acme", "op@acme.test", "member")
		_, feID := e.member(e.owner, "acme", "fe@acme.test", "field_engineer")
		roster := func() []string {
			for _, tm := range e.owner.get("/v1/orgs/acme/teams").want(t, 200).items(t) {
				if tm["id"] == north {
					var out []string
					for _, m := range tm["members"].([]any) {
						out = append(out, m.(string))
					}
					return out
				}
			}
			return nil
		}
		// A team role puts its holder on the roster.
		ta.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + opID, "role": "team_operator", "scope": "team:" + north}).want(t, 201)
		if !slices.Contains(roster(), opID) {
			t.Errorf("granted a North role, not on North's roster: %v", roster())
		}
		// A Team Admin rosters only members whose org role is the base role.
		ta.put("/v1/orgs/acme/teams/"+north+"/members/"+feID, nil).want(t, 403)
		ta.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + feID, "role": "team_operator", "scope": "team:" + north}).want(t, 403)
		// Off the roster, the team role ends.
		e.owner.delete("/v1/orgs/acme/teams/"+north+"/members/"+opID).want(t, 204)
		if gs := e.owner.get("/v1/orgs/acme/grants?subject=user:"+opID).want(t, 200).items(t); len(gs) != 0 {
			t.Errorf("off the roster, still holds %v", gs)
		}
	})
}

// Labelbox: inviting takes members.invite; a workspace-wide role is not
// overridden at a project.
func TestLabelboxInvitesAndProjectRoles(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "project:p1", nil)
		tm, _ := e.member(e.owner, "acme", "tm@acme.test", "team_manager")
		lead, _ := e.member(e.owner, "acme", "lead@acme.test", "member", grant("project_lead", "project:p1"))
		tm.post("/v1/orgs/acme/invitations", map[string]any{"email": "x@acme.test"}).want(t, 403)
		lead.post("/v1/orgs/acme/invitations", map[string]any{"email": "y@acme.test", "grants": []any{grant("labeler", "project:p1")}}).want(t, 403)

		_, wideID := e.member(e.owner, "acme", "wide@acme.test", "labeler")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + wideID, "role": "reviewer", "scope": "project:p1"}).want(t, 409)
		e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "z@acme.test", "role": "labeler",
			"grants": []any{grant("reviewer", "project:p1")}}).want(t, 409)
		// Nor through a group: not by granting the group, not by joining it.
		g := e.owner.post("/v1/orgs/acme/groups", map[string]any{"name": "Reviewers"}).want(t, 201).str(t, "id")
		e.owner.put("/v1/orgs/acme/groups/"+g+"/members/"+wideID, nil).want(t, 204)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + g, "role": "reviewer", "scope": "project:p1"}).want(t, 409)
		e.owner.delete("/v1/orgs/acme/groups/"+g+"/members/"+wideID).want(t, 204)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + g, "role": "reviewer", "scope": "project:p1"}).want(t, 201)
		e.owner.put("/v1/orgs/acme/groups/"+g+"/members/"+wideID, nil).want(t, 409)
		// And a group member's org role does not become workspace-wide.
		_, inID := e.member(e.owner, "acme", "in@acme.test", "member")
		e.owner.put("/v1/orgs/acme/groups/"+g+"/members/"+inID, nil).want(t, 204)
		e.owner.patch("/v1/orgs/acme/members/"+inID, map[string]any{"role": "labeler"}).want(t, 409)
	})
}

// Labelbox's catalog permissions that name a Gatehouse action act on it: a
// custom role holding admin.members.view lists members and nothing more.
func TestLabelboxCatalogRoleListsMembers(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "roster_reader", "name": "Roster reader", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "org.view"}, map[string]any{"id": "admin.members.view"}}}).want(t, 201)
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "bare", "name": "Bare", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "org.view"}}}).want(t, 201)
		reader, _ := e.member(e.owner, "acme", "reader@acme.test", "roster_reader")
		bare, bareID := e.member(e.owner, "acme", "bare@acme.test", "bare")

		bare.get("/v1/orgs/acme/members").want(t, 403)
		ms := reader.get("/v1/orgs/acme/members").want(t, 200).items(t)
		found := false
		for _, m := range ms {
			found = found || m["user_id"] == bareID
		}
		if len(ms) < 3 || !found {
			t.Errorf("admin.members.view lists %v, want every member", ms)
		}
		// Listing is all it does: no invitations, no grants, no role changes.
		reader.post("/v1/orgs/acme/invitations", map[string]any{"email": "x@acme.test"}).want(t, 403)
		reader.patch("/v1/orgs/acme/members/"+bareID, map[string]any{"role": "roster_reader"}).want(t, 403)
		reader.get("/v1/orgs/acme/members/"+bareID).want(t, 403)
	})
}
