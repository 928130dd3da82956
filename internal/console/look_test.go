package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// lookPage is one page of the console as one person sees it: the table the
// phone, accessibility and screenshot tests walk.
type lookPage struct {
	who    string // a key of lookFixture.people; "" is signed out
	path   string
	dialog bool   // the page is a dialog over its page
	shot   string // file name in docs/console; "" for no screenshot
}

// lookFixture is the vi org of the shared fixture plus a Deepomatic and a
// Labelbox org, and the people who walk them.
type lookFixture struct {
	*fixture
	people map[string]string // who -> email
	admin  string            // the vi Admin's user id
}

const (
	lookDeepOrg  = "acme-deep"
	lookLabelOrg = "acme-label"
)

func newLookFixture(t *testing.T) *lookFixture {
	t.Helper()
	f := newFixture(t, fixtureOpts{})
	f.member("ada@acme.test", "Ada Admin", "admin")
	f.member("sam@acme.test", "Sam Member", "member")
	ctx := context.Background()
	// The Owner of the vi org creates the other two, so she is the
	// Deepomatic Org Admin and the Labelbox admin: their top roles.
	if _, err := f.svc.CreateOrg(ctx, f.owner, lookDeepOrg, "Acme Deep", "deepomatic"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateOrg(ctx, f.owner, lookLabelOrg, "Acme Label", "labelbox"); err != nil {
		t.Fatal(err)
	}
	return &lookFixture{fixture: f, admin: f.userID("ada@acme.test"), people: map[string]string{
		"vi Owner": ownerEmail, "vi Admin": "ada@acme.test",
		"Deepomatic Org Admin": ownerEmail, "Labelbox admin": ownerEmail,
	}}
}

// lookPages is the table of pages. The overview page may not exist yet on
// this branch: lookOpen skips any page that answers 404.
func (f *lookFixture) lookPages() []lookPage {
	sam := f.userID("sam@acme.test")
	var pages []lookPage
	vi := func(who, prefix string) {
		for _, p := range []struct {
			path, shot string
			dialog     bool
		}{
			{"overview", "overview", false},
			{"general", "general", false},
			{"members", "members", false},
			{"members/invite", "invite", true},
			{"members/" + sam, "member-access", true},
			{"groups", "", false},
			{"roles", "roles", false},
			{"roles/new", "", true},
			{"keys", "keys", false},
			{"usage", "usage", false},
			{"billing", "", false},
			{"audit", "audit", false},
			{"resources", "resources", false},
			{"resources/dataset/cats", "", false},
			{"resources/dataset/cats?who=a", "", false},
			{"access", "", false},
		} {
			shot := ""
			if p.shot != "" && who == "vi Owner" {
				shot = prefix + p.shot
			}
			pages = append(pages, lookPage{who: who, path: "/o/acme/" + p.path, dialog: p.dialog, shot: shot})
		}
	}
	vi("vi Owner", "vi-")
	vi("vi Admin", "")
	other := func(who, org, prefix string) {
		for _, p := range []struct {
			path, shot string
			dialog     bool
		}{
			{"overview", "overview", false},
			{"general", "", false},
			{"members", "members", false},
			{"members/invite", "invite", true},
			{"teams", "teams", false},
			{"groups", "groups", false},
			{"roles", "roles", false},
			{"resources", "", false},
			{"audit", "", false},
		} {
			shot := ""
			if p.shot != "" {
				shot = prefix + p.shot
			}
			pages = append(pages, lookPage{who: who, path: "/o/" + org + "/" + p.path, dialog: p.dialog, shot: shot})
		}
	}
	other("Deepomatic Org Admin", lookDeepOrg, "deepomatic-")
	other("Labelbox admin", lookLabelOrg, "labelbox-")
	pages = append(pages,
		lookPage{who: "vi Owner", path: "/account", shot: "account"},
		lookPage{who: "vi Owner", path: "/orgs", shot: "orgs"},
		lookPage{path: "/login", shot: "login"},
		lookPage{path: "/forgot"},
		lookPage{path: "/invite?token=gsi_not-a-token"},
		lookPage{path: "/no/such/page"},
	)
	return pages
}

// lookBrowsers keeps one signed-in tab per person, and a fresh one when
// it nears the harness's two-minute life of a tab.
func (f *lookFixture) lookBrowsers() func(who string) *tab {
	type held struct {
		b     *tab
		since time.Time
	}
	tabs := map[string]held{}
	return func(who string) *tab {
		email := f.people[who]
		if h, ok := tabs[email]; ok && time.Since(h.since) < 80*time.Second {
			return h.b
		}
		b := f.browser("look " + who)
		if email != "" {
			b.login(email)
		} else {
			b.open("/login") // a page of the console, for lookOpen's fetch
		}
		tabs[email] = held{b, time.Now()}
		return b
	}
}

// lookOpen opens a page and reports whether it is there: a page that
// answers 404 is one that is not built yet (the overview), and is skipped
// rather than failed, except the console's own 404 page which is walked
// on purpose.
func lookOpen(t *testing.T, b *tab, p lookPage) bool {
	t.Helper()
	if !strings.HasPrefix(p.path, "/no/") && b.status(p.path) == http.StatusNotFound {
		t.Logf("%s %s: answers 404, skipped", p.who, p.path)
		return false
	}
	b.open(p.path)
	if p.dialog {
		b.waitFor("#dialog")
	}
	return true
}

func lookViewport(b *tab, width int64) {
	b.t.Helper()
	b.do(chromedpViewport(width, 844))
}

// At 360 and 390 px no page scrolls sideways, the side menu is a menu
// that opens, and the top bar stays one line.
func TestLookPhone(t *testing.T) {
	f := newLookFixture(t)
	tabFor := f.lookBrowsers()
	for _, width := range []int64{360, 390} {
		for _, p := range f.lookPages() {
			b := tabFor(p.who)
			lookViewport(b, width)
			if !lookOpen(t, b, p) {
				continue
			}
			name := fmt.Sprintf("%d %s %s", width, p.who, p.path)
			if w := b.eval(`String(document.documentElement.scrollWidth)`); w != fmt.Sprint(width) {
				wide := b.eval(fmt.Sprintf(`Array.from(document.querySelectorAll("body *")).filter(e => e.getBoundingClientRect().right > %d + 1)
					.slice(-3).map(e => e.tagName + (e.id ? "#" + e.id : "") + "." + e.className).join(" ")`, width))
				t.Errorf("%s: page is %spx wide (widest: %s)", name, w, wide)
			}
			if b.eval(`document.querySelector(".topbar").getBoundingClientRect().height > 60 ? "y" : "n"`) == "y" {
				t.Errorf("%s: top bar is %spx high: it wraps", name, b.eval(`String(document.querySelector(".topbar").getBoundingClientRect().height)`))
			}
			if b.exists(".shell") {
				if b.eval(`getComputedStyle(document.querySelector("nav.sidebar")).display`) != "none" ||
					b.eval(`getComputedStyle(document.querySelector("nav.phone-nav")).display`) == "none" {
					t.Errorf("%s: the side menu is not folded into the phone menu", name)
				}
			}
			// A stacked table shows each cell's column name.
			if b.exists("table.data td[data-label]") {
				if got := b.eval(`getComputedStyle(document.querySelector("table.data td[data-label]"), "::before").content`); got == "none" || got == "" {
					t.Errorf("%s: stacked cells show no column name", name)
				}
			}
		}
	}
	// The phone menu opens without script and leads to a page.
	b := tabFor("vi Owner")
	lookViewport(b, 390)
	b.open("/o/acme/general")
	b.click("#phone-nav summary")
	b.click(`#phone-nav a[href="/o/acme/keys"]`)
	b.waitPath("/o/acme/keys")
}

// Keyboard only: Tab reaches a button, Enter opens its dialog with focus
// inside, Escape closes it and focus is back on the button.
func TestLookKeyboard(t *testing.T) {
	f := newLookFixture(t)
	b := f.browser("keyboard")
	b.login(ownerEmail)
	for _, c := range []struct{ page, opener string }{
		{"/o/acme/members", "#invite-open"},
		{"/o/acme/roles", "#role-new"},
	} {
		b.open(c.page)
		if !b.exists(c.opener) {
			t.Errorf("%s: no %s", c.page, c.opener)
			continue
		}
		// Tab from the top of the page until the opener has focus.
		b.eval(`document.activeElement && document.activeElement.blur(), "ok"`)
		reached := false
		for range 60 {
			b.do(chromedp.KeyEvent(kb.Tab))
			if b.eval(fmt.Sprintf(`document.activeElement === document.querySelector(%q) ? "y" : "n"`, c.opener)) == "y" {
				reached = true
				break
			}
		}
		if !reached {
			t.Errorf("%s: Tab never reaches %s", c.page, c.opener)
			continue
		}
		b.do(chromedp.KeyEvent(kb.Enter))
		b.waitFor("#dialog")
		lookWaitFocus(b, `document.getElementById("dialog").contains(document.activeElement)`, c.page+": focus inside the dialog")
		b.do(chromedp.KeyEvent(kb.Escape))
		b.waitGone("#dialog")
		lookWaitFocus(b, fmt.Sprintf(`document.activeElement === document.querySelector(%q)`, c.opener), c.page+": focus back on "+c.opener)
	}
}

func lookWaitFocus(b *tab, cond, what string) {
	b.t.Helper()
	for range 100 {
		if b.eval(`(`+cond+`) ? "y" : "n"`) == "y" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Errorf("%s: focus is on %s", what, b.eval(`document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "nothing"`))
}

// lookAxeSource is axe-core as npm installs it (tools/axe).
func lookAxeSource(t *testing.T) string {
	t.Helper()
	path := filepath.Join("..", "..", "tools", "axe", "node_modules", "axe-core", "axe.min.js")
	b, err := os.ReadFile(path)
	if err != nil {
		if os.Getenv("GATEHOUSE_SKIP_AXE") == "1" {
			t.Skip("axe-core not installed and GATEHOUSE_SKIP_AXE=1")
		}
		t.Fatalf("axe-core is not installed (%v): run `npm ci --prefix tools/axe` (scripts/test.sh does), or set GATEHOUSE_SKIP_AXE=1 to skip", err)
	}
	return string(b)
}

type lookViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any  `json:"target"`
		HTML   string `json:"html"`
	} `json:"nodes"`
}

