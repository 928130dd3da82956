package authz_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
)

// gatedOrg is a vi org where u_ed edits training:resnet and u_own owns it.
func gatedOrg(t *testing.T) (*authz.Engine, *authz.Org) {
	t.Helper()
	e := authz.New()
	changes := []domain.Change{
		{Op: domain.OpPutMember, Member: &domain.Member{Org: "o", UserID: "u_own", Role: "member"}},
		{Op: domain.OpPutMember, Member: &domain.Member{Org: "o", UserID: "u_ed", Role: "member"}},
		{Op: domain.OpPutResource, Resource: &domain.Resource{Org: "o", Type: "training", ID: "resnet"}},
		{Op: domain.OpPutResource, Resource: &domain.Resource{Org: "o", Type: "training", ID: "other"}},
		{Op: domain.OpPutGrant, Grant: &domain.Grant{ID: "g1", Org: "o", Subject: domain.UserSubject("u_own"), Role: "training.owner", Scope: domain.ResourceScope("training", "resnet")}},
		{Op: domain.OpPutGrant, Grant: &domain.Grant{ID: "g2", Org: "o", Subject: domain.UserSubject("u_ed"), Role: "training.editor", Scope: domain.ResourceScope("training", "resnet")}},
		{Op: domain.OpPutGrant, Grant: &domain.Grant{ID: "g3", Org: "o", Subject: domain.UserSubject("u_ed"), Role: "training.editor", Scope: domain.ResourceScope("training", "other")}},
		{Op: domain.OpPutGate, Gate: &domain.Gate{Org: "o", Permission: "training.export", ApproverRole: "training.owner"}},
	}
	if err := e.Apply("o", "vi", 1, changes); err != nil {
		t.Fatal(err)
	}
	o, err := e.Org("o")
	if err != nil {
		t.Fatal(err)
	}
	return e, o
}

