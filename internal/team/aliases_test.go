package team_test

import (
	"context"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// ok marks a case that succeeds: no fault code stands for none.
const ok = fault.Code(255)

// Which aliases are taken and which refused, with the reason's code; and
// who may open the PDP: a key of the org (a key that does not exist sees no
// org), never a session.
func TestAliasRules(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	boot, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	for _, c := range []struct {
		name, alias string
		want        fault.Code // ok: taken
	}{
		{"an IdP subject", "auth0|5f1c", ok},
		{"an email", "ada@idp.example", ok},
		{"a URL", "https://idp.example/u/5f1c", ok},
		{"not ASCII", "adélaïde", ok},
		{"the same again", "auth0|5f1c", ok},
		{"empty", "", fault.Invalid},
		{"too long", strings.Repeat("a", 256), fault.Invalid},
		{"a control character", "a\tb", fault.Invalid},
		{"not UTF-8", "a\xffb", fault.Invalid},
		{"a member's user id", boot.UserID, fault.Conflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := svc.SetAlias(ctx, owner, "acme", boot.UserID, c.alias)
			if err == nil && c.want == ok {
				return
			}
			if got := fault.CodeOf(err); err == nil || got != c.want {
				t.Errorf("SetAlias(%q) = %v (%v), want %v", c.alias, got, err, c.want)
			}
		})
	}
	got, err := svc.ListAliases(ctx, owner, "acme", boot.UserID)
	if err != nil || len(got) != 4 {
		t.Fatalf("ListAliases = %v, %v; want the 4 taken", got, err)
	}
	key := team.Actor{Subject: domain.KeySubject("k_none"), KeyOrg: "acme"}
	if _, err := svc.PDP(ctx, key, "acme"); fault.CodeOf(err) != fault.NotFound {
		t.Errorf("PDP for a key that does not exist: %v, want not found", err)
	}
	if _, err := svc.PDP(ctx, owner, "acme"); fault.CodeOf(err) != fault.Forbidden {
		t.Errorf("PDP for a session: %v, want forbidden", err)
	}
}
