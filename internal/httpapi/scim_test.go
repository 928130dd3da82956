package httpapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
)

// checkSCIMError checks a SCIM error body (RFC 7644 §3.12): its content
// type, its schema, and its status as a string equal to the response's.
func checkSCIMError(t *testing.T, r *response) {
	t.Helper()
	where := r.method + " " + r.path
	if ct := r.header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("%s: SCIM error %d with Content-Type %q", where, r.status, ct)
		return
	}
	var p map[string]any
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Errorf("%s: SCIM error does not parse: %s", where, r.body)
		return
	}
	if s, _ := p["schemas"].([]any); len(s) != 1 || s[0] != "urn:ietf:params:scim:api:messages:2.0:Error" {
		t.Errorf("%s: SCIM error schemas %v", where, p["schemas"])
	}
	if st, ok := p["status"].(string); !ok || st != itoa(r.status) {
		t.Errorf("%s: SCIM error status %#v, response %d", where, p["status"], r.status)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

const (
	scimBase       = "/v1/orgs/acme/scim/v2"
	scimEnterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// scimToken makes a SCIM token through c and returns a client with it.
func (e *env) scimToken(t *testing.T, c *client, org string, body map[string]any) (*client, string) {
	t.Helper()
	r := c.post("/v1/orgs/"+org+"/scim-tokens", body).want(t, 201).obj(t)
	hasKeys(t, "SCIM token", r, "id", "token", "name", "role", "prefix", "created_at", "revision")
	tok := r["token"].(string)
	if !strings.HasPrefix(tok, "gsc_") {
		t.Fatalf("SCIM token %v", r)
	}
	return e.as(tok), r["id"].(string)
}

func (r *response) scim(t *testing.T) map[string]any {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/scim+json" {
		t.Errorf("%s %s: Content-Type %q", r.method, r.path, ct)
	}
	return r.obj(t)
}

func TestSCIMUsers(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sc, tokID := e.scimToken(t, e.owner, "acme", map[string]any{"name": "okta"})
		list := e.owner.get("/v1/orgs/acme/scim-tokens").want(t, 200).items(t)
		if len(list) != 1 || list[0]["id"] != tokID || list[0]["token"] != nil {
			t.Errorf("listed SCIM tokens %v", list)
		}

		// Discovery.
		cfg := sc.get(scimBase+"/ServiceProviderConfig").want(t, 200).scim(t)
		if p, _ := cfg["patch"].(map[string]any); p["supported"] != true {
			t.Errorf("ServiceProviderConfig %v", cfg)
		}
		for _, p := range []string{"/ResourceTypes", "/Schemas", "/ResourceTypes/User", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group"} {
			sc.get(scimBase+p).want(t, 200).scim(t)
		}
		sc.get(scimBase+"/Schemas/urn:nope").want(t, 404)

		// Create, as Okta sends it; unknown attributes are kept, not refused.
		bob := sc.post(scimBase+"/Users", map[string]any{
			"schemas":  []string{"urn:ietf:params:scim:schemas:core:2.0:User"},
			"userName": "Bob@Acme.test", "externalId": "00u1", "active": true,
			"name":     map[string]any{"givenName": "Bob", "familyName": "Smith"},
			"emails":   []map[string]any{{"value": "bob@acme.test", "type": "work", "primary": true}},
			"x-vendor": "kept",
		}).want(t, 201).scim(t)
		bobID, _ := bob["id"].(string)
		if bob["userName"] != "bob@acme.test" || bob["externalId"] != "00u1" || bob["active"] != true || bob["x-vendor"] != "kept" || bobID == "" {
			t.Errorf("created %v", bob)
		}
		if meta, _ := bob["meta"].(map[string]any); meta["resourceType"] != "User" || !strings.HasSuffix(meta["location"].(string), "/Users/"+bobID) {
			t.Errorf("meta %v", bob["meta"])
		}
		m := e.owner.get("/v1/orgs/acme/members/"+bobID).want(t, 200).obj(t)
		if role, _ := m["role"].(string); role != "member" {
			t.Errorf("provisioned with role %v, want the base role: %v", m["role"], m)
		}
		dup := sc.post(scimBase+"/Users", map[string]any{"userName": "bob@acme.test"}).want(t, 409).obj(t)
		if dup["scimType"] != "uniqueness" {
			t.Errorf("duplicate: %v", dup)
		}
		sc.post(scimBase+"/Users", map[string]any{"userName": "not an email"}).want(t, 400)
		sc.post(scimBase+"/Users", "{").want(t, 400)

		// A userName that is no email is kept; the account's email is the primary email.
		lg := sc.post(scimBase+"/Users", map[string]any{"userName": "okta-login-7",
			"emails": []map[string]any{{"value": "other@acme.test"}, {"value": "Login7@acme.test", "primary": true}}}).want(t, 201).scim(t)
		if lg["userName"] != "okta-login-7" || lg["x-gatehouse-userName"] != nil {
			t.Errorf("created with a login name: %v", lg)
		}
		if m := e.owner.get("/v1/orgs/acme/members/"+lg["id"].(string)).want(t, 200).obj(t); !strings.Contains(string(mustJSON(m)), "login7@acme.test") {
			t.Errorf("the account's email is not the primary one: %v", m)
		}
		if got := sc.get(scimBase+`/Users?filter=userName%20eq%20%22okta-login-7%22`).want(t, 200).scim(t); got["totalResults"] != 1.0 {
			t.Errorf("filter by a login name: %v", got)
		}
		sc.post(scimBase+"/Users", map[string]any{"userName": "no-email"}).want(t, 400)

		// The key the server keeps a login name under is its own: a client
		// that sends it cannot rename anyone, on a create or a PATCH.
		ml := sc.post(scimBase+"/Users", map[string]any{"userName": "mallory@acme.test", "x-gatehouse-userName": ownerEmail}).want(t, 201).scim(t)
		if ml["userName"] != "mallory@acme.test" {
			t.Errorf("a client's x-gatehouse-userName renamed the user: %v", ml)
		}
		pt := sc.patch(scimBase+"/Users/"+ml["id"].(string), map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []map[string]any{{"op": "add", "path": "X-Gatehouse-userName", "value": ownerEmail}}}).want(t, 200).scim(t)
		if pt["userName"] != "mallory@acme.test" {
			t.Errorf("a PATCH of x-gatehouse-userName renamed the user: %v", pt)
		}
		if got := sc.get(scimBase+`/Users?filter=userName%20eq%20%22`+ownerEmail+`%22`).want(t, 200).scim(t); got["totalResults"] != 1.0 {
			t.Errorf("the owner's userName names %v users", got["totalResults"])
		}

		// Filter and paging.
		for _, u := range []string{"cy@acme.test", "di@acme.test"} {
			sc.post(scimBase+"/Users", map[string]any{"userName": u}).want(t, 201)
		}
		got := sc.get(scimBase+`/Users?filter=userName%20eq%20%22BOB%40acme.test%22`).want(t, 200).scim(t)
		if got["totalResults"] != 1.0 || len(got["Resources"].([]any)) != 1 {
			t.Errorf("filtered list %v", got)
		}
		all := sc.get(scimBase+"/Users").want(t, 200).scim(t)
		total := all["totalResults"].(float64) // the owner too
		pg := sc.get(scimBase+"/Users?startIndex=2&count=1").want(t, 200).scim(t)
		if pg["totalResults"] != total || pg["startIndex"] != 2.0 || pg["itemsPerPage"] != 1.0 || len(pg["Resources"].([]any)) != 1 {
			t.Errorf("page %v", pg)
		}
		none := sc.get(scimBase+`/Users?filter=userName%20eq%20%22nobody%40acme.test%22`).want(t, 200).scim(t)
		if none["totalResults"] != 0.0 || len(none["Resources"].([]any)) != 0 {
			t.Errorf("empty list %v", none)
		}
		sc.get(scimBase+`/Users?filter=userName%20sw%20%22b%22`).want(t, 400)

		// Entra ID's PATCH: capitalised ops, filtered and dotted paths.
		sc.patch(scimBase+"/Users/"+bobID, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []map[string]any{
				{"op": "Replace", "path": `emails[type eq "work"].value`, "value": "bob.smith@acme.test"},
				{"op": "Replace", "path": "name.givenName", "value": "Robert"},
				{"op": "Add", "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department", "value": "R&D"},
				{"op": "Replace", "path": "externalId", "value": "00u1b"},
			}}).want(t, 200)
		bob = sc.get(scimBase+"/Users/"+bobID).want(t, 200).scim(t)
		emails, _ := bob["emails"].([]any)
		name, _ := bob["name"].(map[string]any)
		ent, _ := bob["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"].(map[string]any)
		if len(emails) != 1 || emails[0].(map[string]any)["value"] != "bob.smith@acme.test" || name["givenName"] != "Robert" ||
			ent["department"] != "R&D" || bob["externalId"] != "00u1b" || bob["userName"] != "bob@acme.test" {
			t.Errorf("after Entra's patch: %v", bob)
		}

		// PUT replaces what the IdP says; userName, the shared account's email, stays.
		bob["title"] = "Lead"
		delete(bob, "x-vendor")
		put := sc.put(scimBase+"/Users/"+bobID, bob).want(t, 200).scim(t)
		if put["title"] != "Lead" || put["x-vendor"] != nil {
			t.Errorf("after PUT: %v", put)
		}
		bob["userName"] = "someone.else@acme.test"
		sc.put(scimBase+"/Users/"+bobID, bob).want(t, 400)

		// Unknown ids, and ids of other kinds, are 404.
		sc.get(scimBase+"/Users/u_nobody").want(t, 404)
		sc.patch(scimBase+"/Users/u_nobody", map[string]any{"Operations": []map[string]any{{"op": "replace", "value": map[string]any{"active": false}}}}).want(t, 404)
		sc.patch(scimBase+"/Users/"+bobID, map[string]any{"Operations": []map[string]any{{"op": "frobnicate"}}}).want(t, 400)

		// Delete removes the membership; the account stays for its other orgs.
		sc.delete(scimBase+"/Users/"+bobID).want(t, 204)
		sc.get(scimBase+"/Users/"+bobID).want(t, 404)
		e.owner.get("/v1/orgs/acme/members/"+bobID).want(t, 404)

		// Every step is audited.
		acts := strings.Join(auditActions(t, e.owner, "acme"), " ")
		for _, want := range []string{"scim_token.create", "scim.user.create", "scim.user.update", "member.remove"} {
			if !strings.Contains(acts, want) {
				t.Errorf("audit log lacks %s: %s", want, acts)
			}
		}
	})
}

