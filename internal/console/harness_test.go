package console_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/team"
)

// testAuditKey seals and verifies the audit chains of this package's tests.
var testAuditKey = audit.NewKey()

const (
	ownerEmail = "olivia@acme.test"
	password   = "correct horse battery"
)

// mailbox keeps the emails the service sends (invitation links).
type mailbox struct{ *servertest.Mailbox }

var (
	linkRE  = regexp.MustCompile(`https?://\S+/invite\?token=\S+`)
	resetRE = regexp.MustCompile(`https?://\S+/reset\?token=\S+`)
)

// resetLinkFor waits for a password-reset link mailed to addr (reset mail
// goes out in the background) other than any of skip.
func (m *mailbox) resetLinkFor(t *testing.T, addr string, skip ...string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		msgs := m.All()
		for i := len(msgs) - 1; i >= 0; i-- {
			if l := resetRE.FindString(msgs[i].Body); msgs[i].To == addr && l != "" && !slices.Contains(skip, l) {
				return l
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no password-reset link mailed to %s", addr)
	return ""
}

// linkFor returns the accept link of the newest invitation mailed to addr.
func (m *mailbox) linkFor(t *testing.T, addr string) string {
	t.Helper()
	msgs := m.All()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To == addr {
			if l := linkRE.FindString(msgs[i].Body); l != "" {
				return l
			}
		}
	}
	t.Fatalf("no invitation mailed to %s", addr)
	return ""
}

// fixture is a real server, as `gatehouse serve` wires it, over a real
// SQLite store on loopback.
type fixture struct {
	t     *testing.T
	svc   *team.Service
	url   string
	mail  mailbox
	org   string
	owner team.Actor
	// setupToken opens the first-run page of an empty fixture.
	setupToken string
}

type fixtureOpts struct {
	mailOnly bool // invitation tokens reach only the mailbox
	empty    bool // no organization: for the first-run page
}

func newFixture(t *testing.T, opts fixtureOpts) *fixture {
	t.Helper()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	env := servertest.Start(t, servertest.Options{Key: testAuditKey,
		// Links in mail lead to this server; the development setup, where
		// the inviter sees the accept link; mailOnly is the production one,
		// where only the mailbox does.
		Config: server.Config{Logger: logger, RevealInvitationTokens: !opts.mailOnly}})
	f := &fixture{t: t, svc: env.Service(), url: env.URL, mail: mailbox{env.Mail}, org: "acme", setupToken: env.SetupToken}
	if opts.empty {
		return f
	}
	res, err := f.svc.Bootstrap(ctx, f.org, "Acme Vision", "vi", ownerEmail, password)
	if err != nil {
		t.Fatal(err)
	}
	f.owner = team.Actor{Subject: domain.UserSubject(res.UserID)}
	for _, r := range []team.ResourceRequest{
		{Type: "dataset", ID: "cats", Name: "Cats"},
		{Type: "dataset", ID: "dogs", Name: "Dogs"},
		{Type: "dataset", ID: "xrays", Name: "Chest X-rays"},
		{Type: "training", ID: "detector", Name: "Pet detector"},
		{Type: "training", ID: "segmenter", Name: "Segmenter"},
	} {
		if _, err := f.svc.PutResource(ctx, f.owner, f.org, r); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// member adds a member straight through the service (invite + accept),
// for flows that need people in place before the browser starts.
func (f *fixture) member(email, name, role string, grants ...domain.InvitedGrant) team.Actor {
	f.t.Helper()
	ctx := context.Background()
	inv, _, err := f.svc.Invite(ctx, f.owner, f.org, team.InviteRequest{Email: email, Role: role, Grants: grants})
	if err != nil {
		f.t.Fatal(err)
	}
	acc, _, err := f.svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: name, Password: password})
	if err != nil {
		f.t.Fatal(err)
	}
	return team.Actor{Subject: domain.UserSubject(acc.UserID)}
}

// allowed asks the engine, through the service, what a subject may do.
func (f *fixture) allowed(subject team.Actor, perm, resource string) bool {
	f.t.Helper()
	res, err := f.svc.Check(context.Background(), f.owner, f.org,
		team.CheckRequest{Subject: subject.Subject.String(), Permission: perm, Resource: resource})
	if err != nil {
		f.t.Fatal(err)
	}
	return res.Allowed
}

func (f *fixture) userID(email string) string {
	f.t.Helper()
	p, err := f.svc.ListMembers(context.Background(), f.owner, f.org, "", 1000)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, m := range p.Items {
		if m.Email == email {
			return m.UserID
		}
	}
	f.t.Fatalf("no member %s", email)
	return ""
}

// --- the browser ----------------------------------------------------------

var (
	browserOnce sync.Once
	browserCtx  context.Context
	browserErr  error
	browserStop func()
)

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browserStop != nil {
		browserStop()
	}
	os.Exit(code)
}

