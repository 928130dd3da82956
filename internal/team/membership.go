package team

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// MemberUpdate changes a member in place; a nil field stays as it is.
type MemberUpdate struct {
	Role *string
	// ExpiresAt ends the membership then (a contractor's engagement); a
	// pointer to the zero time takes the end away.
	ExpiresAt *time.Time
	// DefaultRole is the role grants made with the default role give the
	// member; a pointer to "" clears it.
	DefaultRole *string
}

// maxMembershipSpan bounds how far ahead a membership's end may be set: a
// date decades out is a typo, not a contract.
const maxMembershipSpan = 10 * 366 * 24 * time.Hour

// UpdateMember changes a member's org role, the end of their membership,
// or both, in one write. A role change needs ActMemberRole; setting,
// moving or taking away the end needs ActMemberExpiry, the power to remove
// the member: ending a membership on a date is removing it then, and
// extending one is handing it out again.
func (s *Service) UpdateMember(ctx context.Context, a Actor, org, userID string, u MemberUpdate) (MemberView, int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return MemberView{}, 0, err
	}
	cur, ok := o.MemberRole(userID)
	if !ok {
		return MemberView{}, 0, notFound("member", userID)
	}
	role := cur
	if u.Role != nil && *u.Role != cur {
		role = *u.Role
		if err := s.judgeRoleChange(ctx, o, sc, a, org, userID, cur, role); err != nil {
			return MemberView{}, 0, err
		}
	}
	now := s.now()
	if u.ExpiresAt != nil {
		end := u.ExpiresAt.UTC()
		if err := checkMembershipEnd(sc, role, end, now); err != nil {
			return MemberView{}, 0, err
		}
		var ends []domain.Grant
		if err := s.view(ctx, func(r store.Reader) error {
			ends, err = s.grantsReaching(r, org, userID)
			return err
		}); err != nil {
			return MemberView{}, 0, err
		}
		if err := s.authorize(o, sc, a, ActMemberExpiry, &Target{Member: userID, Current: cur, Ends: ends}); err != nil {
			return MemberView{}, 0, err
		}
		u.ExpiresAt = &end
	}
	if u.DefaultRole != nil {
		if err := s.judgeDefaultRole(ctx, o, sc, a, org, userID, *u.DefaultRole); err != nil {
			return MemberView{}, 0, err
		}
	}
	if role == cur && u.ExpiresAt == nil && u.DefaultRole == nil {
		return s.memberViewOf(ctx, org, userID, o.Revision())
	}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		m, err := tx.GetMember(org, userID)
		if err != nil {
			return nil, err
		}
		// The checks above judged the role the engine knew; a concurrent
		// change (a transfer, another role change) makes them stale.
		if err := sameRole(tx, sc, org, m, cur, role); err != nil {
			return nil, err
		}
		before, after := map[string]any{}, map[string]any{}
		if role != m.Role {
			before["role"], after["role"] = m.Role, role
			m.Role = role
		}
		if u.ExpiresAt != nil && !u.ExpiresAt.Equal(m.ExpiresAt) {
			// An ended membership holds no seat; bringing it back takes one.
			if m.Expired(now) && !(domain.Member{ExpiresAt: *u.ExpiresAt}).Expired(now) {
				if err := s.checkSeat(tx, org, 1); err != nil {
					return nil, err
				}
			}
			before["expires_at"], after["expires_at"] = timePtr(m.ExpiresAt), timePtr(*u.ExpiresAt)
			m.ExpiresAt = *u.ExpiresAt
		}
		if u.DefaultRole != nil && *u.DefaultRole != m.DefaultRole {
			before["default_role"], after["default_role"] = m.DefaultRole, *u.DefaultRole
			m.DefaultRole = *u.DefaultRole
		}
		if len(after) == 0 {
			return nil, errNothingChanged
		}
		if err := tx.PutMember(m); err != nil {
			return nil, err
		}
		action := ActMemberRole
		if _, ok := after["role"]; !ok {
			action = ActMemberExpiry
			if _, ok := after["expires_at"]; !ok {
				action = ActMemberDefault
			}
		}
		return &change{org: org, action: string(action), target: "user:" + userID, before: before, after: after,
			changes: []domain.Change{{Op: domain.OpPutMember, Member: &m}}}, nil
	})
	if errors.Is(err, errNothingChanged) {
		return s.memberViewOf(ctx, org, userID, o.Revision())
	}
	if err != nil {
		return MemberView{}, 0, err
	}
	return s.memberViewOf(ctx, org, userID, rev)
}

