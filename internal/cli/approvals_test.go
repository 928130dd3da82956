package cli

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/client"
)

// TestApprovalCommands: a gate makes a check of training.export fail with
// the reason on the APPROVAL line; the owner's approval makes it pass and
// the line names the approval; ending it fails the check again.
func TestApprovalCommands(t *testing.T) {
	s := startServer(t)
	env := s.env
	okJSON[client.Resource](t, env, "resource", "put", "training:resnet")
	inv := okJSON[client.Invitation](t, env, "invite", "create", "--email", "dev@acme.test", "--grant", "training.editor@training:resnet")
	dev := okJSON[client.Accepted](t, env, "invite", "accept", "--invitation-token", inv.Token, "--name", "Dev", "--password", "developer passphrase")

	if out := ok(t, env, "gate", "set", "training.export", "--approver-role", "owner"); !strings.Contains(out, "training.export") {
		t.Fatalf("gate set printed:\n%s", out)
	}
	check := []string{"check", "--subject", "user:" + dev.UserID, "--permission", "training.export", "--resource", "training:resnet"}
	r := cli(t, env, check...)
	if r.code != 1 || !strings.Contains(r.stdout, "needs approval") {
		t.Fatalf("gated check: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, env, "approval", "create", "--subject", dev.UserID, "--permission", "training.export", "--until", "960h", "--reason", "x"); r.code == 0 {
		t.Fatalf("a window past the cap:\n%s", r.stdout)
	}
	ap := okJSON[client.Approval](t, env, "approval", "create", "--subject", dev.UserID, "--permission", "training.export",
		"--resource", "training:resnet", "--until", "1h", "--reason", "release v2")
	if out := ok(t, env, check...); !strings.Contains(out, "(approval "+ap.ID+")") {
		t.Fatalf("approved check:\n%s", out)
	}
	if out := ok(t, env, "approval", "list", "--state", "active"); !strings.Contains(out, ap.ID) {
		t.Fatalf("approval list:\n%s", out)
	}
	ok(t, env, "approval", "end", ap.ID)
	if r := cli(t, env, check...); r.code != 1 {
		t.Fatalf("check after the end: exit %d\n%s", r.code, r.stdout)
	}
	ok(t, env, "gate", "delete", "training.export")
	ok(t, env, check...)
}