// Suspension through SCIM ends a live session's access to the org at once,
// in Okta's form and in Entra ID's (a string boolean), and resuming gives it back.
func TestSCIMSuspension(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sc, _ := e.scimToken(t, e.owner, "acme", map[string]any{"name": "okta"})
		carol, carolID := e.member(e.owner, "acme", "carol@acme.test", "member")
		carol.get("/v1/orgs/acme/members").want(t, 200)

		okta := map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []map[string]any{{"op": "replace", "value": map[string]any{"active": false}}}}
		u := sc.patch(scimBase+"/Users/"+carolID, okta).want(t, 200).scim(t)
		if u["active"] != false {
			t.Errorf("after Okta's suspension: %v", u)
		}
		carol.get("/v1/orgs/acme/members").want(t, 404)
		if e.key.allowed(t, "acme", "user:"+carolID, "org.view", "") {
			t.Errorf("a suspended member still holds org.view")
		}

		entra := func(v string) map[string]any {
			return map[string]any{"Operations": []map[string]any{{"op": "Replace", "path": "active", "value": v}}}
		}
		if sc.patch(scimBase+"/Users/"+carolID, entra("True")).want(t, 200).scim(t)["active"] != true {
			t.Errorf("Entra's True did not resume")
		}
		carol.get("/v1/orgs/acme/members").want(t, 200)
		if sc.patch(scimBase+"/Users/"+carolID, entra("False")).want(t, 200).scim(t)["active"] != false {
			t.Errorf("Entra's False did not suspend")
		}
		carol.get("/v1/orgs/acme/members").want(t, 404)
		sc.patch(scimBase+"/Users/"+carolID, entra("maybe")).want(t, 400)

		// The token's maker, the Owner, cannot be suspended through it.
		if ot := sc.patch(scimBase+"/Users/"+e.boot.UserID, okta).want(t, 409).obj(t); ot["scimType"] != nil {
			t.Errorf("suspending the Owner is no clash with an existing resource: %v", ot)
		}
	})
}

