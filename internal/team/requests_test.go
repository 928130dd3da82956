package team_test

import (
	"context"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/team"
)

// requestWorld is a vi org with an Owner, an Admin, a dataset's Owner
// (a Member with dataset.owner on cats), a dataset Viewer and two Members
// who ask; and another org with a request of its own.
type requestWorld struct {
	ctx                                     context.Context
	svc                                     *team.Service
	env                                     *servertest.Env
	owner, admin, dsOwner, viewer, mia, max team.Actor
	otherReq                                string
}

func newRequestWorld(t *testing.T) *requestWorld {
	t.Helper()
	ctx := context.Background()
	env := servertest.Start(t, servertest.Options{Key: testAuditKey,
		Config: server.Config{NoConsole: true, RevealInvitationTokens: true}})
	svc := env.Service()
	w := &requestWorld{ctx: ctx, svc: svc, env: env}
	boot, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	w.owner = team.Actor{Subject: domain.UserSubject(boot.UserID)}
	plan := "business"
	if _, err := svc.UpdateBilling(ctx, w.owner, "acme", team.BillingUpdate{Plan: &plan}); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"cats", "dogs"} {
		if _, err := svc.PutResource(ctx, w.owner, "acme", team.ResourceRequest{Type: "dataset", ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	join := func(org string, by team.Actor, email, role string) team.Actor {
		t.Helper()
		inv, _, err := svc.Invite(ctx, by, org, team.InviteRequest{Email: email, Role: role})
		if err != nil {
			t.Fatal(err)
		}
		acc, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: email, Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		return team.Actor{Subject: domain.UserSubject(acc.UserID)}
	}
	w.admin = join("acme", w.owner, "admin@acme.test", "admin")
	w.dsOwner = join("acme", w.owner, "dora@acme.test", "member")
	w.viewer = join("acme", w.owner, "vic@acme.test", "member")
	w.mia = join("acme", w.owner, "mia@acme.test", "member")
	w.max = join("acme", w.owner, "max@acme.test", "member")
	for _, g := range []team.GrantRequest{
		{Subject: w.dsOwner.Subject.String(), Role: "dataset.owner", Scope: "dataset:cats"},
		{Subject: w.viewer.Subject.String(), Role: "dataset.viewer", Scope: "dataset:cats"},
	} {
		if _, _, err := svc.CreateGrant(ctx, w.owner, "acme", g); err != nil {
			t.Fatal(err)
		}
	}
	other, err := svc.Bootstrap(ctx, "beta", "Beta", "vi", "owner@beta.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	ob := team.Actor{Subject: domain.UserSubject(other.UserID)}
	if _, err := svc.PutResource(ctx, ob, "beta", team.ResourceRequest{Type: "dataset", ID: "secret"}); err != nil {
		t.Fatal(err)
	}
	bm := join("beta", ob, "bea@beta.test", "member")
	rq, _, err := svc.CreateRequest(ctx, bm, "beta", team.AccessRequestInput{Role: "dataset.viewer", Resource: "dataset:secret"})
	if err != nil {
		t.Fatal(err)
	}
	w.otherReq = rq.ID
	return w
}

func (w *requestWorld) ask(t *testing.T, a team.Actor, role, res string, until time.Time) team.RequestView {
	t.Helper()
	v, _, err := w.svc.CreateRequest(w.ctx, a, "acme", team.AccessRequestInput{Role: role, Resource: res, Reason: "for Q3 labelling", Until: until})
	if err != nil {
		t.Fatalf("request %s on %s: %v", role, res, err)
	}
	return v
}

func wantCode(t *testing.T, what string, err error, want fault.Code) {
	t.Helper()
	if fault.CodeOf(err) != want || err == nil {
		t.Errorf("%s: got %v (%s), want %s", what, err, fault.CodeOf(err), want)
	}
}

// TestRequestCreateValidation: what may be asked for, and how each
// mistake is answered.
func TestRequestCreateValidation(t *testing.T) {
	w := newRequestWorld(t)
	past := w.env.Clock.Now().Add(-time.Hour)
	key, _, err := w.svc.CreateKey(w.ctx, w.owner, "acme", team.KeyRequest{Name: "ci", Role: "admin"})
	if err != nil {
		t.Fatal(err)
	}
	keyActor, err := w.svc.Authenticate(w.ctx, key.Secret, "")
	if err != nil {
		t.Fatal(err)
	}
	w.ask(t, w.mia, "dataset.editor", "dataset:cats", time.Time{})
	for _, c := range []struct {
		name string
		a    team.Actor
		in   team.AccessRequestInput
		want fault.Code
	}{
		{"unknown role", w.mia, team.AccessRequestInput{Role: "dataset.god", Resource: "dataset:cats"}, fault.Unprocessable},
		{"no role", w.mia, team.AccessRequestInput{Resource: "dataset:cats"}, fault.Unprocessable},
		{"org role on a dataset", w.mia, team.AccessRequestInput{Role: "admin", Resource: "dataset:cats"}, fault.Unprocessable},
		{"dataset role on the org", w.mia, team.AccessRequestInput{Role: "dataset.viewer", Resource: "org"}, fault.Unprocessable},
		{"dataset role on a training", w.mia, team.AccessRequestInput{Role: "dataset.viewer", Resource: "training:x"}, fault.NotFound},
		{"missing resource", w.mia, team.AccessRequestInput{Role: "dataset.viewer", Resource: "dataset:nope"}, fault.NotFound},
		{"another org's resource", w.mia, team.AccessRequestInput{Role: "dataset.viewer", Resource: "dataset:secret"}, fault.NotFound},
		{"malformed resource", w.mia, team.AccessRequestInput{Role: "dataset.viewer", Resource: "cats"}, fault.Unprocessable},
		{"end in the past", w.mia, team.AccessRequestInput{Role: "dataset.viewer", Resource: "dataset:cats", Until: past}, fault.Unprocessable},
		{"the same, pending", w.mia, team.AccessRequestInput{Role: "dataset.editor", Resource: "dataset:cats"}, fault.Conflict},
		{"a key", keyActor, team.AccessRequestInput{Role: "dataset.viewer", Resource: "dataset:cats"}, fault.Forbidden},
	} {
		_, _, err := w.svc.CreateRequest(w.ctx, c.a, "acme", c.in)
		wantCode(t, c.name, err, c.want)
	}
	// Another role on the same resource, or one already held, is a request of its own.
	w.ask(t, w.mia, "dataset.viewer", "dataset:cats", time.Time{})
	w.ask(t, w.viewer, "dataset.viewer", "dataset:cats", time.Time{})
	w.ask(t, w.mia, "admin", "org", time.Time{})
}

// TestRequestApproval: who may approve, and that an approval never grants
// more than its approver could; an approval makes the grant, time-boxed
// where asked, in the write that records it.
func TestRequestApproval(t *testing.T) {
	w := newRequestWorld(t)
	day := 24 * time.Hour
	cats := w.ask(t, w.mia, "dataset.editor", "dataset:cats", w.env.Clock.Now().Add(30*day))
	orgWide := w.ask(t, w.max, "admin", "org", time.Time{})
	own := w.ask(t, w.dsOwner, "dataset.viewer", "dataset:dogs", time.Time{})
	// vi's Owner is unique: nobody can grant it, so nobody approves it.
	top := w.ask(t, w.mia, "owner", "org", time.Time{})
	for _, c := range []struct {
		name string
		a    team.Actor
		id   string
		want fault.Code
	}{
		{"a viewer of the dataset", w.viewer, cats.ID, fault.Forbidden},
		{"another member", w.max, cats.ID, fault.Forbidden},
		{"the requester", w.mia, cats.ID, fault.Forbidden},
		{"the dataset's owner, an org-wide role", w.dsOwner, orgWide.ID, fault.Forbidden},
		// vi lets only members.manage grant, so a dataset's Owner decides
		// (sees, denies) but cannot approve: she could not make the grant.
		{"the dataset's owner, on her dataset", w.dsOwner, cats.ID, fault.Forbidden},
		{"the dataset's owner, their own request", w.dsOwner, own.ID, fault.Forbidden},
		{"the admin, the unique top role", w.admin, top.ID, fault.Forbidden},
		{"the owner, the unique top role", w.owner, top.ID, fault.Forbidden},
		{"another org's request", w.admin, w.otherReq, fault.NotFound},
		{"a missing request", w.admin, "rq_nope", fault.NotFound},
	} {
		_, _, err := w.svc.ApproveRequest(w.ctx, c.a, "acme", c.id, team.ApproveInput{})
		wantCode(t, c.name, err, c.want)
	}
	// The Admin may approve an admin role only as far as she could grant
	// one: vi's Admins make Admins, so this goes through.
	if _, _, err := w.svc.ApproveRequest(w.ctx, w.admin, "acme", orgWide.ID, team.ApproveInput{}); err != nil {
		t.Fatalf("admin approves admin: %v", err)
	}

	// The Admin approves on the dataset, shortening the end.
	ends := w.env.Clock.Now().Add(7 * day).Truncate(time.Second)
	v, rev, err := w.svc.ApproveRequest(w.ctx, w.admin, "acme", cats.ID, team.ApproveInput{Until: ends, Note: "a week is enough"})
	if err != nil {
		t.Fatal(err)
	}
	if v.State != domain.RequestApproved || v.Grant == "" || v.Revision != rev || v.GrantExpiresAt == nil || !v.GrantExpiresAt.Equal(ends) ||
		v.DecidedBy != w.admin.Subject.String() || v.Note != "a week is enough" || v.CanDecide {
		t.Fatalf("approved request: %+v (revision %d)", v, rev)
	}
	check := func() bool {
		r, err := w.svc.Check(w.ctx, w.mia, "acme", team.CheckRequest{Permission: "dataset.annotate", Resource: "dataset:cats"})
		if err != nil {
			t.Fatal(err)
		}
		return r.Allowed
	}
	if !check() {
		t.Fatal("approved: mia should annotate cats")
	}
	gs, err := w.svc.ListGrants(w.ctx, w.owner, "acme", team.GrantQuery{Subject: w.mia.Subject.String(), Scope: "dataset:cats"})
	if err != nil || len(gs.Items) != 1 || gs.Items[0].ID != v.Grant {
		t.Fatalf("mia's grants on cats: %+v %v", gs.Items, err)
	}
	_, _, err = w.svc.ApproveRequest(w.ctx, w.admin, "acme", cats.ID, team.ApproveInput{})
	wantCode(t, "approving twice", err, fault.Conflict)
	_, _, err = w.svc.DenyRequest(w.ctx, w.admin, "acme", cats.ID, "")
	wantCode(t, "denying an approved request", err, fault.Conflict)

	w.env.Clock.Advance(8 * day)
	if check() {
		t.Fatal("the approved grant should have ended after a week")
	}

	// The requested end is the grant's when the approver gives none.
	dogs := w.ask(t, w.mia, "dataset.viewer", "dataset:dogs", w.env.Clock.Now().Add(3*day))
	v, _, err = w.svc.ApproveRequest(w.ctx, w.owner, "acme", dogs.ID, team.ApproveInput{})
	if err != nil || v.GrantExpiresAt == nil || !v.GrantExpiresAt.Equal(*dogs.Until) {
		t.Fatalf("approval with the asked end: %+v %v", v, err)
	}
	_, _, err = w.svc.ApproveRequest(w.ctx, w.owner, "acme", w.ask(t, w.max, "dataset.viewer", "dataset:dogs", time.Time{}).ID,
		team.ApproveInput{Until: w.env.Clock.Now().Add(-time.Hour)})
	wantCode(t, "approval ending in the past", err, fault.Unprocessable)
}

// TestRequestDenyWithdrawAndViews: deny and withdraw end a request without
// a grant, each by whom it belongs to; who sees which request; every change
// is in the audit log under its action's name.
func TestRequestDenyWithdrawAndViews(t *testing.T) {
	w := newRequestWorld(t)
	a := w.ask(t, w.mia, "dataset.editor", "dataset:cats", time.Time{})
	b := w.ask(t, w.max, "dataset.viewer", "dataset:dogs", time.Time{})
	c := w.ask(t, w.mia, "dataset.viewer", "dataset:dogs", time.Time{})

	_, _, err := w.svc.DenyRequest(w.ctx, w.viewer, "acme", a.ID, "no")
	wantCode(t, "a viewer denies", err, fault.Forbidden)
	_, _, err = w.svc.DenyRequest(w.ctx, w.dsOwner, "acme", b.ID, "no")
	wantCode(t, "cats' owner denies on dogs", err, fault.Forbidden)
	_, _, err = w.svc.WithdrawRequest(w.ctx, w.max, "acme", a.ID)
	wantCode(t, "another member withdraws", err, fault.Forbidden)
	_, _, err = w.svc.WithdrawRequest(w.ctx, w.admin, "acme", a.ID)
	wantCode(t, "an admin withdraws", err, fault.Forbidden)
	_, _, err = w.svc.DenyRequest(w.ctx, w.admin, "beta", w.otherReq, "")
	wantCode(t, "denying in another org", err, fault.NotFound)
	_, _, err = w.svc.DenyRequest(w.ctx, w.admin, "acme", w.otherReq, "")
	wantCode(t, "denying another org's request", err, fault.NotFound)

	d, _, err := w.svc.DenyRequest(w.ctx, w.dsOwner, "acme", a.ID, "ask for viewer first")
	if err != nil || d.State != domain.RequestDenied || d.Note != "ask for viewer first" || d.Grant != "" {
		t.Fatalf("deny: %+v %v", d, err)
	}
	wd, _, err := w.svc.WithdrawRequest(w.ctx, w.max, "acme", b.ID)
	if err != nil || wd.State != domain.RequestWithdrawn {
		t.Fatalf("withdraw: %+v %v", wd, err)
	}
	_, _, err = w.svc.WithdrawRequest(w.ctx, w.max, "acme", b.ID)
	wantCode(t, "withdrawing twice", err, fault.Conflict)
	_, _, err = w.svc.ApproveRequest(w.ctx, w.admin, "acme", b.ID, team.ApproveInput{})
	wantCode(t, "approving a withdrawn request", err, fault.Conflict)
	if gs, _ := w.svc.ListGrants(w.ctx, w.owner, "acme", team.GrantQuery{Subject: w.mia.Subject.String()}); len(gs.Items) != 0 {
		t.Fatalf("a denied request made grants: %+v", gs.Items)
	}

	ids := func(a team.Actor, q team.RequestQuery) []string {
		t.Helper()
		p, err := w.svc.ListRequests(w.ctx, a, "acme", q)
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, v := range p.Items {
			out = append(out, v.ID)
		}
		return out
	}
	for _, x := range []struct {
		name string
		a    team.Actor
		q    team.RequestQuery
		want []string
	}{
		{"the admin sees all", w.admin, team.RequestQuery{}, []string{c.ID, b.ID, a.ID}},
		{"mia sees hers", w.mia, team.RequestQuery{}, []string{c.ID, a.ID}},
		{"cats' owner sees those on cats", w.dsOwner, team.RequestQuery{}, []string{a.ID}},
		{"a viewer sees none", w.viewer, team.RequestQuery{}, []string{}},
		{"pending", w.admin, team.RequestQuery{State: "pending"}, []string{c.ID}},
		{"denied", w.admin, team.RequestQuery{State: "denied"}, []string{a.ID}},
		{"by user", w.admin, team.RequestQuery{User: "user:" + w.max.UserID()}, []string{b.ID}},
		{"by resource", w.admin, team.RequestQuery{Resource: "dataset:dogs"}, []string{c.ID, b.ID}},
	} {
		if got := ids(x.a, x.q); !equalStrings(got, x.want) {
			t.Errorf("%s: %v, want %v", x.name, got, x.want)
		}
	}
	_, err = w.svc.ListRequests(w.ctx, w.admin, "acme", team.RequestQuery{State: "open"})
	wantCode(t, "an unknown state", err, fault.Invalid)
	_, err = w.svc.ListRequests(w.ctx, w.admin, "acme", team.RequestQuery{Resource: "cats"})
	wantCode(t, "a malformed resource filter", err, fault.Invalid)
	_, err = w.svc.GetRequest(w.ctx, w.viewer, "acme", c.ID)
	wantCode(t, "a viewer shows mia's request", err, fault.Forbidden)
	_, err = w.svc.GetRequest(w.ctx, w.admin, "acme", w.otherReq)
	wantCode(t, "another org's request", err, fault.NotFound)
	if v, err := w.svc.GetRequest(w.ctx, w.admin, "acme", c.ID); err != nil || !v.CanDecide || v.Email != "mia@acme.test" {
		t.Fatalf("the admin's view of a pending request: %+v %v", v, err)
	}

	acts := map[string]int{}
	evs, err := w.svc.ListAudit(w.ctx, w.owner, "acme", "", 1000, team.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs.Items {
		acts[e.Action]++
	}
	if acts["request.create"] != 3 || acts["request.deny"] != 1 || acts["request.withdraw"] != 1 {
		t.Fatalf("audit actions: %v", acts)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
