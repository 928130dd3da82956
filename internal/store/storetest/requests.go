package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testRequests: a request round-trips whole (a decided one too, with its
// times and grant), requests page newest first under each filter, a put
// replaces in place without moving it in the order, and nothing is found
// from another org.
func testRequests(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	req := func(id, user, res string) domain.AccessRequest {
		return domain.AccessRequest{Org: "acme", ID: id, UserID: user, Role: "dataset.viewer", Resource: res,
			Reason: "labelling " + id, State: domain.RequestPending, CreatedAt: t0}
	}
	e.mustWrite(func(tx store.Tx) error {
		for _, r := range []domain.AccessRequest{
			req("rq_1", "u1", "dataset:cats"), req("rq_2", "u2", "dataset:cats"),
			req("rq_3", "u1", "dataset:dogs"), req("rq_4", "u1", "org"),
		} {
			if err := tx.PutAccessRequest(r); err != nil {
				return err
			}
		}
		return nil
	})
	got := mustRead(e, func(r store.Reader) (domain.AccessRequest, error) { return r.GetAccessRequest("acme", "rq_2") })
	equal(t, "GetAccessRequest whole record", got, req("rq_2", "u2", "dataset:cats"))
	_, err := read(e, func(r store.Reader) (domain.AccessRequest, error) { return r.GetAccessRequest("beta", "rq_2") })
	isErr(t, "GetAccessRequest from another org", err, store.ErrNotFound)

	decided := req("rq_1", "u1", "dataset:cats")
	decided.Until = at(72 * time.Hour)
	decided.State, decided.DecidedBy, decided.DecidedAt, decided.Note = domain.RequestApproved, "user:u9", at(time.Hour), "ok for Q3"
	decided.Grant, decided.GrantEnds, decided.Revision = "gr_1", at(48*time.Hour), 42
	e.mustWrite(func(tx store.Tx) error { return tx.PutAccessRequest(decided) })
	got = mustRead(e, func(r store.Reader) (domain.AccessRequest, error) { return r.GetAccessRequest("acme", "rq_1") })
	equal(t, "GetAccessRequest after a decision", got, decided)

	ids := func(f store.RequestFilter, after string, limit int) ([]string, string) {
		var next string
		rs := mustRead(e, func(r store.Reader) ([]domain.AccessRequest, error) {
			rs, n, err := r.ListAccessRequests("acme", f, after, limit)
			next = n
			return rs, err
		})
		out := []string{}
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out, next
	}
	first, next := ids(store.RequestFilter{}, "", 3)
	equal(t, "ListAccessRequests newest first", first, []string{"rq_4", "rq_3", "rq_2"})
	rest, next := ids(store.RequestFilter{}, next, 3)
	equal(t, "ListAccessRequests second page", rest, []string{"rq_1"})
	equal(t, "ListAccessRequests last page's token", next, "")

	for _, c := range []struct {
		name string
		f    store.RequestFilter
		want []string
	}{
		{"state", store.RequestFilter{State: domain.RequestPending}, []string{"rq_4", "rq_3", "rq_2"}},
		{"approved", store.RequestFilter{State: domain.RequestApproved}, []string{"rq_1"}},
		{"user", store.RequestFilter{UserID: "u1"}, []string{"rq_4", "rq_3", "rq_1"}},
		{"resource", store.RequestFilter{Resource: "dataset:cats"}, []string{"rq_2", "rq_1"}},
		{"all three", store.RequestFilter{State: domain.RequestPending, UserID: "u1", Resource: "dataset:dogs"}, []string{"rq_3"}},
		{"none", store.RequestFilter{State: domain.RequestDenied}, []string{}},
	} {
		got, _ := ids(c.f, "", 0)
		equal(t, "ListAccessRequests by "+c.name, got, c.want)
	}
	p1, next := ids(store.RequestFilter{UserID: "u1"}, "", 1)
	p2, _ := ids(store.RequestFilter{UserID: "u1"}, next, 1)
	equal(t, "ListAccessRequests filtered pages", append(p1, p2...), []string{"rq_4", "rq_3"})

	other := mustRead(e, func(r store.Reader) ([]domain.AccessRequest, error) {
		rs, _, err := r.ListAccessRequests("beta", store.RequestFilter{}, "", 0)
		return rs, err
	})
	equal(t, "ListAccessRequests of another org", len(other), 0)

	bad := req("rq_x", "u1", "org")
	bad.Org = "nope"
	_, err = e.s.Update(e.ctx, func(tx store.Tx) error { return tx.PutAccessRequest(bad) })
	if err == nil {
		t.Error("PutAccessRequest for a missing org: nil error")
	}
}
