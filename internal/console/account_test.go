package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/console"
)

// Issue 12, finding 9: /login?next=/%09/evil.example answered
// Location: /\t/evil.example, which browsers read as //evil.example.
// next accepts only paths of this site.
func TestLoginNextStaysOnSite(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	h, err := console.New(console.Config{Service: f.svc})
	if err != nil {
		t.Fatal(err)
	}
	for next, want := range map[string]string{
		"/\t/evil.example":            "/",
		"/\n/evil.example":            "/",
		"/\r\n/evil.example":          "/",
		"/\\evil.example":             "/",
		"/\\/evil.example":            "/",
		"//evil.example":              "/",
		"///evil.example":             "/",
		"https://evil.example/":       "/",
		"evil.example":                "/",
		"/ /evil.example":             "/",
		"/\u3000/evil.example":        "/",
		"/\x00/evil.example":          "/",
		"/%2F%2Fevil.example":         "/",
		"/o/acme/members?role=member": "/o/acme/members?role=member",
		"/o/acme/general":             "/o/acme/general",
	} {
		c := newClient(t, h)
		page := c.get("/login?next=" + url.QueryEscape(next))
		resp := c.post("/login", url.Values{"email": {ownerEmail}, "password": {password}, "next": {next}, "csrf": {c.csrf(page)}})
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("login with next %q: %d", next, resp.StatusCode)
		}
		if got := resp.Header.Get("Location"); got != want {
			t.Errorf("login with next %q: Location %q, want %q", next, got, want)
		}
		// Logged in already, the login page redirects at once, by the same rule.
		if got := c.get("/login?next=" + url.QueryEscape(next)).Header.Get("Location"); got != want {
			t.Errorf("GET /login?next=%q logged in: Location %q, want %q", next, got, want)
		}
	}
	// The exact request of the finding.
	c := newClient(t, h)
	page := c.get("/login")
	c.post("/login", url.Values{"email": {ownerEmail}, "password": {password}, "csrf": {c.csrf(page)}})
	if got := c.get("/login?next=/%09/evil.example").Header.Get("Location"); got != "/" {
		t.Errorf("/login?next=/%%09/evil.example: Location %q, want /", got)
	}
}

// The Account page in a real browser: change the password (a wrong
// current one and a weak new one refused with their reasons), which signs
// the other browser out; list sessions, end one, sign out everywhere else.
func TestAccountPasswordAndSessions(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	laptop, phone := f.browser("laptop"), f.browser("phone")
	laptop.login(ownerEmail)
	phone.login(ownerEmail)

	laptop.click("#user-menu summary")
	laptop.click("#account-link")
	laptop.waitPath("/account")
	laptop.waitFor("#sessions")
	if n := laptop.eval(`String(document.querySelectorAll("#sessions tbody tr").length)`); n != "2" {
		t.Fatalf("sessions listed: %s, want 2", n)
	}
	if laptop.text("#sessions tr.current") == "" || !strings.Contains(laptop.text("#sessions tr.current"), "this session") {
		t.Errorf("the current session is not marked")
	}
	laptop.shot("account")

	// A wrong current password.
	laptop.typeInto("#current-password", "not my password at all")
	laptop.typeInto("#new-password", "a fresh passphrase here")
	laptop.typeInto("#new-password2", "a fresh passphrase here")
	laptop.click("#password-submit")
	laptop.waitText("#password-error", "current password is wrong")
	// A weak new one.
	laptop.typeInto("#current-password", password)
	laptop.typeInto("#new-password", "password")
	laptop.typeInto("#new-password2", "password")
	laptop.click("#password-submit")
	laptop.waitText("#password-error", "too common")
	// The change.
	laptop.typeInto("#current-password", password)
	laptop.typeInto("#new-password", "a fresh passphrase here")
	laptop.typeInto("#new-password2", "a fresh passphrase here")
	laptop.click("#password-submit")
	laptop.waitText("#flash", "Password changed")
	if n := laptop.eval(`String(document.querySelectorAll("#sessions tbody tr").length)`); n != "1" {
		t.Errorf("sessions after the change: %s, want 1", n)
	}
	// The phone was signed out by it.
	phone.open("/o/acme/general")
	phone.waitPath("/login")

	// The phone signs in again with the new password; the laptop ends
	// its session from the list.
	phone.typeInto("#email", ownerEmail)
	phone.typeInto("#password", "a fresh passphrase here")
	phone.click("#login-submit")
	phone.waitFor("#user-menu")
	laptop.open("/account")
	laptop.waitFor("#sessions tbody tr:not(.current) button")
	laptop.click("#sessions tbody tr:not(.current) button")
	laptop.waitText("#flash", "Session ended")
	phone.open("/o/acme/general")
	phone.waitPath("/login")

	// Sign out everywhere else.
	phone.typeInto("#email", ownerEmail)
	phone.typeInto("#password", "a fresh passphrase here")
	phone.click("#login-submit")
	phone.waitFor("#user-menu")
	laptop.open("/account")
	laptop.click("#end-others")
	laptop.waitText("#flash", "Signed out of 1 other session")
	phone.open("/o/acme/general")
	phone.waitPath("/login")
	laptop.open("/o/acme/general")
	laptop.waitFor("#user-menu")
}

