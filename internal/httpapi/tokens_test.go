package httpapi_test

import (
	"strings"
	"testing"
	"time"
)

// pat makes a personal access token through c and returns its answer.
func (c *client) pat(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	return c.post("/v1/me/tokens", body).want(t, 201).obj(t)
}

func auditActions(t *testing.T, c *client, org string) []string {
	t.Helper()
	var out []string
	for _, ev := range c.get("/v1/orgs/"+org+"/audit?limit=1000").want(t, 200).items(t) {
		out = append(out, ev["action"].(string))
	}
	return out
}

func TestPersonalTokens(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		ada, adaID := e.member(e.owner, "acme", "ada@acme.test", "admin")

		// Create: the secret is shown once; no expiry takes the default.
		k := ada.pat(t, map[string]any{"name": "ci", "org": "acme"})
		hasKeys(t, "token", k, "id", "name", "org", "prefix", "secret", "created_at", "expires_at", "revision")
		secret, id := k["secret"].(string), k["id"].(string)
		if !strings.HasPrefix(secret, "gsp_") || !strings.HasPrefix(id, "pat_") || !strings.HasPrefix(secret, k["prefix"].(string)) || k["org"] != "acme" {
			t.Errorf("token %v", k)
		}
		if want := e.clock.Now().Add(90 * 24 * time.Hour).UTC().Format(time.RFC3339); !strings.HasPrefix(k["expires_at"].(string), want[:16]) {
			t.Errorf("expires_at %v, want about %s", k["expires_at"], want)
		}

		// It is a bearer acting as ada in acme.
		pat := e.as(secret)
		pat.get("/v1/orgs/acme/members").want(t, 200)
		if !pat.allowed(t, "acme", "", "dataset.upload", "dataset:cats") {
			t.Errorf("an admin's token cannot upload")
		}
		if !strings.Contains(e.logs.String(), `"token":"`+id+`"`) {
			t.Errorf("the request log does not name the token a request came through")
		}
		me := pat.get("/v1/me").want(t, 200).obj(t)
		if me["id"] != adaID {
			t.Errorf("/v1/me through the token: %v", me)
		}

		// Listed without the secret, with its last use.
		list := ada.get("/v1/me/tokens").want(t, 200).items(t)
		if len(list) != 1 {
			t.Fatalf("tokens %v", list)
		}
		hasKeys(t, "listed token", list[0], "id", "name", "org", "created_at", "expires_at", "last_used_at")
		if _, ok := list[0]["secret"]; ok || list[0]["last_used_at"] == nil || list[0]["id"] != id {
			t.Errorf("listed token %v", list[0])
		}
		if n := len(e.owner.get("/v1/me/tokens").want(t, 200).items(t)); n != 0 {
			t.Errorf("the owner lists %d tokens of another user", n)
		}

		// A token makes no credential and manages no tokens, sessions or password.
		for _, c := range []struct {
			method, path string
			body         map[string]any
		}{
			{"POST", "/v1/me/tokens", map[string]any{"name": "more", "org": "acme"}},
			{"GET", "/v1/me/tokens", nil},
			{"DELETE", "/v1/me/tokens/" + id, nil},
			{"POST", "/v1/orgs/acme/keys", map[string]any{"name": "bot", "role": "dataset.viewer", "scope": "dataset:cats"}},
			{"POST", "/v1/me/password", map[string]any{"current_password": memberPassword("ada@acme.test"), "new_password": "a brand new passphrase"}},
			{"GET", "/v1/me/sessions", nil},
			{"DELETE", "/v1/me/sessions", nil},
			{"POST", "/v1/orgs", map[string]any{"id": "mine", "name": "Mine"}},
			{"PATCH", "/v1/orgs/acme", map[string]any{"pat_max_days": 366}},
		} {
			pat.do(c.method, c.path, c.body).want(t, 403)
		}
		// The key the admin can make in person, the token cannot.
		kid := ada.post("/v1/orgs/acme/keys", map[string]any{"name": "bot", "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201).str(t, "id")
		pat.post("/v1/orgs/acme/keys/"+kid+"/rotate", map[string]any{}).want(t, 403)
		pat.get("/v1/orgs/acme/keys").want(t, 200) // what is no credential-making stays the user's

		// Power follows the user at each request.
		e.owner.patch("/v1/orgs/acme/members/"+adaID, map[string]any{"role": "member"}).want(t, 200)
		if pat.allowed(t, "acme", "", "dataset.upload", "dataset:cats") {
			t.Errorf("the token kept the admin role its user lost")
		}
		pat.get("/v1/orgs/acme/keys").want(t, 403)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + adaID, "role": "dataset.editor", "scope": "dataset:cats"}).want(t, 201)
		if !pat.allowed(t, "acme", "", "dataset.upload", "dataset:cats") {
			t.Errorf("the token did not gain the grant its user got")
		}

		// Revoke: the next request gets 401; twice, or another's, is 404.
		k2 := ada.pat(t, map[string]any{"name": "laptop", "org": "acme"})
		pat2 := e.as(k2["secret"].(string))
		pat2.get("/v1/orgs/acme").want(t, 200)
		e.owner.delete("/v1/me/tokens/"+k2["id"].(string)).want(t, 404)
		ada.delete("/v1/me/tokens/"+k2["id"].(string)).want(t, 204)
		pat2.get("/v1/orgs/acme").want(t, 401)
		ada.delete("/v1/me/tokens/"+k2["id"].(string)).want(t, 404)

		// The membership ending ends the token at once.
		e.owner.patch("/v1/orgs/acme/members/"+adaID, map[string]any{"expires_at": e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)}).want(t, 200)
		pat.get("/v1/orgs/acme").want(t, 200)
		e.clock.Advance(2 * time.Hour)
		pat.get("/v1/orgs/acme").want(t, 401)

		acts := strings.Join(auditActions(t, e.owner, "acme"), " ")
		for _, want := range []string{"token.create", "token.revoke", "token.use_failed"} {
			if !strings.Contains(acts, want) {
				t.Errorf("audit has no %s: %s", want, acts)
			}
		}
	})
}

