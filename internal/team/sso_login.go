package team

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ssoFlowTTL is how long a person has between leaving for the identity
// provider and coming back.
const ssoFlowTTL = 10 * time.Minute

// ssoStartsPerAddress bounds the sign-ins one address starts in
// ssoFlowTTL: a person needs a few, a flood of flows is refused.
const ssoStartsPerAddress = 30

// ssoScopes are asked of every identity provider: groups is what Okta
// needs to put the groups claim in the ID token; the others ignore it or
// send groups by their own configuration.
var ssoScopes = []string{oidc.ScopeOpenID, "email", "profile", "groups"}

// ssoClient talks to identity providers: bounded, so a slow one cannot
// hold a sign-in (and its goroutine) for long, and held to the operator's
// issuer hosts on every redirect too.
func ssoClient(hosts []string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		if !hostAllowed(hosts, r.URL.Hostname()) {
			return fmt.Errorf("a redirect to %s, a host this server does not allow SSO to use", r.URL.Hostname())
		}
		return nil
	}}
}

// ssoLoginAudit is the action of an SSO sign-in, the password's own: one
// kind of event for every sign-in, told apart by its method.
const ssoLoginAudit = "session.login"

// SSOOrgForEmail returns the org whose SSO claims the email's domain, for
// a sign-in page that starts from an email; NotFound when none does.
func (s *Service) SSOOrgForEmail(ctx context.Context, email string) (string, error) {
	email = normalizeEmail(email)
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return "", fault.E(fault.Unprocessable, "%q is not an email address", email)
	}
	var org string
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		org, err = r.SSOOrgOfDomain(email[at+1:])
		return err
	})
	if fault.CodeOf(err) == fault.NotFound {
		return "", fault.E(fault.NotFound, "no organization signs in %s through SSO", email[at+1:])
	}
	return org, err
}

// ssoDiscoveryTTL is how long an identity provider, once discovered, is
// reused: a sign-in (two requests, start and callback) does not wait for
// the discovery document each time, and a provider that moves its
// endpoints is seen within the hour. Its signing keys are go-oidc's to
// refresh: it fetches them again when a token names a key it lacks.
const ssoDiscoveryTTL = time.Hour

// maxProviders bounds the cache: one entry per issuer in use, so only
// configurations changed over and over could fill it.
const maxProviders = 1024

// providerCache holds discovered identity providers by issuer. A failed
// discovery is not kept: the next sign-in tries again.
type providerCache struct {
	mu sync.Mutex
	m  map[string]cachedProvider
}

type cachedProvider struct {
	p  *oidc.Provider
	at time.Time
}

func (c *providerCache) get(issuer string, now time.Time) (*oidc.Provider, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[issuer]
	if !ok || now.Sub(e.at) >= ssoDiscoveryTTL || now.Before(e.at) {
		return nil, false
	}
	return e.p, true
}

func (c *providerCache) put(issuer string, p *oidc.Provider, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= maxProviders {
		c.m = map[string]cachedProvider{}
	}
	c.m[issuer] = cachedProvider{p: p, at: now}
}

// provider is the identity provider of a configuration, discovered at most
// once per ssoDiscoveryTTL.
func (s *Service) provider(ctx context.Context, c domain.SSOConfig) (*oidc.Provider, error) {
	if p, ok := s.providers.get(c.Issuer, s.now()); ok {
		return p, nil
	}
	// A configuration saved before the operator bounded the hosts is held
	// to them too.
	if u, err := url.Parse(c.Issuer); err != nil || !hostAllowed(s.cfg.SSOIssuerHosts, u.Hostname()) {
		return nil, fault.E(fault.Unavailable, "the identity provider of this organization is on a host this server does not allow SSO to use")
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.ssoHTTP), c.Issuer)
	if err != nil {
		s.log.Warn("sso: discover the identity provider", "org", c.Org, "issuer", c.Issuer, "err", err)
		return nil, fault.E(fault.Unavailable, "the identity provider of this organization cannot be reached; try again later")
	}
	// The discovery document names the endpoints the browser is sent to
	// and the server posts the secret to: they are held to the same hosts.
	var doc struct {
		JWKS string `json:"jwks_uri"`
	}
	_ = p.Claims(&doc)
	for _, endpoint := range []string{p.Endpoint().AuthURL, p.Endpoint().TokenURL, doc.JWKS} {
		if u, err := url.Parse(endpoint); err != nil || !hostAllowed(s.cfg.SSOIssuerHosts, u.Hostname()) {
			s.log.Warn("sso: the identity provider names an endpoint on a host this server does not allow", "org", c.Org, "endpoint", endpoint)
			return nil, fault.E(fault.Unavailable, "the identity provider of this organization names an endpoint on a host this server does not allow SSO to use")
		}
	}
	s.providers.put(c.Issuer, p, s.now())
	return p, nil
}