// "Forgot password?" on the login page, in a real browser: the same answer
// for any email, a mailed one-time link, the policy on the new password,
// and every session signed out.
func TestForgotPassword(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	other := f.browser("other")
	other.login(ownerEmail)

	b := f.browser("forgetful")
	b.open("/login")
	b.click("#forgot-link")
	b.waitPath("/forgot")
	b.typeInto("#forgot-email", "nobody@acme.test")
	b.click("#forgot-submit")
	b.waitFor("#forgot-sent")
	unknown := b.text("#forgot-sent")
	b.open("/forgot")
	b.typeInto("#forgot-email", ownerEmail)
	b.click("#forgot-submit")
	b.waitFor("#forgot-sent")
	if got := b.text("#forgot-sent"); got != unknown {
		t.Errorf("the answer for a registered email %q differs from an unknown one's %q", got, unknown)
	}
	link := f.mail.resetLinkFor(t, ownerEmail)
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	b.open(u.RequestURI())
	b.typeInto("#reset-password", "12345678")
	b.typeInto("#reset-password2", "12345678")
	b.click("#reset-submit")
	b.waitText("#error", "too common")
	b.typeInto("#reset-password", "my recovered passphrase")
	b.typeInto("#reset-password2", "my recovered passphrase")
	b.click("#reset-submit")
	b.waitPath("/login")
	b.waitText("#flash", "Your password is set")
	b.typeInto("#email", ownerEmail)
	b.typeInto("#password", "my recovered passphrase")
	b.click("#login-submit")
	b.waitFor("#user-menu")
	// The other browser's session ended with the reset.
	other.open("/o/acme/general")
	other.waitPath("/login")
	// The link works once.
	b.open(u.RequestURI())
	b.typeInto("#reset-password", "yet another passphrase")
	b.typeInto("#reset-password2", "yet another passphrase")
	b.click("#reset-submit")
	b.waitText("#error", "already used")
}

// With a real mailer the Invite dialog shows no accept link: it went to
// the invitee only.
func TestInviteLinkOnlyByMail(t *testing.T) {
	f := newFixture(t, fixtureOpts{mailOnly: true})
	b := f.browser("owner")
	b.login(ownerEmail)
	b.open("/o/acme/members/invite")
	b.typeInto("#inv-email", "newbie@acme.test")
	b.click("#invite-send")
	b.waitFor("#invite-status")
	if b.exists("#invite-link") {
		t.Errorf("the dialog shows the accept link with a real mailer")
	}
	b.waitText("#invite-mailed", "mailbox only")
	f.mail.linkFor(t, "newbie@acme.test")
}