func TestPersonalTokenEnds(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		bob, bobID := e.member(e.owner, "acme", "bob@acme.test", "member")

		// An expired token is refused, and listed as expired.
		k := bob.pat(t, map[string]any{"name": "short", "org": "acme", "expires_at": e.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
		short := e.as(k["secret"].(string))
		short.get("/v1/orgs/acme").want(t, 200)
		bob.post("/v1/me/tokens", map[string]any{"name": "past", "org": "acme", "expires_at": e.clock.Now().Add(-time.Hour).UTC().Format(time.RFC3339)}).want(t, 422)
		e.clock.Advance(2 * time.Hour)
		short.get("/v1/orgs/acme").want(t, 401)
		if l := bob.get("/v1/me/tokens").want(t, 200).items(t); len(l) != 1 || l[0]["expired"] != true {
			t.Errorf("tokens after expiry %v", l)
		}

		// Garbage and look-alikes are 401.
		e.as("gsp_nothing").get("/v1/orgs/acme").want(t, 401)
		e.as("gsp_"+strings.Repeat("A", 43)).get("/v1/orgs/acme").want(t, 401)

		// Removing the member removes the token.
		k2 := bob.pat(t, map[string]any{"name": "ci", "org": "acme"})
		pat := e.as(k2["secret"].(string))
		pat.get("/v1/orgs/acme").want(t, 200)
		e.owner.delete("/v1/orgs/acme/members/"+bobID).want(t, 200)
		pat.get("/v1/orgs/acme").want(t, 401)
		if l := bob.get("/v1/me/tokens").want(t, 200).items(t); len(l) != 0 {
			t.Errorf("a removed member's tokens %v", l)
		}
	})
}

