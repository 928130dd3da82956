package httpapi_test

import (
	"strconv"
	"strings"
	"sync"
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
		e.clock.Advance(8 * 24 * time.Hour)
		e.owner.get("/v1/me").want(t, 401)
		e.key.get("/v1/me").want(t, 200)
	})
}

// The address is throttled over every account: 20 failures with as many
// emails from one address, and the next attempt from it waits, even with
// the right pair. X-Forwarded-For counts for nothing unless trusted.
func TestLoginThrottlePerAddress(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		for i := range 20 {
			e.anon().post("/v1/auth/login", map[string]any{"email": "x" + strconv.Itoa(i) + "@acme.test", "password": "wrong password"}).want(t, 401)
		}
		r := e.anon().with("X-Forwarded-For", "203.0.113.9").post("/v1/auth/login",
			map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 429)
		ra, err := strconv.Atoi(r.header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > 60 {
			t.Errorf("Retry-After = %q", r.header.Get("Retry-After"))
		}
		// Sessions already open keep working.
		e.owner.get("/v1/me").want(t, 200)
		// After the wait, logins work again.
		e.clock.Advance(time.Duration(ra) * time.Second)
		e.login(ownerEmail, ownerPassword)
	})
}

// Issue 12, finding 3: ten wrong logins a minute against any email locked
// the real user out, even from another address. Now failures slow down
// the address they come from (with back-off), and the owner signs in from
// elsewhere at once.
func TestLoginThrottleNeverLocksOutTheOwner(t *testing.T) {
	runWith(t, envOptions{trust: true}, func(t *testing.T, e *env) {
		attacker := e.anon().with("X-Forwarded-For", "198.51.100.1, 203.0.113.66")
		wrong := map[string]any{"email": ownerEmail, "password": "wrong password"}
		for range 5 {
			attacker.post("/v1/auth/login", wrong).want(t, 401)
		}
		r := attacker.post("/v1/auth/login", wrong).want(t, 429)
		if r.header.Get("Retry-After") != "1" {
			t.Errorf("first back-off: Retry-After %q, want 1", r.header.Get("Retry-After"))
		}
		// The owner, elsewhere, is not held back at all.
		e.anon().with("X-Forwarded-For", "192.0.2.10").post("/v1/auth/login",
			map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 200)
		// Many addresses each get their few guesses; still the owner gets in.
		for i := range 10 {
			c := e.anon().with("X-Forwarded-For", "203.0.113."+strconv.Itoa(100+i))
			for range 6 {
				c.post("/v1/auth/login", wrong).want(t, 401, 429)
			}
		}
		e.anon().with("X-Forwarded-For", "192.0.2.10").post("/v1/auth/login",
			map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 200)
		// The attacker's waits double: 1 s, then 2 s, then 4 s.
		for _, want := range []string{"2", "4"} {
			e.clock.Advance(time.Minute)
			attacker.post("/v1/auth/login", wrong).want(t, 401)
			if got := attacker.post("/v1/auth/login", wrong).want(t, 429).header.Get("Retry-After"); got != want {
				t.Errorf("back-off: Retry-After %q, want %q", got, want)
			}
		}
		// Waiting is not enough to guess freely, and even the right password
		// waits out the delay from the attacker's address.
		attacker.post("/v1/auth/login", map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 429)
		// A success from an address forgets that account's failures there.
		e.clock.Advance(time.Minute)
		attacker.post("/v1/auth/login", map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 200)
		for range 5 {
			attacker.post("/v1/auth/login", wrong).want(t, 401)
		}
	})
}

// Issue 12, finding 2: the limiter checked before hashing and counted
// after, so 60 concurrent wrong logins on one account were all evaluated.
// Now the attempt is counted before the hash: only the free five are.
func TestLoginThrottleIsAtomic(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		var wg sync.WaitGroup
		statuses := make(chan int, 60)
		for range 60 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses <- e.anon().post("/v1/auth/login", map[string]any{"email": ownerEmail, "password": "wrong password"}).status
			}()
		}
		wg.Wait()
		close(statuses)
		count := map[int]int{}
		for st := range statuses {
			count[st]++
		}
		// A turn of the hash gate may be missed under the race detector (503,
		// not evaluated); what matters is that at most five were evaluated.
		if count[401] > 5 || count[401] == 0 || count[401]+count[429]+count[503] != 60 {
			t.Errorf("60 concurrent wrong logins: %v; want at most 5 evaluated (401), the rest 429", count)
		}
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
