package team

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// A SCIM token is an organization's bearer secret for its identity
// provider. Like a personal access token it holds no grants: it acts as
// the user who made it, in its org, with what that user holds at each
// request, so it never provisions more than its maker could (rule 2) and
// loses its power with theirs. It is accepted only by the SCIM endpoints
// (AuthenticateSCIM); Authenticate knows no gsc_ prefix, so everywhere
// else it is a wrong credential.

// SCIMTokensPerOrg bounds the SCIM tokens of one org: an IdP needs one,
// a rotation two.
const SCIMTokensPerOrg = 20

// SCIMTokenView is a SCIM token as the org's user managers see it: never
// its hash, and its secret only in the answer to creation.
type SCIMTokenView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role" doc:"The org role the users it provisions get"`
	Prefix     string     `json:"prefix"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token,omitempty" doc:"The token (gsc_…), shown only when it is made"`
}

func scimTokenView(t domain.SCIMToken) SCIMTokenView {
	return SCIMTokenView{ID: t.ID, Name: t.Name, Role: t.Role, Prefix: t.Prefix, CreatedBy: t.CreatedBy,
		CreatedAt: t.CreatedAt.UTC(), LastUsedAt: timePtr(t.LastUsedAt)}
}

func scimTokenEvent(t domain.SCIMToken) map[string]any {
	return map[string]any{"scim_token": t.ID, "name": t.Name, "role": t.Role, "prefix": t.Prefix, "created_by": t.CreatedBy}
}

// CreateSCIMToken makes a SCIM token for org; role "" is the scheme's base
// role. The role is judged as an invitation's, for the maker, now; each
// provisioning is judged again for the maker as they stand then.
func (s *Service) CreateSCIMToken(ctx context.Context, a Actor, org, name, role string) (SCIMTokenView, int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return SCIMTokenView{}, 0, err
	}
	if role == "" {
		role = sc.BaseRole
	}
	if r, ok := o.Role(role); !ok || r.ScopeType != scheme.OrgType {
		return SCIMTokenView{}, 0, fault.E(fault.Unprocessable, "unknown org role %q", role)
	}
	if err := s.authorize(o, sc, a, ActSCIMTokenCreate, &Target{Role: role}); err != nil {
		return SCIMTokenView{}, 0, err
	}
	if err := validName("token name", name); err != nil {
		return SCIMTokenView{}, 0, err
	}
	secret, hash := credential.NewToken(credential.SCIMPrefix)
	t := domain.SCIMToken{ID: credential.NewID("scim_"), Org: org, CreatedBy: a.UserID(), Name: strings.TrimSpace(name),
		Prefix: secret[:credential.KeyDisplayLen], Hash: hash, Role: role, CreatedAt: s.now().Truncate(time.Microsecond)}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		all, err := tx.ListSCIMTokens(org)
		if err != nil {
			return nil, err
		}
		if len(all) >= SCIMTokensPerOrg {
			return nil, fault.E(fault.Conflict, "organization %s has %d SCIM tokens, the most it may have: revoke one first", org, len(all))
		}
		if err := tx.PutSCIMToken(t); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActSCIMTokenCreate), target: "scim_token:" + t.ID, after: scimTokenEvent(t)}, nil
	})
	if err != nil {
		return SCIMTokenView{}, 0, err
	}
	v := scimTokenView(t)
	v.Token = secret
	return v, rev, nil
}

// ListSCIMTokens lists the org's SCIM tokens, oldest first.
func (s *Service) ListSCIMTokens(ctx context.Context, a Actor, org string) ([]SCIMTokenView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActSCIMTokenList, nil); err != nil {
		return nil, err
	}
	var list []domain.SCIMToken
	if err := s.view(ctx, func(r store.Reader) error {
		list, err = r.ListSCIMTokens(org)
		return err
	}); err != nil {
		return nil, err
	}
	out := make([]SCIMTokenView, 0, len(list))
	for _, t := range list {
		out = append(out, scimTokenView(t))
	}
	return out, nil
}

// RevokeSCIMToken ends a SCIM token: its next request gets 401. A token of
// another org is not found.
func (s *Service) RevokeSCIMToken(ctx context.Context, a Actor, org, id string) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if err := s.authorize(o, sc, a, ActSCIMTokenRevoke, nil); err != nil {
		return 0, err
	}
	missing := notFound("SCIM token", id)
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		t, err := tx.GetSCIMToken(id)
		if errors.Is(err, store.ErrNotFound) || err == nil && t.Org != org {
			return nil, missing
		}
		if err != nil {
			return nil, err
		}
		if err := tx.DeleteSCIMToken(id); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActSCIMTokenRevoke), target: "scim_token:" + id, before: scimTokenEvent(t)}, nil
	})
	if errors.Is(err, missing) {
		return 0, missing
	}
	return rev, err
}

// AuthenticateSCIM turns a SCIM token presented for org into its maker,
// acting in that org only. A token of another org, a revoked one, or one
// whose maker is no longer an active member there is a wrong credential,
// the same 401 as garbage: nothing tells another tenant what exists.
func (s *Service) AuthenticateSCIM(ctx context.Context, org, bearer, requestID string) (Actor, error) {
	if !credential.ValidToken(credential.SCIMPrefix, bearer) {
		return Actor{}, badCredentials()
	}
	hash := credential.HashToken(bearer)
	var t domain.SCIMToken
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		t, err = r.GetSCIMTokenByHash(hash)
		return err
	})
	if fault.CodeOf(err) == fault.NotFound {
		return Actor{}, badCredentials()
	}
	if err != nil {
		return Actor{}, err
	}
	// The lookup matched the hash already; comparing again in constant
	// time keeps that true whatever the index does.
	if !credential.Equal(t.Hash, hash) || t.Org != org {
		return Actor{}, badCredentials()
	}
	a := Actor{Subject: domain.UserSubject(t.CreatedBy), PATOrg: t.Org, SCIMTokenID: t.ID, SCIMRole: t.Role, RequestID: requestID}
	if _, _, err := s.org(a, t.Org); err != nil {
		return Actor{}, badCredentials()
	}
	now := s.now()
	if now.Sub(t.LastUsedAt) >= time.Minute {
		if err := s.store.TouchSCIMToken(ctx, t.ID, now); err != nil {
			s.log.Warn("record SCIM token use", "scim_token", t.ID, "err", err)
		}
	}
	return a, nil
}
