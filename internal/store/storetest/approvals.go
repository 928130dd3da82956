package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testApprovals: gates round-trip, are replaced by permission and deleted
// (ErrNotFound when there is none); windows round-trip whole, list newest
// first by state at a moment (the end itself counting as ended, an early
// end too), the snapshot carries the gates and the windows not ended
// early, and nothing is found from another org.
func testApprovals(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	gate := domain.Gate{Org: "acme", Permission: "training.export", ApproverRole: "training.owner", CreatedBy: "user:u1", CreatedAt: t0}
	win := func(id string, until time.Duration) domain.Approval {
		return domain.Approval{Org: "acme", ID: id, Subject: domain.UserSubject("u2"), Permission: "training.export",
			Resource: "training:resnet", From: t0, Until: at(until), Approver: "u1", Reason: "release " + id, CreatedAt: t0}
	}
	e.mustWrite(func(tx store.Tx) error {
		if err := tx.PutGate(gate); err != nil {
			return err
		}
		if err := tx.PutGate(domain.Gate{Org: "acme", Permission: "training.deploy", ApproverRole: "owner", CreatedBy: "user:u1", CreatedAt: t0}); err != nil {
			return err
		}
		for _, a := range []domain.Approval{win("ap_1", time.Hour), win("ap_2", 3*time.Hour), win("ap_3", 3*time.Hour)} {
			if err := tx.PutApproval(a); err != nil {
				return err
			}
		}
		ended := win("ap_3", 3*time.Hour)
		ended.EndedAt, ended.EndedBy = at(30*time.Minute), "user:u1"
		return tx.PutApproval(ended)
	})
	got := mustRead(e, func(r store.Reader) (domain.Gate, error) { return r.GetGate("acme", "training.export") })
	equal(t, "GetGate whole record", got, gate)
	_, err := read(e, func(r store.Reader) (domain.Gate, error) { return r.GetGate("beta", "training.export") })
	isErr(t, "GetGate from another org", err, store.ErrNotFound)
	gates := mustRead(e, func(r store.Reader) ([]domain.Gate, error) { return r.ListGates("acme") })
	equal(t, "ListGates by permission", []string{gates[0].Permission, gates[1].Permission}, []string{"training.deploy", "training.export"})

	a := mustRead(e, func(r store.Reader) (domain.Approval, error) { return r.GetApproval("acme", "ap_1") })
	equal(t, "GetApproval whole record", a, win("ap_1", time.Hour))
	_, err = read(e, func(r store.Reader) (domain.Approval, error) { return r.GetApproval("beta", "ap_1") })
	isErr(t, "GetApproval from another org", err, store.ErrNotFound)

	ids := func(f store.ApprovalFilter) []string {
		as := mustRead(e, func(r store.Reader) ([]domain.Approval, error) { return r.ListApprovals("acme", f) })
		out := []string{}
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	equal(t, "every window newest first", ids(store.ApprovalFilter{}), []string{"ap_3", "ap_2", "ap_1"})
	equal(t, "active at +1h (ap_1 ends then)", ids(store.ApprovalFilter{State: store.ActiveApproval, At: at(time.Hour)}), []string{"ap_2"})
	equal(t, "ended at +1h", ids(store.ApprovalFilter{State: store.EndedApproval, At: at(time.Hour)}), []string{"ap_3", "ap_1"})
	equal(t, "active at +10m", ids(store.ApprovalFilter{State: store.ActiveApproval, At: at(10 * time.Minute)}), []string{"ap_2", "ap_1"})
	equal(t, "beta has none", mustRead(e, func(r store.Reader) ([]domain.Approval, error) {
		return r.ListApprovals("beta", store.ApprovalFilter{})
	}), []domain.Approval(nil))

	snap := mustRead(e, func(r store.Reader) (domain.Snapshot, error) { return r.Snapshot("acme") })
	equal(t, "snapshot gates", len(snap.Gates), 2)
	var open []string
	for _, a := range snap.Approvals {
		open = append(open, a.ID)
	}
	equal(t, "snapshot windows not ended early, oldest first", open, []string{"ap_1", "ap_2"})

	e.mustWrite(func(tx store.Tx) error { return tx.DeleteGate("acme", "training.deploy") })
	err = e.write(func(tx store.Tx) error { return tx.DeleteGate("acme", "training.deploy") })
	isErr(t, "DeleteGate twice", err, store.ErrNotFound)
	err = e.write(func(tx store.Tx) error {
		return tx.PutGate(domain.Gate{Org: "nope", Permission: "x", ApproverRole: "y"})
	})
	isErr(t, "PutGate without its org", err, store.ErrNotFound)
}
