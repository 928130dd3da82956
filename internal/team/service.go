// Package team holds Gatehouse's use cases: organizations, members,
// invitations, grants, roles, teams, groups, resources, keys, ownership,
// billing, sessions and the audit log.
//
// Every use case authorizes its actor through the decision engine, so the
// API, the CLI and the console share one set of rules. Every write is one
// store transaction that also appends its audit event and changelog entry;
// only after it commits does the engine apply the same changes.
package team

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/mailer"
	"github.com/gatehouse/gatehouse/internal/plan"
	"github.com/gatehouse/gatehouse/internal/replica"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Config sets up a Service.
type Config struct {
	Store store.Store
	// Engine is the index the service decides with and keeps up to date;
	// nil makes one on Now.
	Engine  *authz.Engine
	Mailer  mailer.Mailer
	Logger  *slog.Logger
	Now     func() time.Time
	BaseURL string // where the console is reached, for invitation links

	SessionTTL    time.Duration // absolute session lifetime, default 7 days
	SessionIdle   time.Duration // a session unused this long ends, default 12 hours
	InvitationTTL time.Duration // default 7 days
	ResetTTL      time.Duration // life of a password-reset link, default 30 minutes
	// Plans are the plans an org may be on and the limits each sets; nil
	// takes plan.Builtin(). A new org is on the catalog's default plan.
	Plans *plan.Catalog
	// DefaultSeatLimit is the seats of a new org, default 25, within its
	// plan's seats.
	DefaultSeatLimit int
	// Quotas bound what one caller can make, each answered with a 409
	// naming it: Quotas{} takes the defaults (DefaultQuotas).
	Quotas Quotas
	// LoginFailureLimit is how many failed sign-ins one address may make
	// on one account before each further attempt waits (1 s, doubling up
	// to 15 min), default 5. AddressFailureLimit is the same for one
	// address over every account, default 20. No limit is per account
	// alone: an attacker never locks the owner out from elsewhere.
	LoginFailureLimit   int
	AddressFailureLimit int
	// HashMemory is the memory budget, in bytes, of password hashes in
	// flight; with the core count it bounds how many run at once (default
	// DefaultHashMemory). HashWait is how long a sign-in waits for a turn
	// before 503, default 2 s.
	HashMemory int64
	HashWait   time.Duration
	// RevealInvitationTokens puts the invitation token in the answers to
	// creating and resending an invitation. Only for development: the
	// inviter could then accept in the invitee's place. New turns it on
	// with the log mailer (no SMTP), where the log shows the link anyway;
	// with a real mailer the token goes only to the invitee's mailbox.
	RevealInvitationTokens bool
	// PollInterval is how often the changelog is read when nothing wakes
	// the follower (writes of this process and database notifications do).
	PollInterval time.Duration // default 1s
	// ConsistencyWait bounds how long a request with at_least_revision
	// waits for this process to apply that revision before answering 503.
	ConsistencyWait time.Duration // default 2s
	// ChangelogRetention is how many revisions of changelog to keep for
	// replicas that fall behind; 0 keeps everything.
	ChangelogRetention int64

	// SSOIssuerHosts, when set, are the only hosts an org's SSO may name
	// as its issuer and its identity provider's endpoints ("idp.example.com",
	// or "*.okta.com" for any host under okta.com): an operator's bound on
	// where tenants make the server connect and browsers go. Empty: any.
	SSOIssuerHosts []string

	// AuditKey verifies the audit chains; the store must seal with it.
	// Without it VerifyAudit answers 503.
	AuditKey *audit.Key
	// AuditCheckpoints, when set, holds VerifyAudit to the newest
	// checkpoint signed for each organization, so the newest events cannot
	// go missing unnoticed.
	AuditCheckpoints interface {
		Latest(org string) (audit.Checkpoint, bool)
	}
}

// Service runs the use cases.
type Service struct {
	cfg        Config
	store      store.Store
	engine     *authz.Engine
	log        *slog.Logger
	now        func() time.Time
	throttle   *throttle
	hashes     *hashGate
	replica    *replica.Replica
	keys       *keyCache
	tokenFails *failures // when each token's last failed use was audited

	resetQuota *quota
	resetSem   chan struct{}
	bg         sync.WaitGroup // reset mails in flight
	providers  providerCache  // identity providers discovered, by issuer
	ssoHTTP    *http.Client   // ssoClient of the issuer hosts
}

