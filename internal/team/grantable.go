package team

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Grantable answers, for each role of the org, the candidate scopes at which
// the actor may grant it now under the no-escalation rule (CanGrant): a
// role that is invalid at a scope, or that the actor does not hold there,
// is left out. Forms offer only these pairs; the use case that acts still
// judges the whole request. Candidates that do not parse are ignored.
func (s *Service) Grantable(ctx context.Context, a Actor, org string, scopes []string) (map[string][]string, error) {
	o, _, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	parsed := make([]domain.Scope, 0, len(scopes))
	for _, x := range scopes {
		if sc, err := domain.ParseScope(x); err == nil {
			parsed = append(parsed, sc)
		}
	}
	roles, err := s.ListRoles(ctx, a, org)
	if err != nil {
		return nil, err
	}
	now := s.now().UnixNano()
	out := map[string][]string{}
	for _, r := range roles {
		for _, sc := range parsed {
			if o.CanGrant(a.Subject, r.ID, sc, now) == nil {
				out[r.ID] = append(out[r.ID], sc.String())
			}
		}
	}
	return out, nil
}

// InvitationPreview is what an invitation link shows before it is used:
// whether it can still be accepted and, when it can, what it offers.
type InvitationPreview struct {
	Status  string // pending, accepted, revoked or expired
	Org     string
	OrgName string
	Email   string
	Role    string // the org role's name in the org's scheme
}

// PreviewInvitation reads the invitation a link's token names, so the page
// it opens can say at once that the link no longer works. The token is the
// invitee's secret: who holds it learns only what the invitation mail told
// them. An unknown token is NotFound.
func (s *Service) PreviewInvitation(ctx context.Context, token string) (InvitationPreview, error) {
	invalid := fault.E(fault.NotFound, "invitation not found")
	if !credential.ValidToken(credential.InvitationPrefix, token) {
		return InvitationPreview{}, invalid
	}
	var p InvitationPreview
	err := s.view(ctx, func(r store.Reader) error {
		inv, err := r.GetInvitationByTokenHash(credential.HashToken(token))
		if err != nil {
			return invalid
		}
		v := s.invitationView(inv)
		p = InvitationPreview{Status: v.Status, Org: inv.Org, OrgName: inv.Org, Email: inv.Email, Role: inv.Role}
		if o, err := r.GetOrg(inv.Org); err == nil {
			p.OrgName = o.Name
		}
		return nil
	})
	if err != nil {
		return InvitationPreview{}, err
	}
	o, err := s.engine.Org(p.Org)
	if errors.Is(err, authz.ErrUnknownOrg) {
		return InvitationPreview{}, invalid
	}
	if err == nil {
		if r, ok := o.Role(p.Role); ok {
			p.Role = r.Name
		}
	}
	return p, nil
}
