package authz_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/authz/reference"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// The random orgs of the property tests are small, so LookupResources never
// meets grants reaching more than its listing limit (16,384 candidates),
// where it stops listing and walks the type instead. These orgs are large
// enough for that, and every lookup is compared with the reference.

func TestLookupLargeOrgsMatchReference(t *testing.T) {
	if testing.Short() {
		t.Skip("large orgs")
	}
	t.Run("labelbox projects through groups", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		users := []string{"u1", "u2", "u3", "u4", "u5"}
		cs := []domain.Change{
			putMember("u1", "member"), putMember("u2", "member"), putMember("u3", "member"),
			putMember("u4", "labeler"), putMember("u5", "member"),
			{Op: domain.OpPutGroup, Group: &domain.Group{ID: "labelers"}},
			{Op: domain.OpPutGroupMember, Membership: &domain.Membership{Parent: "labelers", UserID: "u1"}},
			{Op: domain.OpPutGroupMember, Membership: &domain.Membership{Parent: "labelers", UserID: "u2"}},
		}
		var grants []domain.Change
		for p := range 16 {
			proj := fmt.Sprintf("p%02d", p)
			cs = append(cs, putResource("project:"+proj, "", "", users[rng.IntN(len(users))]))
			for l := range 1100 {
				r := &domain.Resource{Type: "label", ID: fmt.Sprintf("l%02d-%04d", p, l), Parent: domain.Ref{Type: "project", ID: proj},
					Owner: users[rng.IntN(len(users))], Attributes: map[string]string{"task": []string{"label", "review", "rework"}[rng.IntN(3)]}}
				cs = append(cs, domain.Change{Op: domain.OpPutResource, Resource: r})
			}
			if p < 15 { // the group labels in 15 projects: conditional, and past the listing limit
				grants = append(grants, putGrant("gl"+proj, "group:labelers", "labeler", "project:"+proj))
			}
			if p != 3 { // u3 reviews all projects but one: unconditional, past the limit
				grants = append(grants, putGrant("gr"+proj, "user:u3", "reviewer", "project:"+proj))
			}
			if p == 7 { // u2 also leads one project
				grants = append(grants, putGrant("gp"+proj, "user:u2", "project_lead", "project:"+proj))
			}
		}
		cs = append(cs, grants...)
		e, o, ref := largeOrg(t, "labelbox", cs)
		for _, q := range []struct{ subject, perm string }{
			{"user:u1", "label.write"}, {"user:u2", "label.view"}, {"user:u2", "label.delete"},
			{"user:u3", "label.review"}, {"user:u4", "label.write"}, {"group:labelers", "benchmark.receive"},
		} {
			compareLookup(t, o, ref, q.subject, q.perm, "label", "", 1000)
		}
		// After removals the answers still agree.
		if err := e.Apply("o", "", 3, []domain.Change{
			{Op: domain.OpDeleteGroupMember, Membership: &domain.Membership{Parent: "labelers", UserID: "u1"}},
			{Op: domain.OpDeleteResource, Resource: &domain.Resource{Type: "project", ID: "p04"}},
			{Op: domain.OpDeleteGrant, Grant: &domain.Grant{ID: "grp11"}},
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []domain.Change{
			{Op: domain.OpDeleteGroupMember, Membership: &domain.Membership{Parent: "labelers", UserID: "u1"}},
			{Op: domain.OpDeleteResource, Resource: &domain.Resource{Type: "project", ID: "p04"}},
			{Op: domain.OpDeleteGrant, Grant: &domain.Grant{ID: "grp11"}},
		} {
			if err := ref.Apply(c); err != nil {
				t.Fatal(err)
			}
		}
		compareLookup(t, o, ref, "user:u2", "label.write", "label", "", 1000)
		compareLookup(t, o, ref, "user:u3", "label.review", "label", "", 999)
	})
	t.Run("deepomatic work-orders through teams", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		teams := []string{"t0", "t1", "t2", "t3", ""}
		cs := []domain.Change{
			putMember("op", "member"), putMember("mgr", "member"), putMember("fe", "field_engineer"), putMember("x", "member"),
		}
		for i := range 18000 {
			cs = append(cs, putResource(fmt.Sprintf("work_order:w%05d", i), "", teams[rng.IntN(len(teams))], "x"))
		}
		cs = append(cs,
			putGrant("g1", "user:op", "team_operator", "team:t0"), // conditional (back-office)
			putGrant("g2", "user:op", "team_operator", "team:t1"),
			putGrant("g3", "user:op", "team_operator", "team:t2"),
			putGrant("g4", "user:mgr", "team_operator_manager", "team:t0"), // unconditional
			putGrant("g5", "user:mgr", "team_operator_manager", "team:t1"),
			putGrant("g6", "user:mgr", "team_operator_manager", "team:t2"),
			putGrant("g7", "user:mgr", "team_operator", "team:t3"),
		)
		_, o, ref := largeOrg(t, "deepomatic", cs)
		for _, ch := range []string{"", "backoffice", "mobile"} {
			compareLookup(t, o, ref, "user:op", "work_order.read", "work_order", ch, 2000)
			compareLookup(t, o, ref, "user:mgr", "work_order.read", "work_order", ch, 2000)
			compareLookup(t, o, ref, "user:fe", "work_order.write", "work_order", ch, 2000)
		}
		compareLookup(t, o, ref, "user:mgr", "work_order.delete", "work_order", "", 2000)
	})
}

func largeOrg(t *testing.T, schemeID string, cs []domain.Change) (*authz.Engine, *authz.Org, *reference.State) {
	t.Helper()
	e := authz.New()
	if err := e.Apply("o", schemeID, 1, cs); err != nil {
		t.Fatal(err)
	}
	o, _ := e.Org("o")
	s, _ := scheme.Get(schemeID)
	ref := reference.New(s)
	for _, c := range cs {
		if err := ref.Apply(c); err != nil {
			t.Fatal(err)
		}
	}
	return e, o, ref
}

func compareLookup(t *testing.T, o *authz.Org, ref *reference.State, subject, perm, typ, channel string, limit int) {
	t.Helper()
	var got []string
	q := &authz.ResourceQuery{Subject: subject, Permission: perm, Type: typ, Channel: channel, Limit: limit, Now: t0.UnixNano()}
	for pages := 0; ; pages++ {
		p, err := o.LookupResources(q)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.IDs...)
		if p.Next == "" || pages > 100000 {
			break
		}
		q.PageToken = p.Next
	}
	want, err := ref.LookupResources(subject, perm, typ, channel, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		extra, missing := diff(got, want), diff(want, got)
		t.Errorf("lookup %s %s %s ch=%q: engine %d ids, reference %d; engine only %v, reference only %v",
			subject, perm, typ, channel, len(got), len(want), head(extra), head(missing))
	} else {
		t.Logf("lookup %s %s %s ch=%q: %d ids agree", subject, perm, typ, channel, len(got))
	}
}

func diff(a, b []string) []string {
	var out []string
	for _, x := range a {
		if _, found := slices.BinarySearch(b, x); !found {
			out = append(out, x)
		}
	}
	return out
}

func head(s []string) []string { return s[:min(len(s), 5)] }