// New returns a Service. Call Load before serving.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Mailer == nil {
		cfg.Mailer = mailer.NewLog(cfg.Logger)
	}
	if _, ok := cfg.Mailer.(*mailer.Log); ok {
		cfg.RevealInvitationTokens = true
	}
	if cfg.SessionTTL == 0 {
		cfg.SessionTTL = 7 * 24 * time.Hour
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 12 * time.Hour
	}
	if cfg.ResetTTL == 0 {
		cfg.ResetTTL = 30 * time.Minute
	}
	if cfg.AddressFailureLimit == 0 {
		cfg.AddressFailureLimit = 20
	}
	if cfg.HashMemory == 0 {
		cfg.HashMemory = DefaultHashMemory
	}
	if cfg.HashWait == 0 {
		cfg.HashWait = 2 * time.Second
	}
	if cfg.InvitationTTL == 0 {
		cfg.InvitationTTL = 7 * 24 * time.Hour
	}
	if cfg.Plans == nil {
		cfg.Plans = plan.Builtin()
	}
	if cfg.DefaultSeatLimit == 0 {
		cfg.DefaultSeatLimit = 25
	}
	cfg.Quotas = cfg.Quotas.withDefaults()
	if cfg.LoginFailureLimit == 0 {
		cfg.LoginFailureLimit = 5
	}
	rep := replica.New(replica.Config{Store: cfg.Store, Engine: cfg.Engine, Logger: cfg.Logger,
		PollInterval: cfg.PollInterval, ConsistencyWait: cfg.ConsistencyWait, ChangelogRetention: cfg.ChangelogRetention})
	return &Service{ssoHTTP: ssoClient(cfg.SSOIssuerHosts), cfg: cfg, store: cfg.Store, engine: rep.Engine(), replica: rep, log: cfg.Logger, now: cfg.Now,
		throttle: newThrottle(cfg.LoginFailureLimit, cfg.AddressFailureLimit),
		hashes:   newHashGate(hashSlots(cfg.HashMemory), cfg.HashWait),
		keys:     newKeyCache(), tokenFails: newFailures(), resetQuota: newQuota(), resetSem: make(chan struct{}, resetBacklog)}
}

// Engine returns the decision engine the service keeps up to date.
func (s *Service) Engine() *authz.Engine { return s.engine }

// Now is the service's clock: what its expiries and idle times are judged
// against, and so what a page says "in 5 days" against.
func (s *Service) Now() time.Time { return s.now() }

// Load builds the engine's index of every organization from the store and
// starts following the changelog (package replica).
func (s *Service) Load(ctx context.Context) error {
	// The management policy names permissions every scheme must have.
	for _, id := range scheme.Names() {
		sc, _ := scheme.Get(id)
		if err := ValidateScheme(sc); err != nil {
			return err
		}
	}
	return s.replica.Load(ctx)
}

// Close stops following the changelog and waits for reset mails in flight.
func (s *Service) Close() {
	s.replica.Close()
	s.bg.Wait()
}

// Ready reports whether the store answers, with its newest revision: what
// a load balancer asks before sending this server traffic.
func (s *Service) Ready(ctx context.Context) (revision int64, err error) {
	return s.replica.Ready(ctx)
}

// HashSlots is how many password hashes this service runs at once.
func (s *Service) HashSlots() int { return cap(s.hashes.slots) }

// Actor is who performs a use case: a logged-in user or a secret key.
type Actor struct {
	Subject   domain.Subject // user:ID or key:ID
	KeyOrg    string         // for keys: the only org they act in
	RequestID string
	SessionID string // for users: the session the request came with
	session   []byte // its token hash, for "every session but this one"
	// PATID is set when the user acts through a personal access token,
	// and PATOrg is then the only org it acts in.
	PATID  string
	PATOrg string
	// SessionOrg is set when the session was opened through an org's
	// identity provider: that IdP vouches for the person in that org alone.
	SessionOrg string
	// SCIMTokenID is set when the user acts through a SCIM token they made
	// (PATOrg is then the token's org), and SCIMRole is the org role that
	// token provisions users with. A SCIM token is a token: everything a
	// personal access token may not do, it may not do either.
	SCIMTokenID string
	SCIMRole    string
}

