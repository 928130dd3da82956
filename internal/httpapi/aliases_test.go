package httpapi_test

import (
	"net/url"
	"slices"
	"testing"
)

func aliasesOf(t *testing.T, c *client, org, userID string) []string {
	t.Helper()
	raw, _ := c.get("/v1/orgs/"+org+"/members/"+userID+"/aliases").want(t, 200).obj(t)["aliases"].([]any)
	out := []string{}
	for _, a := range raw {
		out = append(out, a.(string))
	}
	return out
}

// Aliases: set (idempotently), listed, unique per org (409), removed with
// DELETE and with the member; setting takes user management, reading takes
// seeing the member; every change is audited.
func TestAliases(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		bob, bobID := e.member(e.owner, "acme", "bob@acme.test", "member")
		_, carolID := e.member(e.owner, "acme", "carol@acme.test", "member")
		base := "/v1/orgs/acme/members/" + bobID + "/aliases/"
		for _, a := range []string{"auth0|42", "bob@idp.test", "https://idp.test/u/42"} {
			e.owner.put(base+url.PathEscape(a), nil).want(t, 204)
		}
		e.owner.put(base+url.PathEscape("auth0|42"), nil).want(t, 204) // again: nothing changes
		want := []string{"auth0|42", "bob@idp.test", "https://idp.test/u/42"}
		if got := aliasesOf(t, e.owner, "acme", bobID); !slices.Equal(got, want) {
			t.Errorf("aliases = %v, want %v", got, want)
		}
		if got := aliasesOf(t, bob, "acme", bobID); !slices.Equal(got, want) {
			t.Errorf("bob's own aliases = %v, want %v", got, want)
		}
		for _, c := range []struct {
			name   string
			who    *client
			method string
			path   string
			want   int
		}{
			{"an alias of another member", e.owner, "PUT", "/v1/orgs/acme/members/" + carolID + "/aliases/bob@idp.test", 409},
			{"a member's user id", e.owner, "PUT", base + carolID, 409},
			{"a member sets her own", bob, "PUT", base + "mine", 403},
			{"a member removes her own", bob, "DELETE", base + "bob@idp.test", 403},
			{"a member reads another's", bob, "GET", "/v1/orgs/acme/members/" + carolID + "/aliases", 403},
			{"an alias of nobody", e.owner, "PUT", "/v1/orgs/acme/members/u_nobody/aliases/x", 404},
			{"removing one she lacks", e.owner, "DELETE", base + "nothing", 404},
			{"a control character", e.owner, "PUT", base + "a%0Ab", 400},
			{"another org", e.owner, "GET", "/v1/orgs/beta/members/" + bobID + "/aliases", 404},
		} {
			t.Run(c.name, func(t *testing.T) { c.who.do(c.method, c.path, nil).want(t, c.want) })
		}
		e.owner.delete(base+"bob@idp.test").want(t, 204)
		if got := aliasesOf(t, e.owner, "acme", bobID); len(got) != 2 {
			t.Errorf("after DELETE: %v", got)
		}
		// Free again: carol may take it.
		e.owner.put("/v1/orgs/acme/members/"+carolID+"/aliases/bob@idp.test", nil).want(t, 204)
		items := e.owner.get("/v1/orgs/acme/audit?action=member.alias.set").want(t, 200).items(t)
		if len(items) != 4 {
			t.Errorf("member.alias.set events = %d, want 4 (the repeated PUT changes nothing)", len(items))
		}
		if n := len(e.owner.get("/v1/orgs/acme/audit?action=member.alias.delete").want(t, 200).items(t)); n != 1 {
			t.Errorf("member.alias.delete events = %d, want 1", n)
		}
		// The aliases go with the membership.
		e.owner.delete("/v1/orgs/acme/members/"+carolID).want(t, 200)
		e.owner.put(base+"bob@idp.test", nil).want(t, 204)
	})
}

// A decision point asking about an alias gets the power of the member it
// names, so an alias of a member is set or taken away only by who could
// hand out all she holds: an Admin cannot move her own IdP id onto the
// Owner, nor the Owner's off her. An alias is never any user's id.
func TestAliasesSpeakForTheirMember(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		ada, adaID := e.member(e.owner, "acme", "ada@acme.test", "admin")
		_, bobID := e.member(e.owner, "acme", "bob@acme.test", "member")
		e.owner.post("/v1/orgs/acme/roles", map[string]any{"id": "billing_reader", "name": "Billing reader", "scope_type": "org",
			"permissions": []any{map[string]any{"id": "billing.view"}}}).want(t, 201)
		_, carolID := e.member(e.owner, "acme", "carol@acme.test", "member")
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + carolID, "role": "billing_reader", "scope": "org"}).want(t, 201)
		owner := "/v1/orgs/acme/members/" + e.boot.UserID + "/aliases/"
		e.owner.put(owner+"auth0|olivia", nil).want(t, 204) // her own
		ada.put("/v1/orgs/acme/members/"+adaID+"/aliases/auth0|ada", nil).want(t, 204)
		ada.put("/v1/orgs/acme/members/"+bobID+"/aliases/auth0|bob", nil).want(t, 204)
		ada.delete(owner+"auth0|olivia").want(t, 403)
		ada.put(owner+"auth0|ada2", nil).want(t, 403)
		ada.put("/v1/orgs/acme/members/"+carolID+"/aliases/auth0|carol", nil).want(t, 403) // a grant Ada could not give
		e.owner.put("/v1/orgs/acme/members/"+carolID+"/aliases/auth0|carol", nil).want(t, 204)
		ada.delete("/v1/orgs/acme/members/"+carolID+"/aliases/auth0|carol").want(t, 403)
		if got := aliasesOf(t, e.owner, "acme", e.boot.UserID); !slices.Equal(got, []string{"auth0|olivia"}) {
			t.Errorf("the Owner's aliases after Ada's attempts: %v", got)
		}
		// A user of another org only: her id is no alias here either.
		e.owner.post("/v1/orgs", map[string]any{"id": "beta", "name": "Beta"}).want(t, 201)
		_, zedID := e.member(e.owner, "beta", "zed@beta.test", "member")
		e.owner.put("/v1/orgs/acme/members/"+bobID+"/aliases/"+zedID, nil).want(t, 409)
		// Who may not change aliases learns nothing of who is a member.
		bob := e.login("bob@acme.test", memberPassword("bob@acme.test"))
		bob.put("/v1/orgs/acme/members/u_nobody/aliases/x", nil).want(t, 403)
		bob.put("/v1/orgs/acme/members/"+carolID+"/aliases/x", nil).want(t, 403)
	})
}
