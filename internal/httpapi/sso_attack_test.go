package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/gatehouse/gatehouse/internal/ssotest"
)

// The SSO attacks an org's own user managers (who choose the identity
// provider, and so what it asserts) or a user of another org could try.

func ssoConfig(op *ssotest.OP, domains ...string) map[string]any {
	return map[string]any{"issuer": op.Issuer, "client_id": op.ClientID, "client_secret": op.ClientSecret,
		"domains": domains, "default_role": "member"}
}

// An org's IdP speaks for its own members and for new people only: an
// account that exists elsewhere is not enrolled without an invitation, and
// one org's enforcement never ends a password's use in another org.
func TestSSOCannotReachOtherTenants(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		evil := ssotest.Start(t, ssoCallback)
		e.owner.post("/v1/orgs", map[string]any{"id": "beta", "name": "Beta"}).want(t, 201)
		bob, bobID := e.member(e.owner, "beta", "bob@beta.test", "admin")
		e.owner.post("/v1/orgs/beta/transfer-ownership", map[string]any{"user_id": bobID}).want(t, 200)
		mo, _ := e.member(e.owner, "acme", "mo@acme.test", "member")
		mo.post("/v1/orgs", map[string]any{"id": "mo-org", "name": "Mo"}).want(t, 201)
		mo.put("/v1/orgs/mo-org/sso", map[string]any{"issuer": evil.Issuer, "client_id": evil.ClientID, "client_secret": evil.ClientSecret,
			"domains": []string{"beta.test"}, "default_role": "member", "enforce": true}).want(t, 200)

		evil.SignIn(ssotest.Person{Subject: "x", Email: "bob@beta.test", EmailVerified: true})
		r, _ := ssoSignIn(t, e, "mo-org")
		if r.want(t, 403); !strings.Contains(string(r.body), "invites it") {
			t.Errorf("an existing account's enrolment refused with %s", r.body)
		}
		for _, m := range mo.get("/v1/orgs/mo-org/members").want(t, 200).items(t) {
			if m["user_id"] == bobID {
				t.Errorf("bob was enrolled in mo-org without an invitation")
			}
		}
		if l := e.anon().post("/v1/auth/login", map[string]any{"email": "bob@beta.test", "password": memberPassword("bob@beta.test")}); l.status != 200 {
			t.Errorf("another org's enforcement refused beta's Owner his password: %d %s", l.status, l.body)
		}
		bob.get("/v1/orgs/beta").want(t, 200)

		// A brand-new person the IdP vouches for joins, bound to mo-org.
		evil.SignIn(ssotest.Person{Subject: "y", Email: "newbie@beta.test", EmailVerified: true})
		r, _ = ssoSignIn(t, e, "mo-org")
		r.want(t, 200)
	})
}

