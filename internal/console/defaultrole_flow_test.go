package console_test

import (
	"context"
	"strings"
	"testing"
)

// The default role, in the console: the Owner sets a member's default role
// on her page, then gives a group the Default role on a dataset, and each
// member of the group holds their own default role there.
func TestDefaultRoleFlow(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	ctx := context.Background()
	ana := f.member("ana@acme.test", "Ana Analyst", "member")
	g, err := f.svc.CreateGroup(ctx, f.owner, f.org, "Labelers")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetGroupMember(ctx, f.owner, f.org, g.ID, ana.Subject.ID, false); err != nil {
		t.Fatal(err)
	}

	b := f.browser("owner")
	b.login(ownerEmail)
	b.open("/o/acme/groups/" + g.ID)
	b.waitFor("#grant-role")
	for _, o := range b.membOptions("#grant-role") {
		if o == "default" {
			t.Error("the Default role is offered while no member has one")
		}
	}

	b.open("/o/acme/members/" + ana.Subject.ID)
	b.waitFor("#default-role-form")
	b.choose("#member-default-role", "dataset.editor")
	b.click("#default-role-save")
	b.waitText("#flash", "Ana Analyst's default role is Dataset Editor.")

	b.open("/o/acme/groups/" + g.ID)
	b.membPickRole("default")
	b.choose("#grant-scope", "dataset:xrays")
	b.click("#grant-add")
	b.waitText("#flash", "given to group Labelers")
	b.waitText("#group-grants", "Default role")
	if !f.allowed(ana, "dataset.annotate", "dataset:xrays") {
		t.Error("the group's Default-role grant does not give its member her default role")
	}

	// Clearing it: the grant stays and gives her nothing.
	b.open("/o/acme/members/" + ana.Subject.ID)
	b.waitFor("#default-role-form")
	b.choose("#member-default-role", "")
	b.click("#default-role-save")
	b.waitFor("#flash")
	if got := b.text("#flash"); !strings.Contains(got, "no default role now") {
		t.Errorf("flash after clearing = %q", got)
	}
	if f.allowed(ana, "dataset.annotate", "dataset:xrays") {
		t.Error("with no default role, the group's Default-role grant still gives something")
	}
	// Her own page offers no default-role form: nobody sets their own.
	in := f.browser("ana")
	in.login("ana@acme.test")
	in.open("/o/acme/members/" + ana.Subject.ID)
	in.waitFor("#member-name")
	if in.exists("#default-role-form") {
		t.Error("a member is offered to set her own default role")
	}
}