// sharedBrowser starts one headless Chromium for the package; each test
// gets its own browser context (separate cookies) in it.
func sharedBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("GATEHOUSE_SKIP_BROWSER") == "1" {
			t.Skip("chromium not installed and GATEHOUSE_SKIP_BROWSER=1")
		}
		t.Fatal("chromium is not installed: run `make test`, which installs Debian's chromium (or set GATEHOUSE_SKIP_BROWSER=1 to skip browser tests)")
	}
	browserOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-chromium-")
		if err != nil {
			browserErr = err
			return
		}
		allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
			chromedp.ExecPath(path),
			chromedp.Headless,
			chromedp.NoSandbox,
			chromedp.DisableGPU,
			chromedp.NoFirstRun,
			chromedp.NoDefaultBrowserCheck,
			chromedp.UserDataDir(dir),
			chromedp.Flag("disable-quic", true),
			chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true),
			chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true),
			chromedp.WindowSize(1280, 900),
		)
		ctx, cancel := chromedp.NewContext(allocCtx)
		if err := chromedp.Do(ctx); err != nil {
			browserErr = fmt.Errorf("start chromium: %w", err)
		}
		browserCtx = ctx
		browserStop = func() {
			cancel()
			cancelAlloc()
			os.RemoveAll(dir)
		}
	})
	if browserErr != nil {
		t.Fatal(browserErr)
	}
	return browserCtx
}

// tab is one user's browser: its own cookies, one tab, driven by a test.
type tab struct {
	t    *testing.T
	ctx  context.Context
	base string
	name string
}

func (f *fixture) browser(name string) *tab {
	f.t.Helper()
	parent := sharedBrowser(f.t)
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	ctx, cancelT := context.WithTimeout(ctx, 120*time.Second)
	f.t.Cleanup(func() { cancelT(); cancel() })
	b := &tab{t: f.t, ctx: ctx, base: f.url, name: name}
	// The first action opens the tab: it runs on the tab's own context, not
	// on a per-step one whose end would close the tab.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 860)); err != nil {
		f.t.Fatalf("%s: open tab: %v", name, err)
	}
	return b
}

func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.dump()
		b.t.Fatalf("%s: %v", b.name, err)
	}
}

// dump logs the page when a step fails, and keeps its screenshot.
func (b *tab) dump() {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), 5*time.Second)
	defer cancel()
	if html, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`)); err == nil {
		b.t.Logf("%s: page text:\n%s", b.name, html)
	}
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		b.t.Logf("%s: at %s", b.name, loc)
	}
}

func (b *tab) open(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base+path), chromedp.WaitReady(chromedp.CSS("body")))
}

func (b *tab) click(sel string) {
	b.t.Helper()
	// A page still loading can move what is clicked between where the
	// click is aimed and where it lands (a loaded machine makes that
	// window wide), so the click waits for the page to be complete. It
	// waits for the element first: after a link's click the old page is
	// still complete until the new one replaces it, and the element may
	// only exist on the new one, which must then finish loading too.
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		b.dump()
		b.t.Fatalf("%s: waiting for %s to click it: %v", b.name, sel, err)
	}
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.readyState === "complete"`, chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		b.dump()
		b.t.Fatalf("%s: waiting for the page to load before clicking %s: %v", b.name, sel, err)
	}
	b.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// typeInto replaces a field's text by typing it.