// A session opened through an org's SSO acts in that org alone, on the
// account's own routes too: it sees and ends only that org's sessions and
// tokens, and creates no org.
func TestSSOSessionStaysInItsOrg(t *testing.T) {
	runWith(t, envOptions{trust: true}, func(t *testing.T, e *env) {
		op := ssotest.Start(t, ssoCallback)
		e.owner.put("/v1/orgs/acme/sso", ssoConfig(op, "acme.test")).want(t, 200)
		e.owner.post("/v1/orgs", map[string]any{"id": "beta", "name": "Beta"}).want(t, 201)
		nia, _ := e.member(e.owner, "acme", "nia@acme.test", "member")
		e.member(e.owner, "beta", "nia@acme.test", "member")
		betaPAT := nia.pat(t, map[string]any{"name": "beta-ci", "org": "beta"})
		acmePAT := nia.pat(t, map[string]any{"name": "acme-ci", "org": "acme"})

		op.SignIn(ssotest.Person{Subject: "n", Email: "nia@acme.test", EmailVerified: true})
		r, _ := ssoSignIn(t, e, "acme")
		bound := e.as(r.want(t, 200).str(t, "token"))
		toks := bound.get("/v1/me/tokens").want(t, 200).items(t)
		if len(toks) != 1 || toks[0]["id"] != acmePAT["id"] {
			t.Errorf("an acme SSO session lists tokens %v, want acme's only", toks)
		}
		bound.delete("/v1/me/tokens/"+betaPAT["id"].(string)).want(t, 404)
		e.as(betaPAT["secret"].(string)).get("/v1/orgs/beta").want(t, 200)
		for _, s := range bound.get("/v1/me/sessions").want(t, 200).items(t) {
			if s["current"] != true {
				t.Errorf("an acme SSO session sees a session of another kind: %v", s)
			}
		}
		bound.delete("/v1/me/sessions").want(t, 200)
		nia.get("/v1/orgs/beta").want(t, 200) // her password session lives on
		bound.post("/v1/orgs", map[string]any{"id": "made-for-nia", "name": "X"}).want(t, 403)
		bound.get("/v1/orgs/acme").want(t, 200)
		// Nor does signing her in again and again end her other sessions:
		// each kind is kept to its own bound.
		for i := range 51 { // from addresses of their own: starts are throttled per address
			r, _ := ssoSignInAt(t, e, "acme", fmt.Sprintf("192.0.2.%d", i+1))
			r.want(t, 200)
		}
		nia.get("/v1/orgs/beta").want(t, 200)
	})
}

// Enforcement is the org's: a password session, however it was opened
// (sign-in or an invitation's acceptance), does not act in an org that
// enforces SSO, and makes no token there; the person's other orgs are
// unaffected, and the Owner's password still works (break-glass).
func TestSSOEnforcementHasNoSideDoor(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		op := ssotest.Start(t, ssoCallback)
		e.member(e.owner, "acme", "mo@acme.test", "member")
		cfg := ssoConfig(op, "acme.test")
		cfg["enforce"] = true
		e.owner.put("/v1/orgs/acme/sso", cfg).want(t, 200)
		e.anon().post("/v1/auth/login", map[string]any{"email": "mo@acme.test", "password": memberPassword("mo@acme.test")}).want(t, 403)

		e.owner.post("/v1/orgs", map[string]any{"id": "side", "name": "Side"}).want(t, 201)
		inv := e.owner.post("/v1/orgs/side/invitations", map[string]any{"email": "mo@acme.test", "role": "member"}).want(t, 201)
		acc := e.anon().post("/v1/invitations/accept", map[string]any{"token": inv.str(t, "token"), "email": "mo@acme.test",
			"password": memberPassword("mo@acme.test")}).want(t, 200)
		mo := e.as(acc.str(t, "token"))
		if r := mo.get("/v1/orgs/acme").want(t, 403); !strings.Contains(string(r.body), "SSO only") {
			t.Errorf("a password session in an enforcing org: %s", r.body)
		}
		mo.post("/v1/me/tokens", map[string]any{"name": "x", "org": "acme"}).want(t, 403)
		mo.get("/v1/orgs/side").want(t, 200)
		// Now he has an org where the password works, so it signs him in.
		e.anon().post("/v1/auth/login", map[string]any{"email": "mo@acme.test", "password": memberPassword("mo@acme.test")}).want(t, 200)
		e.owner.get("/v1/orgs/acme").want(t, 200)
		lastAudit(t, e, "sso.login_refused")
		lastAudit(t, e, "sso.password_barred")
	})
}

