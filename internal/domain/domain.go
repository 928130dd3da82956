// Package domain holds the types every layer of Gatehouse speaks: organizations,
// users, members, grants, resources, teams, groups, keys, invitations and the
// changes that move an organization from one revision to the next.
//
// It has no behaviour beyond parsing and formatting its own values, so the
// engine, the stores and the HTTP layer can share it without depending on
// each other.
package domain

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// SubjectKind is who can hold a grant.
type SubjectKind uint8

const (
	SubjectUser SubjectKind = iota + 1
	SubjectGroup
	SubjectKey
)

func (k SubjectKind) String() string {
	switch k {
	case SubjectUser:
		return "user"
	case SubjectGroup:
		return "group"
	case SubjectKey:
		return "key"
	}
	return "invalid"
}

// Subject is written "user:ID", "group:ID" or "key:ID".
type Subject struct {
	Kind SubjectKind
	ID   string
}

func UserSubject(id string) Subject  { return Subject{SubjectUser, id} }
func GroupSubject(id string) Subject { return Subject{SubjectGroup, id} }
func KeySubject(id string) Subject   { return Subject{SubjectKey, id} }

func (s Subject) String() string { return s.Kind.String() + ":" + s.ID }
func (s Subject) IsZero() bool   { return s.Kind == 0 }

// ParseSubject reads "user:ID", "group:ID" or "key:ID".
func ParseSubject(s string) (Subject, error) {
	kind, id, ok := strings.Cut(s, ":")
	if !ok || !validID(id) {
		return Subject{}, fmt.Errorf("subject %q: want user:ID, group:ID or key:ID", s)
	}
	switch kind {
	case "user":
		return UserSubject(id), nil
	case "group":
		return GroupSubject(id), nil
	case "key":
		return KeySubject(id), nil
	}
	return Subject{}, fmt.Errorf("subject %q: unknown kind %q (want user, group or key)", s, kind)
}

// ScopeKind is where a grant applies.
type ScopeKind uint8

const (
	ScopeOrg      ScopeKind = iota + 1 // the whole organization
	ScopeType                          // TYPE:*, every resource of a type and their children
	ScopeResource                      // TYPE:ID, one resource and its children
	ScopeTeam                          // team:ID, resources attached to a team
)

// Scope is written "org", "TYPE:*", "TYPE:ID" or "team:ID".
type Scope struct {
	Kind ScopeKind
	Type string // resource type for ScopeType and ScopeResource
	ID   string // resource id for ScopeResource, team id for ScopeTeam
}

func OrgScope() Scope                    { return Scope{Kind: ScopeOrg} }
func TypeScope(typ string) Scope         { return Scope{Kind: ScopeType, Type: typ} }
func ResourceScope(typ, id string) Scope { return Scope{Kind: ScopeResource, Type: typ, ID: id} }
func TeamScope(id string) Scope          { return Scope{Kind: ScopeTeam, ID: id} }

func (s Scope) String() string {
	switch s.Kind {
	case ScopeOrg:
		return "org"
	case ScopeType:
		return s.Type + ":*"
	case ScopeResource:
		return s.Type + ":" + s.ID
	case ScopeTeam:
		return "team:" + s.ID
	}
	return ""
}

// ParseScope reads "org", "TYPE:*", "TYPE:ID" or "team:ID". Whether TYPE exists
// is the scheme's question, not this function's.
func ParseScope(s string) (Scope, error) {
	if s == "org" {
		return OrgScope(), nil
	}
	typ, id, ok := strings.Cut(s, ":")
	if !ok || !validName(typ) {
		return Scope{}, fmt.Errorf("scope %q: want org, TYPE:*, TYPE:ID or team:ID", s)
	}
	switch {
	case typ == "team" && validID(id):
		return TeamScope(id), nil
	case typ == "team":
		return Scope{}, fmt.Errorf("scope %q: want team:ID", s)
	case id == "*":
		return TypeScope(typ), nil
	case validID(id):
		return ResourceScope(typ, id), nil
	}
	return Scope{}, fmt.Errorf("scope %q: invalid id %q", s, id)
}

// Ref names one resource, "TYPE:ID".
type Ref struct {
	Type string
	ID   string
}

func (r Ref) String() string {
	if r.Type == "" {
		return ""
	}
	return r.Type + ":" + r.ID
}
func (r Ref) IsZero() bool { return r.Type == "" && r.ID == "" }

// ParseRef reads "TYPE:ID".
func ParseRef(s string) (Ref, error) {
	typ, id, ok := strings.Cut(s, ":")
	if !ok || !validName(typ) || !validID(id) || typ == "team" {
		return Ref{}, fmt.Errorf("resource %q: want TYPE:ID", s)
	}
	return Ref{Type: typ, ID: id}, nil
}