// lookAxe runs axe-core on the page and returns its serious and critical
// violations of WCAG 2.x A and AA (2.2 included).
func lookAxe(b *tab, src string) []lookViolation {
	b.t.Helper()
	// Injected through the DevTools protocol, which the page's
	// Content-Security-Policy does not govern; the console itself stays
	// free of inline script.
	if b.eval(`typeof axe === "undefined" ? "no" : "yes"`) == "no" {
		if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[any](src+";true")); err != nil {
			b.t.Fatalf("inject axe-core: %v", err)
		}
	}
	out, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]}, resultTypes: ["violations"]})
		.then(r => JSON.stringify(r.violations.filter(v => v.impact === "serious" || v.impact === "critical")))`, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("run axe-core: %v", err)
	}
	var vs []lookViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		b.t.Fatalf("axe-core result: %v", err)
	}
	return vs
}

// No page, at desktop or phone width, with its dialogs open, has a serious
// or critical WCAG 2.2 AA violation that axe-core can find.
func TestLookAxe(t *testing.T) {
	src := lookAxeSource(t)
	f := newLookFixture(t)
	tabFor := f.lookBrowsers()
	for _, width := range []int64{1280, 390} {
		for _, p := range f.lookPages() {
			b := tabFor(p.who)
			lookViewport(b, width)
			if !lookOpen(t, b, p) {
				continue
			}
			for _, v := range lookAxe(b, src) {
				for _, n := range v.Nodes {
					t.Errorf("%d %s %s: %s (%s): %s — %v %s", width, p.who, p.path, v.ID, v.Impact, v.Help, n.Target, n.HTML)
				}
			}
		}
	}
}

// GATEHOUSE_SCREENSHOTS=DIR writes each scheme's main pages at desktop and
// 390 px into DIR (docs/console is refreshed this way).
func TestScreenshots(t *testing.T) {
	if os.Getenv("GATEHOUSE_SCREENSHOTS") == "" {
		t.Skip("set GATEHOUSE_SCREENSHOTS=DIR to write the console's screenshots")
	}
	f := newLookFixture(t)
	tabFor := f.lookBrowsers()
	for _, p := range f.lookPages() {
		if p.shot == "" {
			continue
		}
		b := tabFor(p.who)
		for _, s := range []struct {
			width  int64
			suffix string
		}{{1280, ""}, {390, "-phone"}} {
			lookViewport(b, s.width)
			if !lookOpen(t, b, p) {
				break
			}
			// The caret would blink into the picture.
			_, _ = chromedp.Run(b.ctx, chromedp.Evaluate[any](`document.activeElement && document.activeElement.blur(), 0`))
			b.shot(p.shot + s.suffix)
		}
	}
}
