package reference

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func mustApply(t *testing.T, st *State, cs ...domain.Change) {
	t.Helper()
	for _, c := range cs {
		if err := st.Apply(c); err != nil {
			t.Fatalf("%s: %v", c.Op, err)
		}
	}
}

func member(u, role string) domain.Change {
	return domain.Change{Op: domain.OpPutMember, Member: &domain.Member{UserID: u, Role: role}}
}

func res(typ, id, parent, team, owner string, attrs map[string]string) domain.Change {
	r := &domain.Resource{Type: typ, ID: id, Team: team, Owner: owner, Attributes: attrs}
	if parent != "" {
		r.Parent, _ = domain.ParseRef(parent)
	}
	return domain.Change{Op: domain.OpPutResource, Resource: r}
}

func grant(id, subject, role, scope string, exp time.Time) domain.Change {
	s, _ := domain.ParseSubject(subject)
	sc, _ := domain.ParseScope(scope)
	return domain.Change{Op: domain.OpPutGrant, Grant: &domain.Grant{ID: id, Subject: s, Role: role, Scope: sc, ExpiresAt: exp}}
}

func check(t *testing.T, st *State, subject, perm, resource, channel string, now time.Time, want bool) {
	t.Helper()
	got, err := st.Check(Request{Subject: subject, Permission: perm, Resource: resource, Channel: channel, Now: now})
	if err != nil {
		t.Fatalf("check %s %s %s: %v", subject, perm, resource, err)
	}
	if got != want {
		t.Errorf("check %s %s %s ch=%q: got %v, want %v", subject, perm, resource, channel, got, want)
	}
}

func TestLabelboxOwnReworkAndGroups(t *testing.T) {
	s, _ := scheme.Get("labelbox")
	st := New(s)
	mustApply(t, st,
		member("lab", "member"), member("other", "member"),
		domain.Change{Op: domain.OpPutGroup, Group: &domain.Group{ID: "g"}},
		domain.Change{Op: domain.OpPutGroupMember, Membership: &domain.Membership{Parent: "g", UserID: "lab"}},
		res("project", "p", "", "", "other", nil),
		res("label", "own", "project:p", "", "lab", map[string]string{"task": "label"}),
		res("label", "rw", "project:p", "", "other", map[string]string{"task": "rework"}),
		res("label", "x", "project:p", "", "other", nil),
		res("issue", "i", "project:p", "", "lab", nil),
		res("comment", "c", "issue:i", "", "other", nil),
		grant("g1", "group:g", "labeler", "project:p", time.Time{}),
	)
	check(t, st, "user:lab", "label.write", "label:own", "", t0, true)
	check(t, st, "user:lab", "label.write", "label:rw", "", t0, true)
	check(t, st, "user:lab", "label.write", "label:x", "", t0, false)
	check(t, st, "user:lab", "label.view", "label:rw", "", t0, true) // rework: never write without view
	check(t, st, "user:lab", "label.view", "label:x", "", t0, false)
	check(t, st, "user:lab", "issue.manage", "issue:i", "", t0, true)
	check(t, st, "user:lab", "issue.manage", "comment:c", "", t0, false) // owner of the comment decides
	check(t, st, "user:other", "label.view", "label:rw", "", t0, false)
	check(t, st, "group:g", "benchmark.receive", "project:p", "", t0, true)

	got, _ := st.LookupResources("user:lab", "label.write", "label", "", t0)
	if !slices.Equal(got, []string{"own", "rw"}) {
		t.Errorf("lookup: %v", got)
	}
	subs, _ := st.LookupSubjects("label.write", "label:rw", "", t0)
	if !slices.Equal(subs, []string{"user:lab"}) {
		t.Errorf("subjects: %v", subs)
	}
	// Deleting the project takes its children and the grant with it.
	mustApply(t, st, domain.Change{Op: domain.OpDeleteResource, Resource: &domain.Resource{Type: "project", ID: "p"}})
	if len(st.Resources) != 0 || len(st.Grants) != 0 {
		t.Errorf("after delete: %d resources, %d grants", len(st.Resources), len(st.Grants))
	}
	if _, err := st.Check(Request{Subject: "user:lab", Permission: "label.view", Resource: "label:own", Now: t0}); err == nil {
		t.Error("check on a deleted resource: want an error")
	}
}

func TestDeepomaticTeamsChannelsAnywhereExpiry(t *testing.T) {
	s, _ := scheme.Get("deepomatic")
	st := New(s)
	exp := t0.Add(time.Hour)
	mustApply(t, st,
		member("fe", "member"), member("op", "operator"), member("ana", "org_admin"),
		res("work_order", "w1", "", "t1", "op", nil),
		res("work_order", "w2", "", "t2", "op", nil),
		grant("g1", "user:fe", "team_field_engineer", "team:t1", exp),
		domain.Change{Op: domain.OpPutKey, Key: &domain.KeyRecord{ID: "k", ExpiresAt: exp, Owner: "ana"}},
		grant("g2", "key:k", "operator_manager", "org", time.Time{}),
	)
	check(t, st, "user:fe", "work_order.read", "work_order:w1", "mobile", t0, true)
	check(t, st, "user:fe", "work_order.read", "work_order:w1", "", t0, false)
	check(t, st, "user:fe", "work_order.read", "work_order:w2", "mobile", t0, false)
	check(t, st, "user:fe", "mobile.use", "", "", t0, true) // anywhere
	check(t, st, "user:fe", "mobile.use", "", "", exp, false)
	check(t, st, "user:op", "work_order.read", "work_order:w2", "backoffice", t0, true)
	check(t, st, "key:k", "work_order.delete", "work_order:w2", "", t0, true)
	check(t, st, "key:k", "work_order.delete", "work_order:w2", "", exp, false)

	h := st.Held("user:op", "work_order.read", domain.TeamScope("t1"), t0)
	if h.Unconditional || !slices.Equal(h.Conditions, []string{"channel in (backoffice)"}) {
		t.Errorf("held: %+v", h)
	}
	if !h.Covers("channel in (backoffice)") || h.Covers("") || h.Covers("channel in (mobile)") {
		t.Errorf("covers: %+v", h)
	}

	// Deleting a team detaches its work-orders and drops its grants.
	mustApply(t, st, domain.Change{Op: domain.OpDeleteTeam, Team: &domain.Team{ID: "t1"}})
	if st.Resources["work_order:w1"].Team != "" || len(st.Grants) != 1 {
		t.Errorf("after team delete: %+v, %d grants", st.Resources["work_order:w1"], len(st.Grants))
	}
	check(t, st, "user:fe", "mobile.use", "", "", t0, false)
}

func TestScopesOfScope(t *testing.T) {
	s, _ := scheme.Get("labelbox")
	st := New(s)
	got := st.ScopesOfScope(domain.TypeScope("comment"))
	want := []domain.Scope{domain.TypeScope("comment"), domain.TypeScope("issue"), domain.TypeScope("project"), domain.OrgScope()}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