func TestSCIMGroups(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sc, _ := e.scimToken(t, e.owner, "acme", map[string]any{"name": "entra"})
		var ids []string
		for _, u := range []string{"a@acme.test", "b@acme.test", "c@acme.test"} {
			ids = append(ids, sc.post(scimBase+"/Users", map[string]any{"userName": u}).want(t, 201).scim(t)["id"].(string))
		}
		g := sc.post(scimBase+"/Groups", map[string]any{"schemas": []string{"urn:ietf:params:scim:schemas:core:2.0:Group"},
			"displayName": "Engineering", "externalId": "00g1", "members": []map[string]any{{"value": ids[0]}}}).want(t, 201).scim(t)
		gid := g["id"].(string)
		members := func() []string {
			var out []string
			for _, m := range sc.get(scimBase+"/Groups/"+gid).want(t, 200).scim(t)["members"].([]any) {
				out = append(out, m.(map[string]any)["value"].(string))
			}
			return out
		}
		if g["displayName"] != "Engineering" || g["externalId"] != "00g1" || strings.Join(members(), ",") != ids[0] {
			t.Errorf("created group %v", g)
		}
		// It is a Gatehouse group.
		found := false
		for _, x := range e.owner.get("/v1/orgs/acme/groups").want(t, 200).items(t) {
			found = found || x["id"] == gid
		}
		if !found {
			t.Errorf("the SCIM group is not a Gatehouse group")
		}
		// Okta: add members, then remove one by filter; rename without a path.
		sc.patch(scimBase+"/Groups/"+gid, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []map[string]any{{"op": "add", "path": "members", "value": []map[string]any{{"value": ids[1], "display": "b@acme.test"}, {"value": ids[2]}}}}}).want(t, 200)
		if got := strings.Join(members(), ","); len(strings.Split(got, ",")) != 3 {
			t.Errorf("after Okta's add: %s", got)
		}
		sc.patch(scimBase+"/Groups/"+gid, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []map[string]any{{"op": "remove", "path": `members[value eq "` + ids[0] + `"]`}}}).want(t, 200)
		sc.patch(scimBase+"/Groups/"+gid, map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:PatchOp"},
			"Operations": []map[string]any{{"op": "replace", "value": map[string]any{"id": gid, "displayName": "Eng"}}}}).want(t, 200)
		// Entra ID: Remove with a value list, Add again.
		sc.patch(scimBase+"/Groups/"+gid, map[string]any{"Operations": []map[string]any{
			{"op": "Remove", "path": "members", "value": []map[string]any{{"value": ids[1]}}},
			{"op": "Add", "path": "members", "value": []map[string]any{{"value": ids[1]}}},
			{"op": "Remove", "path": "members", "value": []map[string]any{{"value": ids[2]}}},
		}}).want(t, 200)
		gg := sc.get(scimBase+"/Groups/"+gid).want(t, 200).scim(t)
		if gg["displayName"] != "Eng" || strings.Join(members(), ",") != ids[1] {
			t.Errorf("after the patches: %v", gg)
		}
		lst := sc.get(scimBase+`/Groups?filter=displayName%20eq%20%22Eng%22&excludedAttributes=members`).want(t, 200).scim(t)
		res := lst["Resources"].([]any)
		if len(res) != 1 || res[0].(map[string]any)["members"] != nil {
			t.Errorf("filtered groups %v", lst)
		}
		// PUT sets the members whole.
		put := sc.put(scimBase+"/Groups/"+gid, map[string]any{"displayName": "Eng", "members": []map[string]any{{"value": ids[0]}, {"value": ids[2]}}}).want(t, 200).scim(t)
		if len(put["members"].([]any)) != 2 {
			t.Errorf("after PUT %v", put)
		}
		// A PATCH is applied whole: members added beside a rename stay, and
		// one that fails (an unknown member) leaves everything as it was.
		sc.patch(scimBase+"/Groups/"+gid, map[string]any{"Operations": []map[string]any{
			{"op": "add", "path": "members", "value": []map[string]any{{"value": ids[1]}}},
			{"op": "replace", "path": "displayName", "value": "Engineers"},
		}}).want(t, 200)
		if got := sc.get(scimBase+"/Groups/"+gid).want(t, 200).scim(t); got["displayName"] != "Engineers" || len(members()) != 3 {
			t.Errorf("after adding a member and renaming: %v", got)
		}
		checkSCIMError(t, sc.patch(scimBase+"/Groups/"+gid, map[string]any{"Operations": []map[string]any{
			{"op": "remove", "path": "members", "value": []map[string]any{{"value": ids[1]}}},
			{"op": "add", "path": "members", "value": []map[string]any{{"value": "u_nobody"}}},
		}}).want(t, 404))
		checkSCIMError(t, sc.put(scimBase+"/Groups/"+gid, map[string]any{"displayName": "Renamed", "externalId": "e1",
			"members": []map[string]any{{"value": "u_nobody"}}}).want(t, 404))
		if got := sc.get(scimBase+"/Groups/"+gid).want(t, 200).scim(t); got["displayName"] != "Engineers" || got["externalId"] != nil || len(members()) != 3 {
			t.Errorf("a refused PATCH or PUT changed the group: %v", got)
		}
		sc.patch(scimBase+"/Groups/"+gid, map[string]any{"Operations": []map[string]any{{"op": "replace", "path": "displayName", "value": "Eng"}}}).want(t, 200)
		if dg := sc.post(scimBase+"/Groups", map[string]any{"displayName": "Eng"}).want(t, 409).obj(t); dg["scimType"] != "uniqueness" {
			t.Errorf("a duplicate group name: %v", dg)
		}
		sc.delete(scimBase+"/Groups/"+gid).want(t, 204)
		sc.get(scimBase+"/Groups/"+gid).want(t, 404)
	})
}

