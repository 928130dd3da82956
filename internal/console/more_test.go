package console_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/gatehouse/gatehouse/internal/console"
	"github.com/gatehouse/gatehouse/internal/team"
)

// The first-run page creates the first organization and Owner with the
// one-time setup token, and refuses from then on.
func TestFirstRun(t *testing.T) {
	f := newFixture(t, fixtureOpts{empty: true})
	token := f.setupToken
	b := f.browser("admin")
	b.open("/")
	b.waitPath("/setup")
	fill := func(tok string) {
		b.typeInto("#setup-token", tok)
		b.typeInto("#org-id", "acme")
		b.typeInto("#org-name", "Acme Vision")
		b.typeInto("#owner-email", ownerEmail)
		b.typeInto("#owner-password", password)
		b.typeInto("#owner-password2", password)
	}
	fill("wrong-token")
	b.click("#setup-submit")
	b.waitText("#error", "setup token is wrong")
	b.shot("setup")
	fill(token)
	b.click("#setup-submit")
	b.waitText("#setup-done", "you are its Owner")
	if key := b.eval(`document.getElementById("secret").value`); !strings.HasPrefix(key, "gsk_") {
		t.Errorf("bootstrap key = %q", key)
	}
	b.click("#setup-continue")
	b.waitFor("nav.sidebar")
	if !strings.Contains(b.navIDs(), "billing") {
		t.Error("the new Owner does not see Billing")
	}
	// From now on the page refuses, whatever token.
	if s := b.status("/setup"); s != http.StatusGone {
		t.Errorf("GET /setup after setup: %d, want 410", s)
	}
	// A restarted server with the same token refuses too: an org exists.
	h, err := console.New(console.Config{Service: f.svc, SetupToken: token})
	if err != nil {
		t.Fatal(err)
	}
	client := newClient(t, h)
	if resp := client.get("/setup"); resp.StatusCode != http.StatusGone {
		t.Errorf("GET /setup on a restarted server: %d, want 410", resp.StatusCode)
	}
	// Without a token the page is closed even on an empty database.
	empty := newFixture(t, fixtureOpts{empty: true})
	h2, _ := console.New(console.Config{Service: empty.svc})
	if resp := newClient(t, h2).get("/setup"); resp.StatusCode != http.StatusGone {
		t.Errorf("GET /setup with no token: %d, want 410", resp.StatusCode)
	}
}

// A user in several organizations switches between them from the top bar.
func TestOrgSwitcher(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	if _, err := f.svc.CreateOrg(context.Background(), f.owner, "acme-research", "Acme Research", "labelbox"); err != nil {
		t.Fatal(err)
	}
	b := f.browser("owner")
	b.login(ownerEmail)
	// Someone in several orgs lands on the list of them.
	b.waitPath("/orgs")
	b.waitText("#org-list", "Acme Research")
	b.click(`#org-list a[href="/o/acme"]`)
	b.waitFor("nav.sidebar")
	b.waitPath("/o/acme/overview")
	b.click("#org-switcher summary")
	b.click(`#org-switcher a[href="/o/acme-research"]`)
	b.waitPath("/o/acme-research/overview")
	b.click("#nav-general")
	b.waitText(".topbar", "Acme Research")
	b.waitText("main", "Labelbox")
	b.click("#org-switcher summary")
	b.shot("org-switcher")
	b.click("#nav-roles")
	b.waitText("#matrix", "Project")
	// Types read as the scheme names them, plurals included.
	if got := b.text("#matrix"); !strings.Contains(got, "Batches") || !strings.Contains(got, "Ontologies") ||
		strings.Contains(got, "Batchs") || strings.Contains(got, "Ontologys") {
		t.Errorf("type names in the Labelbox matrix: %q", got)
	}
}

