package team

import (
	"errors"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// canGrant applies the no-escalation rule (authz.Org.CanGrant) with one
// exception: a member holding the scheme's top role may hand out any role
// but the top role itself, at any scope its user management reaches, even
// when that role holds a permission the top role lacks.
//
// Labelbox's Admin lacks benchmark.receive (matrices.md: receiving
// benchmark rows to label is the labeling workforce's duty), yet Project
// Lead, Team Manager, Reviewer and Labeler all hold it. Without the
// exception nobody in a labelbox organization could ever give those roles,
// since only the Admin has members.invite. Keys never get the exception.
func (s *Service) canGrant(o *authz.Org, a Actor, role string, scope domain.Scope) error {
	now := s.now().UnixNano()
	err := o.CanGrant(a.Subject, role, scope, now)
	if err == nil || !errors.Is(err, authz.ErrEscalation) || a.IsKey() {
		return grantErr(err)
	}
	sc, ok := scheme.Get(o.SchemeID())
	if !ok || role == sc.TopRole {
		return grantErr(err)
	}
	if cur, ok := o.MemberRole(a.UserID()); !ok || cur != sc.TopRole {
		return grantErr(err)
	}
	for _, um := range sc.UserManagement {
		if um.Manages(role, scheme.ScopeTypeOf(scope)) && o.HoldsAt(a.Subject.String(), um.Permission, scope, now) {
			return nil
		}
	}
	return grantErr(err)
}