// Signing an existing member in gives the session all her power in the
// org, so all of it is judged for the configuration's setter: an Admin's
// IdP does not reach a grant the Admin could not give.
func TestSSOSignInJudgesWhatTheMemberHolds(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		op := ssotest.Start(t, ssoCallback)
		ada, _ := e.member(e.owner, "acme", "ada@acme.test", "admin")
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "billing_reader", "name": "Billing reader", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "billing.view"}}}).want(t, 201)
		_, carolID := e.member(e.owner, "acme", "carol@acme.test", "member")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + carolID, "role": "billing_reader", "scope": "org"}).want(t, 201)
		ada.get("/v1/orgs/acme/billing").want(t, 403)
		ada.put("/v1/orgs/acme/sso", ssoConfig(op, "acme.test")).want(t, 200)
		op.SignIn(ssotest.Person{Subject: "c", Email: "carol@acme.test", EmailVerified: true})
		r, _ := ssoSignIn(t, e, "acme")
		if r.want(t, 403); !strings.Contains(string(r.body), "billing_reader") {
			t.Errorf("refused for %s, want the grant named", r.body)
		}
		// Set by the Owner, who could give it, the same sign-in works.
		e.owner.put("/v1/orgs/acme/sso", ssoConfig(op, "acme.test")).want(t, 200)
		r, _ = ssoSignIn(t, e, "acme")
		e.as(r.want(t, 200).str(t, "token")).get("/v1/orgs/acme/billing").want(t, 200)
	})
}

// tokenCatcher is an OpenID Provider in name only: its discovery document
// is real, and its token endpoint records the client credentials it is sent.
type tokenCatcher struct {
	srv       *httptest.Server
	authorize string // the authorization endpoint it names; default its own
	mu        sync.Mutex
	seen      []string
}

func catchTokens(t *testing.T) *tokenCatcher {
	c := &tokenCatcher{}
	mux := http.NewServeMux()
	c.srv = httptest.NewServer(mux)
	t.Cleanup(c.srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		az := c.srv.URL + "/authorize"
		if c.authorize != "" {
			az = c.authorize
		}
		json.NewEncoder(w).Encode(map[string]any{"issuer": c.srv.URL, "authorization_endpoint": az,
			"token_endpoint": c.srv.URL + "/token", "jwks_uri": c.srv.URL + "/keys", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code=c&state="+q.Get("state"), http.StatusFound)
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		c.mu.Lock()
		c.seen = append(c.seen, r.Header.Get("Authorization"), r.PostForm.Encode())
		c.mu.Unlock()
		http.Error(w, `{"error":"invalid_client"}`, http.StatusBadRequest)
	})
	return c
}

// The client secret is never returned, and never goes to an issuer or
// client other than the one it was given for: changing either needs it
// again, so nobody can have it sent where they read it.
func TestSSOSecretStaysWithItsClient(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		op := ssotest.Start(t, ssoCallback)
		ada, _ := e.member(e.owner, "acme", "ada@acme.test", "admin")
		cfg := ssoConfig(op, "acme.test")
		cfg["client_secret"] = "owner-only-secret-123"
		e.owner.put("/v1/orgs/acme/sso", cfg).want(t, 200)
		catcher := catchTokens(t)
		for name, change := range map[string]map[string]any{"issuer": {"issuer": catcher.srv.URL}, "client_id": {"client_id": "another"}} {
			next := ssoConfig(op, "acme.test")
			next["client_secret"] = ""
			for k, v := range change {
				next[k] = v
			}
			if r := ada.put("/v1/orgs/acme/sso", next).want(t, 422); !strings.Contains(string(r.body), "client_secret is required") {
				t.Errorf("a new %s without the secret: %s", name, r.body)
			}
		}
		// Unchanged client: the kept secret is fine.
		same := ssoConfig(op, "acme.test")
		same["client_secret"] = ""
		same["enforce"] = false
		ada.put("/v1/orgs/acme/sso", same).want(t, 200)
		// With a secret of her own, the new issuer gets hers, not the Owner's.
		next := ssoConfig(op, "acme.test")
		next["issuer"], next["client_secret"] = catcher.srv.URL, "ada-secret"
		ada.put("/v1/orgs/acme/sso", next).want(t, 200)
		r, _ := ssoSignIn(t, e, "acme")
		r.want(t, 403)
		catcher.mu.Lock()
		defer catcher.mu.Unlock()
		if len(catcher.seen) == 0 {
			t.Fatal("the sign-in did not reach the token endpoint")
		}
		for _, s := range catcher.seen {
			if strings.Contains(s, "owner-only") || strings.Contains(s, "b3duZXItb25seS") {
				t.Errorf("the Owner's secret reached another issuer: %q", s)
			}
		}
	})
}