func (s *Service) ssoConfig(ctx context.Context, org string) (domain.SSOConfig, error) {
	var c domain.SSOConfig
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		c, err = r.GetSSO(org)
		return err
	})
	if fault.CodeOf(err) == fault.NotFound {
		return c, fault.E(fault.NotFound, "organization %q has no SSO", org)
	}
	return c, err
}

func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) //nolint:errcheck // documented never to return an error
	return base64.RawURLEncoding.EncodeToString(b)
}

func stateHash(state string) []byte {
	h := sha256.Sum256([]byte("gatehouse/sso/state\x00" + state))
	return h[:]
}

// SSOStart begins a sign-in into org through its identity provider and
// returns where to send the person. The state, the nonce and the PKCE
// verifier stay on the server (only the state's hash is stored), for one
// use within ssoFlowTTL. redirectURI is the callback of the adapter that
// asks (the API's or the console's).
func (s *Service) SSOStart(ctx context.Context, org, redirectURI string, cl Client) (string, error) {
	// Starting is public and writes a flow and asks the IdP: bounded per
	// address, as password-reset requests are.
	if !s.resetQuota.allow(s.now(), "sso\x00"+cl.Addr, ssoStartsPerAddress, ssoFlowTTL) {
		return "", &fault.Error{Code: fault.TooManyRequests, RetryAfter: time.Minute,
			Msg: "too many SSO sign-ins started from your address; try again later"}
	}
	c, err := s.ssoConfig(ctx, org)
	if err != nil {
		return "", err
	}
	p, err := s.provider(ctx, c)
	if err != nil {
		return "", err
	}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	now := s.now()
	if _, err := s.store.Update(ctx, func(tx store.Tx) error {
		return tx.PutSSOFlow(domain.SSOFlow{StateHash: stateHash(state), Org: org, Nonce: nonce, Verifier: verifier,
			ExpiresAt: now.Add(ssoFlowTTL)})
	}); err != nil {
		return "", mapStoreErr(err)
	}
	conf := oauth2.Config{ClientID: c.ClientID, Endpoint: p.Endpoint(), RedirectURL: redirectURI, Scopes: ssoScopes}
	return conf.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// SSOSignIn is a finished SSO sign-in.
type SSOSignIn struct {
	Token  string   `json:"token" doc:"The session token: it acts in Org alone"`
	User   UserView `json:"user"`
	Org    string   `json:"org"`
	Joined bool     `json:"joined" doc:"The person became a member through this sign-in"`
	Groups []string `json:"groups" doc:"The mapped Gatehouse groups the person is in after it"`
}

// ssoRefusal is the one answer to a sign-in the IdP's word does not carry;
// the reason goes to the org's audit log and the server log, not to the
// browser, beyond the sentence given.
func ssoRefusal(msg string) error { return fault.E(fault.Forbidden, "SSO sign-in refused: %s", msg) }

// SSOCallback finishes a sign-in: it takes the flow of state (once), trades
// code for tokens with the PKCE verifier, verifies the ID token (issuer,
// audience, expiry, signature, nonce), requires a verified email, and then
// signs in the member that email belongs to, or makes one if its domain is
// the org's, with the mapped groups as the IdP says now. The session it
// opens acts in that org alone.
func (s *Service) SSOCallback(ctx context.Context, state, code, redirectURI string, cl Client) (SSOSignIn, error) {
	if state == "" || code == "" {
		return SSOSignIn{}, fault.E(fault.Unprocessable, "the identity provider's answer lacks its state or code")
	}
	var flow domain.SSOFlow
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		flow, err = tx.TakeSSOFlow(stateHash(state), s.now())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		s.log.Warn("sso: unknown, used or expired state", "client_address", cl.Addr)
		return SSOSignIn{}, fault.E(fault.Unauthenticated, "this sign-in is unknown, expired or already used; start again")
	}
	if err != nil {
		return SSOSignIn{}, mapStoreErr(err)
	}
	refuse := func(reason, email string) error {
		s.auditSSORefusal(ctx, flow.Org, reason, email, cl)
		return ssoRefusal(reason)
	}
	c, err := s.ssoConfig(ctx, flow.Org)
	if err != nil {
		return SSOSignIn{}, refuse("the organization has no SSO any more", "")
	}
	box, err := s.sealer()
	if err != nil {
		return SSOSignIn{}, err
	}
	secret, err := box.Open(c.SecretSealed, []byte(c.Org))
	if err != nil {
		s.log.Error("sso: the client secret does not open with this server's key", "org", c.Org)
		return SSOSignIn{}, fault.E(fault.Unavailable, "this organization's SSO cannot be used with this server's key; set its client secret again")
	}
	p, err := s.provider(ctx, c)
	if err != nil {
		return SSOSignIn{}, err
	}
	conf := oauth2.Config{ClientID: c.ClientID, ClientSecret: string(secret), Endpoint: p.Endpoint(), RedirectURL: redirectURI, Scopes: ssoScopes}
	octx := oidc.ClientContext(ctx, s.ssoHTTP)
	tok, err := conf.Exchange(octx, code, oauth2.VerifierOption(flow.Verifier))
	if err != nil {
		s.log.Warn("sso: code exchange", "org", c.Org, "err", err)
		return SSOSignIn{}, refuse("the identity provider did not accept the code", "")
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return SSOSignIn{}, refuse("the identity provider sent no ID token", "")
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: c.ClientID, Now: s.now}).Verify(octx, raw)
	if err != nil {
		s.log.Warn("sso: ID token", "org", c.Org, "err", err)
		return SSOSignIn{}, refuse("the ID token does not verify: "+idTokenFault(err), "")
	}
	if idt.Nonce != flow.Nonce {
		return SSOSignIn{}, refuse("the ID token's nonce is not this sign-in's", "")
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return SSOSignIn{}, refuse("the ID token's claims do not decode", "")
	}
	sent, _ := claims["email"].(string)
	email := normalizeEmail(sent)
	if domain.CheckEmail(email) != nil {
		return SSOSignIn{}, refuse("the ID token carries no usable email", "")
	}
	// Normalizing folds look-alikes (fullwidth letters) into the address
	// they resemble; the IdP verified the mailbox it sent, so a folded one
	// is another address, never a member's.
	if domain.CompatFolded(sent) {
		return SSOSignIn{}, refuse("the email is written with characters that stand for other ones; the identity provider must send the mailbox's plain address", "")
	}
	if !truthy(claims["email_verified"]) {
		return SSOSignIn{}, refuse("the identity provider has not verified the email", email)
	}
	// An IdP that cannot fit the groups in the token (Entra ID past 200)
	// sends a pointer to them instead. Signing in with no groups would
	// drop the person from every mapped group; refusing says what to fix.
	if names, ok := claims["_claim_names"].(map[string]any); ok && len(c.GroupMap) > 0 {
		if _, over := names[c.GroupsClaim]; over {
			return SSOSignIn{}, refuse("the identity provider sent a groups overage instead of the groups; have it send only the groups assigned to the application", email)
		}
	}
	name, _ := claims["name"].(string)
	return s.ssoSignIn(ctx, c, email, strings.TrimSpace(name), stringsOf(claims[c.GroupsClaim]), cl, refuse)
}

