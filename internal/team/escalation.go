package team

import (
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
)

// canGrant applies the no-escalation rule (authz.Org.CanGrant) with no
// exception, for users and keys alike.
func (s *Service) canGrant(o *authz.Org, a Actor, role string, scope domain.Scope) error {
	return grantErr(o.CanGrant(a.Subject, role, scope, s.now().UnixNano()))
}
