package cli

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// TestSCIMTokens makes, lists and revokes an org's SCIM token from a session.
func TestSCIMTokens(t *testing.T) {
	s := startServer(t)
	session := s.with("GATEHOUSE_TOKEN", strings.TrimSpace(ok(t, s.env, "login", "--email", ownerEmail, "--password", ownerPassword)))
	out := ok(t, session, "scim-token", "create", "--name", "okta")
	if !strings.Contains(out, "gsc_") || !strings.Contains(out, "shown only now") || !strings.Contains(out, "member") {
		t.Fatalf("scim-token create:\n%s", out)
	}
	tok := okJSON[client.SCIMToken](t, session, "scim-token", "create", "--name", "entra", "--role", "admin")
	if tok.Role != "admin" || !strings.HasPrefix(tok.Token, "gsc_") {
		t.Fatalf("SCIM token %+v", tok)
	}
	// A SCIM token is no credential of the management commands.
	if r := cli(t, s.with("GATEHOUSE_TOKEN", tok.Token), "org", "get"); r.code == 0 {
		t.Errorf("a SCIM token works for org get:\n%s", r.stdout)
	}
	list := okJSON[[]client.SCIMToken](t, session, "scim-token", "list")
	if len(list) != 2 || list[1].Token != "" || list[1].ID != tok.ID {
		t.Errorf("scim-token list %+v", list)
	}
	if out := ok(t, session, "scim-token", "list"); strings.Contains(out, tok.Token) || !strings.Contains(out, tok.ID) {
		t.Errorf("scim-token list shows:\n%s", out)
	}
	ok(t, session, "scim-token", "revoke", tok.ID)
	if list := okJSON[[]client.SCIMToken](t, session, "scim-token", "list"); len(list) != 1 {
		t.Errorf("after revoke %+v", list)
	}
}
