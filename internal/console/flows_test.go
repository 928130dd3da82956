package console_test

import (
	"strings"
	"testing"
)

// The Owner logs in, sees every Settings entry, renames the organization
// (the id stays), and logs out; the old session no longer works.
func TestOwnerLoginRenameLogout(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	b := f.browser("owner")
	b.open("/o/acme/general")
	b.waitPath("/login")
	b.typeInto("#email", ownerEmail)
	b.typeInto("#password", "wrong password")
	b.click("#login-submit")
	b.waitText("#error", "Wrong email or password")

	b.typeInto("#password", password)
	b.click("#login-submit")
	b.waitFor("nav.sidebar")
	b.waitPath("/o/acme/general")
	if got, want := b.navIDs(), "general,members,groups,roles,requests,resources,keys,approvals,usage,billing,audit"; got != want {
		t.Errorf("owner sidebar = %s, want %s", got, want)
	}
	if b.eval(`document.getElementById("org-id").readOnly ? "ro" : "rw"`) != "ro" {
		t.Error("organization id field is editable")
	}
	b.typeInto("#org-name", "Acme Vision Labs")
	b.click("#rename-submit")
	b.waitText("#flash", "renamed to Acme Vision Labs")
	b.shot("general")
	if !strings.Contains(b.text(".topbar"), "Acme Vision Labs") {
		t.Errorf("top bar does not show the new name: %q", b.text(".topbar"))
	}

	b.click("#user-menu summary")
	b.click("#logout")
	b.waitText("#flash", "logged out")
	b.open("/o/acme/general")
	b.waitPath("/login")
}