// A SCIM token works on its org's SCIM endpoints only; a revoked one, one
// of another org or one on any other route is 401, saying nothing more.
func TestSCIMTokenBounds(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sc, id := e.scimToken(t, e.owner, "acme", map[string]any{"name": "okta"})
		e.owner.post("/v1/orgs", map[string]any{"id": "beta", "name": "Beta"}).want(t, 201)
		scB, _ := e.scimToken(t, e.owner, "beta", map[string]any{"name": "okta"})
		scB.post("/v1/orgs/beta/scim/v2/Users", map[string]any{"userName": "zed@beta.test"}).want(t, 201)

		a401 := sc.get("/v1/orgs/beta/scim/v2/Users").want(t, 401).body
		b401 := scB.get(scimBase+"/Users").want(t, 401).body
		n401 := e.as("gsc_"+strings.Repeat("A", 43)).get("/v1/orgs/nope/scim/v2/Users").want(t, 401).body
		if string(a401) != string(n401) || string(b401) != string(n401) {
			t.Errorf("401s differ: %s / %s / %s", a401, b401, n401)
		}
		if strings.Contains(string(b401), "zed") || strings.Contains(string(a401), "beta.test") {
			t.Errorf("a 401 tells of another org: %s", a401)
		}
		e.anon().get(scimBase+"/Users").want(t, 401)
		e.owner.get(scimBase+"/Users").want(t, 401) // a session is no SCIM token
		e.key.get(scimBase+"/Users").want(t, 401)   // nor a secret key
		for _, p := range []string{"/v1/orgs/acme/members", "/v1/me", "/v1/orgs/acme/scim-tokens"} {
			sc.get(p).want(t, 401)
		}

		// No escalation: an Admin cannot make a token that provisions Owners,
		// and a token loses its power with its maker's.
		ada, adaID := e.member(e.owner, "acme", "ada@acme.test", "admin")
		ada.post("/v1/orgs/acme/scim-tokens", map[string]any{"name": "x", "role": "owner"}).want(t, 403)
		e.owner.post("/v1/orgs/acme/scim-tokens", map[string]any{"name": "x", "role": "dataset.owner"}).want(t, 422)
		adaSC, _ := e.scimToken(t, ada, "acme", map[string]any{"name": "ada's"})
		adaSC.post(scimBase+"/Users", map[string]any{"userName": "one@acme.test"}).want(t, 201)
		e.owner.patch("/v1/orgs/acme/members/"+adaID, map[string]any{"role": "member"}).want(t, 200)
		adaSC.post(scimBase+"/Users", map[string]any{"userName": "two@acme.test"}).want(t, 403)
		member, _ := e.member(e.owner, "acme", "mo@acme.test", "member")
		member.post("/v1/orgs/acme/scim-tokens", map[string]any{"name": "x"}).want(t, 403)
		member.get("/v1/orgs/acme/scim-tokens").want(t, 403)

		// Revoked: 401 at once. Another org's token id is 404.
		e.owner.delete("/v1/orgs/beta/scim-tokens/"+id).want(t, 404)
		e.owner.delete("/v1/orgs/acme/scim-tokens/"+id).want(t, 204)
		sc.get(scimBase+"/Users").want(t, 401)
		e.owner.delete("/v1/orgs/acme/scim-tokens/"+id).want(t, 404)
		acts := strings.Join(auditActions(t, e.owner, "acme"), " ")
		if !strings.Contains(acts, "scim_token.revoke") {
			t.Errorf("audit log lacks the revocation: %s", acts)
		}
	})
}