func check(t *testing.T, o *authz.Org, subject, perm, res string, at time.Time) authz.Decision {
	t.Helper()
	d, err := o.Check(&authz.Request{Subject: subject, Permission: perm, Resource: res, Now: at.UnixNano()})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestGatedPermissionNeedsAWindow(t *testing.T) {
	e, o := gatedOrg(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	until := now.Add(24 * time.Hour)

	d := check(t, o, "user:u_ed", "training.export", "training:resnet", now)
	if d.Allowed || !strings.Contains(d.Reason.Approval, "needs approval") {
		t.Fatalf("gated without a window: %+v", d)
	}
	if d := check(t, o, "user:u_ed", "training.run", "training:resnet", now); !d.Allowed || d.Reason.Approval != "" {
		t.Fatalf("ungated permission: %+v", d)
	}
	if d, _ := o.Check(&authz.Request{Subject: "user:u_ed", Permission: "training.export", Resource: "training:resnet", Now: now.UnixNano(), Ungated: true}); !d.Allowed {
		t.Fatalf("the rules alone allow it: %+v", d)
	}

	ap := &domain.Approval{Org: "o", ID: "ap_1", Subject: domain.UserSubject("u_ed"), Permission: "training.export",
		Resource: "training:resnet", From: now, Until: until, Approver: "u_own"}
	if err := e.Apply("o", "", 2, []domain.Change{{Op: domain.OpPutApproval, Approval: ap}}); err != nil {
		t.Fatal(err)
	}
	d = check(t, o, "user:u_ed", "training.export", "training:resnet", now.Add(time.Hour))
	want := "approved by u_own (approval ap_1) until 2026-12-04T10:00:00Z"
	if !d.Allowed || d.Reason.Approval != want || d.Reason.Grant != "g2" {
		t.Fatalf("within the window: %+v, want approval %q", d, want)
	}
	if d := check(t, o, "user:u_ed", "training.export", "training:other", now.Add(time.Hour)); d.Allowed {
		t.Fatalf("the window covers resnet only: %+v", d)
	}
	if d := check(t, o, "user:u_own", "training.export", "training:resnet", now.Add(time.Hour)); d.Allowed {
		t.Fatalf("the window is u_ed's only: %+v", d)
	}
	if d := check(t, o, "user:u_ed", "training.export", "training:resnet", until); d.Allowed {
		t.Fatalf("at until the window is over: %+v", d)
	}
	if d := check(t, o, "user:u_ed", "training.export", "training:resnet", now.Add(-time.Second)); d.Allowed {
		t.Fatalf("before from: %+v", d)
	}
	page, err := o.LookupResources(&authz.ResourceQuery{Subject: "user:u_ed", Permission: "training.export", Type: "training", Now: now.Add(time.Hour).UnixNano()})
	if err != nil || len(page.IDs) != 1 || page.IDs[0] != "resnet" {
		t.Fatalf("lookup must agree with check: %v %v", page.IDs, err)
	}
	subs, _, err := o.LookupSubjects(&authz.SubjectQuery{Permission: "training.export", Resource: "training:resnet", Now: now.Add(time.Hour).UnixNano()})
	if err != nil || len(subs) != 1 || subs[0].Subject != "user:u_ed" {
		t.Fatalf("subjects must agree with check: %v %v", subs, err)
	}

	ended := *ap
	ended.EndedAt = now.Add(2 * time.Hour)
	if err := e.Apply("o", "", 3, []domain.Change{{Op: domain.OpPutApproval, Approval: &ended}}); err != nil {
		t.Fatal(err)
	}
	if d := check(t, o, "user:u_ed", "training.export", "training:resnet", now.Add(3*time.Hour)); d.Allowed {
		t.Fatalf("ended early: %+v", d)
	}

	if err := e.Apply("o", "", 4, []domain.Change{{Op: domain.OpDeleteGate, Gate: &domain.Gate{Org: "o", Permission: "training.export"}}}); err != nil {
		t.Fatal(err)
	}
	if d := check(t, o, "user:u_ed", "training.export", "training:resnet", now); !d.Allowed || d.Reason.Approval != "" {
		t.Fatalf("ungated again: %+v", d)
	}
}

func TestOrgWideWindowCoversEveryResource(t *testing.T) {
	e, o := gatedOrg(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	ap := &domain.Approval{Org: "o", ID: "ap_2", Subject: domain.UserSubject("u_ed"), Permission: "training.export",
		From: now, Until: now.Add(time.Hour), Approver: "u_x"}
	if err := e.Apply("o", "", 2, []domain.Change{{Op: domain.OpPutApproval, Approval: ap}}); err != nil {
		t.Fatal(err)
	}
	for _, res := range []string{"training:resnet", "training:other"} {
		if d := check(t, o, "user:u_ed", "training.export", res, now); !d.Allowed || !strings.Contains(d.Reason.Approval, "ap_2") {
			t.Fatalf("%s under an org-wide window: %+v", res, d)
		}
	}
}

func TestWindowsSurviveALoad(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	e := authz.New()
	snap := &domain.Snapshot{Org: domain.Org{ID: "o", Scheme: "vi"}, Revision: 5,
		Members:   []domain.Member{{Org: "o", UserID: "u_ed", Role: "admin"}},
		Resources: []domain.Resource{{Org: "o", Type: "training", ID: "resnet"}},
		Gates:     []domain.Gate{{Org: "o", Permission: "training.deploy", ApproverRole: "owner"}},
		Approvals: []domain.Approval{{Org: "o", ID: "ap_3", Subject: domain.UserSubject("u_ed"), Permission: "training.deploy",
			Resource: "training:resnet", From: now, Until: now.Add(time.Hour), Approver: "u_boss"}},
	}
	if err := e.Load(snap); err != nil {
		t.Fatal(err)
	}
	o, _ := e.Org("o")
	if d := check(t, o, "user:u_ed", "training.deploy", "training:resnet", now); !d.Allowed || !strings.Contains(d.Reason.Approval, "ap_3") {
		t.Fatalf("loaded window: %+v", d)
	}
	if d := check(t, o, "user:u_ed", "training.deploy", "training:resnet", now.Add(2*time.Hour)); d.Allowed {
		t.Fatalf("after until: %+v", d)
	}
	if role, ok := o.Gated("training.deploy"); !ok || role != "owner" {
		t.Fatalf("Gated: %q %v", role, ok)
	}
}

// gatedBench is gatedOrg with many windows on the gated permission, for
// others and on other resources, so a check reads past most of them.
func gatedBench(tb testing.TB) *authz.Org {
	e := authz.New()
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	changes := []domain.Change{
		{Op: domain.OpPutMember, Member: &domain.Member{Org: "o", UserID: "u_ed", Role: "member"}},
		{Op: domain.OpPutResource, Resource: &domain.Resource{Org: "o", Type: "training", ID: "resnet"}},
		{Op: domain.OpPutGrant, Grant: &domain.Grant{ID: "g1", Org: "o", Subject: domain.UserSubject("u_ed"), Role: "training.editor", Scope: domain.ResourceScope("training", "resnet")}},
		{Op: domain.OpPutGate, Gate: &domain.Gate{Org: "o", Permission: "training.export", ApproverRole: "training.owner"}},
	}
	for i := range 100 {
		changes = append(changes, domain.Change{Op: domain.OpPutApproval, Approval: &domain.Approval{Org: "o", ID: "ap_other" + string(rune('a'+i%26)) + string(rune('a'+i/26)),
			Subject: domain.UserSubject("u_other"), Permission: "training.export", Resource: "training:resnet", From: now, Until: now.Add(time.Hour), Approver: "u_own"}})
	}
	changes = append(changes, domain.Change{Op: domain.OpPutApproval, Approval: &domain.Approval{Org: "o", ID: "ap_mine",
		Subject: domain.UserSubject("u_ed"), Permission: "training.export", Resource: "training:resnet", From: now, Until: now.Add(time.Hour), Approver: "u_own"}})
	if err := e.Apply("o", "vi", 1, changes); err != nil {
		tb.Fatal(err)
	}
	o, err := e.Org("o")
	if err != nil {
		tb.Fatal(err)
	}
	return o
}

// TestGatesCostNoAllocation: with a gate in the org, a check of another
// permission, and of the gated one inside a window, allocate nothing.
func TestGatesCostNoAllocation(t *testing.T) {
	o := gatedBench(t)
	at := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC).UnixNano()
	for _, perm := range []string{"training.run", "training.export"} {
		req := &authz.Request{Subject: "user:u_ed", Permission: perm, Resource: "training:resnet", Now: at}
		if d, _ := o.Check(req); !d.Allowed {
			t.Fatalf("%s: %+v", perm, d)
		}
		if n := testing.AllocsPerRun(100, func() { o.Check(req) }); n != 0 {
			t.Errorf("%s: %v allocations per check", perm, n)
		}
	}
}

func BenchmarkCheckGated(b *testing.B) {
	o := gatedBench(b)
	at := time.Date(2026, 12, 3, 10, 30, 0, 0, time.UTC).UnixNano()
	for _, perm := range []string{"training.run", "training.export"} {
		b.Run(perm, func(b *testing.B) {
			req := &authz.Request{Subject: "user:u_ed", Permission: perm, Resource: "training:resnet", Now: at}
			b.ReportAllocs()
			for b.Loop() {
				if d, _ := o.Check(req); !d.Allowed {
					b.Fatal("denied")
				}
			}
		})
	}
}

// TestUngatedSubjectsForReports: a report of who holds a gated permission
// by role lists them with no window; the lookup of who may act now does not.
func TestUngatedSubjectsForReports(t *testing.T) {
	_, o := gatedOrg(t)
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC).UnixNano()
	q := authz.SubjectQuery{Permission: "training.export", Resource: "training:resnet", Now: now}
	if subs, _, err := o.LookupSubjects(&q); err != nil || len(subs) != 0 {
		t.Fatalf("nobody may export without a window: %v %v", subs, err)
	}
	q.Ungated = true
	if subs, _, err := o.LookupSubjects(&q); err != nil || len(subs) != 2 {
		t.Fatalf("owner and editor hold it by role: %v %v", subs, err)
	}
}
