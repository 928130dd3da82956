package httpapi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestLoginMeLogout(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		r := e.anon().post("/v1/auth/login", map[string]any{"email": "  OLIVIA@acme.test ", "password": ownerPassword}).want(t, 200)
		m := r.obj(t)
		hasKeys(t, "login", m, "token", "user")
		user := m["user"].(map[string]any)
		hasKeys(t, "login user", user, "id", "email", "name")
		if user["id"] != e.boot.UserID || user["email"] != ownerEmail {
			t.Errorf("login user = %v", user)
		}
		c := e.as(r.str(t, "token"))

		me := c.get("/v1/me").want(t, 200).obj(t)
		hasKeys(t, "me", me, "id", "email", "name", "orgs")
		orgs := me["orgs"].([]any)
		if len(orgs) != 1 {
			t.Fatalf("me orgs = %v", orgs)
		}
		o := orgs[0].(map[string]any)
		if o["id"] != "acme" || o["name"] != "Acme" || o["role"] != "owner" {
			t.Errorf("me org = %v", o)
		}

		// Unknown email and wrong password get the same answer.
		a := e.anon().post("/v1/auth/login", map[string]any{"email": "nobody@acme.test", "password": ownerPassword}).want(t, 401)
		b := e.anon().post("/v1/auth/login", map[string]any{"email": ownerEmail, "password": "wrong password!"}).want(t, 401)
		if a.detail(t) != b.detail(t) {
			t.Errorf("unknown email %q and wrong password %q answered differently", a.detail(t), b.detail(t))
		}

		// Logout ends the session at once; other sessions live on.
		c.post("/v1/auth/logout", nil).want(t, 204)
		r = c.get("/v1/me").want(t, 401)
		if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("401 without WWW-Authenticate Bearer: %v", r.header)
		}
		e.owner.get("/v1/me").want(t, 200)

		// A key has no session to end.
		e.key.post("/v1/auth/logout", nil).want(t, 422)
		e.key.get("/v1/me").want(t, 200)
	})
}

func TestBadCredentials(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for name, c := range map[string]*client{
			"none":           e.anon(),
			"garbage":        e.as("garbage"),
			"unknown token":  e.as("gss_" + strings.Repeat("a", 43)),
			"bad key":        e.as("gsk_" + strings.Repeat("A", 49)),
			"basic":          e.anon().with("Authorization", "Basic b2xpdmlhOnB3"),
			"empty bearer":   e.anon().with("Authorization", "Bearer "),
			"two words":      e.anon().with("Authorization", "Bearer a b"),
			"key with typo":  e.as(typo(e.boot.SecretKey)),
			"lowercase okay": nil,
		} {
			if c == nil {
				continue
			}
			for _, path := range []string{"/v1/me", "/v1/orgs/acme", "/v1/orgs/acme/members", "/v1/orgs/nope/keys"} {
				r := c.get(path)
				if r.status != 401 {
					t.Errorf("%s: GET %s = %d, want 401", name, path, r.status)
					continue
				}
				if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("%s: 401 without WWW-Authenticate", name)
				}
			}
			c.post("/v1/orgs/acme/check", map[string]any{"permission": "org.view"}).want(t, 401)
		}
		// The scheme name is case-insensitive.
		e.anon().with("Authorization", "bearer "+e.boot.SecretKey).get("/v1/me").want(t, 200)
		// An expired session is refused.
		e.clock.advance(8 * 24 * time.Hour)
		e.owner.get("/v1/me").want(t, 401)
		e.key.get("/v1/me").want(t, 200)
	})
}

func TestLoginRateLimit(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for i := range 10 {
			e.anon().post("/v1/auth/login", map[string]any{"email": "x" + strconv.Itoa(i) + "@acme.test", "password": "wrong password"}).want(t, 401)
		}
		// The address is blocked now, for every account, even the right pair;
		// X-Forwarded-For is not trusted unless configured.
		r := e.anon().with("X-Forwarded-For", "203.0.113.9").post("/v1/auth/login",
			map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 429)
		ra, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > 60 {
			t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
		}
		// Sessions already open keep working.
		e.owner.get("/v1/me").want(t, 200)
		// After the window, logins work again.
		e.clock.advance(61 * time.Second)
		e.login(ownerEmail, ownerPassword)
	})
}

func TestLoginRateLimitPerAccount(t *testing.T) {
	runWith(t, envOptions{trust: true}, func(t *testing.T, e *env) {
		// Behind a trusted proxy, addresses come from X-Forwarded-For: ten
		// addresses failing on one account block that account.
		for i := range 10 {
			e.anon().with("X-Forwarded-For", "198.51.100.1, 203.0.113."+strconv.Itoa(i)).post("/v1/auth/login",
				map[string]any{"email": ownerEmail, "password": "wrong password"}).want(t, 401)
		}
		e.anon().with("X-Forwarded-For", "203.0.113.200").post("/v1/auth/login",
			map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 429)
		// Another account from another address is not blocked.
		_, _ = e.member(e.owner, "acme", "bob@acme.test", "member")
		e.anon().with("X-Forwarded-For", "203.0.113.201").post("/v1/auth/login",
			map[string]any{"email": "bob@acme.test", "password": "password-of-bob@acme.test"}).want(t, 200)
	})
}

