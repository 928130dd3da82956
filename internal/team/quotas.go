package team

import (
	"github.com/gatehouse/gatehouse/internal/fault"
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

func (s *Service) checkKeyQuota(tx store.KeyReader, org string) error {
	n, err := tx.CountKeys(org, store.KeyFilter{State: store.UnrevokedKey})
	if err != nil {
		return err
	}
	if n >= s.cfg.Quotas.KeysPerOrg {
		return quotaErr(n, s.cfg.Quotas.KeysPerOrg, "live secret keys in this organization", "max-keys-per-org")
	}
	return nil
}

func (s *Service) checkRoleQuota(tx store.RoleReader, org string) error {
	roles, err := tx.ListRoles(org)
	if err != nil {
		return err
	}
	if len(roles) >= s.cfg.Quotas.RolesPerOrg {
		return quotaErr(len(roles), s.cfg.Quotas.RolesPerOrg, "custom roles in this organization", "max-roles-per-org")
	}
	return nil
}

func (s *Service) checkInvitationQuota(pending int) error {
	if pending >= s.cfg.Quotas.PendingInvitations {
		return quotaErr(pending, s.cfg.Quotas.PendingInvitations, "pending invitations in this organization", "max-pending-invitations")
	}
	return nil
}