// On a phone width every page fits: no sideways scrolling of the page.
func TestPhoneWidth(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.member("sam@acme.test", "Sam Member", "member")
	b := f.browser("owner")
	b.login(ownerEmail)
	b.do(chromedpViewport(390, 844))
	for _, p := range []string{"general", "members", "roles", "roles/new", "keys", "billing", "audit", "resources", "groups",
		"members/invite", "members/" + f.userID("sam@acme.test")} {
		b.open("/o/acme/" + p)
		if w := b.eval(`String(document.documentElement.scrollWidth)`); w != "390" {
			t.Errorf("%s: page is %spx wide on a 390px screen", p, w)
		}
		// Every form control has a label, for screen readers and keyboards.
		if bad := b.eval(`Array.from(document.querySelectorAll("input:not([type=hidden]), select, textarea"))
			.filter(e => !e.labels.length && !e.getAttribute("aria-label")).map(e => e.id || e.name).join(",")`); bad != "" {
			t.Errorf("%s: unlabelled controls: %s", p, bad)
		}
	}
	// Escape closes a dialog; the keyboard reaches the Invite button.
	b.open("/o/acme/members/invite")
	b.waitFor("#dialog")
	b.do(chromedp.KeyEvent(kb.Escape))
	b.waitGone("#dialog")
	b.open("/o/acme/members")
	b.shot("members-phone")
}

