package authz_test

import (
	"maps"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
)

// Aliases resolve to their member whether the index was loaded from a
// snapshot or built change by change, follow puts and deletes, and go with
// the membership.
func TestAliases(t *testing.T) {
	members := []domain.Member{{Org: "o", UserID: "u_ann", Role: "member"}, {Org: "o", UserID: "u_bob", Role: "member"}}
	aliases := []domain.Alias{{Org: "o", UserID: "u_ann", Alias: "auth0|1"}, {Org: "o", UserID: "u_ann", Alias: "ann@idp.test"},
		{Org: "o", UserID: "u_bob", Alias: "bob"}}

	loaded := authz.New()
	if err := loaded.Load(&domain.Snapshot{Org: domain.Org{ID: "o", Scheme: "vi"}, Revision: 1, Members: members, Aliases: aliases}); err != nil {
		t.Fatal(err)
	}
	applied := authz.New()
	var changes []domain.Change
	for i := range members {
		changes = append(changes, domain.Change{Op: domain.OpPutMember, Member: &members[i]})
	}
	for i := range aliases {
		changes = append(changes, domain.Change{Op: domain.OpPutAlias, Alias: &aliases[i]})
	}
	if err := applied.Apply("o", "vi", 1, changes); err != nil {
		t.Fatal(err)
	}

	for name, e := range map[string]*authz.Engine{"loaded": loaded, "applied": applied} {
		o, err := e.Org("o")
		if err != nil {
			t.Fatal(err)
		}
		resolve := func(step string, cases map[string]string) {
			t.Helper()
			for id, want := range cases {
				got, ok := o.ResolveUser(id)
				if got != want || ok != (want != "") {
					t.Errorf("%s, %s: ResolveUser(%q) = %q %v, want %q", name, step, id, got, ok, want)
				}
			}
		}
		resolve("at first", map[string]string{"u_ann": "u_ann", "auth0|1": "u_ann", "ann@idp.test": "u_ann", "bob": "u_bob",
			"u_nobody": "", "BOB": "", "": ""})
		if got, want := o.PrimaryAliases(), map[string]string{"u_ann": "auth0|1", "u_bob": "bob"}; !maps.Equal(got, want) {
			t.Errorf("%s: PrimaryAliases = %v, want %v", name, got, want)
		}

		// An alias naming another member is refused; naming hers again is
		// nothing.
		if err := e.Apply("o", "", 2, []domain.Change{{Op: domain.OpPutAlias, Alias: &domain.Alias{Org: "o", UserID: "u_bob", Alias: "auth0|1"}}}); err == nil {
			t.Errorf("%s: an alias put for a second member was taken", name)
		}
		if err := e.Apply("o", "", 3, []domain.Change{{Op: domain.OpPutAlias, Alias: &aliases[0]}}); err != nil {
			t.Errorf("%s: the same alias again: %v", name, err)
		}
		resolve("after the refused put", map[string]string{"auth0|1": "u_ann"})

		if err := e.Apply("o", "", 4, []domain.Change{{Op: domain.OpDeleteAlias, Alias: &aliases[0]},
			// Deleting an alias as another member's changes nothing.
			{Op: domain.OpDeleteAlias, Alias: &domain.Alias{Org: "o", UserID: "u_ann", Alias: "bob"}}}); err != nil {
			t.Fatal(err)
		}
		resolve("after a delete", map[string]string{"auth0|1": "", "ann@idp.test": "u_ann", "bob": "u_bob"})
		if got := o.PrimaryAliases()["u_ann"]; got != "ann@idp.test" {
			t.Errorf("%s: primary alias after the first is deleted = %q", name, got)
		}

		if err := e.Apply("o", "", 5, []domain.Change{{Op: domain.OpDeleteMember, Member: &domain.Member{Org: "o", UserID: "u_ann"}}}); err != nil {
			t.Fatal(err)
		}
		resolve("after the member left", map[string]string{"u_ann": "", "ann@idp.test": "", "bob": "u_bob"})
		if _, ok := o.PrimaryAliases()["u_ann"]; ok {
			t.Errorf("%s: a removed member keeps a primary alias", name)
		}
	}
}
