package httpapi_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/mailer"
)

// waitMail waits for the newest mail to to whose subject contains subject
// (password-reset mail goes out in the background).
func (e *env) waitMail(t *testing.T, to, subject string) mailer.Message {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		msgs := e.mail.All()
		for i := len(msgs) - 1; i >= 0; i-- {
			if msgs[i].To == to && strings.Contains(msgs[i].Subject, subject) {
				return msgs[i]
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no mail %q to %s", subject, to)
	return mailer.Message{}
}

// auditActions lists the actions of acme's audit log, oldest first.
func (e *env) auditActions(t *testing.T) []map[string]any {
	t.Helper()
	items := e.key.get("/v1/orgs/acme/audit?limit=1000").want(t, 200).items(t)
	for i, j := 0, len(items)-1; i < j; i, j = i+1, j-1 {
		items[i], items[j] = items[j], items[i]
	}
	return items
}

func hasAction(events []map[string]any, action string, match func(after map[string]any) bool) bool {
	for _, ev := range events {
		if ev["action"] != action {
			continue
		}
		after, _ := ev["after"].(map[string]any)
		if match == nil || match(after) {
			return true
		}
	}
	return false
}

// Issue 12, finding 1: accepting an invitation as an existing account
// checked its password without the login throttle: an inviter guessed the
// victim's password 200 times in 10 s. It goes through the one throttled
// path now, so the sixth guess waits, and so does the right password.
func TestAcceptInvitationIsThrottled(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, _ = e.member(e.owner, "acme", "victim@acme.test", "member")
		attacker, _ := e.member(e.owner, "acme", "mallory@acme.test", "member")
		attacker.post("/v1/orgs", map[string]any{"id": "trap", "name": "Trap"}).want(t, 201)
		inv := attacker.post("/v1/orgs/trap/invitations", map[string]any{"email": "victim@acme.test"}).want(t, 201)
		tok := inv.str(t, "token") // the development setup: the answer carries it
		statuses := map[int]int{}
		for i := range 20 {
			r := e.anon().post("/v1/invitations/accept", map[string]any{"token": tok, "email": "victim@acme.test",
				"password": "guess number " + strconv.Itoa(i)})
			statuses[r.status]++
		}
		if statuses[401] != 5 || statuses[429] != 15 {
			t.Errorf("20 guesses through accept: %v, want 5 evaluated (401) and 15 throttled (429)", statuses)
		}
		e.anon().post("/v1/invitations/accept", map[string]any{"token": tok, "email": "victim@acme.test",
			"password": memberPassword("victim@acme.test")}).want(t, 429)
		// The same path throttles login: the account's failures from this
		// address are counted once, whichever door they came through.
		e.anon().post("/v1/auth/login", map[string]any{"email": "victim@acme.test", "password": memberPassword("victim@acme.test")}).want(t, 429)
	})
}

// Issue 12, finding 5: accepting with a short password answered 401 for a
// registered email and 422 for an unknown one. Now no answer tells.
func TestAcceptDoesNotRevealRegistration(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, _ = e.member(e.owner, "acme", "known@acme.test", "member")
		e.owner.post("/v1/orgs", map[string]any{"id": "other", "name": "Other"}).want(t, 201)
		known := e.owner.post("/v1/orgs/other/invitations", map[string]any{"email": "known@acme.test"}).want(t, 201).str(t, "token")
		unknown := e.owner.post("/v1/orgs/other/invitations", map[string]any{"email": "stranger@acme.test"}).want(t, 201).str(t, "token")
		same := func(what string, body func(tok string) map[string]any, status int) {
			t.Helper()
			a := e.anon().post("/v1/invitations/accept", body(known)).want(t, status)
			b := e.anon().post("/v1/invitations/accept", body(unknown)).want(t, status)
			if a.detail(t) != b.detail(t) {
				t.Errorf("%s: registered email %q, unknown email %q", what, a.detail(t), b.detail(t))
			}
		}
		for _, pw := range []string{"short", "password", "12345678", "        "} {
			same("new-account form, weak password "+strconv.Quote(pw), func(tok string) map[string]any {
				return map[string]any{"token": tok, "name": "N", "password": pw}
			}, 422)
		}
		same("existing-account form, wrong password", func(tok string) map[string]any {
			return map[string]any{"token": tok, "email": "known@acme.test", "password": "not the password 9"}
		}, 401)
		same("existing-account form, another email", func(tok string) map[string]any {
			return map[string]any{"token": tok, "email": ownerEmail, "password": "not the password 9"}
		}, 401)
		// And it is the same sentence as a wrong login.
		login := e.anon().post("/v1/auth/login", map[string]any{"email": "nobody@acme.test", "password": "x"}).want(t, 401)
		acc := e.anon().post("/v1/invitations/accept", map[string]any{"token": known, "email": "known@acme.test", "password": "nope nope 77"}).want(t, 401)
		if login.detail(t) != acc.detail(t) {
			t.Errorf("accept's 401 %q differs from login's %q", acc.detail(t), login.detail(t))
		}
	})
}