// A SCIM body that stalls is cut off at the body read timeout with a SCIM
// error, as every other route's is, rather than holding the request.
func TestSCIMStalledBody(t *testing.T) {
	runWith(t, envOptions{}, func(t *testing.T, e *env) {
		if e.backend != "sqlite" {
			t.Skip("HTTP only; one backend is enough")
		}
		r := e.owner.post("/v1/orgs/acme/scim-tokens", map[string]any{"name": "okta"}).want(t, 201).obj(t)
		got := stalledRequest(t, e.url, scimBase+"/Users", r["token"].(string), "application/scim+json")
		if !strings.HasPrefix(got, `408 application/scim+json {"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"408"`) {
			t.Errorf("stalled SCIM body: %q", got)
		}
	})
}

// Searches (RFC 7644 §3.4.3) mean what the list's query means: a filter,
// attributes or excludedAttributes, a page. The base's /.search finds
// users and groups at once.
func TestSCIMSearch(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sc, _ := e.scimToken(t, e.owner, "acme", map[string]any{"name": "okta"})
		ann := sc.post(scimBase+"/Users", map[string]any{"userName": "ann@acme.test", "externalId": "00u9",
			"name": map[string]any{"givenName": "Ann", "familyName": "Lee"}, "title": "Annotator",
			scimEnterprise: map[string]any{"department": "Vision", "costCenter": "42"}}).want(t, 201).scim(t)
		sc.post(scimBase+"/Groups", map[string]any{"displayName": "Labelers", "members": []map[string]any{{"value": ann["id"]}}}).want(t, 201)
		const req = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
		names := func(l map[string]any) (out []string) {
			for _, x := range l["Resources"].([]any) {
				m := x.(map[string]any)
				n, _ := m["userName"].(string)
				if n == "" {
					n, _ = m["displayName"].(string)
				}
				out = append(out, n)
			}
			return out
		}
		for _, c := range []struct {
			name, path string
			body       map[string]any
			want       string // the names found, sorted
			total      int
			check      func(t *testing.T, first map[string]any)
		}{
			{"users by userName", "/Users/.search", map[string]any{"filter": `userName eq "ANN@acme.test"`}, "ann@acme.test", 1, nil},
			{"attributes keep only what they name", "/Users/.search",
				map[string]any{"filter": `externalId eq "00u9"`, "attributes": []string{"userName", "urn:ietf:params:scim:schemas:core:2.0:User:name.givenName"}},
				"ann@acme.test", 1, func(t *testing.T, u map[string]any) {
					if n, _ := u["name"].(map[string]any); len(u) != 4 || u["id"] != ann["id"] || u["schemas"] == nil || len(n) != 1 || n["givenName"] != "Ann" {
						t.Errorf("projected user %v", u)
					}
				}},
			{"excludedAttributes drop what they name", "/Users/.search",
				map[string]any{"filter": `userName eq "ann@acme.test"`, "excludedAttributes": []string{"title", "emails"}},
				"ann@acme.test", 1, func(t *testing.T, u map[string]any) {
					if u["title"] != nil || u["emails"] != nil || u["name"] == nil {
						t.Errorf("user without title and emails %v", u)
					}
				}},
			{"an extension is named by its URN, its attributes under it", "/Users/.search",
				map[string]any{"filter": `userName eq "ann@acme.test"`, "attributes": []string{scimEnterprise + ":department"}},
				"", 1, func(t *testing.T, u map[string]any) {
					if ext, _ := u[scimEnterprise].(map[string]any); len(u) != 3 || len(ext) != 1 || ext["department"] != "Vision" || !slices.Contains(u["schemas"].([]any), scimEnterprise) {
						t.Errorf("user with the department alone %v", u)
					}
				}},
			{"excluding an extension drops it from schemas too", "/Users/.search",
				map[string]any{"filter": `userName eq "ann@acme.test"`, "excludedAttributes": []string{scimEnterprise}},
				"ann@acme.test", 1, func(t *testing.T, u map[string]any) {
					if u[scimEnterprise] != nil || slices.Contains(u["schemas"].([]any), scimEnterprise) || u["title"] != "Annotator" {
						t.Errorf("user without the extension %v", u)
					}
				}},
			{"a sub-attribute nobody has leaves its attribute out", "/Users/.search",
				map[string]any{"filter": `userName eq "ann@acme.test"`, "attributes": []string{"userName", "name.nothing", "emails.nothing"}},
				"ann@acme.test", 1, func(t *testing.T, u map[string]any) {
					if len(u) != 3 {
						t.Errorf("user with userName alone %v", u)
					}
				}},
			{"an empty name asks for nothing in particular", "/Users/.search",
				map[string]any{"filter": `userName eq "ann@acme.test"`, "attributes": []string{""}},
				"ann@acme.test", 1, func(t *testing.T, u map[string]any) {
					if u["title"] != "Annotator" || u[scimEnterprise] == nil {
						t.Errorf("user with everything %v", u)
					}
				}},
			{"groups by displayName", "/Groups/.search", map[string]any{"filter": `displayName eq "labelers"`}, "Labelers", 1, nil},
			{"both kinds at once", "/.search", map[string]any{}, "Labelers,ann@acme.test,olivia@acme.test", 3, nil},
			{"a filter of one kind finds none of the other", "/.search", map[string]any{"filter": `displayName eq "Labelers"`}, "Labelers", 1, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				c.body["schemas"] = []string{req}
				l := sc.post(scimBase+c.path, c.body).want(t, 200).scim(t)
				found := names(l)
				slices.Sort(found)
				got := strings.Join(found, ",")
				if got != c.want || l["totalResults"] != float64(c.total) || l["schemas"].([]any)[0] != "urn:ietf:params:scim:api:messages:2.0:ListResponse" {
					t.Errorf("found %q, want %q: %v", got, c.want, l)
				}
				if c.check != nil {
					c.check(t, l["Resources"].([]any)[0].(map[string]any))
				}
			})
		}
		// One page runs over both kinds, users first.
		var paged []string
		for start := 1; start <= 3; start++ {
			l := sc.post(scimBase+"/.search", map[string]any{"schemas": []string{req}, "startIndex": start, "count": 1}).want(t, 200).scim(t)
			if l["totalResults"] != 3.0 || l["itemsPerPage"] != 1.0 || l["startIndex"] != float64(start) {
				t.Errorf("page %d: %v", start, l)
			}
			paged = append(paged, names(l)...)
		}
		if len(paged) != 3 || paged[2] != "Labelers" || paged[0] == paged[1] {
			t.Errorf("pages of one over both kinds: %v", paged)
		}
		// A GET with attributes projects as the search does.
		u := sc.get(scimBase+"/Users/"+ann["id"].(string)+"?attributes=title").want(t, 200).scim(t)
		if len(u) != 3 || u["title"] != "Annotator" {
			t.Errorf("GET with attributes=title: %v", u)
		}
		// So does a write's answer (RFC 7644 §3.9); the write is whole.
		w := sc.post(scimBase+"/Users?attributes=userName", map[string]any{"userName": "wes@acme.test", "title": "Reviewer"}).want(t, 201).scim(t)
		if len(w) != 3 || w["userName"] != "wes@acme.test" {
			t.Errorf("POST with attributes=userName: %v", w)
		}
		if got := sc.get(scimBase+"/Users/"+w["id"].(string)).want(t, 200).scim(t); got["title"] != "Reviewer" {
			t.Errorf("the projected write lost an attribute: %v", got)
		}
		// Bad searches are SCIM errors, never a 500.
		for _, bad := range []map[string]any{
			{}, // no SearchRequest schema
			{"schemas": []string{req}, "sortBy": "userName"},
			{"schemas": []string{req}, "filter": `userName co "a"`},
			{"schemas": []string{req}, "count": "ten"},
		} {
			r := sc.post(scimBase+"/Users/.search", bad).want(t, 400)
			checkSCIMError(t, r)
		}
		checkSCIMError(t, sc.get(scimBase+"/.search").want(t, 405))
		for _, path := range []string{"/Users/.search", "/Groups/.search"} {
			checkSCIMError(t, sc.get(scimBase+path).want(t, 405))
			checkSCIMError(t, sc.do("DELETE", scimBase+path, nil).want(t, 405))
		}
		checkSCIMError(t, sc.post(scimBase+"/Users/.search", `{"schemas":["`+req+`"]} {"sortBy":"userName"}`).want(t, 400))
		// A view that names too many attributes is refused before any write.
		many := make([]string, 101)
		for i := range many {
			many[i] = "a" + itoa(i)
		}
		r := sc.post(scimBase+"/Users?attributes="+strings.Join(many, ","), map[string]any{"userName": "zed@acme.test"}).want(t, 400)
		checkSCIMError(t, r)
		if got := sc.get(scimBase+`/Users?filter=userName%20eq%20%22zed%40acme.test%22`).want(t, 200).scim(t); got["totalResults"] != 0.0 {
			t.Errorf("a write refused for its view was made: %v", got)
		}
		checkSCIMError(t, sc.post(scimBase+"/Users/.search", map[string]any{"schemas": []string{req}, "excludedAttributes": many}).want(t, 400))
	})
}