func TestMalformedInput(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			method, path, body string
			want               int
		}{
			{"POST", "/v1/auth/login", `{"email":`, 400},
			{"POST", "/v1/auth/login", `not json`, 400},
			{"POST", "/v1/auth/login", `{"email": 5, "password": "x"}`, 400},
			{"POST", "/v1/auth/login", `{"email": "a@b.c", "password": "x", "admin": true}`, 400},
			{"POST", "/v1/auth/login", `[]`, 400},
			{"POST", "/v1/auth/login", ``, 400},
			{"POST", "/v1/orgs", `{"id": "x2", "name": "X", "extra": 1}`, 400},
			{"POST", "/v1/orgs", `{"id": ["x"]}`, 400},
			{"POST", "/v1/orgs/acme/check", `{"permission": true}`, 400},
			{"POST", "/v1/orgs/acme/check", `{"permission": "org.view", "context": {"channel": 1}}`, 400},
			{"POST", "/v1/orgs/acme/check", `{"permission": "org.view", "at_least_revision": "soon"}`, 400},
			{"POST", "/v1/orgs/acme/grants", `{"subject": "user:x", "role": "admin", "scope": "org", "expires_at": "tomorrow"}`, 400},
			{"PATCH", "/v1/orgs/acme/billing", `{"seat_limit": "many"}`, 400},
			{"GET", "/v1/orgs/acme/members?limit=abc", ``, 400},
			{"GET", "/v1/orgs/acme/roles?page_token=%21%21", ``, 400},
			{"GET", "/v1/orgs/acme/audit?page_token=abc", ``, 400},
			{"GET", "/v1/orgs/acme/grants?subject=nobody", ``, 400},
			{"GET", "/v1/orgs/acme/matrix?format=pdf", ``, 400},
			// Well-formed but invalid values: 422.
			{"PATCH", "/v1/orgs/acme", `{"id": "other"}`, 422},
			{"PATCH", "/v1/orgs/acme", `{"name": "Acme", "id": "acme2"}`, 422},
			{"PATCH", "/v1/orgs/acme", `{"scheme": "labelbox"}`, 422},
			{"PATCH", "/v1/orgs/acme", `{"name": "  "}`, 422},
			{"POST", "/v1/orgs", `{"id": "Bad_ID", "name": "X"}`, 422},
			{"POST", "/v1/orgs", `{"id": "ok-id", "name": "X", "scheme": "nope"}`, 422},
			{"POST", "/v1/orgs/acme/check", `{"permission": "no.such"}`, 422},
			{"POST", "/v1/orgs/acme/check", `{}`, 422},
			{"POST", "/v1/orgs/acme/check/batch", `{"checks": []}`, 422},
			{"POST", "/v1/orgs/acme/grants", `{"subject": "robot:x", "role": "admin", "scope": "org"}`, 422},
			{"POST", "/v1/orgs/acme/keys", `{"name": "k", "role": "no_such_role"}`, 422},
			{"POST", "/v1/orgs/acme/invitations", `{"email": "not an email"}`, 422},
			{"PATCH", "/v1/orgs/acme/billing", `{"seat_limit": 0}`, 422},
		} {
			r := e.owner.do(c.method, c.path, c.body)
			if r.status != c.want {
				t.Errorf("%s %s %s = %d, want %d: %s", c.method, c.path, c.body, r.status, c.want, r.body)
			}
		}
		// Nothing changed.
		if o := e.owner.get("/v1/orgs/acme").want(t, 200).obj(t); o["id"] != "acme" || o["name"] != "Acme" {
			t.Errorf("org after bad patches: %v", o)
		}
	})
}

func TestBodyLimit(t *testing.T) {
	runWith(t, envOptions{maxBody: 4096}, func(t *testing.T, e *env) {
		big := `{"name": "` + strings.Repeat("a", 5000) + `"}`
		e.owner.patch("/v1/orgs/acme", big).want(t, 413)
		fits := `{"name": "` + strings.Repeat("b", 150) + `"}` + strings.Repeat(" ", 4096-len(`{"name": "`)-150-2)
		if len(fits) != 4096 {
			t.Fatalf("len %d", len(fits))
		}
		e.owner.patch("/v1/orgs/acme", fits).want(t, 200)
	})
}

// typo changes the last character of s.
func typo(s string) string {
	last := "x"
	if strings.HasSuffix(s, "x") {
		last = "y"
	}
	return s[:len(s)-1] + last
}
