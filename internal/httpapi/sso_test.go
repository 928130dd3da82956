package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/ssotest"
)

const ssoCallback = "https://gatehouse.test/v1/auth/sso/callback"

// ssoSignIn runs a browser (following redirects, as one does) through the sign-in: start, the provider's
// pages, and back to the callback; it returns the callback's answer and
// the query the provider sent back (to replay it).
func ssoSignIn(t *testing.T, e *env, org string) (*response, string) {
	t.Helper()
	return ssoSignInAt(t, e, org, "")
}

// ssoSignInAt is ssoSignIn by a browser at addr (when not empty), behind
// the proxy a trust-proxy server believes.
func ssoSignInAt(t *testing.T, e *env, org, addr string) (*response, string) {
	t.Helper()
	var back string
	c := &http.Client{CheckRedirect: func(r *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(r.URL.String(), ssoCallback) {
			back = r.URL.RawQuery
			return http.ErrUseLastResponse
		}
		return nil
	}}
	req, err := http.NewRequest("GET", e.url+"/v1/auth/sso/start?org="+org, nil)
	if err != nil {
		t.Fatal(err)
	}
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if back == "" {
		t.Fatalf("the provider did not send the browser back (status %d)", resp.StatusCode)
	}
	return e.anon().get("/v1/auth/sso/callback?" + back), back
}

// lastAudit is the newest event of action (the log lists newest first).
func lastAudit(t *testing.T, e *env, action string) map[string]any {
	t.Helper()
	items := e.owner.get("/v1/orgs/acme/audit?limit=100").want(t, 200).items(t)
	for _, it := range items {
		if it["action"] == action {
			return it
		}
	}
	t.Fatalf("no %s event in the audit log", action)
	return nil
}

