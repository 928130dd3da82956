package cli

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// TestAliasCommands: add, list (the table), an alias naming another member
// refused, remove.
func TestAliasCommands(t *testing.T) {
	s := startServer(t)
	env := s.env
	join := func(email, pass string) string {
		inv := okJSON[client.Invitation](t, env, "invite", "create", "--email", email)
		return okJSON[client.Accepted](t, env, "invite", "accept", "--invitation-token", inv.Token, "--name", "N", "--password", pass).UserID
	}
	ada, bo := join("ada@acme.test", "ada picks her words"), join("bo@acme.test", "bo picks his words")
	ok(t, env, "member", "alias", "add", ada, "auth0|ada")
	ok(t, env, "member", "alias", "add", ada, "ada@idp.example")
	if out := ok(t, env, "member", "alias", "list", ada); !strings.Contains(out, "auth0|ada") || !strings.Contains(out, "ada@idp.example") {
		t.Fatalf("alias list:\n%s", out)
	}
	if r := cli(t, env, "member", "alias", "add", bo, "auth0|ada"); r.code == 0 || !strings.Contains(r.stderr, "another member") {
		t.Fatalf("an alias of another member: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ok(t, env, "member", "alias", "remove", ada, "auth0|ada")
	if got := okJSON[[]string](t, env, "member", "alias", "list", ada); len(got) != 1 || got[0] != "ada@idp.example" {
		t.Fatalf("aliases after remove: %v", got)
	}
}