// Every step of a group replacement is judged before the first is
// written: in Labelbox, a member with a workspace-wide role may not join a
// group holding a project role, and refusing her refuses the rename and
// the other member beside her too.
func TestSCIMGroupReplacementIsJudgedWhole(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "project:p1", nil)
		_, inID := e.member(e.owner, "acme", "in@acme.test", "member")
		_, wideID := e.member(e.owner, "acme", "wide@acme.test", "labeler")
		sc, _ := e.scimToken(t, e.owner, "acme", map[string]any{"name": "okta"})
		gid := sc.post(scimBase+"/Groups", map[string]any{"displayName": "Reviewers"}).want(t, 201).scim(t)["id"].(string)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + gid, "role": "reviewer", "scope": "project:p1"}).want(t, 201)
		unchanged := func(what string) {
			t.Helper()
			g := sc.get(scimBase+"/Groups/"+gid).want(t, 200).scim(t)
			if g["displayName"] != "Reviewers" || len(g["members"].([]any)) != 0 {
				t.Errorf("a refused %s changed the group: %v", what, g)
			}
		}
		checkSCIMError(t, sc.put(scimBase+"/Groups/"+gid, map[string]any{"displayName": "Project reviewers",
			"members": []map[string]any{{"value": inID}, {"value": wideID}}}).want(t, 409))
		unchanged("PUT")
		checkSCIMError(t, sc.patch(scimBase+"/Groups/"+gid, map[string]any{"Operations": []map[string]any{
			{"op": "replace", "path": "displayName", "value": "Project reviewers"},
			{"op": "add", "path": "members", "value": []map[string]any{{"value": inID}, {"value": wideID}}},
		}}).want(t, 409))
		unchanged("PATCH")
		// A group created with a member who is none is not created.
		checkSCIMError(t, sc.post(scimBase+"/Groups", map[string]any{"displayName": "Ghosts", "members": []map[string]any{{"value": "u_nobody"}}}).want(t, 404))
		if l := sc.get(scimBase+`/Groups?filter=displayName%20eq%20%22Ghosts%22`).want(t, 200).scim(t); l["totalResults"] != float64(0) {
			t.Errorf("a refused create made a group: %v", l)
		}
		// Without her, the same change is made.
		g := sc.patch(scimBase+"/Groups/"+gid, map[string]any{"Operations": []map[string]any{
			{"op": "replace", "path": "displayName", "value": "Project reviewers"},
			{"op": "add", "path": "members", "value": []map[string]any{{"value": inID}}},
		}}).want(t, 200).scim(t)
		if g["displayName"] != "Project reviewers" || len(g["members"].([]any)) != 1 {
			t.Errorf("after the allowed PATCH: %v", g)
		}
	})
}

