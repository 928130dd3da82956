package httpapi_test

import (
	"testing"
	"time"
)

// A contractor's membership ends on a date: until then they work as any
// member; from then on they hold nothing (nor do their keys), take no
// seat and show as expired in the member list, until a user manager
// extends the membership or removes them.
func TestMembershipExpiry(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		end := e.clock.Now().Add(10 * 24 * time.Hour).UTC().Truncate(time.Second)
		inv := e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "cora@contract.test", "role": "member",
			"grants": []any{grant("dataset.editor", "dataset:cats")}, "membership_expires_at": end}).want(t, 201)
		if got := inv.str(t, "membership_expires_at"); got != end.Format(time.RFC3339) {
			t.Errorf("invitation membership_expires_at = %q, want %s", got, end.Format(time.RFC3339))
		}
		acc := e.anon().post("/v1/invitations/accept", map[string]any{"token": inv.str(t, "token"),
			"name": "Cora", "password": memberPassword("cora@contract.test")}).want(t, 200)
		cora, coraID := e.as(acc.str(t, "token")), acc.str(t, "user_id")
		// An admin whose membership is given an end later, with a key of hers.
		adm, admID := e.member(e.owner, "acme", "ari@contract.test", "admin")
		key := adm.post("/v1/orgs/acme/keys", map[string]any{"name": "ari-etl", "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		e.remember(key.str(t, "secret"))
		keyID := key.str(t, "id")
		e.owner.patch("/v1/orgs/acme/members/"+admID, map[string]any{"expires_at": end}).want(t, 200)

		m := e.owner.get("/v1/orgs/acme/members/"+coraID).want(t, 200).obj(t)
		if m["expires_at"] != end.Format(time.RFC3339) || m["expired"] != false {
			t.Errorf("member before the end: expires_at %v expired %v", m["expires_at"], m["expired"])
		}
		seats := func() float64 {
			return e.owner.get("/v1/orgs/acme/billing").want(t, 200).obj(t)["seats_used"].(float64)
		}
		before := seats()
		for _, s := range []string{"user:" + coraID, "user:" + admID, "key:" + keyID} {
			if !e.key.allowed(t, "acme", s, "dataset.view", "dataset:cats") {
				t.Errorf("%s denied before the membership ends", s)
			}
		}
		cora.get("/v1/orgs/acme/members").want(t, 200)

		e.clock.Advance(10 * 24 * time.Hour) // the end is the end
		for _, s := range []string{"user:" + coraID, "user:" + admID, "key:" + keyID} {
			if e.key.allowed(t, "acme", s, "dataset.view", "dataset:cats") {
				t.Errorf("%s allowed after the membership ended", s)
			}
		}
		// Ten days outlast the sessions: each signs in again (the account is
		// theirs), and the organization is closed to those whose membership ended.
		cora = e.login("cora@contract.test", memberPassword("cora@contract.test"))
		adm = e.login("ari@contract.test", memberPassword("ari@contract.test"))
		e.owner = e.login(ownerEmail, ownerPassword)
		cora.get("/v1/orgs/acme/members").want(t, 403, 404)
		adm.post("/v1/orgs/acme/invitations", map[string]any{"email": "x@contract.test"}).want(t, 403, 404)
		if got := seats(); got != before-2 {
			t.Errorf("seats used after two memberships ended: %v, want %v", got, before-2)
		}
		ids := func(q string) map[string]bool {
			out := map[string]bool{}
			for _, it := range e.owner.get("/v1/orgs/acme/members"+q).want(t, 200).items(t) {
				out[it["user_id"].(string)] = it["expired"].(bool)
			}
			return out
		}
		if got := ids("?state=expired"); len(got) != 2 || !got[coraID] || !got[admID] {
			t.Errorf("state=expired: %v, want Cora and Ari, flagged", got)
		}
		if got := ids("?state=active"); got[coraID] || got[admID] || len(got) == 0 {
			t.Errorf("state=active: %v", got)
		}
		if got := ids(""); len(got) < 3 {
			t.Errorf("the whole list keeps ended memberships: %v", got)
		}
		e.owner.get("/v1/orgs/acme/members?state=gone").want(t, 400)

		// Extending brings access back and takes a seat again.
		e.owner.patch("/v1/orgs/acme/members/"+coraID, map[string]any{"expires_at": nil}).want(t, 200)
		if !e.key.allowed(t, "acme", "user:"+coraID, "dataset.view", "dataset:cats") {
			t.Errorf("Cora denied after her membership's end was taken away")
		}
		if got := seats(); got != before-1 {
			t.Errorf("seats used after extending one: %v, want %v", got, before-1)
		}
		if m := e.owner.get("/v1/orgs/acme/members/"+coraID).want(t, 200).obj(t); m["expires_at"] != nil {
			t.Errorf("expires_at after clearing = %v", m["expires_at"])
		}
		ev := e.owner.get("/v1/orgs/acme/audit?action=member.expiry").want(t, 200).items(t)
		if len(ev) != 2 {
			t.Errorf("member.expiry events: %d, want 2 (Ari's end set, Cora's taken away)", len(ev))
		}

		// Refusals, each in words.
		future := e.clock.Now().Add(24 * time.Hour)
		e.owner.patch("/v1/orgs/acme/members/"+e.boot.UserID, map[string]any{"expires_at": future}).want(t, 409)
		e.owner.patch("/v1/orgs/acme/members/"+coraID, map[string]any{"expires_at": e.clock.Now().Add(-time.Hour)}).want(t, 422)
		e.owner.patch("/v1/orgs/acme/members/"+coraID, map[string]any{"expires_at": e.clock.Now().Add(20 * 366 * 24 * time.Hour)}).want(t, 422)
		e.owner.patch("/v1/orgs/acme/members/"+coraID, map[string]any{"expires_at": "next tuesday"}).want(t, 422, 400)
		e.owner.patch("/v1/orgs/acme/members/"+coraID, map[string]any{}).want(t, 422)
		cora.patch("/v1/orgs/acme/members/"+coraID, map[string]any{"expires_at": nil}).want(t, 403)
		// Nobody moves their own end, not even a user manager.
		adm2, adm2ID := e.member(e.owner, "acme", "amy@acme.test", "admin")
		e.owner.patch("/v1/orgs/acme/members/"+adm2ID, map[string]any{"expires_at": future}).want(t, 200)
		adm2.patch("/v1/orgs/acme/members/"+adm2ID, map[string]any{"expires_at": nil}).want(t, 403)
		plain, plainID := e.member(e.owner, "acme", "pat@acme.test", "member")
		plain.patch("/v1/orgs/acme/members/"+coraID, map[string]any{"expires_at": future}).want(t, 403)
		e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "late@contract.test",
			"membership_expires_at": e.clock.Now().Add(-time.Minute)}).want(t, 422)
		// Role and end in one write.
		both := e.owner.patch("/v1/orgs/acme/members/"+plainID, map[string]any{"role": "admin", "expires_at": future}).want(t, 200).obj(t)
		if both["role"] != "admin" || both["expires_at"] == nil {
			t.Errorf("role and end together: %v", both)
		}
	})
}