// idTokenFault names what failed in an ID token without echoing it.
func idTokenFault(err error) string {
	var exp *oidc.TokenExpiredError
	switch msg := err.Error(); {
	case errors.As(err, &exp):
		return "expired"
	case strings.Contains(msg, "audience"):
		return "wrong audience"
	case strings.Contains(msg, "issuer"):
		return "wrong issuer"
	case strings.Contains(msg, "signature"):
		return "bad signature"
	}
	return "malformed"
}

// truthy reads email_verified, which some IdPs send as a string.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true"
	}
	return false
}

// stringsOf reads a groups claim: a list of strings, or one string.
func stringsOf(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// ssoSignIn links the verified email to a member (or makes one), sets the
// mapped groups and opens the org-bound session. The session is all the
// member's power in the org, so all of it is judged for who set the
// configuration, as they stand now: her org role (default_role for a new
// member), her own grants, those of the groups she is in and of each group
// the sign-in adds. An account that is not a member is not enrolled: it
// joins by accepting an invitation, as its owner consents to.
func (s *Service) ssoSignIn(ctx context.Context, c domain.SSOConfig, email, name string, idpGroups []string, cl Client,
	refuse func(reason, email string) error) (SSOSignIn, error) {
	o, err := s.engine.Org(c.Org)
	if errors.Is(err, authz.ErrUnknownOrg) {
		return SSOSignIn{}, ssoRefusal("the organization does not exist")
	}
	if err != nil {
		return SSOSignIn{}, err
	}
	sc, _ := scheme.Get(o.SchemeID())
	setter, err := domain.ParseSubject(c.ConfiguredBy)
	if err != nil {
		return SSOSignIn{}, refuse("the configuration names no valid setter", email)
	}
	var user domain.UserRecord
	var existing bool
	var current []domain.Membership
	var held []domain.Grant // hers and her groups'
	err = s.view(ctx, func(r store.Reader) error {
		u, err := r.GetUserByEmail(email)
		if err != nil {
			return err
		}
		user, existing = u, true
		if current, err = r.ListGroupsOfUser(c.Org, u.ID); err != nil {
			return err
		}
		held, err = s.grantsReaching(r, c.Org, u.ID)
		return err
	})
	if err != nil && fault.CodeOf(err) != fault.NotFound {
		return SSOSignIn{}, err
	}
	role, member := "", false
	if existing {
		role, member = o.MemberRole(user.ID)
		member = member && o.Active(domain.UserSubject(user.ID).String(), s.now().UnixNano())
		if _, in := o.MemberRole(user.ID); in && !member {
			return SSOSignIn{}, refuse("the membership has ended", email)
		}
	}
	if existing && !member {
		return SSOSignIn{}, refuse("an account with this email exists and is not a member: the organization invites it, and its owner accepts, before signing in through SSO", email)
	}
	joined := false
	if !member {
		at := strings.LastIndexByte(email, '@')
		if !slices.Contains(c.Domains, email[at+1:]) {
			return SSOSignIn{}, refuse("the email's domain is not one of the organization's SSO domains", email)
		}
		role, joined = c.DefaultRole, true
	}
	if role == sc.TopRole {
		// The top role is never handed out, so no IdP speaks for it: its
		// holder signs in with the password (the break-glass path).
		return SSOSignIn{}, refuse("the top role signs in with its password", email)
	}
	// The mapped groups as the IdP says now: add the missing, drop the
	// mapped ones it no longer lists; groups nobody maps are left alone.
	want := map[string]bool{}
	for idp, gid := range c.GroupMap {
		if slices.Contains(idpGroups, idp) && o.Active(domain.GroupSubject(gid).String(), s.now().UnixNano()) {
			want[gid] = true
		}
	}
	mapped := map[string]bool{}
	for _, gid := range c.GroupMap {
		mapped[gid] = true
	}
	have := map[string]bool{}
	for _, m := range current {
		have[m.Parent] = true
	}
	var add, drop []string
	for gid := range want {
		if !have[gid] {
			add = append(add, gid)
		}
	}
	for gid := range have {
		if mapped[gid] && !want[gid] {
			drop = append(drop, gid)
		}
	}
	slices.Sort(add)
	slices.Sort(drop)
	var ends []domain.Grant
	if err := s.view(ctx, func(r store.Reader) error {
		addMap := map[string]string{}
		for _, g := range add {
			addMap[g] = g
		}
		var err error
		ends, err = mappedGrants(r, c.Org, addMap)
		return err
	}); err != nil {
		return SSOSignIn{}, err
	}
	if err := s.authorize(o, sc, Actor{Subject: setter}, ActSSOSet, &Target{Role: role, Ends: append(ends, held...)}); err != nil {
		return SSOSignIn{}, refuse("the configuration's setter may no longer grant what this sign-in gives ("+err.Error()+")", email)
	}
	if !existing {
		if name == "" || validName("name", name) != nil {
			name = email[:strings.LastIndexByte(email, '@')]
		}
		user = domain.UserRecord{ID: credential.NewID("u_"), Email: email, Name: name, CreatedAt: s.now()}
	}
	if joined || len(add)+len(drop) > 0 {
		actor := Actor{Subject: domain.UserSubject(user.ID), RequestID: cl.RequestID}
		if _, err := s.write(ctx, actor, func(tx store.Tx) (*change, error) {
			var changes []domain.Change
			if !existing {
				if err := tx.CreateUser(user); err != nil {
					return nil, fault.E(fault.Conflict, "a user with email %s appeared meanwhile; sign in again", email)
				}
			}
			if joined {
				if err := s.checkSeat(tx, c.Org, 1); err != nil {
					return nil, err
				}
				m := domain.Member{Org: c.Org, UserID: user.ID, Role: role, JoinedAt: s.now()}
				if err := tx.PutMember(m); err != nil {
					return nil, err
				}
				changes = append(changes, domain.Change{Op: domain.OpPutMember, Member: &m})
			}
			for _, gid := range add {
				m := domain.Membership{Org: c.Org, Parent: gid, UserID: user.ID}
				if err := tx.PutGroupMember(m); err != nil {
					return nil, err
				}
				changes = append(changes, domain.Change{Op: domain.OpPutGroupMember, Membership: &m})
			}
			for _, gid := range drop {
				m := domain.Membership{Org: c.Org, Parent: gid, UserID: user.ID}
				if err := tx.DeleteGroupMember(c.Org, gid, user.ID); err != nil {
					return nil, err
				}
				changes = append(changes, domain.Change{Op: domain.OpDeleteGroupMember, Membership: &m})
			}
			after := map[string]any{"email": email, "joined": joined, "groups_added": add, "groups_removed": drop}
			if joined {
				after["role"] = role
			}
			return &change{org: c.Org, action: "sso.provision", target: "user:" + user.ID, after: after, changes: changes}, nil
		}); err != nil {
			return SSOSignIn{}, err
		}
	}
	token, err := s.openSSOSession(ctx, &user, c.Org, cl)
	if err != nil {
		return SSOSignIn{}, err
	}
	in := []string{}
	for gid := range want {
		in = append(in, gid)
	}
	slices.Sort(in)
	return SSOSignIn{Token: token, User: userView(user), Org: c.Org, Joined: joined, Groups: in}, nil
}

// openSSOSession opens a session bound to org, as openSession does for a
// password, and records the sign-in (method sso) in that org's log: the
// session acts nowhere else.
func (s *Service) openSSOSession(ctx context.Context, u *domain.UserRecord, org string, c Client) (string, error) {
	token, hash := credential.NewToken(credential.SessionPrefix)
	now := s.now()
	u.LastLoginAt = now
	sess := domain.Session{TokenHash: hash, ID: credential.NewID("ses_"), UserID: u.ID, CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.SessionTTL), LastUsedAt: now, ClientAddr: c.Addr, UserAgent: c.userAgent(), Org: org}
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.pruneSessions(tx, u.ID, org, now); err != nil {
			return err
		}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		if err := tx.UpdateUser(*u); err != nil {
			return err
		}
		ev := sessionEvent(sess, "")
		ev["method"] = "sso"
		return tx.AppendAudit(&domain.AuditEvent{Org: org, Actor: domain.UserSubject(u.ID).String(), Action: ssoLoginAudit,
			Target: "user:" + u.ID, After: marshal(ev), RequestID: c.RequestID})
	})
	if err != nil {
		return "", mapStoreErr(err)
	}
	return token, nil
}