// Identity providers send group members a few at a time, concurrently: a
// PATCH adding one member leaves the members other PATCHes added.
func TestSCIMConcurrentGroupPatches(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sc, _ := e.scimToken(t, e.owner, "acme", map[string]any{"name": "okta"})
		const n = 12
		ids := make([]string, n)
		for i := range ids {
			ids[i] = sc.post(scimBase+"/Users", map[string]any{"userName": fmt.Sprintf("p%d@acme.test", i)}).want(t, 201).scim(t)["id"].(string)
		}
		gid := sc.post(scimBase+"/Groups", map[string]any{"displayName": "Crowd"}).want(t, 201).scim(t)["id"].(string)
		var wg sync.WaitGroup
		status := make([]int, n)
		for i, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				status[i] = sc.patch(scimBase+"/Groups/"+gid, map[string]any{"Operations": []map[string]any{
					{"op": "add", "path": "members", "value": []map[string]any{{"value": id}}}}}).status
			}()
		}
		wg.Wait()
		for i, st := range status {
			if st != 200 {
				t.Errorf("PATCH %d: %d", i, st)
			}
		}
		if got := sc.get(scimBase+"/Groups/"+gid).want(t, 200).scim(t)["members"].([]any); len(got) != n {
			t.Errorf("after %d concurrent additions the group has %d members", n, len(got))
		}
	})
}

// SCIM provisions new people: an email with an account already (of
// another org, perhaps) is not attached to the org, since the org's IdP
// could then sign in as that person; it joins by accepting an invitation.
func TestSCIMDoesNotAttachExistingAccounts(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.post("/v1/orgs", map[string]any{"id": "beta", "name": "Beta"}).want(t, 201)
		e.member(e.owner, "beta", "bob@beta.test", "admin")
		sc, _ := e.scimToken(t, e.owner, "acme", map[string]any{"name": "okta"})
		r := sc.post(scimBase+"/Users", map[string]any{"userName": "bob@beta.test"}).want(t, 409)
		checkSCIMError(t, r)
		if !strings.Contains(string(r.body), "invite it") {
			t.Errorf("attaching an existing account: %s", r.body)
		}
		for _, m := range e.owner.get("/v1/orgs/acme/members").want(t, 200).items(t) {
			if m["email"] == "bob@beta.test" {
				t.Errorf("bob was attached to acme")
			}
		}
	})
}