// Headers, cookies, CSRF and the absence of inline script, over plain HTTP.
func TestSecurity(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	h, err := console.New(console.Config{Service: f.svc, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, h)
	page := c.get("/login")
	csp := page.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "default-src 'none'", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline or eval: %q", csp)
	}
	// Logging in without the form's CSRF token is refused.
	if resp := c.post("/login", url.Values{"email": {ownerEmail}, "password": {password}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login without CSRF: %d, want 403", resp.StatusCode)
	}
	resp := c.post("/login", url.Values{"email": {ownerEmail}, "password": {password}, "csrf": {c.csrf(page)}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", resp.StatusCode)
	}
	var session *http.Cookie
	for _, ck := range resp.Cookies() {
		if ck.Name == "gatehouse_session" {
			session = ck
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie = %+v, want HttpOnly, Secure, SameSite=Lax", session)
	}
	general := c.get("/o/acme/general")
	if general.StatusCode != http.StatusOK {
		t.Fatalf("general: %d", general.StatusCode)
	}
	// Every page: scripts only from files, no on* handlers, no style attributes.
	inline := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]|<script(?:(?:\s(?:src)=)[^>]*)?>\s*</script>`)
	handlers := regexp.MustCompile(`(?i)\son[a-z]+\s*=|\sstyle\s*=|javascript:`)
	for _, p := range []string{"/o/acme/general", "/o/acme/members", "/o/acme/members/invite", "/o/acme/roles", "/o/acme/roles/new",
		"/o/acme/keys", "/o/acme/billing", "/o/acme/audit", "/o/acme/resources", "/o/acme/resources/dataset/cats", "/o/acme/groups", "/orgs", "/account"} {
		body := c.body(p)
		if m := inline.FindString(body); m != "" && !strings.Contains(m, "src=") {
			t.Errorf("%s: inline script %q", p, m)
		}
		if m := handlers.FindString(body); m != "" {
			t.Errorf("%s: inline handler or style %q", p, m)
		}
		for _, tag := range regexp.MustCompile(`<script[^>]*>`).FindAllString(body, -1) {
			if !strings.Contains(tag, `src="/static/`) {
				t.Errorf("%s: script not from the console's files: %s", p, tag)
			}
		}
	}
	// A state change without the session's CSRF token is refused.
	if resp := c.post("/o/acme/general", url.Values{"name": {"Hijacked"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("rename without CSRF: %d, want 403", resp.StatusCode)
	}
	if resp := c.post("/o/acme/general", url.Values{"name": {"Hijacked"}, "csrf": {"forged"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("rename with a forged CSRF token: %d, want 403", resp.StatusCode)
	}
	// A cross-site form post is refused before it reaches a handler.
	req, _ := http.NewRequest(http.MethodPost, "http://console.test/o/acme/general", strings.NewReader("name=x&csrf="+c.csrf(general)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp := c.do(req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", resp.StatusCode)
	}
	if o, _ := f.svc.GetOrg(context.Background(), f.owner, "acme"); o.Name != "Acme Vision" {
		t.Errorf("a refused request renamed the org to %q", o.Name)
	}
	// With the token, the rename goes through the service.
	if resp := c.post("/o/acme/general", url.Values{"name": {"Acme Two"}, "csrf": {c.csrf(general)}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("rename with CSRF: %d, want 303", resp.StatusCode)
	}
	// A secret key is not a console login.
	key := newClient(t, h)
	key.jar.SetCookies(key.base, []*http.Cookie{{Name: "gatehouse_session", Value: "gsk_whatever"}})
	if resp := key.get("/o/acme/general"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("a key as session cookie: %d, want a redirect to login", resp.StatusCode)
	}
	// The embedded htmx is served with its version's file and a long cache.
	js := c.get("/static/htmx.min.js")
	if js.StatusCode != 200 || !strings.HasPrefix(js.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("htmx.min.js: %d %s", js.StatusCode, js.Header.Get("Content-Type"))
	}
}

// A member without user management who forges the Invite form is refused
// by the service, with its reason.
func TestMemberCannotInviteByURL(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	f.member("sam@acme.test", "Sam Member", "member")
	b := f.browser("sam")
	b.login("sam@acme.test")
	b.open("/o/acme/members/invite")
	b.typeInto("#inv-email", "eve@evil.test")
	b.click("#invite-send")
	b.waitText("#dialog-error", "may not invite new members")
	b.shot("invite-forged-by-member")
}

// --- a plain HTTP client over the handler --------------------------------

type client struct {
	t    *testing.T
	http *http.Client
	jar  *cookiejar.Jar
	base *url.URL
	srv  string
}

func newClient(t *testing.T, h http.Handler) *client {
	t.Helper()
	srv := newTestServer(t, h)
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(srv)
	return &client{t: t, jar: jar, base: u, srv: srv, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(req *http.Request) *http.Response {
	c.t.Helper()
	u, _ := url.Parse(c.srv + req.URL.RequestURI())
	req.URL, req.Host = u, u.Host
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	return resp
}

func (c *client) get(path string) *http.Response {
	req, _ := http.NewRequest(http.MethodGet, path, nil)
	return c.do(req)
}

func (c *client) body(path string) string {
	c.t.Helper()
	resp := c.get(path)
	if resp.StatusCode != http.StatusOK {
		c.t.Errorf("GET %s: %d", path, resp.StatusCode)
	}
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func (c *client) post(path string, form url.Values) *http.Response {
	req, _ := http.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (c *client) csrf(resp *http.Response) string {
	c.t.Helper()
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(strings.NewReader(string(b)))
	m := csrfRE.FindStringSubmatch(string(b))
	if m == nil {
		c.t.Fatal("no CSRF token in the page")
	}
	return m[1]
}

// Groups: made and filled by clicking; a role granted to the group shows in
// its members' Member Access, through the group.
func TestGroupGrant(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ana := f.member("ana@acme.test", "Ana Analyst", "member")
	b := f.browser("owner")
	b.login(ownerEmail)
	b.click("#nav-groups")
	b.waitFor("#collection-create")
	b.typeInto("#col-name", "Labelers")
	b.click("#collection-create button")
	b.waitText("#flash", "Group Labelers created")
	b.choose("#add-member", ana.Subject.ID)
	b.click("#collection-add button")
	b.waitText("#collection-members", "Ana Analyst")
	b.membPickRole("dataset.editor")
	b.choose("#grant-scope", "dataset:xrays")
	b.click("#grant-add")
	b.waitText("#group-grants", "Dataset Editor")
	if !f.allowed(ana, "dataset.annotate", "dataset:xrays") {
		t.Error("the group's grant does not reach its member")
	}
	b.openAccess("ana@acme.test")
	b.waitText("#access-dataset", "Chest X-rays")
	if got := b.text("#access-dataset"); !strings.Contains(got, "group Labelers") {
		t.Errorf("access does not say through which group: %q", got)
	}
	b.shot("member-access-group")
}

// Removing a member shows, before and after, which of their keys stop.
func TestRemovalShowsStoppedKeys(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ada := f.member("ada@acme.test", "Ada Admin", "admin")
	k, _, err := f.svc.CreateKey(context.Background(), ada, f.org, team.KeyRequest{Name: "nightly-export", Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	b := f.browser("owner")
	b.login(ownerEmail)
	b.open("/o/acme/keys")
	b.waitFor("#keys")
	if got := b.text(`#keys tr[data-key="` + k.ID + `"] .key-owner`); !strings.Contains(got, "Ada Admin") {
		t.Errorf("keys page owner column: %q", got)
	}
	b.open("/o/acme/members")
	b.click(`#members tr[data-email="ada@acme.test"] a[href$="/remove"]`)
	b.waitText("#remove-keys", "nightly-export")
	b.click("#remove-confirm")
	b.waitText("#flash", "Ada Admin was removed")
	if got := b.text("#flash"); !strings.Contains(got, "nightly-export stopped working") {
		t.Errorf("flash after removal: %q", got)
	}
}

// Revoked keys have no quota, so the page lists them fifty at a time, in
// the order they were made, and links the next fifty; the live list is
// unaffected.
func TestRevokedKeysArePaged(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	for i := range 52 {
		k, _, err := f.svc.CreateKey(ctx, f.owner, f.org, team.KeyRequest{Name: fmt.Sprintf("old-%02d", i), Role: "member"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.RevokeKey(ctx, f.owner, f.org, k.ID); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser("owner")
	b.login(ownerEmail)
	b.open("/o/acme/keys")
	b.waitFor("#keys")
	if got := b.text("#keys"); strings.Contains(got, "old-") {
		t.Errorf("a revoked key in the live list: %q", got)
	}
	b.choose("#key-state", "revoked")
	b.click("#key-filter-apply")
	b.waitPath("/o/acme/keys?")
	b.waitText("#keys", "old-00")
	if n := b.eval(`String(document.querySelectorAll("#keys tbody tr[data-status=Revoked]").length)`); n != "50" {
		t.Errorf("first page of revoked keys holds %s rows, want 50", n)
	}
	if got := b.text("#keys"); strings.Contains(got, "old-51") || strings.Contains(got, "Rotate") {
		t.Errorf("first page of revoked keys: %q", got)
	}
	b.click("#keys-next")
	b.waitText("#keys", "old-51")
	if got := b.text("#keys"); strings.Contains(got, "old-49") {
		t.Errorf("second page of revoked keys: %q", got)
	}
	b.click("#keys-first")
	b.waitText("#keys", "old-00")
}

// A page the console does not have is its own 404 page, signed in or not,
// never the router's bare text (issue 14, finding 22).
func TestUnknownPage(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	h, err := console.New(console.Config{Service: f.svc})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, h)
	resp := c.get("/no/such/page")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusNotFound || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(b), "There is no such page") || strings.Contains(string(b), "404 page not found") {
		t.Errorf("unknown page: %d %s\n%s", resp.StatusCode, resp.Header.Get("Content-Type"), b)
	}
	br := f.browser("owner")
	br.login(ownerEmail)
	br.open("/o/acme/no-such-page")
	br.waitText("main", "There is no such page")
	if got := br.text("body"); strings.Contains(got, "404 page not found") {
		t.Errorf("signed in, unknown page: %q", got)
	}
}

// A member's aliases (the ids the AuthZEN endpoints know her by) show in
// her Member Access.
func TestMemberAliasesShown(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ana := f.member("ana@acme.test", "Ana Analyst", "member")
	for _, a := range []string{"auth0|ana", "ana@idp.example"} {
		if _, err := f.svc.SetAlias(context.Background(), f.owner, f.org, ana.Subject.ID, a); err != nil {
			t.Fatal(err)
		}
	}
	b := f.browser("owner")
	b.login(ownerEmail)
	b.openAccess("ana@acme.test")
	b.waitText("#member-aliases", "auth0|ana")
	if got := b.text("#member-aliases"); !strings.Contains(got, "ana@idp.example") {
		t.Errorf("aliases line: %q", got)
	}
}