// An address written with look-alike characters is another mailbox: it is
// refused rather than folded into a member's.
func TestSSORefusesFoldedEmail(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		op := ssotest.Start(t, ssoCallback)
		e.member(e.owner, "acme", "nia@acme.test", "member")
		e.owner.put("/v1/orgs/acme/sso", ssoConfig(op, "acme.test")).want(t, 200)
		op.SignIn(ssotest.Person{Subject: "k", Email: "ｎia@acme.test", EmailVerified: true})
		r, _ := ssoSignIn(t, e, "acme")
		if r.want(t, 403); !strings.Contains(string(r.body), "stand for other ones") {
			t.Errorf("a fullwidth look-alike: %s", r.body)
		}
		op.SignIn(ssotest.Person{Subject: "k", Email: "Nia@Acme.test", EmailVerified: true})
		r, _ = ssoSignIn(t, e, "acme")
		r.want(t, 200)
	})
}

// Sign-in and provisioning are the org's: a user manager held to lower
// scopes (Labelbox's team manager manages projects' members) neither sees
// nor sets them, while the Admin does.
func TestSSOAndSCIMNeedOrgWideUserManagement(t *testing.T) {
	runWith(t, envOptions{scheme: "labelbox"}, func(t *testing.T, e *env) {
		op := ssotest.Start(t, ssoCallback)
		tm, _ := e.member(e.owner, "acme", "tm@acme.test", "team_manager")
		admin, _ := e.member(e.owner, "acme", "ad@acme.test", "admin")
		cfg := ssoConfig(op, "acme.test")
		tm.put("/v1/orgs/acme/sso", cfg).want(t, 403)
		tm.get("/v1/orgs/acme/sso").want(t, 403)
		tm.get("/v1/orgs/acme/scim-tokens").want(t, 403)
		tm.post("/v1/orgs/acme/scim-tokens", map[string]any{"name": "idp"}).want(t, 403)
		admin.put("/v1/orgs/acme/sso", cfg).want(t, 200)
		admin.get("/v1/orgs/acme/scim-tokens").want(t, 200)
		tm.delete("/v1/orgs/acme/sso").want(t, 403)
	})
}

// An operator may bound where tenants' SSO goes (--sso-issuer-hosts): an
// issuer elsewhere is refused when set, and so is a discovery document
// that sends the browser or the secret to another host.
func TestSSOIssuerHosts(t *testing.T) {
	runWith(t, envOptions{ssoHosts: []string{"127.0.0.1"}}, func(t *testing.T, e *env) {
		op := ssotest.Start(t, ssoCallback)
		cfg := ssoConfig(op, "acme.test")
		cfg["issuer"] = "https://idp.elsewhere.example"
		if r := e.owner.put("/v1/orgs/acme/sso", cfg).want(t, 422); !strings.Contains(string(r.body), "127.0.0.1 only") {
			t.Errorf("an issuer on another host: %s", r.body)
		}
		e.owner.put("/v1/orgs/acme/sso", ssoConfig(op, "acme.test")).want(t, 200)
		op.SignIn(ssotest.Person{Subject: "n", Email: "nia@acme.test", EmailVerified: true})
		r, _ := ssoSignIn(t, e, "acme")
		r.want(t, 200)

		away := catchTokens(t)
		away.authorize = "https://phish.example/login"
		next := ssoConfig(op, "acme.test")
		next["issuer"] = away.srv.URL
		e.owner.put("/v1/orgs/acme/sso", next).want(t, 200)
		if r := e.anon().get("/v1/auth/sso/start?org=acme").want(t, 503); !strings.Contains(string(r.body), "does not allow") {
			t.Errorf("a discovery document sending the browser elsewhere: %s", r.body)
		}
	})
}
