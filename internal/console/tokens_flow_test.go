package console_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Personal access tokens on the Account page, in a real browser: made for
// one org with its secret shown once, refused beyond the cap set on the
// General page with the cap named, revoked from the list; the page passes
// axe with the secret on it.
func TestAccountTokens(t *testing.T) {
	src := lookAxeSource(t)
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	b := f.browser("owner")
	b.login(ownerEmail)
	b.open("/account")
	b.waitFor("#tokens")
	if !strings.Contains(b.text("#tokens"), "No token yet") {
		t.Errorf("an empty token list reads %q", b.text("#tokens"))
	}

	b.typeInto("#token-name", "laptop scripts")
	b.click("#token-create")
	b.waitFor("#token-secret")
	secret := b.eval(`document.querySelector("#token-secret").value`)
	if !strings.HasPrefix(secret, "gsp_") {
		t.Fatalf("the page shows %q as the token", secret)
	}
	for _, v := range lookAxe(b, src) {
		for _, n := range v.Nodes {
			t.Errorf("/account with a new token: %s (%s): %s — %v %s", v.ID, v.Impact, v.Help, n.Target, n.HTML)
		}
	}
	a, err := f.svc.Authenticate(ctx, secret, "")
	if err != nil || a.PATOrg != "acme" || a.UserID() != f.owner.UserID() {
		t.Fatalf("the shown token authenticates as %+v, %v", a, err)
	}

	// Shown once: the list has it, never its secret.
	b.open("/account")
	b.waitFor("#tokens tbody tr[data-token]")
	if b.exists("#token-secret") || b.eval(`String(document.documentElement.outerHTML.includes(`+"`"+secret+"`"+`))`) != "false" {
		t.Errorf("the secret is on the page after a reload")
	}
	if row := b.text("#tokens tbody tr[data-token]"); !strings.Contains(row, "laptop scripts") || !strings.Contains(row, "acme") {
		t.Errorf("token row %q", row)
	}

	// The cap is set on the General page; beyond it a token is refused,
	// naming it.
	b.open("/o/acme/general")
	b.typeInto("#token-cap", "7")
	b.click("#token-cap-submit")
	b.waitText("#flash", "at most 7 days")
	if o, err := f.svc.GetOrg(ctx, f.owner, "acme"); err != nil || o.PATMaxDays != 7 {
		t.Fatalf("org after the cap: %+v, %v", o, err)
	}
	b.open("/account")
	b.typeInto("#token-name", "too long")
	b.typeInto("#token-expires", f.svc.Now().Add(30*24*time.Hour).Format("01022006"))
	b.click("#token-create")
	b.waitText("#token-error", "7 days")
	if b.exists("#token-secret") {
		t.Errorf("a refused token shows a secret")
	}

	// Revoke: the token stops working at once.
	b.click("#tokens tbody tr[data-token] button")
	b.waitText("#flash", "Token revoked")
	if b.exists("#tokens tbody tr[data-token]") {
		t.Errorf("the revoked token is still listed")
	}
	if _, err := f.svc.Authenticate(ctx, secret, ""); err == nil {
		t.Errorf("a revoked token still authenticates")
	}
}
