package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

// printsNoJSON are the commands -o json does not apply to, and why.
var printsNoJSON = map[string]string{
	"gatehouse serve": "runs the server; it prints logs, not an answer",
	"gatehouse init":  "always prints its one JSON line (TestInitOutputShape)",
}

// TestEveryCommandHonoursJSON runs every command with -o json and wants
// exactly one JSON value on stdout, of the shape its answer has, and
// nothing on stderr; a command added without a row here fails the test.
func TestEveryCommandHonoursJSON(t *testing.T) {
	s := startServer(t)
	env := s.env
	okJSON[client.Resource](t, env, "resource", "put", "dataset:cats", "--name", "Cats")
	okJSON[client.Resource](t, env, "resource", "put", "dataset:dogs", "--name", "Dogs")
	inv := okJSON[client.Invitation](t, env, "invite", "create", "--email", "con@acme.test", "--grant", "dataset.editor@dataset:cats")
	acc := okJSON[client.Accepted](t, env, "invite", "accept", "--invitation-token", inv.Token, "--name", "Con", "--password", "contractor-pass")
	pending := okJSON[client.Invitation](t, env, "invite", "create", "--email", "later@acme.test")
	g := okJSON[client.Grant](t, env, "grant", "create", "--subject", "user:"+acc.UserID, "--role", "dataset.viewer", "--scope", "dataset:dogs")
	tm := okJSON[client.Team](t, env, "team", "create", "--name", "North")
	grp := okJSON[client.Group](t, env, "group", "create", "--name", "Reviewers")
	k := okJSON[client.Key](t, env, "key", "create", "--name", "ingest", "--role", "dataset.viewer", "--scope", "dataset:cats")
	noOrg := s.with("GATEHOUSE_ORG", "")
	beta := s.with("GATEHOUSE_ORG", "beta")
	okJSON[client.Org](t, noOrg, "org", "create", "--id", "beta", "--name", "Beta")
	betaInv := okJSON[client.Invitation](t, beta, "invite", "create", "--email", "ada@beta.test", "--role", "admin")
	ada := okJSON[client.Accepted](t, beta, "invite", "accept", "--invitation-token", betaInv.Token, "--name", "Ada", "--password", "ada picks her words")
	toAccept := okJSON[client.Invitation](t, env, "invite", "create", "--email", "new@acme.test").Token
	batch := filepath.Join(t.TempDir(), "checks.json")
	if err := os.WriteFile(batch, []byte(`[{"permission":"dataset.view","resource":"dataset:cats"}]`), 0o600); err != nil {
		t.Fatal(err)
	}
	session := s.with("GATEHOUSE_TOKEN", strings.TrimSpace(ok(t, env, "login", "--email", ownerEmail, "--password", ownerPassword)))
	review := okJSON[client.Review](t, env, "review", "create", "--name", "Output", "--due", "2030-01-01")
	reviewItems := okJSON[[]client.ReviewItem](t, env, "review", "items", review.ID)
	if len(reviewItems) == 0 {
		t.Fatal("a review without items")
	}
	tok := okJSON[client.Token](t, session, "token", "create", "--name", "laptop", "--expires", "720h")
	scimTok := okJSON[client.SCIMToken](t, session, "scim-token", "create", "--name", "okta")
	con := s.with("GATEHOUSE_TOKEN", strings.TrimSpace(ok(t, env, "login", "--email", "con@acme.test", "--password", "contractor-pass")))
	asked := map[string]string{}
	for name, ask := range map[string][]string{
		"approve":  {"--role", "dataset.editor", "--resource", "dataset:dogs"},
		"deny":     {"--role", "dataset.owner", "--resource", "dataset:dogs"},
		"withdraw": {"--role", "dataset.owner", "--resource", "dataset:cats"},
	} {
		asked[name] = okJSON[client.AccessRequest](t, con, append([]string{"request", "create"}, ask...)...).ID
	}
	okJSON[client.Gate](t, env, "gate", "set", "training.export", "--approver-role", "owner")
	approval := okJSON[client.Approval](t, env, "approval", "create", "--subject", acc.UserID,
		"--permission", "training.export", "--until", "2h", "--reason", "release")

	// In order: the deletions come after what they delete is used.
	cases := []struct {
		env   map[string]string
		args  []string
		code  int
		shape byte // '{' or '['
	}{
		{env, []string{"me"}, 0, '{'},
		{env, []string{"login", "--email", ownerEmail, "--password", ownerPassword}, 0, '{'},
		{env, []string{"org", "list"}, 0, '['},
		{env, []string{"org", "get"}, 0, '{'},
		{noOrg, []string{"org", "create", "--id", "gamma", "--name", "Gamma"}, 0, '{'},
		{env, []string{"org", "update", "--name", "Acme Corp"}, 0, '{'},
		{env, []string{"org", "update", "--pat-max-days", "30"}, 0, '{'},
		{env, []string{"org", "billing"}, 0, '{'},
		{env, []string{"org", "usage"}, 0, '{'},
		{env, []string{"org", "plans"}, 0, '{'},
		{env, []string{"report", "stale-access"}, 0, '{'},
		{env, []string{"report", "raci"}, 0, '{'},
		{env, []string{"assignment", "set", "QA lead", "--user", acc.UserID}, 0, '{'},
		{env, []string{"assignment", "list"}, 0, '['},
		{env, []string{"review", "create", "--name", "Another", "--due", "2030-01-01"}, 0, '{'},
		{env, []string{"review", "list"}, 0, '['},
		{env, []string{"review", "show", review.ID}, 0, '{'},
		{env, []string{"review", "items", review.ID}, 0, '['},
		{env, []string{"review", "decide", review.ID, reviewItems[0].ID, "keep"}, 0, '{'},
		{env, []string{"review", "evidence", review.ID}, 0, '{'},
		{env, []string{"review", "close", review.ID}, 0, '{'},
		{con, []string{"request", "create", "--role", "dataset.viewer", "--resource", "dataset:cats", "--until", "720h"}, 0, '{'},
		{env, []string{"request", "list", "--state", "pending"}, 0, '['},
		{env, []string{"request", "show", asked["approve"]}, 0, '{'},
		{env, []string{"request", "approve", asked["approve"], "--until", "168h"}, 0, '{'},
		{env, []string{"request", "deny", asked["deny"], "--note", "no"}, 0, '{'},
		{con, []string{"request", "withdraw", asked["withdraw"]}, 0, '{'},
		{env, []string{"gate", "set", "training.deploy", "--approver-role", "owner"}, 0, '{'},
		{env, []string{"gate", "list"}, 0, '['},
		{env, []string{"approval", "create", "--subject", acc.UserID, "--permission", "training.deploy", "--until", "1h", "--reason", "deploy"}, 0, '{'},
		{env, []string{"approval", "list", "--state", "active"}, 0, '['},
		{env, []string{"approval", "end", approval.ID}, 0, '{'},
		{env, []string{"gate", "delete", "training.deploy"}, 0, '{'},
		{beta, []string{"org", "transfer", "--user-id", ada.UserID}, 0, '{'},
		{env, []string{"member", "list"}, 0, '{'},
		{env, []string{"member", "get", acc.UserID}, 0, '{'},
		{env, []string{"member", "update", acc.UserID, "--role", "member"}, 0, '{'},
		{env, []string{"member", "alias", "add", acc.UserID, "auth0|con"}, 0, '{'},
		{env, []string{"member", "alias", "list", acc.UserID}, 0, '['},
		{env, []string{"member", "alias", "remove", acc.UserID, "auth0|con"}, 0, '{'},
		{env, []string{"invite", "create", "--email", "more@acme.test"}, 0, '{'},
		{env, []string{"invite", "list"}, 0, '['},
		{env, []string{"invite", "resend", pending.ID}, 0, '{'},
		{env, []string{"invite", "accept", "--invitation-token", toAccept, "--name", "New", "--password", "new member pass"}, 0, '{'},
		{env, []string{"invite", "delete", pending.ID}, 0, '{'},
		{env, []string{"grant", "create", "--subject", "user:" + acc.UserID, "--role", "dataset.viewer", "--scope", "dataset:cats"}, 0, '{'},
		{env, []string{"grant", "list"}, 0, '{'},
		{env, []string{"role", "list"}, 0, '['},
		{env, []string{"role", "permissions"}, 0, '['},
		{env, []string{"role", "create", "--id", "qa", "--name", "QA", "--scope-type", "dataset", "--permission", "dataset.view"}, 0, '{'},
		{env, []string{"role", "delete", "qa"}, 0, '{'},
		{env, []string{"matrix"}, 0, '{'},
		{env, []string{"matrix", "--scheme", "labelbox"}, 0, '{'},
		{env, []string{"scheme", "validate", radiologyScheme}, 0, '['},
		{env, []string{"scheme", "test", radiologySuite}, 0, '{'},
		{env, []string{"resource", "put", "dataset:birds"}, 0, '{'},
		{env, []string{"resource", "list"}, 0, '{'},
		{env, []string{"resource", "get", "dataset:cats"}, 0, '{'},
		{env, []string{"resource", "access", "dataset:cats"}, 0, '['},
		{env, []string{"resource", "delete", "dataset:birds"}, 0, '{'},
		{env, []string{"key", "create", "--name", "export", "--role", "dataset.viewer", "--scope", "dataset:dogs"}, 0, '{'},
		{env, []string{"key", "list"}, 0, '['},
		{env, []string{"key", "rotate", k.ID}, 0, '{'},
		{env, []string{"key", "transfer", k.ID, "--owner", acc.UserID}, 0, '{'},
		{env, []string{"key", "revoke", k.ID}, 0, '{'},
		{session, []string{"token", "create", "--name", "ci"}, 0, '{'},
		{session, []string{"token", "list"}, 0, '['},
		{session, []string{"token", "revoke", tok.ID}, 0, '{'},
		{session, []string{"scim-token", "create", "--name", "entra"}, 0, '{'},
		{session, []string{"scim-token", "list"}, 0, '['},
		{session, []string{"scim-token", "revoke", scimTok.ID}, 0, '{'},
		{env, []string{"check", "--permission", "dataset.view", "--resource", "dataset:cats"}, 0, '{'},
		{env, []string{"check", "--subject", "user:" + acc.UserID, "--permission", "dataset.delete", "--resource", "dataset:cats"}, 1, '{'},
		{env, []string{"check", "--batch", batch}, 0, '{'},
		{env, []string{"lookup", "resources", "--permission", "dataset.view", "--type", "dataset"}, 0, '{'},
		{env, []string{"lookup", "subjects", "--permission", "dataset.view", "--resource", "dataset:cats"}, 0, '['},
		{env, []string{"audit", "list"}, 0, '{'},
		{env, []string{"audit", "verify"}, 0, '['},
	}
	for _, kind := range []struct {
		name string
		id   string
	}{{"team", tm.ID}, {"group", grp.ID}} {
		cases = append(cases, []struct {
			env   map[string]string
			args  []string
			code  int
			shape byte
		}{
			{env, []string{kind.name, "create", "--name", "More"}, 0, '{'},
			{env, []string{kind.name, "rename", kind.id, "--name", "South"}, 0, '{'},
			{env, []string{kind.name, "add-member", kind.id, acc.UserID}, 0, '{'},
			{env, []string{kind.name, "list"}, 0, '['},
			{env, []string{kind.name, "remove-member", kind.id, acc.UserID}, 0, '{'},
			{env, []string{kind.name, "delete", kind.id}, 0, '{'},
		}...)
	}
	cases = append(cases, []struct {
		env   map[string]string
		args  []string
		code  int
		shape byte
	}{
		{s.with("GATEHOUSE_SSO_CLIENT_SECRET", "idp-secret"), []string{"sso", "set", "--issuer", "https://idp.acme.test",
			"--client-id", "gatehouse", "--domain", "acme.test"}, 0, '{'},
		{env, []string{"sso", "get"}, 0, '{'},
		{env, []string{"sso", "delete"}, 0, '{'},
		{env, []string{"grant", "delete", g.ID}, 0, '{'},
		{env, []string{"assignment", "delete", "QA lead"}, 0, '{'},
		{env, []string{"member", "delete", acc.UserID}, 0, '{'},
		{session, []string{"logout"}, 0, '{'},
	}...)

	covered := map[string]bool{}
	root := (&app{}).newRoot()
	for _, c := range cases {
		name := strings.Join(c.args, " ")
		if cmd, _, err := root.Find(c.args); err == nil {
			covered[cmd.CommandPath()] = true
		}
		r := cli(t, c.env, append(c.args, "-o", "json")...)
		if r.code != c.code || r.stderr != "" {
			t.Errorf("%s -o json: exit %d, want %d\nstdout: %s\nstderr: %s", name, r.code, c.code, r.stdout, r.stderr)
			continue
		}
		dec := json.NewDecoder(strings.NewReader(r.stdout))
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Errorf("%s -o json: %v\n%s", name, err, r.stdout)
			continue
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Errorf("%s -o json: more than one JSON value:\n%s", name, r.stdout)
		}
		if got := bytes.TrimSpace(v); len(got) == 0 || got[0] != c.shape {
			t.Errorf("%s -o json: want a JSON %c...%s, got:\n%s", name, c.shape, map[byte]string{'{': "}", '[': "]"}[c.shape], r.stdout)
		}
	}

	var walk func(*cobra.Command)
	walk = func(cmd *cobra.Command) {
		if cmd.Runnable() && !covered[cmd.CommandPath()] && printsNoJSON[cmd.CommandPath()] == "" {
			t.Errorf("%s: not run with -o json here", cmd.CommandPath())
		}
		for _, sub := range cmd.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestTokensPrintAlike: login and invite accept both hand out a session
// token, and print it the same way: alone on a line in a table, so that
// $(...) captures it, or in an object with -o json.
func TestTokensPrintAlike(t *testing.T) {
	s := startServer(t)
	env := s.env
	bare := regexp.MustCompile(`^gss_\S+\n$`)
	n := 0
	invite := func(org, email string) string {
		return okJSON[client.Invitation](t, s.with("GATEHOUSE_ORG", org), "invite", "create", "--email", email).Token
	}
	pat := invite("acme", "pat@acme.test")
	okJSON[client.Accepted](t, env, "invite", "accept", "--invitation-token", pat, "--name", "Pat", "--password", "pat has a long password")
	for _, c := range []struct {
		name string
		args func() []string // a fresh invitation each time
	}{
		{"login", func() []string { return []string{"login", "--email", ownerEmail, "--password", ownerPassword} }},
		{"invite accept", func() []string {
			n++
			tok := invite("acme", fmt.Sprintf("new%d@acme.test", n))
			return []string{"invite", "accept", "--invitation-token", tok, "--name", "New", "--password", "a long password"}
		}},
		{"invite accept (existing account)", func() []string {
			n++
			org := fmt.Sprintf("org%d", n)
			okJSON[client.Org](t, env, "org", "create", "--id", org, "--name", org)
			tok := invite(org, "pat@acme.test")
			return []string{"invite", "accept", "--invitation-token", tok, "--email", "pat@acme.test", "--password", "pat has a long password"}
		}},
	} {
		out := ok(t, env, c.args()...)
		if !bare.MatchString(out) {
			t.Errorf("%s: want the bare session token, got %q", c.name, out)
			continue
		}
		if me := okJSON[client.Me](t, s.with("GATEHOUSE_TOKEN", strings.TrimSpace(out)), "me"); me.ID == "" {
			t.Errorf("%s: the token printed does not sign in: %+v", c.name, me)
		}
		var obj struct {
			Token string `json:"token"`
		}
		if err := json.Unmarshal([]byte(ok(t, env, append(c.args(), "-o", "json")...)), &obj); err != nil || !strings.HasPrefix(obj.Token, "gss_") {
			t.Errorf("%s -o json: want an object with the token: %+v %v", c.name, obj, err)
		}
	}
}
