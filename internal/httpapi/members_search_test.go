package httpapi_test

import (
	"slices"
	"strings"
	"testing"
)

// The member and invitation lists search, filter, sort and page on the
// server: q, role, status and sort, each page token valid with its query.
func TestMemberAndInvitationSearch(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.member(e.owner, "acme", "bob@acme.test", "member")
		e.member(e.owner, "acme", "ada@acme.test", "admin")
		e.member(e.owner, "acme", "carl@contractor.test", "member")
		emails := func(path string) []string {
			var out []string
			token := ""
			for range 20 {
				sep := "?"
				if strings.Contains(path, "?") {
					sep = "&"
				}
				r := e.owner.get(path+sep+"limit=1&page_token="+token).want(t, 200)
				for _, m := range r.items(t) {
					out = append(out, m["email"].(string))
				}
				if token = r.str(t, "next_page_token"); token == "" {
					return out
				}
			}
			t.Fatalf("%s: paging does not end", path)
			return nil
		}
		all := emails("/v1/orgs/acme/members?sort=email")
		if len(all) != 4 || !slices.IsSorted(all) {
			t.Errorf("by email: %v", all)
		}
		rev := emails("/v1/orgs/acme/members?sort=-email")
		slices.Reverse(rev)
		if !slices.Equal(rev, all) {
			t.Errorf("by email, descending, reversed: %v, want %v", rev, all)
		}
		for _, c := range []struct {
			query string
			want  []string
		}{
			{"q=BOB", []string{"bob@acme.test"}},
			{"q=contractor&sort=name", []string{"carl@contractor.test"}},
			{"role=admin", []string{"ada@acme.test"}},
			{"role=member&sort=-name", []string{"carl@contractor.test", "bob@acme.test"}},
			{"q=nobody", nil},
		} {
			if got := emails("/v1/orgs/acme/members?" + c.query); !slices.Equal(got, c.want) {
				t.Errorf("members?%s = %v, want %v", c.query, got, c.want)
			}
		}
		e.owner.get("/v1/orgs/acme/members?sort=shoe_size").want(t, 400)
		e.owner.get("/v1/orgs/acme/members?sort=name&page_token=zz").want(t, 400)

		for _, addr := range []string{"zoe@acme.test", "yann@acme.test", "xena@other.test"} {
			e.owner.post("/v1/orgs/acme/invitations", map[string]any{"email": addr}).want(t, 201)
		}
		inv := e.owner.get("/v1/orgs/acme/invitations?status=pending&sort=-email&q=acme").want(t, 200).items(t)
		var got []string
		for _, i := range inv {
			got = append(got, i["email"].(string))
			if _, ok := i["token"]; ok {
				t.Error("a listed invitation carries its token")
			}
		}
		if want := []string{"zoe@acme.test", "yann@acme.test"}; !slices.Equal(got, want) {
			t.Errorf("pending invitations at acme, by email descending = %v, want %v", got, want)
		}
		if n := len(e.owner.get("/v1/orgs/acme/invitations?status=accepted").want(t, 200).items(t)); n != 3 {
			t.Errorf("accepted invitations: %d, want 3", n)
		}
		e.owner.get("/v1/orgs/acme/invitations?sort=size").want(t, 400)
	})
}