func TestPersonalTokenCap(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		bob, _ := e.member(e.owner, "acme", "bob@acme.test", "member")
		day := 24 * time.Hour
		at := func(d time.Duration) string { return e.clock.Now().Add(d).UTC().Format(time.RFC3339) }

		// Without a cap of the org's: at most a year.
		bob.pat(t, map[string]any{"name": "long", "org": "acme", "expires_at": at(300 * day)})
		bob.post("/v1/me/tokens", map[string]any{"name": "forever", "org": "acme", "expires_at": at(400 * day)}).want(t, 422)

		// The cap is an org setting, for who manages keys, in person.
		bob.patch("/v1/orgs/acme", map[string]any{"pat_max_days": 30}).want(t, 403)
		e.owner.patch("/v1/orgs/acme", map[string]any{"pat_max_days": -1}).want(t, 422)
		e.owner.patch("/v1/orgs/acme", map[string]any{"pat_max_days": 367}).want(t, 422)
		o := e.owner.patch("/v1/orgs/acme", map[string]any{"pat_max_days": 30}).want(t, 200).obj(t)
		if o["pat_max_days"] != float64(30) || e.owner.get("/v1/orgs/acme").want(t, 200).obj(t)["pat_max_days"] != float64(30) {
			t.Errorf("org after the cap %v", o)
		}
		e.key.patch("/v1/orgs/acme", map[string]any{"pat_max_days": 30}).want(t, 200) // an admin key manages keys

		// Beyond it: 422 naming the cap. No expiry: the cap.
		d := bob.post("/v1/me/tokens", map[string]any{"name": "ci", "org": "acme", "expires_at": at(31 * day)}).want(t, 422).detail(t)
		if !strings.Contains(d, "30 days") || !strings.Contains(d, "pat_max_days") {
			t.Errorf("refusal %q does not name the cap", d)
		}
		k := bob.pat(t, map[string]any{"name": "ci", "org": "acme"})
		if got, err := time.Parse(time.RFC3339, k["expires_at"].(string)); err != nil || got.Sub(e.clock.Now().Add(30*day)).Abs() > 2*time.Second {
			t.Errorf("expires_at %s, want the cap %s", k["expires_at"], at(30*day))
		}
		bob.pat(t, map[string]any{"name": "ci", "org": "acme", "expires_at": at(29 * day)})

		// A body that renames and caps is refused whole or applied whole.
		e.owner.patch("/v1/orgs/acme", map[string]any{"name": "Renamed", "pat_max_days": 999}).want(t, 422)
		if o := e.owner.get("/v1/orgs/acme").want(t, 200).obj(t); o["name"] != "Acme" || o["pat_max_days"] != float64(30) {
			t.Errorf("a refused update changed the org: %v", o)
		}
		o = e.owner.patch("/v1/orgs/acme", map[string]any{"name": "Acme Labs", "pat_max_days": 10}).want(t, 200).obj(t)
		if o["name"] != "Acme Labs" || o["pat_max_days"] != float64(10) {
			t.Errorf("org after both changes %v", o)
		}
		if !strings.Contains(strings.Join(auditActions(t, e.owner, "acme"), " "), "org.token_policy") {
			t.Errorf("the cap's change is not audited")
		}
	})
}

func TestPersonalTokenIsolation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.post("/v1/orgs", map[string]any{"id": "beta", "name": "Beta"}).want(t, 201)
		e.owner.resource(t, "beta", "dataset:secret", nil)
		ada, _ := e.member(e.owner, "acme", "ada@acme.test", "admin")
		inv := e.owner.post("/v1/orgs/beta/invitations", map[string]any{"email": "ada@acme.test", "role": "admin"}).want(t, 201)
		e.anon().post("/v1/invitations/accept", map[string]any{"token": inv.str(t, "token"), "email": "ada@acme.test",
			"password": memberPassword("ada@acme.test")}).want(t, 200)
		ada.get("/v1/orgs/beta").want(t, 200) // ada in person reaches both

		pat := e.as(ada.pat(t, map[string]any{"name": "acme only", "org": "acme"})["secret"].(string))
		pat.get("/v1/orgs/acme").want(t, 200)
		pat.get("/v1/orgs/beta").want(t, 404)
		pat.get("/v1/orgs/beta/members").want(t, 404)
		pat.get("/v1/orgs/beta/resources/dataset/secret").want(t, 404)
		pat.post("/v1/orgs/beta/check", map[string]any{"permission": "dataset.view", "resource": "dataset:secret"}).want(t, 404)
		pat.put("/v1/orgs/beta/resources/dataset/planted", map[string]any{}).want(t, 404)
		if orgs := pat.get("/v1/me").want(t, 200).obj(t)["orgs"].([]any); len(orgs) != 1 {
			t.Errorf("/v1/me through an acme token shows %v", orgs)
		}

		// No token for an org one is not in, nor for an org that is not.
		e.owner.post("/v1/orgs", map[string]any{"id": "gamma", "name": "Gamma"}).want(t, 201)
		ada.post("/v1/me/tokens", map[string]any{"name": "x", "org": "gamma"}).want(t, 404)
		ada.post("/v1/me/tokens", map[string]any{"name": "x", "org": "nope"}).want(t, 404)
		e.key.post("/v1/me/tokens", map[string]any{"name": "x", "org": "acme"}).want(t, 403)
		ada.post("/v1/me/tokens", map[string]any{"name": "", "org": "acme"}).want(t, 422)
	})
}