// Issue 12, finding 5 (squatting): the inviter got the invitation token
// in the answer and could accept in the invitee's place. With a real
// mailer the token reaches only the invitee's mailbox.
func TestInvitationTokenOnlyByMail(t *testing.T) {
	runWith(t, envOptions{mailOnly: true}, func(t *testing.T, e *env) {
		inv := e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "ivy@acme.test"}).want(t, 201).obj(t)
		if _, ok := inv["token"]; ok {
			t.Errorf("create answered the token: %v", inv)
		}
		re := e.owner.post("/v1/orgs/acme/invitations/"+inv["id"].(string)+"/resend", nil).want(t, 200).obj(t)
		if _, ok := re["token"]; ok {
			t.Errorf("resend answered the token: %v", re)
		}
		tok := tokenFrom(t, e.waitMail(t, "ivy@acme.test", "invited").Body)
		e.anon().post("/v1/invitations/accept", map[string]any{"token": tok, "name": "Ivy", "password": "ivy picks her own words"}).want(t, 200)
	})
}

// Issue 12, finding 7: "password", "12345678", eight spaces and the email
// itself were accepted. Every way of setting a password refuses them with
// a sentence.
func TestPasswordPolicy(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		inv := e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "pat@acme.test"}).want(t, 201).str(t, "token")
		for pw, why := range map[string]string{
			"password":         "too common",
			"12345678":         "too common",
			"        ":         "only spaces",
			"pat@acme.test":    "email",
			"short":            "at least 8 characters",
			"PAT@ACME.TEST!!!": "email",
		} {
			d := e.anon().post("/v1/invitations/accept", map[string]any{"token": inv, "name": "Pat", "password": pw}).want(t, 422).detail(t)
			if !strings.Contains(d, why) {
				t.Errorf("accept with %q: %q, want it to say %q", pw, d, why)
			}
			if why == "email" {
				continue // Pat's email, not the owner's
			}
			d = e.owner.post("/v1/me/password", map[string]any{"current_password": ownerPassword, "new_password": pw}).want(t, 422).detail(t)
			if !strings.Contains(d, why) {
				t.Errorf("password change to %q: %q, want it to say %q", pw, d, why)
			}
		}
		d := e.owner.post("/v1/me/password", map[string]any{"current_password": ownerPassword, "new_password": ownerEmail}).want(t, 422).detail(t)
		if !strings.Contains(d, "email") {
			t.Errorf("password change to the email: %q", d)
		}
		e.anon().post("/v1/invitations/accept", map[string]any{"token": inv, "name": "Pat", "password": "pat chooses well"}).want(t, 200)
	})
}

// Issue 12, finding 4: 32 concurrent hashes took the server to 1.3 GB.
// Hashing runs in a bounded number of turns now; past a short wait the
// answer is 503 with Retry-After, never an unbounded pile of hashes.
func TestHashingIsBounded(t *testing.T) {
	runWith(t, envOptions{hashMem: 19 << 20, hashWait: time.Millisecond}, func(t *testing.T, e *env) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		count := map[int]int{}
		for i := range 12 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := e.anon().post("/v1/auth/login", map[string]any{"email": "n" + strconv.Itoa(i) + "@acme.test", "password": "wrong password"})
				if r.status == 503 && r.header.Get("Retry-After") == "" {
					t.Errorf("503 without Retry-After")
				}
				mu.Lock()
				count[r.status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		// An attempt takes its throttle token before it waits for a hashing
		// turn, so when all twelve arrive at once the address's bucket may
		// answer some of them 429 first: refused as well, and never hashed.
		if count[503] == 0 || count[401]+count[503]+count[429] != 12 {
			t.Errorf("12 concurrent logins with one hashing turn: %v; want some 503", count)
		}
		e.anon().get("/healthz").want(t, 200)
		// The busy answers were not counted as failures: this address still
		// has its free attempts.
		e.login(ownerEmail, ownerPassword)
	})
}