func TestSSO(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		op := ssotest.Start(t, ssoCallback)
		e.owner.resource(t, "acme", "dataset:cats", nil)
		eng := e.owner.post("/v1/orgs/acme/groups", map[string]any{"name": "Engineering"}).want(t, 201).str(t, "id")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "group:" + eng, "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 201)
		cfg := map[string]any{"issuer": op.Issuer, "client_id": op.ClientID, "client_secret": op.ClientSecret,
			"domains": []string{"Acme.test"}, "default_role": "member", "group_map": map[string]string{"eng": eng}}

		// Bad input is 422, never stored; the secret is never returned.
		for name, bad := range map[string]map[string]any{
			"http issuer off loopback": {"issuer": "http://idp.example.com"},
			"no domains":               {"domains": []string{}},
			"a domain with @":          {"domains": []string{"a@b.test"}},
			"the top role":             {"default_role": "owner"},
			"an unknown group":         {"group_map": map[string]string{"x": "g_missing"}},
			"an unknown role":          {"default_role": "no_such_role"},
		} {
			b := map[string]any{}
			for k, v := range cfg {
				b[k] = v
			}
			for k, v := range bad {
				b[k] = v
			}
			if r := e.owner.put("/v1/orgs/acme/sso", b); r.status != 422 {
				t.Errorf("%s: status %d, want 422: %s", name, r.status, r.body)
			}
		}
		e.owner.get("/v1/orgs/acme/sso").want(t, 404)
		set := e.owner.put("/v1/orgs/acme/sso", cfg).want(t, 200)
		if strings.Contains(string(set.body), op.ClientSecret) || set.obj(t)["client_secret_set"] != true {
			t.Fatalf("the answer shows the secret or does not say it is set: %s", set.body)
		}
		got := e.owner.get("/v1/orgs/acme/sso").want(t, 200)
		if strings.Contains(string(got.body), op.ClientSecret) || got.str(t, "redirect_uri") != ssoCallback {
			t.Fatalf("GET sso: %s", got.body)
		}
		// A member without user management may neither see nor set it.
		mem, _ := e.member(e.owner, "acme", "mo@acme.test", "member")
		mem.get("/v1/orgs/acme/sso").want(t, 403)
		mem.put("/v1/orgs/acme/sso", cfg).want(t, 403)

		// Just-in-time: a new person of the org's domain joins as default_role,
		// in the mapped group, and the session acts in this org alone.
		op.SignIn(ssotest.Person{Subject: "s1", Email: "nia@acme.test", EmailVerified: true, Name: "Nia", Groups: []string{"eng", "other"}})
		r, back := ssoSignIn(t, e, "acme")
		r.want(t, 200)
		if r.obj(t)["joined"] != true {
			t.Fatalf("not joined: %s", r.body)
		}
		nia := e.as(r.str(t, "token"))
		me := nia.get("/v1/me").want(t, 200)
		if orgs := me.obj(t)["orgs"].([]any); len(orgs) != 1 || orgs[0].(map[string]any)["role"] != "member" {
			t.Fatalf("me: %s", me.body)
		}
		if !nia.allowed(t, "acme", "", "dataset.view", "dataset:cats") {
			t.Error("the mapped group's grant does not reach the SSO member")
		}
		if ev := lastAudit(t, e, "session.login"); !strings.Contains(string(mustJSON(ev["after"])), `sso`) {
			t.Errorf("session.login does not say sso: %v", ev)
		}

		// The replayed state is refused.
		e.anon().get("/v1/auth/sso/callback?"+back).want(t, 401)

		// Groups follow the IdP at each sign-in.
		op.SignIn(ssotest.Person{Subject: "s1", Email: "nia@acme.test", EmailVerified: true, Name: "Nia"})
		r, _ = ssoSignIn(t, e, "acme")
		r.want(t, 200)
		if r.obj(t)["joined"] != false || e.as(r.str(t, "token")).allowed(t, "acme", "", "dataset.view", "dataset:cats") {
			t.Errorf("second sign-in without the IdP group still holds the group's grant: %s", r.body)
		}

		// Refusals, each audited with its reason.
		for _, c := range []struct {
			name   string
			person ssotest.Person
			setup  func()
			reason string
		}{
			{"a domain that does not match", ssotest.Person{Subject: "s2", Email: "eve@evil.test", EmailVerified: true}, nil, "domain"},
			{"an unverified email", ssotest.Person{Subject: "s3", Email: "ula@acme.test"}, nil, "not verified"},
			{"an expired ID token", ssotest.Person{Subject: "s4", Email: "exa@acme.test", EmailVerified: true},
				func() { op.SetLifetime(-time.Minute) }, "expired"},
			{"a wrong audience", ssotest.Person{Subject: "s5", Email: "wra@acme.test", EmailVerified: true},
				func() { op.SetAudience("someone-else") }, "audience"},
			{"a replayed nonce", ssotest.Person{Subject: "s6", Email: "rna@acme.test", EmailVerified: true},
				func() { op.SetNonce("a-nonce-of-another-sign-in") }, "nonce"},
			{"a groups overage (Entra ID past 200 groups)", ssotest.Person{Subject: "s9", Email: "gro@acme.test", EmailVerified: true, GroupsOverage: true}, nil, "overage"},
			{"the Owner (break-glass is the password)", ssotest.Person{Subject: "s7", Email: ownerEmail, EmailVerified: true}, nil, "top role"},
		} {
			op.Reset()
			if c.setup != nil {
				c.setup()
			}
			op.SignIn(c.person)
			r, _ := ssoSignIn(t, e, "acme")
			if r.status != 403 {
				t.Errorf("%s: status %d, want 403: %s", c.name, r.status, r.body)
				continue
			}
			ev := lastAudit(t, e, "sso.login_refused")
			if !strings.Contains(string(mustJSON(ev["after"])), c.reason) {
				t.Errorf("%s: refusal audited as %v, want a reason with %q", c.name, ev["after"], c.reason)
			}
		}
		op.Reset()

		// Enforcement: a member's password is refused; the Owner's works.
		cfg["enforce"] = true
		cfg["client_secret"] = "" // keeps the one set
		e.owner.put("/v1/orgs/acme/sso", cfg).want(t, 200)
		e.anon().post("/v1/auth/login", map[string]any{"email": "mo@acme.test", "password": memberPassword("mo@acme.test")}).want(t, 403)
		e.login(ownerEmail, ownerPassword)
		// Mo also belongs to beta; his SSO session acts in acme alone.
		e.owner.post("/v1/orgs", map[string]any{"id": "beta", "name": "Beta"}).want(t, 201)
		inv := e.owner.post("/v1/orgs/beta/invitations", map[string]any{"email": "mo@acme.test", "role": "member"}).want(t, 201)
		e.anon().post("/v1/invitations/accept", map[string]any{"token": inv.str(t, "token"), "email": "mo@acme.test",
			"password": memberPassword("mo@acme.test")}).want(t, 200)
		op.SignIn(ssotest.Person{Subject: "s8", Email: "mo@acme.test", EmailVerified: true})
		r, _ = ssoSignIn(t, e, "acme")
		r.want(t, 200)
		mo := e.as(r.str(t, "token"))
		mo.get("/v1/orgs/acme").want(t, 200)
		mo.get("/v1/orgs/beta").want(t, 404)
		if orgs := mo.get("/v1/me").want(t, 200).obj(t)["orgs"].([]any); len(orgs) != 1 {
			t.Errorf("an SSO session lists %d orgs, want its one", len(orgs))
		}
		// Every sign-in above (two requests each) discovered the provider
		// once: the discovery document is kept for ssoDiscoveryTTL.
		if n := op.Discoveries(); n != 1 {
			t.Errorf("the discovery document was fetched %d times, want once", n)
		}

		e.owner.delete("/v1/orgs/acme/sso").want(t, 204)
		e.anon().post("/v1/auth/login", map[string]any{"email": "mo@acme.test", "password": memberPassword("mo@acme.test")}).want(t, 200)
		e.anon().get("/v1/auth/sso/start?org=acme").want(t, 404)
	})
}
