package cli

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// TestTokens scripts with a personal access token made from a session:
// it works where its user does, makes no token, and dies when revoked.
func TestTokens(t *testing.T) {
	s := startServer(t)
	session := s.with("GATEHOUSE_TOKEN", strings.TrimSpace(ok(t, s.env, "login", "--email", ownerEmail, "--password", ownerPassword)))
	out := ok(t, session, "token", "create", "--name", "laptop")
	if !strings.Contains(out, "gsp_") || !strings.Contains(out, "shown only now") {
		t.Fatalf("token create:\n%s", out)
	}
	if o := okJSON[client.Org](t, session, "org", "update", "--pat-max-days", "7"); o.PATMaxDays != 7 {
		t.Errorf("org after the cap %+v", o)
	}
	if r := cli(t, session, "token", "create", "--name", "long", "--expires", "720h"); r.code == 0 || !strings.Contains(r.stderr, "7 days") {
		t.Errorf("a token beyond the cap: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, session, "org", "update"); r.code == 0 {
		t.Errorf("org update without a change succeeded")
	}
	tok := okJSON[client.Token](t, session, "token", "create", "--name", "ci", "--expires", "24h")
	if tok.Org != "acme" || !strings.HasPrefix(tok.Secret, "gsp_") {
		t.Fatalf("token %+v", tok)
	}
	pat := s.with("GATEHOUSE_TOKEN", tok.Secret)
	if org := okJSON[client.Org](t, pat, "org", "get"); org.ID != "acme" {
		t.Errorf("org get through the token: %+v", org)
	}
	for _, args := range [][]string{{"token", "create", "--name", "again"}, {"token", "list"}} {
		if r := cli(t, pat, args...); r.code == 0 || !strings.Contains(r.stderr, "personal access token") {
			t.Errorf("%v through a token: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	list := okJSON[[]client.Token](t, session, "token", "list")
	if len(list) != 2 || list[1].Secret != "" || list[1].LastUsedAt == nil {
		t.Errorf("token list %+v", list)
	}
	if out := ok(t, session, "token", "list"); strings.Contains(out, tok.Secret) || !strings.Contains(out, tok.ID) {
		t.Errorf("token list shows:\n%s", out)
	}
	ok(t, session, "token", "revoke", tok.ID)
	if r := cli(t, pat, "org", "get"); r.code == 0 {
		t.Errorf("a revoked token still works:\n%s", r.stdout)
	}
}