// Issue 12, finding 6: no password change, no sign out everywhere, no
// session list, no idle timeout.
func TestSessionsAndPasswordChange(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		laptop := e.anon().with("User-Agent", "Laptop/1.0")
		r := laptop.post("/v1/auth/login", map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 200)
		lap := e.as(r.str(t, "token")).with("User-Agent", "Laptop/1.0")
		phone := e.login(ownerEmail, ownerPassword)

		list := lap.get("/v1/me/sessions").want(t, 200).items(t)
		if len(list) != 3 {
			t.Fatalf("sessions: %v", list)
		}
		current := 0
		var phoneID string
		for i, s := range list {
			hasKeys(t, "session", s, "id", "created_at", "last_used_at", "expires_at", "client_address", "user_agent", "current")
			if s["current"] == true {
				current++
				if s["user_agent"] != "Laptop/1.0" || s["client_address"] != "127.0.0.1" {
					t.Errorf("current session %v", s)
				}
			}
			if i == 0 && s["current"] == true {
				t.Errorf("the newest session is the phone's, not the laptop's: %v", list)
			}
			if i == 0 {
				phoneID = s["id"].(string)
			}
		}
		if current != 1 {
			t.Errorf("%d current sessions in %v", current, list)
		}
		// End one session by id: the phone's token stops working at once.
		lap.delete("/v1/me/sessions/"+phoneID).want(t, 204)
		phone.get("/v1/me").want(t, 401)
		lap.delete("/v1/me/sessions/"+phoneID).want(t, 404)
		lap.delete("/v1/me/sessions/ses_nope").want(t, 404)
		// Another user's session is not found, never ended.
		bob, _ := e.member(e.owner, "acme", "bob@acme.test", "member")
		bobID := bob.get("/v1/me/sessions").want(t, 200).items(t)[0]["id"].(string)
		lap.delete("/v1/me/sessions/"+bobID).want(t, 404)
		bob.get("/v1/me").want(t, 200)

		// Sign out everywhere else.
		ended := lap.delete("/v1/me/sessions").want(t, 200).obj(t)
		if ended["ended"] != float64(1) {
			t.Errorf("sign out everywhere else: %v", ended)
		}
		e.owner.get("/v1/me").want(t, 401)
		lap.get("/v1/me").want(t, 200)

		// A password change checks the current password and ends every other session.
		other := e.login(ownerEmail, ownerPassword)
		lap.post("/v1/me/password", map[string]any{"current_password": "not it at all", "new_password": "a brand new passphrase"}).want(t, 403)
		lap.post("/v1/me/password", map[string]any{"current_password": ownerPassword, "new_password": ownerPassword}).want(t, 422)
		lap.post("/v1/me/password", map[string]any{"current_password": ownerPassword, "new_password": "a brand new passphrase"}).want(t, 204)
		other.get("/v1/me").want(t, 401)
		lap.get("/v1/me").want(t, 200)
		e.anon().post("/v1/auth/login", map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 401)
		e.login(ownerEmail, "a brand new passphrase")

		// Keys have no password or sessions.
		e.key.get("/v1/me/sessions").want(t, 422)
		e.key.post("/v1/me/password", map[string]any{"current_password": "x", "new_password": "a brand new passphrase"}).want(t, 422)

		events := e.auditActions(t)
		for _, want := range []string{"session.login", "session.end", "password.change", "session.login_failed"} {
			if !hasAction(events, want, nil) {
				t.Errorf("no %s event in the audit log", want)
			}
		}
		if !hasAction(events, "session.login_failed", func(a map[string]any) bool {
			return a["email"] == ownerEmail && a["client_address"] == "127.0.0.1"
		}) {
			t.Errorf("the failed sign-in event does not name the email and address")
		}
	})
}

func TestIdleTimeout(t *testing.T) {
	runWith(t, envOptions{idle: 2 * time.Hour}, func(t *testing.T, e *env) {
		e.clock.Advance(90 * time.Minute)
		e.owner.get("/v1/me").want(t, 200) // used: the idle clock starts again
		e.clock.Advance(90 * time.Minute)
		e.owner.get("/v1/me").want(t, 200)
		e.clock.Advance(2*time.Hour + time.Minute)
		e.owner.get("/v1/me").want(t, 401)
		e.key.get("/v1/me").want(t, 200)
	})
}