// An invitation whose membership would already have ended cannot be accepted.
func TestInvitationMembershipEndedBeforeAcceptance(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		inv := e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "slow@contract.test",
			"membership_expires_at": e.clock.Now().Add(time.Hour)}).want(t, 201)
		e.clock.Advance(2 * time.Hour)
		r := e.anon().post("/v1/invitations/accept", map[string]any{"token": inv.str(t, "token"),
			"name": "Slow", "password": memberPassword("slow@contract.test")}).want(t, 409)
		if d := r.detail(t); d == "" {
			t.Error("no detail")
		}
	})
}

// Grants and keys that have ended are flagged and filtered by state.
func TestExpiredGrantsAndKeysByState(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		_, id := e.member(e.owner, "acme", "tom@acme.test", "member")
		soon := e.clock.Now().Add(time.Hour)
		short := e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + id, "role": "dataset.viewer",
			"scope": "dataset:cats", "expires_at": soon}).want(t, 201).str(t, "id")
		long := e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + id, "role": "dataset.editor",
			"scope": "dataset:cats"}).want(t, 201).str(t, "id")
		k := e.owner.post("/v1/orgs/acme/keys", map[string]any{"name": "brief", "role": "dataset.viewer", "scope": "dataset:cats",
			"expires_at": soon}).want(t, 201)
		e.remember(k.str(t, "secret"))
		e.clock.Advance(2 * time.Hour)
		grants := func(state string) map[string]bool {
			out := map[string]bool{}
			for _, g := range e.owner.get("/v1/orgs/acme/grants?subject=user:"+id+state).want(t, 200).items(t) {
				out[g["id"].(string)] = g["expired"].(bool)
			}
			return out
		}
		if got := grants(""); len(got) != 2 || !got[short] || got[long] {
			t.Errorf("all grants with flags: %v (short %s expired, long %s not)", got, short, long)
		}
		if got := grants("&state=expired"); len(got) != 1 || !got[short] {
			t.Errorf("state=expired: %v", got)
		}
		if got := grants("&state=active"); len(got) != 1 || got[long] {
			t.Errorf("state=active: %v", got)
		}
		e.owner.get("/v1/orgs/acme/grants?state=old").want(t, 400)
		keys := func(state string) map[string]bool {
			out := map[string]bool{}
			for _, k := range e.owner.get("/v1/orgs/acme/keys?state="+state).want(t, 200).items(t) {
				out[k["name"].(string)] = k["expired"].(bool)
			}
			return out
		}
		if got := keys("expired"); len(got) != 1 || !got["brief"] {
			t.Errorf("keys state=expired: %v", got)
		}
		if got := keys("active"); got["brief"] || len(got) == 0 {
			t.Errorf("keys state=active: %v", got)
		}
	})
}
