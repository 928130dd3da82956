package team

import (
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/plan"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Quotas bound what one caller can make, so that nobody fills the server:
// organizations a user creates (those they hold the top role of), live
// keys, custom roles and pending invitations per organization. Zero takes
// the default; each has a serve flag to raise it.
type Quotas struct {
	OrgsPerUser        int
	KeysPerOrg         int
	RolesPerOrg        int
	PendingInvitations int
}

// DefaultQuotas are generous for a team and small for a flood.
var DefaultQuotas = Quotas{OrgsPerUser: 20, KeysPerOrg: 200, RolesPerOrg: 200, PendingInvitations: 1000}

func (q Quotas) withDefaults() Quotas {
	pick := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	return Quotas{OrgsPerUser: pick(q.OrgsPerUser, DefaultQuotas.OrgsPerUser), KeysPerOrg: pick(q.KeysPerOrg, DefaultQuotas.KeysPerOrg),
		RolesPerOrg: pick(q.RolesPerOrg, DefaultQuotas.RolesPerOrg), PendingInvitations: pick(q.PendingInvitations, DefaultQuotas.PendingInvitations)}
}

func quotaErr(n, limit int, what, flag string) error {
	return fault.E(fault.Conflict, "quota reached: %d of %d %s (the server's --%s raises it)", n, limit, what, flag)
}

// checkOrgQuota counts the orgs the user holds the top role of, read in the
// write's transaction (writers run one at a time).
func (s *Service) checkOrgQuota(tx store.OrgReader, userID string) error {
	orgs, err := tx.ListOrgsOfUser(userID)
	if err != nil {
		return err
	}
	n := 0
	for _, o := range orgs {
		if sc, ok := scheme.Get(o.Org.Scheme); ok && o.Role == sc.TopRole {
			n++
		}
	}
	if n >= s.cfg.Quotas.OrgsPerUser {
		return quotaErr(n, s.cfg.Quotas.OrgsPerUser, "organizations you own", "max-orgs-per-user")
	}
	return nil
}

// planOf is the catalog's entry for the org's plan. An org may hold a plan
// the catalog no longer lists (a catalog file replaced, or a plan set
// before plans were data): it keeps working with its seat limit and the
// server's quotas until someone picks a listed plan.
func (s *Service) planOf(o domain.Org) (plan.Plan, bool) {
	return s.cfg.Plans.Get(o.Plan.Name)
}

// newOrgPlan is the plan of a new organization: the catalog's default,
// with the server's default seat limit within the plan's seats.
func (s *Service) newOrgPlan() domain.Plan {
	seats := s.cfg.DefaultSeatLimit
	if p, ok := s.cfg.Plans.Get(s.cfg.Plans.Default); ok {
		if n, ok := p.Limit(plan.Seats); ok {
			seats = min(seats, n)
		}
	}
	return domain.Plan{Name: s.cfg.Plans.Default, SeatLimit: seats}
}

// checkPlanLimit refuses a write that would take a count past the org's
// plan: n is in use, adding more.
func (s *Service) checkPlanLimit(r store.OrgReader, org, limit string, n, adding int, what string) error {
	o, err := r.GetOrg(org)
	if err != nil {
		return err
	}
	p, ok := s.planOf(o)
	if !ok {
		return nil
	}
	if max, ok := p.Limit(limit); ok && n+adding > max {
		return planErr(p, max, n, what)
	}
	return nil
}

func planErr(p plan.Plan, max, n int, what string) error {
	if max == 0 {
		return fault.E(fault.Conflict, "plan limit reached: the %s plan allows no %s; changing the plan raises it", p.Name, what)
	}
	return fault.E(fault.Conflict, "plan limit reached: the %s plan allows %d %s and %d are in use; changing the plan raises it", p.Name, max, what, n)
}

func (s *Service) checkKeyQuota(tx store.Reader, org string) error {
	n, err := tx.CountKeys(org, store.KeyFilter{State: store.UnrevokedKey})
	if err != nil {
		return err
	}
	if n >= s.cfg.Quotas.KeysPerOrg {
		return quotaErr(n, s.cfg.Quotas.KeysPerOrg, "live secret keys in this organization", "max-keys-per-org")
	}
	return s.checkPlanLimit(tx, org, plan.Keys, n, 1, "live secret keys")
}

func (s *Service) checkRoleQuota(tx store.Reader, org string) error {
	roles, err := tx.ListRoles(org)
	if err != nil {
		return err
	}
	if len(roles) >= s.cfg.Quotas.RolesPerOrg {
		return quotaErr(len(roles), s.cfg.Quotas.RolesPerOrg, "custom roles in this organization", "max-roles-per-org")
	}
	return s.checkPlanLimit(tx, org, plan.CustomRoles, len(roles), 1, "custom roles")
}

func (s *Service) checkInvitationQuota(tx store.Reader, org string, pending int) error {
	if pending >= s.cfg.Quotas.PendingInvitations {
		return quotaErr(pending, s.cfg.Quotas.PendingInvitations, "pending invitations in this organization", "max-pending-invitations")
	}
	return s.checkPlanLimit(tx, org, plan.PendingInvitations, pending, 1, "pending invitations")
}

// checkResourceLimit refuses registering one more resource of a type past
// the plan's limit for it.
func (s *Service) checkResourceLimit(tx store.Reader, org string, t *scheme.ResourceType) error {
	o, err := tx.GetOrg(org)
	if err != nil {
		return err
	}
	p, ok := s.planOf(o)
	if !ok {
		return nil
	}
	max, ok := p.ResourceTypeLimit(t.ID, t.Parent == scheme.OrgType)
	if !ok {
		return nil
	}
	counts, err := tx.CountResources(org)
	if err != nil {
		return err
	}
	if n := counts[t.ID]; n+1 > max {
		return planErr(p, max, n, strings.ToLower(t.Plural))
	}
	return nil
}
