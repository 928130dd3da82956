package team

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// MaxApprovalWindow caps how long one approval lasts: a second sign-off
// that stands for months is a grant under another name.
const MaxApprovalWindow = 30 * 24 * time.Hour

// GateView is an approval gate.
type GateView struct {
	Permission       string     `json:"permission"`
	ApproverRole     string     `json:"approver_role"`
	ApproverRoleName string     `json:"approver_role_name,omitempty"`
	CreatedBy        string     `json:"created_by"`
	CreatedAt        *time.Time `json:"created_at"`
	Revision         int64      `json:"revision,omitempty"`
}

// GateRequest sets a gate.
type GateRequest struct {
	ApproverRole string `json:"approver_role"`
}

// ApprovalView is an approval window.
type ApprovalView struct {
	ID         string `json:"id"`
	Subject    string `json:"subject"`
	Permission string `json:"permission"`
	// Resource is "org" for a window over the whole organization.
	Resource string     `json:"resource"`
	From     time.Time  `json:"from"`
	Until    time.Time  `json:"until"`
	Approver string     `json:"approver"`
	Reason   string     `json:"reason"`
	State    string     `json:"state"` // active or ended
	EndedAt  *time.Time `json:"ended_at,omitempty"`
	EndedBy  string     `json:"ended_by,omitempty"`
	Revision int64      `json:"revision,omitempty"`
}

// ApprovalRequest opens a window.
type ApprovalRequest struct {
	// Subject is a user id, or user:ID or key:ID.
	Subject    string `json:"subject"`
	Permission string `json:"permission"`
	// Resource is TYPE:ID, or "org" (or empty) for the organization.
	Resource string    `json:"resource,omitempty"`
	Until    time.Time `json:"until"`
	Reason   string    `json:"reason"`
}

func gateView(g domain.Gate, sc *scheme.Scheme, o *authz.Org) GateView {
	v := GateView{Permission: g.Permission, ApproverRole: g.ApproverRole, CreatedBy: g.CreatedBy, CreatedAt: timePtr(g.CreatedAt)}
	if r, ok := o.Role(g.ApproverRole); ok {
		v.ApproverRoleName = r.Name
	}
	return v
}

func approvalView(a domain.Approval, now time.Time) ApprovalView {
	v := ApprovalView{ID: a.ID, Subject: a.Subject.String(), Permission: a.Permission, Resource: a.Scope(),
		From: a.From.UTC(), Until: a.Until.UTC(), Approver: a.Approver, Reason: a.Reason, State: "ended",
		EndedAt: timePtr(a.EndedAt), EndedBy: a.EndedBy}
	if a.Active(now) {
		v.State = "active"
	}
	return v
}

// ListGates: see the policy.
func (s *Service) ListGates(ctx context.Context, a Actor, org string) ([]GateView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActGateList, nil); err != nil {
		return nil, err
	}
	var gs []domain.Gate
	if err := s.view(ctx, func(r store.Reader) error { gs, err = r.ListGates(org); return err }); err != nil {
		return nil, err
	}
	out := make([]GateView, 0, len(gs))
	for _, g := range gs {
		out = append(out, gateView(g, sc, o))
	}
	return out, nil
}

// gateable refuses the permissions a gate may not hold: unknown ones, and
// those the management policy names, which would lock the org out.
func gateable(sc *scheme.Scheme, permission string) error {
	if _, ok := sc.Permission(permission); !ok {
		return fault.E(fault.Invalid, "unknown permission %q in scheme %s", permission, sc.ID)
	}
	if slices.Contains(PolicyPermissions(sc), permission) {
		return fault.E(fault.Invalid, "%s may not need approval: the management of the organization depends on it", permission)
	}
	return nil
}

