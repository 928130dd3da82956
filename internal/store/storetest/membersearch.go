package storetest

import (
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testMemberSearch: FindMembers filters by name or email and by role,
// orders by each sort key both ways (ties and missing times by user id,
// never-signed-in last), and pages through every order without a member
// twice or missing; CountFoundMembers agrees.
func testMemberSearch(e *env) {
	t := e.t
	e.org("acme")
	e.org("other")
	type person struct {
		id, name, email, role string
		joined, login         time.Duration // 0: none
	}
	people := []person{
		{"u05", "Ada Lovelace", "ada@acme.test", "admin", 5 * time.Hour, 3 * time.Hour},
		{"u02", "bob Builder", "bob@acme.test", "member", 2 * time.Hour, 0},
		{"u09", "Cleo 50%_off", "cleo@shop.test", "member", 9 * time.Hour, 1 * time.Hour},
		{"u01", "Dan Ada", "dan@acme.test", "member", 1 * time.Hour, 7 * time.Hour},
		{"u07", "eve", "EVE@acme.test", "member", 7 * time.Hour, 0},
		{"u03", "Ada Lovelace", "ada2@acme.test", "member", 3 * time.Hour, 5 * time.Hour},
	}
	e.mustWrite(func(tx store.Tx) error {
		for _, p := range people {
			u := domain.UserRecord{ID: p.id, Email: strings.ToLower(p.email), Name: p.name}
			if p.login > 0 {
				u.LastLoginAt = at(p.login)
			}
			if err := tx.CreateUser(u); err != nil {
				return err
			}
			if err := tx.PutMember(domain.Member{Org: "acme", UserID: p.id, Role: p.role, JoinedAt: at(p.joined)}); err != nil {
				return err
			}
		}
		// Another org's member matches nothing here.
		return tx.PutMember(domain.Member{Org: "other", UserID: "u05", Role: "member", JoinedAt: at(time.Hour)})
	})
	ids := func(ms []domain.Member) string {
		var out []string
		for _, m := range ms {
			out = append(out, m.UserID)
		}
		return strings.Join(out, ",")
	}
	cases := []struct {
		name string
		q    store.MemberQuery
		want string
	}{
		{"all by id", store.MemberQuery{}, "u01,u02,u03,u05,u07,u09"},
		{"all by id, descending", store.MemberQuery{Desc: true}, "u09,u07,u05,u03,u02,u01"},
		{"name or email, any case", store.MemberQuery{Q: "ADA"}, "u01,u03,u05"},
		{"email only", store.MemberQuery{Q: "shop.test"}, "u09"},
		{"percent and underscore are literal", store.MemberQuery{Q: "50%_"}, "u09"},
		{"a lone percent matches only a percent", store.MemberQuery{Q: "%"}, "u09"},
		{"role", store.MemberQuery{Role: "admin"}, "u05"},
		{"role and text", store.MemberQuery{Role: "member", Q: "ada"}, "u01,u03"},
		{"nothing", store.MemberQuery{Q: "zed"}, ""},
		{"by name", store.MemberQuery{Sort: store.MemberByName}, "u03,u05,u02,u09,u01,u07"},
		{"by name, descending", store.MemberQuery{Sort: store.MemberByName, Desc: true}, "u07,u01,u09,u02,u03,u05"},
		{"by email", store.MemberQuery{Sort: store.MemberByEmail}, "u03,u05,u02,u09,u01,u07"},
		{"by joined", store.MemberQuery{Sort: store.MemberByJoined}, "u01,u02,u03,u05,u07,u09"},
		{"by joined, descending", store.MemberQuery{Sort: store.MemberByJoined, Desc: true}, "u09,u07,u05,u03,u02,u01"},
		{"by last sign-in, never last", store.MemberQuery{Sort: store.MemberByLastLogin}, "u09,u05,u03,u01,u02,u07"},
		{"by last sign-in, newest first, never last", store.MemberQuery{Sort: store.MemberByLastLogin, Desc: true}, "u01,u03,u05,u09,u02,u07"},
		{"text and order", store.MemberQuery{Q: "acme", Sort: store.MemberByName, Desc: true}, "u07,u01,u02,u03,u05"},
	}
	for _, c := range cases {
		got, next, err := read2(e, func(r store.Reader) ([]domain.Member, string, error) { return r.FindMembers("acme", c.q, "", 0) })
		noErr(t, "FindMembers "+c.name, err)
		if ids(got) != c.want || next != "" {
			t.Errorf("FindMembers %s = %s (next %q), want %s", c.name, ids(got), next, c.want)
		}
		n := mustRead(e, func(r store.Reader) (int, error) { return r.CountFoundMembers("acme", c.q) })
		if want := len(got); n != want {
			t.Errorf("CountFoundMembers %s = %d, want %d", c.name, n, want)
		}
		// Every page size gives the same members in the same order.
		for _, limit := range []int{1, 2, 4} {
			var all []domain.Member
			after := ""
			for pages := 0; ; pages++ {
				if pages > 20 {
					t.Fatalf("FindMembers %s: paging does not end", c.name)
				}
				page, next, err := read2(e, func(r store.Reader) ([]domain.Member, string, error) {
					return r.FindMembers("acme", c.q, after, limit)
				})
				noErr(t, "FindMembers page", err)
				if len(page) > limit {
					t.Fatalf("FindMembers %s: %d items on a page of %d", c.name, len(page), limit)
				}
				all = append(all, page...)
				if next == "" {
					break
				}
				after = next
			}
			if ids(all) != c.want {
				t.Errorf("FindMembers %s in pages of %d = %s, want %s", c.name, limit, ids(all), c.want)
			}
		}
	}
	if _, _, err := read2(e, func(r store.Reader) ([]domain.Member, string, error) {
		return r.FindMembers("acme", store.MemberQuery{Sort: "shoe size"}, "", 0)
	}); err == nil {
		t.Error("FindMembers with an unknown order: no error")
	}
}