var (
	nameRE  = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	idRE    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.\-@]{0,199}$`)
	orgIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
)

func validName(s string) bool { return nameRE.MatchString(s) }
func validID(s string) bool   { return idRE.MatchString(s) }

// ValidID reports whether s may name a resource, team, group or user.
func ValidID(s string) bool { return validID(s) }

// ValidTypeName reports whether s may name a resource type.
func ValidTypeName(s string) bool { return validName(s) }

// ValidOrgID reports whether s is a well-formed organization id.
func ValidOrgID(s string) bool { return orgIDRE.MatchString(s) }

// Plan is an organization's subscription.
type Plan struct {
	Name      string `json:"name"`
	SeatLimit int    `json:"seat_limit"`
}

// Org is a tenant.
type Org struct {
	ID           string
	Name         string
	Scheme       string
	Plan         Plan
	BillingEmail string
	CreatedAt    time.Time
	// PATMaxDays caps the lifetime of the personal access tokens made for
	// this org, in days; 0 is no cap.
	PATMaxDays int
}

// UserRecord is a person. PasswordHash is a PHC string; it never leaves the server.
type UserRecord struct {
	ID           string
	Email        string
	Name         string
	PasswordHash string
	CreatedAt    time.Time
	LastLoginAt  time.Time // zero when never
}

// Member is a user in an organization with exactly one org-level role.
type Member struct {
	Org       string
	UserID    string
	Role      string
	JoinedAt  time.Time
	ExpiresAt time.Time // zero: the membership does not end
	// DefaultRole is the role a grant made with DefaultRole gives this
	// member at its scope, directly or through a group ("": none, so such
	// a grant gives them nothing).
	DefaultRole string
}

// Alias is an external id a member is known by (an IdP subject, an email,
// a user name); it names one member of its organization.
type Alias struct {
	Org    string `json:"org"`
	UserID string `json:"user_id"`
	Alias  string `json:"alias"`
}

// Expired reports whether the membership has ended at now: the member holds
// no access and no seat from then on, until it is extended.
func (m Member) Expired(now time.Time) bool {
	return !m.ExpiresAt.IsZero() && !now.Before(m.ExpiresAt)
}

// DefaultRole, as a grant's role, means "with the member's default role"
// (Labelbox's per-user Default role, which group and manual project
// assignment inherit): each member the grant reaches holds their own
// Member.DefaultRole at its scope. No scheme or custom role may use the id.
const DefaultRole = "default"

// Grant gives a subject a role at a scope, until ExpiresAt when set.
type Grant struct {
	ID        string
	Org       string
	Subject   Subject
	Role      string
	Scope     Scope
	ExpiresAt time.Time // zero: never
	CreatedBy string    // subject string of the granter
	CreatedAt time.Time
}

// Expired reports whether the grant no longer applies at now.
func (g Grant) Expired(now time.Time) bool {
	return !g.ExpiresAt.IsZero() && !now.Before(g.ExpiresAt)
}

// Resource is something the platform registered for protection.
type Resource struct {
	Org        string
	Type       string
	ID         string
	Name       string
	Parent     Ref               // zero: a child of the organization
	Team       string            // team id, or empty
	Owner      string            // user id of the creator, or empty
	Attributes map[string]string // e.g. {"task": "rework"}
	CreatedAt  time.Time
}

// Ref returns the resource's "TYPE:ID".
func (r Resource) Ref() Ref { return Ref{Type: r.Type, ID: r.ID} }

// Team is a Deepomatic operation team.
type Team struct {
	Org  string
	ID   string
	Name string
}

// Group is a Labelbox-style group of users.
type Group struct {
	Org  string
	ID   string
	Name string
}

// Membership of a user in a team or group.
type Membership struct {
	Org    string
	Parent string // team or group id
	UserID string
}

// RolePermission is one permission of a role, with an optional condition in
// the condition language of package scheme (e.g. "own or task in (rework)").
type RolePermission struct {
	ID        string `json:"id" yaml:"id"`
	Condition string `json:"condition,omitempty" yaml:"condition,omitempty"`
}

// Role is a named set of permissions of one scheme. Custom roles are stored
// per organization; built-in ones come from the scheme file.
type Role struct {
	Org         string // empty for built-in roles
	ID          string
	Name        string
	Description string   `json:",omitempty"`
	ScopeType   string   // "org", "team" or a resource type
	AlsoAt      []string // further scope types it may be granted at (Labelbox project-based roles)
	Permissions []RolePermission
	Builtin     bool
}

// KeyRecord is a secret API key. Only hashes of secrets are kept.
type KeyRecord struct {
	Org       string
	ID        string
	Name      string
	Prefix    string // the first characters of the secret, shown in lists
	Hash      []byte // SHA-256 of the current secret
	PrevHash  []byte // SHA-256 of the secret before the last rotation
	PrevUntil time.Time
	CreatedBy string // the subject that made it: "user:ID" or "key:ID"
	// Owner is the user id of the member whose power bounds the key's: its
	// effective power is its grants intersected with the owner's.
	Owner      string
	CreatedAt  time.Time
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time
	RevokedAt  time.Time // zero: live
}

// Invitation asks an email address to join an organization.
type Invitation struct {
	Org        string
	ID         string
	Email      string
	Role       string
	Grants     []InvitedGrant
	TokenHash  []byte
	InvitedBy  string // user id
	CreatedAt  time.Time
	ExpiresAt  time.Time
	AcceptedAt time.Time
	RevokedAt  time.Time
	// MembershipExpiresAt ends the membership the invitation creates (zero:
	// it does not end); ExpiresAt ends the invitation itself.
	MembershipExpiresAt time.Time
}

// InvitedGrant is a grant an invitation hands out on acceptance.
type InvitedGrant struct {
	Role      string    `json:"role"`
	Scope     string    `json:"scope"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: never (a contractor's access ends here)
}