// SetGate marks a permission as needing approval by the holders of a
// role, or changes the role.
func (s *Service) SetGate(ctx context.Context, a Actor, org, permission string, req GateRequest) (GateView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return GateView{}, err
	}
	if err := gateable(sc, permission); err != nil {
		return GateView{}, err
	}
	req.ApproverRole = strings.TrimSpace(req.ApproverRole)
	if req.ApproverRole == "" {
		return GateView{}, fault.E(fault.Invalid, "approver_role is required: the role whose holders approve")
	}
	// The role need not carry the permission (a release manager may be a
	// role of its own): each approver must hold the permission anyway.
	_, ok := o.Role(req.ApproverRole)
	if !ok {
		return GateView{}, fault.E(fault.Invalid, "approver_role %q is not a role of this organization", req.ApproverRole)
	}
	if err := s.authorize(o, sc, a, ActGateSet, &Target{Permission: permission, ApproverRole: req.ApproverRole}); err != nil {
		return GateView{}, err
	}
	g := domain.Gate{Org: org, Permission: permission, ApproverRole: req.ApproverRole, CreatedBy: a.Subject.String(), CreatedAt: s.now()}
	var before any
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		old, err := tx.GetGate(org, permission)
		switch {
		case err == nil:
			before = gateView(old, sc, o)
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		if err := tx.PutGate(g); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActGateSet), target: permission, before: before, after: gateView(g, sc, o),
			changes: []domain.Change{{Op: domain.OpPutGate, Gate: &g}}}, nil
	})
	if err != nil {
		return GateView{}, err
	}
	v := gateView(g, sc, o)
	v.Revision = rev
	return v, nil
}

// DeleteGate lifts a gate.
func (s *Service) DeleteGate(ctx context.Context, a Actor, org, permission string) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if _, gated := o.Gated(permission); !gated {
		return 0, notFound("approval gate", permission)
	}
	if err := s.authorize(o, sc, a, ActGateDelete, &Target{Permission: permission}); err != nil {
		return 0, err
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		old, err := tx.GetGate(org, permission)
		if err != nil {
			return nil, err
		}
		if err := tx.DeleteGate(org, permission); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActGateDelete), target: permission, before: gateView(old, sc, o),
			changes: []domain.Change{{Op: domain.OpDeleteGate, Gate: &old}}}, nil
	})
}

// ApprovalState reads the state filter of a list: active, ended, or ""
// for both.
func ApprovalState(state string) (store.ApprovalState, error) {
	switch st := store.ApprovalState(state); st {
	case store.AnyApproval, store.ActiveApproval, store.EndedApproval:
		return st, nil
	}
	return "", fault.E(fault.Invalid, "state must be active or ended, not %q", state)
}

// ListApprovals lists windows, newest first.
func (s *Service) ListApprovals(ctx context.Context, a Actor, org, state string) ([]ApprovalView, error) {
	st, err := ApprovalState(state)
	if err != nil {
		return nil, err
	}
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActApprovalList, nil); err != nil {
		return nil, err
	}
	now := s.now()
	var as []domain.Approval
	if err := s.view(ctx, func(r store.Reader) error {
		as, err = r.ListApprovals(org, store.ApprovalFilter{State: st, At: now})
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]ApprovalView, 0, len(as))
	for _, x := range as {
		out = append(out, approvalView(x, now))
	}
	return out, nil
}

// approvalSubject reads a window's subject: a bare id is a user's.
func approvalSubject(in string) (domain.Subject, error) {
	in = strings.TrimSpace(in)
	if in == "" {
		return domain.Subject{}, fault.E(fault.Invalid, "subject is required: the user id (or key:ID) the approval is for")
	}
	if !strings.Contains(in, ":") {
		return domain.UserSubject(in), nil
	}
	sub, err := domain.ParseSubject(in)
	if err != nil || sub.Kind == domain.SubjectGroup {
		return domain.Subject{}, fault.E(fault.Invalid, "subject must be a user id, user:ID or key:ID, not %q", in)
	}
	return sub, nil
}

// approvalResource reads a window's resource: "" for the organization.
func approvalResource(o *authz.Org, in string) (string, error) {
	in = strings.TrimSpace(in)
	if in == "" || in == "org" {
		return "", nil
	}
	ref, err := domain.ParseRef(in)
	if err != nil {
		return "", fault.E(fault.Invalid, "resource must be org or TYPE:ID, not %q", in)
	}
	if !o.HasResource(ref.String()) {
		return "", notFound("resource", ref.String())
	}
	return ref.String(), nil
}