// IsToken reports whether the actor is a user acting through a personal
// access token or a SCIM token.
func (a Actor) IsToken() bool { return a.PATID != "" || a.SCIMTokenID != "" }

// IsKey reports whether the actor is a secret key.
func (a Actor) IsKey() bool { return a.Subject.Kind == domain.SubjectKey }

// UserID is the actor's user id, or "" for a key.
func (a Actor) UserID() string {
	if a.Subject.Kind == domain.SubjectUser {
		return a.Subject.ID
	}
	return ""
}

// org returns the engine index of an org the actor may see: a key sees only
// its own org, a user only orgs where it is an active member. Anything
// else is NotFound, never Forbidden: existence must not leak across tenants.
func (s *Service) org(a Actor, id string) (*authz.Org, *scheme.Scheme, error) {
	if a.IsKey() && a.KeyOrg != id || a.IsToken() && a.PATOrg != id || a.SessionOrg != "" && a.SessionOrg != id {
		return nil, nil, notFound("organization", id)
	}
	o, err := s.engine.Org(id)
	if errors.Is(err, authz.ErrUnknownOrg) {
		return nil, nil, notFound("organization", id)
	}
	if err != nil {
		return nil, nil, err
	}
	sc, _ := scheme.Get(o.SchemeID())
	if a.IsKey() {
		// A key belongs to its org and sees it whatever the scope of its
		// grant: a key scoped to one dataset still asks about itself.
		if !o.Active(a.Subject.String(), s.now().UnixNano()) {
			return nil, nil, notFound("organization", id)
		}
		return o, sc, nil
	}
	d, err := o.Check(&authz.Request{Subject: a.Subject.String(), Permission: orgViewPermission, Now: s.now().UnixNano()})
	if err != nil || !d.Allowed {
		return nil, nil, notFound("organization", id)
	}
	if err := s.passwordBarred(o, sc, a, id); err != nil {
		return nil, nil, err
	}
	return o, sc, nil
}

// allowed reports whether the actor holds perm on resource ("" = the org).
func (s *Service) allowed(o *authz.Org, a Actor, perm, resource string) bool {
	d, err := o.Check(&authz.Request{Subject: a.Subject.String(), Permission: perm, Resource: resource, Now: s.now().UnixNano()})
	return err == nil && d.Allowed
}

// change is what one write did: the audit event and the engine changes.
type change struct {
	org     string
	scheme  string // for the first change of a new org
	action  string
	target  string
	before  any
	after   any
	changes []domain.Change
}

// write runs fn in one transaction, appends the audit event and changelog
// fn describes and commits. The engine learns the change from the
// changelog, like every replica does, and write returns once this
// process has applied it: callers read their own writes.
func (s *Service) write(ctx context.Context, a Actor, fn func(tx store.Tx) (*change, error)) (int64, error) {
	rev, err := s.store.Update(ctx, func(tx store.Tx) error {
		c, err := fn(tx)
		if err != nil || c == nil {
			return err
		}
		ev := &domain.AuditEvent{Org: c.org, Actor: a.Subject.String(), Action: c.action, Target: c.target,
			Before: marshal(c.before), After: marshal(c.after), RequestID: a.RequestID}
		if err := tx.AppendAudit(ev); err != nil {
			return err
		}
		if len(c.changes) > 0 {
			return tx.AppendChanges(c.org, c.changes)
		}
		return nil
	})
	if err != nil {
		return 0, mapStoreErr(err)
	}
	s.replica.Committed(ctx, rev)
	return rev, nil
}

// view runs a read-only transaction.
func (s *Service) view(ctx context.Context, fn func(r store.Reader) error) error {
	return mapStoreErr(s.store.View(ctx, fn))
}

func marshal(v any) []byte {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

func mapStoreErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		if _, ok := fault.As(err); ok {
			return err
		}
		return fault.Wrap(fault.NotFound, err)
	case errors.Is(err, store.ErrConflict):
		if _, ok := fault.As(err); ok {
			return err
		}
		return fault.Wrap(fault.Conflict, err)
	}
	return err
}

func notFound(what, id string) error { return fault.E(fault.NotFound, "%s %q not found", what, id) }