// auditSSORefusal records a refused SSO sign-in in the org's log, with
// nobody as its actor: the person did not prove who they are.
func (s *Service) auditSSORefusal(ctx context.Context, org, reason, email string, c Client) {
	s.auditSSO(ctx, "sso.login_refused", org, reason, email, c)
}

// auditSSO records a sign-in event of the org's SSO with nobody as its
// actor: a refused person proved nothing here, and a barred password
// session acts for nobody here.
func (s *Service) auditSSO(ctx context.Context, action, org, reason, email string, c Client) {
	s.log.Warn("sso: "+action, "org", org, "reason", reason, "email", email, "client_address", c.Addr)
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		return tx.AppendAudit(&domain.AuditEvent{Org: org, Actor: "anonymous", Action: action, Target: "org:" + org,
			After:     marshal(map[string]any{"reason": reason, "email": email, "client_address": c.Addr, "user_agent": c.userAgent()}),
			RequestID: c.RequestID})
	})
	if err != nil {
		s.log.Error("audit an SSO event", "org", org, "action", action, "err", err)
	}
}

// passwordBarred refuses a password session in an org that enforces SSO
// unless its user holds the org's top role there: the top role is never
// given by SSO, so its holder keeps the password as the way in when the
// identity provider is down or misconfigured (break-glass). Enforcement is
// the org's own: the same session acts on in the person's other orgs, and
// a session opened through SSO, a key or a token is not a password's.
func (s *Service) passwordBarred(o *authz.Org, sc *scheme.Scheme, a Actor, org string) error {
	if a.SessionID == "" || a.SessionOrg != "" || a.IsToken() || a.IsKey() {
		return nil
	}
	if role, _ := o.MemberRole(a.UserID()); sc != nil && role == sc.TopRole {
		return nil
	}
	// Read on each request rather than cached: enforcement switched on
	// holds at once, on every replica.
	enforced := false
	err := s.view(context.Background(), func(r store.Reader) error {
		c, err := r.GetSSO(org)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		enforced = c.Enforce
		return err
	})
	if err != nil {
		return err
	}
	if enforced {
		return fault.E(fault.Forbidden, "organization %s signs its members in through SSO only: use \"Sign in with SSO\"", org)
	}
	return nil
}