// CreateApproval opens a window: a holder of the gate's approver role, who
// holds the permission there too, signs off another's use of it until a
// time.
func (s *Service) CreateApproval(ctx context.Context, a Actor, org string, req ApprovalRequest) (ApprovalView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return ApprovalView{}, err
	}
	sub, err := approvalSubject(req.Subject)
	if err != nil {
		return ApprovalView{}, err
	}
	if _, ok := sc.Permission(req.Permission); !ok {
		return ApprovalView{}, fault.E(fault.Invalid, "unknown permission %q in scheme %s", req.Permission, sc.ID)
	}
	approver, gated := o.Gated(req.Permission)
	if !gated {
		return ApprovalView{}, fault.E(fault.Invalid, "%s does not need approval in this organization: there is no gate on it", req.Permission)
	}
	res, err := approvalResource(o, req.Resource)
	if err != nil {
		return ApprovalView{}, err
	}
	now := s.now()
	switch {
	case req.Until.IsZero():
		return ApprovalView{}, fault.E(fault.Invalid, "until is required: the time the approval ends")
	case !req.Until.After(now):
		return ApprovalView{}, fault.E(fault.Invalid, "until must be in the future")
	case req.Until.Sub(now) > MaxApprovalWindow:
		return ApprovalView{}, fault.E(fault.Invalid, "until may be at most 30 days ahead: an approval is for a task, not for good")
	}
	req.Reason = strings.TrimSpace(req.Reason)
	if req.Reason == "" || len(req.Reason) > 500 {
		return ApprovalView{}, fault.E(fault.Invalid, "reason is required (at most 500 characters): what the approval is for")
	}
	if !o.Active(sub.String(), now.UnixNano()) {
		return ApprovalView{}, notFound("subject", sub.String())
	}
	t := &Target{Permission: req.Permission, ApproverRole: approver, Resource: res, Member: sub.ID}
	if sub.Kind == domain.SubjectKey {
		t.Member, _ = o.KeyOwner(sub.ID)
	}
	if err := s.authorize(o, sc, a, ActApprovalCreate, t); err != nil {
		return ApprovalView{}, err
	}
	ap := domain.Approval{Org: org, ID: credential.NewID("ap_"), Subject: sub, Permission: req.Permission, Resource: res,
		From: now, Until: req.Until.UTC(), Approver: a.UserID(), Reason: req.Reason, CreatedAt: now}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := tx.PutApproval(ap); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActApprovalCreate), target: sub.String(), after: approvalView(ap, now),
			changes: []domain.Change{{Op: domain.OpPutApproval, Approval: &ap}}}, nil
	})
	if err != nil {
		return ApprovalView{}, err
	}
	v := approvalView(ap, now)
	v.Revision = rev
	return v, nil
}

// EndApproval ends a window before its time.
func (s *Service) EndApproval(ctx context.Context, a Actor, org, id string) (ApprovalView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return ApprovalView{}, err
	}
	var ap domain.Approval
	if err := s.view(ctx, func(r store.Reader) error { ap, err = r.GetApproval(org, id); return err }); err != nil {
		if fe, ok := fault.As(err); ok && fe.Code == fault.NotFound {
			return ApprovalView{}, notFound("approval", id)
		}
		return ApprovalView{}, err
	}
	now := s.now()
	if !ap.Active(now) {
		return ApprovalView{}, fault.E(fault.Conflict, "approval %s has ended already", id)
	}
	approver, _ := o.Gated(ap.Permission)
	if approver == "" {
		approver = ap.Permission // no gate: only user managers and the subject end it
	}
	t := &Target{Permission: ap.Permission, ApproverRole: approver, Resource: ap.Resource, Member: ap.Subject.ID}
	if ap.Subject.Kind == domain.SubjectKey {
		t.Member, _ = o.KeyOwner(ap.Subject.ID)
	}
	if err := s.authorize(o, sc, a, ActApprovalEnd, t); err != nil {
		return ApprovalView{}, err
	}
	before := approvalView(ap, now)
	ap.EndedAt, ap.EndedBy = now, a.Subject.String()
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := tx.PutApproval(ap); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActApprovalEnd), target: ap.Subject.String(), before: before, after: approvalView(ap, now),
			changes: []domain.Change{{Op: domain.OpPutApproval, Approval: &ap}}}, nil
	})
	if err != nil {
		return ApprovalView{}, err
	}
	v := approvalView(ap, now)
	v.Revision = rev
	return v, nil
}
