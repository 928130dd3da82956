package team

import (
	"context"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/plan"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Usage is what an organization uses against its plan.
type Usage struct {
	Plan PlanView `json:"plan"`
	// Items: seats first, then the scheme's resource types in scheme
	// order, then keys, custom roles and pending invitations.
	Items []UsageItem `json:"items"`
}

// PlanView names a plan. Listed is false for a plan the server's catalog
// does not hold: the org keeps its seat limit and no other plan limit.
type PlanView struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Listed bool   `json:"listed"`
}

// UsageItem is one count and its ceiling; Limit and Left are absent when
// the plan sets none.
type UsageItem struct {
	ID    string `json:"id"` // the plan's limit id: seats, keys, resources.dataset…
	Name  string `json:"name"`
	Used  int    `json:"used"`
	Limit *int   `json:"limit,omitempty"`
	Left  *int   `json:"left,omitempty"`
}

// Plans is the server's catalog of plans; anyone signed in may read it.
func (s *Service) Plans() *plan.Catalog { return s.cfg.Plans }

// GetUsage: see the policy (vi: Owner and Admin, usage.view).
func (s *Service) GetUsage(ctx context.Context, a Actor, org string) (Usage, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return Usage{}, err
	}
	if err := s.authorize(o, sc, a, ActUsageView, nil); err != nil {
		return Usage{}, err
	}
	var u Usage
	err = s.view(ctx, func(r store.Reader) error {
		rec, err := r.GetOrg(org)
		if err != nil {
			return err
		}
		u, err = s.usage(r, rec, sc)
		return err
	})
	return u, err
}

// usage counts what the org uses, against the limits of its plan. The
// seats' ceiling is the org's seat limit, which the plan caps.
func (s *Service) usage(r store.Reader, o domain.Org, sc *scheme.Scheme) (Usage, error) {
	p, listed := s.planOf(o)
	return s.usageOn(r, o, sc, p, listed)
}

// usageOn counts the org's use against the limits of plan p.
func (s *Service) usageOn(r store.Reader, o domain.Org, sc *scheme.Scheme, p plan.Plan, listed bool) (Usage, error) {
	u := Usage{Plan: PlanView{ID: o.Plan.Name, Name: o.Plan.Name, Listed: listed}}
	if listed {
		u.Plan = PlanView{ID: p.ID, Name: p.Name, Listed: true}
	}
	add := func(id, name string, used, limit int, limited bool) {
		it := UsageItem{ID: id, Name: name, Used: used}
		if limited {
			left := max(0, limit-used)
			it.Limit, it.Left = &limit, &left
		}
		u.Items = append(u.Items, it)
	}
	seats, err := s.seatsUsed(r, o.ID)
	if err != nil {
		return Usage{}, err
	}
	add(plan.Seats, "Seats (members and pending invitations)", seats, o.Plan.SeatLimit, true)
	counts, err := r.CountResources(o.ID)
	if err != nil {
		return Usage{}, err
	}
	for _, t := range sc.Types {
		n, limited := p.ResourceTypeLimit(t.ID, t.Parent == scheme.OrgType)
		add(plan.ResourceLimit(t.ID), t.Plural, counts[t.ID], n, limited && listed)
	}
	keys, err := r.CountKeys(o.ID, store.KeyFilter{State: store.UnrevokedKey})
	if err != nil {
		return Usage{}, err
	}
	roles, err := r.ListRoles(o.ID)
	if err != nil {
		return Usage{}, err
	}
	pending, err := r.CountPendingInvitations(o.ID, s.now())
	if err != nil {
		return Usage{}, err
	}
	for _, c := range []struct {
		id, name string
		used     int
	}{{plan.Keys, "Live secret keys", keys}, {plan.CustomRoles, "Custom roles", len(roles)}, {plan.PendingInvitations, "Pending invitations", pending}} {
		n, limited := p.Limit(c.id)
		add(c.id, c.name, c.used, n, limited && listed)
	}
	return u, nil
}

// overLimits names what an org uses beyond plan p's limits, for refusing a
// change of plan that the org does not fit: seats are judged by the
// caller, against the seat limit the change leaves.
func (s *Service) overLimits(r store.Reader, o domain.Org, sc *scheme.Scheme, p plan.Plan) error {
	u, err := s.usageOn(r, o, sc, p, true)
	if err != nil {
		return err
	}
	for _, it := range u.Items {
		if it.ID != plan.Seats && it.Limit != nil && it.Used > *it.Limit {
			return fault.E(fault.Conflict, "the %s plan allows %d %s and the organization has %d: remove some before changing to it",
				p.Name, *it.Limit, strings.ToLower(it.Name), it.Used)
		}
	}
	return nil
}