func (b *tab) typeInto(sel, text string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Clear(chromedp.CSS(sel)), chromedp.SendKeys(chromedp.CSS(sel), text))
	// Under load a page that was still settling can drop or repeat
	// keystrokes; a field that does not hold exactly the text would make the
	// step test something else, so it is checked and, if need be, set.
	// Date and number fields hold a normalised value, not the keystrokes.
	textual := b.eval(fmt.Sprintf(`["text","email","password","search","url","textarea"].includes(document.querySelector(%q).type) ? "y" : "n"`, sel)) == "y"
	if textual && b.eval(fmt.Sprintf(`document.querySelector(%q).value`, sel)) != text {
		b.do(chromedp.SetValue(chromedp.CSS(sel), text))
		if got := b.eval(fmt.Sprintf(`document.querySelector(%q).value`, sel)); got != text {
			b.dump()
			b.t.Fatalf("%s: %s holds %q after typing %q", b.name, sel, got, text)
		}
	}
}

// choose picks an option of a select by value.
func (b *tab) choose(sel, value string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.SetValue(chromedp.CSS(sel), value))
	if got := b.eval(fmt.Sprintf(`document.querySelector(%q).value`, sel)); got != value {
		b.dump()
		b.t.Fatalf("%s: %s has no option %q", b.name, sel, value)
	}
}

func (b *tab) eval(js string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.dump()
		b.t.Fatalf("%s: eval %s: %v", b.name, js, err)
	}
	return v
}

func (b *tab) exists(sel string) bool {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`document.querySelector(%q) ? "yes" : "no"`, sel)) == "yes"
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	return b.eval(fmt.Sprintf(`(function(){var e=document.querySelector(%q); return e ? e.innerText : ""})()`, sel))
}

// waitText waits until the element's text contains want.
func (b *tab) waitText(sel, want string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := b.text(sel)
		if strings.Contains(got, want) {
			return
		}
		if time.Now().After(deadline) {
			b.dump()
			b.t.Fatalf("%s: %s: want text %q, have %q", b.name, sel, want, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitFor waits until an element exists.
func (b *tab) waitFor(sel string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(sel))); err != nil {
		b.dump()
		b.t.Fatalf("%s: waiting for %s: %v", b.name, sel, err)
	}
}

// waitGone waits until no element matches.
func (b *tab) waitGone(sel string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for b.exists(sel) {
		if time.Now().After(deadline) {
			b.dump()
			b.t.Fatalf("%s: %s still present", b.name, sel)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *tab) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return strings.TrimPrefix(loc, b.base)
}

// waitPath waits until the address bar shows path (htmx pushes it).
func (b *tab) waitPath(prefix string) {
	b.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.HasPrefix(b.location(), prefix) {
		if time.Now().After(deadline) {
			b.dump()
			b.t.Fatalf("%s: at %s, want %s", b.name, b.location(), prefix)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// shot saves a full-page screenshot under the test's artifact directory,
// or under $GATEHOUSE_SCREENSHOTS when set (how docs/console is refreshed).
func (b *tab) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	dir := os.Getenv("GATEHOUSE_SCREENSHOTS")
	if dir == "" {
		dir = b.t.ArtifactDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s", path)
}

func (b *tab) login(email string) {
	b.t.Helper()
	b.open("/login")
	b.typeInto("#email", email)
	b.typeInto("#password", password)
	b.click("#login-submit")
	b.waitFor("#user-menu")
}

// navIDs lists the sidebar entries shown.
func (b *tab) navIDs() string {
	b.t.Helper()
	return b.eval(`Array.from(document.querySelectorAll("nav.sidebar a")).map(a => a.id.replace("nav-","")).join(",")`)
}

// status fetches a page with the tab's cookies and returns its status.
func (b *tab) status(path string) int {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf(`fetch(%q, {redirect: "manual"}).then(r => r.status)`, path),
		chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatal(err)
	}
	return v
}

func actorOf(userID string) team.Actor { return team.Actor{Subject: domain.UserSubject(userID)} }

func newTestServer(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func chromedpViewport(w, h int64) chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(w, h)
}