// ssoEnforced refuses a password sign-in when every org of the person
// enforces SSO for them (passwordBarred): such a session could act
// nowhere. Otherwise the sign-in goes on and each enforcing org refuses
// the session on its own, so one org's setting never locks a person out of
// another. It runs after the password matched, so it tells nothing to who
// does not know it. Each enforcing org records the password sign-in: as a
// refusal, or (the sign-in went on elsewhere) as sso.password_barred.
func (s *Service) ssoEnforced(ctx context.Context, user domain.UserRecord, c Client) error {
	userID := user.ID
	var orgs []store.OrgRole
	var enforced []string
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		if orgs, err = r.ListOrgsOfUser(userID); err != nil {
			return err
		}
		for _, o := range orgs {
			sc, _ := scheme.Get(o.Org.Scheme)
			if sc != nil && o.Role == sc.TopRole {
				continue
			}
			cfg, err := r.GetSSO(o.Org.ID)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			if cfg.Enforce {
				enforced = append(enforced, o.Org.ID)
			}
		}
		return nil
	})
	if err != nil || len(enforced) == 0 {
		return err
	}
	all := len(enforced) == len(orgs)
	for _, org := range enforced {
		if all {
			s.auditSSORefusal(ctx, org, "password sign-in of a member while SSO is enforced", user.Email, c)
		} else {
			s.auditSSO(ctx, "sso.password_barred", org, "password sign-in of a member while SSO is enforced: the session does not act in this organization", user.Email, c)
		}
	}
	if !all {
		return nil
	}
	return fault.E(fault.Forbidden, "organization %s signs its members in through SSO only: use \"Sign in with SSO\"", enforced[0])
}