// judgeDefaultRole is everything setting a member's default role to role
// ("": none) must pass before its write. The role must be one a grant below
// the org can carry: a default role is what project assignment inherits.
func (s *Service) judgeDefaultRole(ctx context.Context, o *authz.Org, sc *scheme.Scheme, a Actor, org, userID, role string) error {
	if role != "" {
		r, ok := o.Role(role)
		if !ok {
			return fault.E(fault.Unprocessable, "default_role: the organization has no role %q", role)
		}
		below := false
		for _, t := range sc.Types {
			below = below || sc.GrantableAt(r, domain.TypeScope(t.ID)) == nil
		}
		if !below || role == sc.TopRole {
			return fault.E(fault.Unprocessable, "default_role: %s is granted at the organization only; a default role is one a project (or another resource) assignment can carry", r.Name)
		}
	}
	var reaching []domain.Grant
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		reaching, err = s.grantsReaching(r, org, userID)
		return err
	}); err != nil {
		return err
	}
	return s.authorize(o, sc, a, ActMemberDefault, &Target{Member: userID, Role: role, Current: o.DefaultRoleOf(userID), Ends: reaching})
}

// errNothingChanged leaves a write that would change nothing (an end set
// to the end it has) without a revision or an audit event.
var errNothingChanged = fault.E(fault.Conflict, "nothing to change")

// judgeRoleChange is everything a role change must pass before its write.
func (s *Service) judgeRoleChange(ctx context.Context, o *authz.Org, sc *scheme.Scheme, a Actor, org, userID, cur, role string) error {
	r, ok := o.Role(role)
	if !ok {
		return fault.E(fault.Unprocessable, "unknown role %q", role)
	}
	if r.ScopeType != scheme.OrgType {
		return fault.E(fault.Unprocessable, "role %s is bound at %s scope; a member's role is an org role", role, r.ScopeType)
	}
	if err := s.keepsTop(o, sc, cur, role); err != nil {
		return err
	}
	if err := s.authorize(o, sc, a, ActMemberRole, &Target{Member: userID, Role: role, Current: cur}); err != nil {
		return err
	}
	if !sc.ScopedRolesNeedBase || role == sc.BaseRole {
		return nil
	}
	// A member with project roles, directly or through a group, keeps them
	// only under the base role.
	var scoped []domain.Grant
	if err := s.view(ctx, func(r store.Reader) error {
		gs, err := s.grantsReaching(r, org, userID)
		for _, g := range gs {
			if g.Scope.Kind != domain.ScopeOrg {
				scoped = append(scoped, g)
			}
		}
		return err
	}); err != nil {
		return err
	}
	if len(scoped) > 0 {
		return fault.E(fault.Conflict, "%s holds %d project role(s), which an organization-wide role would override; revoke them first", userID, len(scoped))
	}
	return nil
}

// checkMembershipEnd refuses an end in the past or absurdly far ahead, and
// any end for the scheme's top role: an organization whose Owner (or last
// Admin) lapses on a date would be left with nobody to run it.
func checkMembershipEnd(sc *scheme.Scheme, role string, end, now time.Time) error {
	if end.IsZero() {
		return nil
	}
	if role == sc.TopRole {
		return fault.E(fault.Conflict, "a %s's membership cannot end on a date; change the role first", roleName(sc, role))
	}
	if !end.After(now) {
		return fault.E(fault.Unprocessable, "the end of a membership must be in the future (remove the member to end it now)")
	}
	if end.Sub(now) > maxMembershipSpan {
		return fault.E(fault.Unprocessable, "the end of a membership may be at most 10 years ahead")
	}
	return nil
}
