package team

import (
	"context"
	"errors"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/sealbox"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ssoSealLabel names the subkey of the audit key that seals client secrets.
const ssoSealLabel = "gatehouse/sso/client-secret-aes-gcm/v1"

// SSORequest sets an org's OIDC sign-in. An empty client_secret keeps the
// one already set (so an edit need not know it); a first setting needs one.
type SSORequest struct {
	Issuer       string            `json:"issuer" doc:"The identity provider's issuer URL (https; http only on loopback)"`
	ClientID     string            `json:"client_id"`
	ClientSecret string            `json:"client_secret,omitempty" doc:"Kept encrypted; never returned. Empty keeps the current one."`
	Domains      []string          `json:"domains" doc:"Email domains whose people may join through SSO; each leads to this org only"`
	DefaultRole  string            `json:"default_role,omitempty" doc:"The org role of a person joining through SSO; the scheme's base role if empty"`
	GroupsClaim  string            `json:"groups_claim,omitempty" doc:"The ID token claim listing the person's IdP groups; default groups"`
	GroupMap     map[string]string `json:"group_map,omitempty" doc:"IdP group -> Gatehouse group id; memberships are set at each sign-in"`
	Enforce      bool              `json:"enforce" doc:"Members sign in only through SSO; the top role keeps its password (break-glass)"`
}

// SSOView is an org's SSO configuration as clients see it: never the
// client secret.
type SSOView struct {
	Org             string            `json:"org"`
	Issuer          string            `json:"issuer"`
	ClientID        string            `json:"client_id"`
	ClientSecretSet bool              `json:"client_secret_set"`
	Domains         []string          `json:"domains"`
	DefaultRole     string            `json:"default_role"`
	GroupsClaim     string            `json:"groups_claim"`
	GroupMap        map[string]string `json:"group_map"`
	Enforce         bool              `json:"enforce"`
	RedirectURI     string            `json:"redirect_uri" doc:"The API's callback, to register at the identity provider"`
	ConfiguredBy    string            `json:"configured_by"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

func (s *Service) ssoView(c domain.SSOConfig) SSOView {
	return SSOView{Org: c.Org, Issuer: c.Issuer, ClientID: c.ClientID, ClientSecretSet: len(c.SecretSealed) > 0,
		Domains: c.Domains, DefaultRole: c.DefaultRole, GroupsClaim: c.GroupsClaim, GroupMap: c.GroupMap, Enforce: c.Enforce,
		RedirectURI: s.SSOCallbackURL(), ConfiguredBy: c.ConfiguredBy, UpdatedAt: c.UpdatedAt.UTC()}
}

// SSOCallbackURL is where the identity provider sends the API's sign-ins back.
func (s *Service) SSOCallbackURL() string {
	return strings.TrimSuffix(s.cfg.BaseURL, "/") + "/v1/auth/sso/callback"
}

// SSOConsoleCallbackURL is where it sends the console's: the console sets
// its cookie there. Both are registered at the identity provider.
func (s *Service) SSOConsoleCallbackURL() string {
	return strings.TrimSuffix(s.cfg.BaseURL, "/") + "/login/sso/callback"
}

// sealer is the box client secrets are sealed with: derived from the audit
// key, so the one key file an operator keeps covers it and the database
// alone never opens a secret.
func (s *Service) sealer() (*sealbox.Box, error) {
	if s.cfg.AuditKey == nil {
		return nil, fault.E(fault.Unavailable, "SSO needs the server's audit key to keep client secrets encrypted")
	}
	return sealbox.New(s.cfg.AuditKey.Subkey(ssoSealLabel))
}

// GetSSO shows the org's SSO configuration.
func (s *Service) GetSSO(ctx context.Context, a Actor, org string) (SSOView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return SSOView{}, err
	}
	if err := s.authorize(o, sc, a, ActSSOView, nil); err != nil {
		return SSOView{}, err
	}
	var c domain.SSOConfig
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		c, err = r.GetSSO(org)
		return err
	}); err != nil {
		if fault.CodeOf(err) == fault.NotFound {
			return SSOView{}, fault.E(fault.NotFound, "organization %s has no SSO", org)
		}
		return SSOView{}, err
	}
	return s.ssoView(c), nil
}

// maxSSODomains and maxSSOGroups bound one configuration.
const (
	maxSSODomains = 50
	maxSSOGroups  = 200
)

// SetSSO creates or replaces the org's SSO configuration. It is a grant
// (rule 2): every sign-in may give default_role and the mapped groups'
// grants, so the setter must be able to hand out each of them, and each
// sign-in is judged again for the setter as it stands then.
func (s *Service) SetSSO(ctx context.Context, a Actor, org string, req SSORequest) (SSOView, int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return SSOView{}, 0, err
	}
	c := domain.SSOConfig{Org: org, Issuer: strings.TrimSpace(req.Issuer), ClientID: strings.TrimSpace(req.ClientID),
		DefaultRole: req.DefaultRole, GroupsClaim: strings.TrimSpace(req.GroupsClaim), GroupMap: req.GroupMap,
		Enforce: req.Enforce, ConfiguredBy: a.Subject.String(), UpdatedAt: s.now()}
	if c.DefaultRole == "" {
		c.DefaultRole = sc.BaseRole
	}
	if c.GroupsClaim == "" {
		c.GroupsClaim = "groups"
	}
	if c.GroupMap == nil {
		c.GroupMap = map[string]string{}
	}
	if err := checkIssuer(c.Issuer); err != nil {
		return SSOView{}, 0, err
	}
	if u, _ := url.Parse(c.Issuer); !hostAllowed(s.cfg.SSOIssuerHosts, u.Hostname()) {
		return SSOView{}, 0, fault.E(fault.Unprocessable, "this server lets SSO use identity providers at %s only", strings.Join(s.cfg.SSOIssuerHosts, ", "))
	}
	if c.ClientID == "" || len(c.ClientID) > 255 || len(req.ClientSecret) > 1024 || len(c.GroupsClaim) > 100 {
		return SSOView{}, 0, fault.E(fault.Unprocessable, "client_id must be 1 to 255 characters, client_secret at most 1024, groups_claim at most 100")
	}
	if c.DefaultRole == sc.TopRole {
		return SSOView{}, 0, fault.E(fault.Unprocessable, "the top role %s is never given by SSO", c.DefaultRole)
	}
	if c.Domains, err = checkDomains(req.Domains); err != nil {
		return SSOView{}, 0, err
	}
	if len(c.GroupMap) > maxSSOGroups {
		return SSOView{}, 0, fault.E(fault.Unprocessable, "group_map maps at most %d groups", maxSSOGroups)
	}
	var ends []domain.Grant
	for idp, gid := range c.GroupMap {
		if strings.TrimSpace(idp) == "" || len(idp) > 255 {
			return SSOView{}, 0, fault.E(fault.Unprocessable, "an IdP group name must be 1 to 255 characters")
		}
		if err := s.collectionExists(o, groups, gid); err != nil {
			return SSOView{}, 0, fault.E(fault.Unprocessable, "group_map[%q]: group %q not found", idp, gid)
		}
	}
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		ends, err = mappedGrants(r, org, c.GroupMap)
		return err
	}); err != nil {
		return SSOView{}, 0, err
	}
	if err := s.authorize(o, sc, a, ActSSOSet, &Target{Role: c.DefaultRole, Ends: ends}); err != nil {
		return SSOView{}, 0, err
	}
	box, err := s.sealer()
	if err != nil {
		return SSOView{}, 0, err
	}
	if req.ClientSecret != "" {
		c.SecretSealed = box.Seal([]byte(req.ClientSecret), []byte(org))
	}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		var before any
		if old, err := tx.GetSSO(org); err == nil {
			before = s.ssoView(old)
			// The kept secret goes to the client it was issued for only: a
			// new issuer or client would receive it at its token endpoint,
			// handed over by someone who never had to know it.
			if c.SecretSealed == nil && (old.Issuer != c.Issuer || old.ClientID != c.ClientID) {
				return nil, fault.E(fault.Unprocessable, "client_secret is required when the issuer or client_id changes")
			}
			if c.SecretSealed == nil {
				c.SecretSealed = old.SecretSealed
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
		if c.SecretSealed == nil {
			return nil, fault.E(fault.Unprocessable, "client_secret is required when SSO is first set")
		}
		if err := tx.PutSSO(c); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return nil, fault.E(fault.Conflict, "one of the domains already leads to another organization's SSO")
			}
			return nil, err
		}
		after := s.ssoView(c)
		after.ClientSecretSet = true
		return &change{org: org, action: string(ActSSOSet), target: "org:" + org, before: before, after: after}, nil
	})
	if err != nil {
		return SSOView{}, 0, err
	}
	return s.ssoView(c), rev, nil
}

// DeleteSSO turns the org's SSO off: members sign in with passwords again,
// and sessions opened through SSO stay until they end.
func (s *Service) DeleteSSO(ctx context.Context, a Actor, org string) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if err := s.authorize(o, sc, a, ActSSODelete, nil); err != nil {
		return 0, err
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		old, err := tx.GetSSO(org)
		if err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, fault.E(fault.NotFound, "organization %s has no SSO", org)
			}
			return nil, err
		}
		if err := tx.DeleteSSO(org); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActSSODelete), target: "org:" + org, before: s.ssoView(old)}, nil
	})
}

// mappedGrants are the grants the mapped groups hold: what a sign-in may
// hand out through group membership.
func mappedGrants(r store.Reader, org string, m map[string]string) ([]domain.Grant, error) {
	var out []domain.Grant
	seen := map[string]bool{}
	for _, gid := range m {
		if seen[gid] {
			continue
		}
		seen[gid] = true
		gs, err := collectionGrants(r, org, groups, gid)
		if err != nil {
			return nil, err
		}
		out = append(out, gs...)
	}
	return out, nil
}

// checkIssuer: an issuer is an https URL; plain http only on loopback,
// where tests and a local IdP run.
func checkIssuer(issuer string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || len(issuer) > 2000 {
		return fault.E(fault.Unprocessable, "issuer must be an absolute URL without credentials, query or fragment")
	}
	if u.Scheme == "https" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); u.Scheme == "http" && (host == "localhost" || ip != nil && ip.IsLoopback()) {
		return nil
	}
	return fault.E(fault.Unprocessable, "issuer must be https (http only on loopback)")
}

// hostAllowed reports whether host is one of allowed (any when allowed is
// empty): a name exactly, or "*.suffix" for any host below suffix.
func hostAllowed(allowed []string, host string) bool {
	if len(allowed) == 0 {
		return true
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, a := range allowed {
		a = strings.ToLower(a)
		if host == a || strings.HasPrefix(a, "*.") && strings.HasSuffix(host, a[1:]) {
			return true
		}
	}
	return false
}

// checkDomains lowercases the domains, drops duplicates and refuses what
// is not a domain name.
func checkDomains(in []string) ([]string, error) {
	if len(in) == 0 || len(in) > maxSSODomains {
		return nil, fault.E(fault.Unprocessable, "domains lists 1 to %d email domains", maxSSODomains)
	}
	var out []string
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(d))
		if len(d) > 253 || !strings.Contains(d, ".") || strings.ContainsAny(d, "@/: \t") || strings.HasPrefix(d, ".") || strings.HasSuffix(d, ".") {
			return nil, fault.E(fault.Unprocessable, "%q is not an email domain", d)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out, nil
}