func TestPasswordReset(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		other := e.login(ownerEmail, ownerPassword)
		a := e.anon().post("/v1/auth/password-reset", map[string]any{"email": "OLIVIA@acme.test"}).want(t, 202)
		b := e.anon().post("/v1/auth/password-reset", map[string]any{"email": "nobody@acme.test"}).want(t, 202)
		if string(a.body) != string(b.body) {
			t.Errorf("reset answers differ: %s vs %s", a.body, b.body)
		}
		e.anon().post("/v1/auth/password-reset", map[string]any{"email": "not an email"}).want(t, 422)
		msg := e.waitMail(t, ownerEmail, "password")
		if !strings.Contains(msg.Body, "https://gatehouse.test/reset?token=gsr_") {
			t.Fatalf("reset mail without its link:\n%s", msg.Body)
		}
		tok := tokenFrom(t, msg.Body)
		for _, m := range e.mail.All() {
			if m.To == "nobody@acme.test" {
				t.Errorf("a reset mail went to an unknown email")
			}
		}
		e.anon().post("/v1/auth/password-reset/confirm", map[string]any{"token": tok, "new_password": "password"}).want(t, 422)
		e.anon().post("/v1/auth/password-reset/confirm", map[string]any{"token": "gsr_" + strings.Repeat("a", 43), "new_password": "a reset passphrase"}).want(t, 404)
		e.anon().post("/v1/auth/password-reset/confirm", map[string]any{"token": tok, "new_password": "a reset passphrase"}).want(t, 204)
		// Every session ended; the old password is gone, the new one works.
		e.owner.get("/v1/me").want(t, 401)
		other.get("/v1/me").want(t, 401)
		e.anon().post("/v1/auth/login", map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 401)
		e.login(ownerEmail, "a reset passphrase")
		// One time only.
		e.anon().post("/v1/auth/password-reset/confirm", map[string]any{"token": tok, "new_password": "another passphrase"}).want(t, 404)
		// Short-lived: a link older than 30 minutes is dead.
		e.anon().post("/v1/auth/password-reset", map[string]any{"email": ownerEmail}).want(t, 202)
		deadline := time.Now().Add(10 * time.Second)
		var late string
		for late == "" && time.Now().Before(deadline) {
			for _, m := range e.mail.All() {
				if m.To == ownerEmail && strings.Contains(m.Body, "/reset?token=") && tokenFrom(t, m.Body) != tok {
					late = tokenFrom(t, m.Body)
				}
			}
			time.Sleep(10 * time.Millisecond)
		}
		if late == "" {
			t.Fatal("no second reset mail")
		}
		e.clock.Advance(31 * time.Minute)
		e.anon().post("/v1/auth/password-reset/confirm", map[string]any{"token": late, "new_password": "another passphrase"}).want(t, 404)

		events := e.auditActions(t)
		for _, want := range []string{"password.reset_request", "password.reset", "session.end"} {
			if !hasAction(events, want, nil) {
				t.Errorf("no %s event in the audit log", want)
			}
		}
	})
}

// Issue 12, finding 11 (emails): a Cyrillic "о" made a second account
// that looks like the first. Emails are normalised (NFKC, lower case) and
// mixed-script ones refused.
func TestConfusableEmails(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		d := e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "\u043elivia@acme.test"}).want(t, 422).detail(t)
		if !strings.Contains(d, "scripts") {
			t.Errorf("mixed-script email refused with %q", d)
		}
		// Full-width letters are the same letters: the owner's own email.
		e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": "ｏｌｉｖｉａ@acme.test"}).want(t, 409)
		e.login("ＯＬＩＶＩＡ@acme.test", ownerPassword)
	})
}

// Sign-out is audited in every org of the account.
func TestSignOutIsAudited(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.post("/v1/orgs", map[string]any{"id": "second", "name": "Second"}).want(t, 201)
		e.owner.post("/v1/auth/logout", nil).want(t, 204)
		if !hasAction(e.auditActions(t), "session.logout", nil) {
			t.Errorf("no session.logout in acme's audit log")
		}
		second := e.login(ownerEmail, ownerPassword).get("/v1/orgs/second/audit?limit=1000").want(t, 200).items(t)
		if !hasAction(second, "session.logout", nil) {
			t.Errorf("no session.logout in the second org's audit log")
		}
	})
}