// Pending reports whether the invitation can still be accepted at now.
func (i Invitation) Pending(now time.Time) bool {
	return i.AcceptedAt.IsZero() && i.RevokedAt.IsZero() && now.Before(i.ExpiresAt)
}

// Session is a logged-in user's token, stored only as a hash. ID names it
// in lists and in the audit log; unlike the hash it is no key to the token.
type Session struct {
	TokenHash  []byte
	ID         string // "ses_…"
	UserID     string
	CreatedAt  time.Time
	ExpiresAt  time.Time // the absolute end
	LastUsedAt time.Time // for the idle timeout; kept up to date about once a minute
	ClientAddr string    // where it was opened from
	UserAgent  string
	// Org is set for a session opened through an org's identity provider:
	// it acts in that org alone. "" (a password session) acts in every org
	// of its user.
	Org string
}

// PersonalToken is a user's personal access token for one organization,
// stored only as the hash of its secret. It holds no grants: it acts as its
// user in Org, with whatever that user holds there at each request.
type PersonalToken struct {
	ID         string // "pat_…"
	Org        string
	UserID     string
	Name       string
	Prefix     string // the first characters of the secret, shown in lists
	Hash       []byte // SHA-256 of the secret
	CreatedAt  time.Time
	ExpiresAt  time.Time // always set: tokens end
	LastUsedAt time.Time
}

// SCIMToken is an organization's bearer secret for its identity provider's
// SCIM provisioning, stored only as the hash of its secret. Like a personal
// access token it holds no grants: it acts as CreatedBy in Org, with what
// that user holds at each request, and only on the SCIM endpoints. Role is
// the org role the users it provisions get.
type SCIMToken struct {
	ID         string // "scim_…"
	Org        string
	CreatedBy  string // user id
	Name       string
	Prefix     string // the first characters of the secret, shown in lists
	Hash       []byte // SHA-256 of the secret
	Role       string
	CreatedAt  time.Time
	LastUsedAt time.Time
}

// SCIMRecord is what an organization's identity provider says of one of
// its members or groups beyond what Gatehouse models: the externalId, and
// the other attributes as a JSON object. It is the org's own, never the
// account's, which other organizations share.
type SCIMRecord struct {
	ExternalID string
	Attributes []byte // a JSON object
}

// PasswordReset is a one-time token that sets a user's password, stored
// only as a hash.
type PasswordReset struct {
	TokenHash []byte
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// AuditEvent records one change. Events of an organization form a hash chain.
type AuditEvent struct {
	Org       string
	Seq       int64
	At        time.Time
	Actor     string // subject string
	Action    string // e.g. "grant.create"
	Target    string
	Before    []byte // JSON, or nil
	After     []byte // JSON, or nil
	RequestID string
	PrevHash  string
	Hash      string
	// Scheme says how Hash was made: AuditSchemeHMAC for every event
	// sealed since audit keys, AuditSchemeSHA256 for an event of an old
	// database not yet resealed.
	Scheme int
}

// Audit chain schemes, as recorded on each event.
const (
	AuditSchemeSHA256 = 1 // unkeyed SHA-256: anyone with the database could recompute it
	AuditSchemeHMAC   = 2 // HMAC-SHA256 under a key kept outside the database
)

// SSOConfig is an organization's OIDC sign-in: the identity provider it
// trusts and what a sign-in through it may give. The client secret is kept
// only sealed with the server's key (SecretSealed); nothing returns it.
type SSOConfig struct {
	Org          string
	Issuer       string
	ClientID     string
	SecretSealed []byte
	Domains      []string          // email domains a new person may join from
	DefaultRole  string            // the org role of a person joining through SSO
	GroupsClaim  string            // the ID token claim listing the person's IdP groups
	GroupMap     map[string]string // IdP group -> Gatehouse group id
	Enforce      bool              // members sign in only through SSO (the top role keeps its password)
	// ConfiguredBy is who last set it: each sign-in is judged as that
	// subject handing out what it gives, as an invitation is for its inviter.
	ConfiguredBy string
	UpdatedAt    time.Time
}

// SSOFlow is one SSO sign-in between its start and its callback, found by
// the hash of its state and used once.
type SSOFlow struct {
	StateHash []byte
	Org       string
	Nonce     string
	Verifier  string // the PKCE code verifier
	ExpiresAt time.Time
}
