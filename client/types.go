package client

import (
	"encoding/json"
	"time"
)

// User is a person as the server shows it.
type User struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Session is the answer to Login.
type Session struct {
	Token string `json:"token"`
	User  User   `json:"user"`
}

// Me is the caller and its organizations.
type Me struct {
	ID    string  `json:"id"`
	Email string  `json:"email"`
	Name  string  `json:"name"`
	Orgs  []MeOrg `json:"orgs"`
}

// MeOrg is one organization of the caller, with its role there.
type MeOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// Plan is an organization's subscription.
type Plan struct {
	Name      string `json:"name"`
	SeatLimit int    `json:"seat_limit"`
}

// Org is an organization.
type Org struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Scheme string `json:"scheme"`
	Plan   Plan   `json:"plan"`
	// PATMaxDays caps the lifetime of the org's personal access tokens, in
	// days; 0 is no cap of the org's own.
	PATMaxDays int   `json:"pat_max_days"`
	Revision   int64 `json:"revision"`
}

// Member is a row of the member list.
type Member struct {
	UserID      string     `json:"user_id"`
	Email       string     `json:"email"`
	Name        string     `json:"name"`
	Role        string     `json:"role"`
	LastLoginAt *time.Time `json:"last_login_at"`
	// ExpiresAt ends the membership; Expired says it has ended (no access,
	// no seat, until it is extended).
	ExpiresAt *time.Time `json:"expires_at"`
	Expired   bool       `json:"expired"`
	// DefaultRole is what each grant made with the default role (Role
	// "default") gives the member; "" is none.
	DefaultRole string `json:"default_role"`
	Revision    int64  `json:"revision,omitempty"`
}

// MemberDetail is the Member Access dialog: a member, its grants (own and
// through groups) and its effective roles by resource type.
type MemberDetail struct {
	Member
	Grants []Grant             `json:"grants"`
	Access map[string][]Access `json:"access"`
}

// Access is an effective role of a member on resources of one type. ID is
// a resource id, "*" for every resource of the type, or a scope.
type Access struct {
	ID    string `json:"id"`
	Role  string `json:"role"`
	Scope string `json:"scope"`
	Via   string `json:"via"`
	Grant string `json:"grant,omitempty"`
}

// InvitedGrant is a grant an invitation hands out when accepted.
type InvitedGrant struct {
	Role      string    `json:"role"`
	Scope     string    `json:"scope"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// InvitationRequest invites an email address.
type InvitationRequest struct {
	Email          string         `json:"email"`
	Role           string         `json:"role,omitempty"`
	Grants         []InvitedGrant `json:"grants,omitempty"`
	ExpiresInHours int            `json:"expires_in_hours,omitempty"`
	// MembershipExpiresAt ends the membership the invitation creates.
	MembershipExpiresAt *time.Time `json:"membership_expires_at,omitempty"`
}

// Invitation is a pending, accepted, revoked or expired invitation. Token
// is set only in the answer to CreateInvitation.
type Invitation struct {
	ID        string         `json:"id"`
	Email     string         `json:"email"`
	Role      string         `json:"role"`
	Grants    []InvitedGrant `json:"grants"`
	Status    string         `json:"status,omitempty"`
	InvitedBy string         `json:"invited_by,omitempty"`
	CreatedAt time.Time      `json:"created_at,omitzero"`
	ExpiresAt time.Time      `json:"expires_at"`
	// MembershipExpiresAt ends the membership the invitation creates.
	MembershipExpiresAt *time.Time `json:"membership_expires_at"`
	Token               string     `json:"token,omitempty"`
	Revision            int64      `json:"revision,omitempty"`
}

// AcceptRequest accepts an invitation: a new user gives Name and Password,
// an already registered one Email and Password.
type AcceptRequest struct {
	Token    string `json:"token"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Password string `json:"password"`
}

// Accepted is the new member and a session token for it.
type Accepted struct {
	UserID   string `json:"user_id"`
	Org      string `json:"org"`
	Token    string `json:"token"`
	Revision int64  `json:"revision,omitempty"`
}

// Billing is an organization's plan and billing contact.
type Billing struct {
	Plan         string `json:"plan"`
	SeatLimit    int    `json:"seat_limit"`
	SeatsUsed    int    `json:"seats_used,omitempty"`
	BillingEmail string `json:"billing_email"`
	Revision     int64  `json:"revision,omitempty"`
}

// Usage is what an organization uses against its plan.
type Usage struct {
	Plan struct {
		ID     string `json:"id"`
		Name   string `json:"name"`
		Listed bool   `json:"listed"` // false: a plan the server no longer offers
	} `json:"plan"`
	Items []UsageItem `json:"items"`
}

// UsageItem is one count; Limit and Left are nil when the plan sets none.
type UsageItem struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Used  int    `json:"used"`
	Limit *int   `json:"limit,omitempty"`
	Left  *int   `json:"left,omitempty"`
}

// PlanCatalog is the plans a server offers; Default is a new org's.
type PlanCatalog struct {
	Default string `json:"default"`
	Plans   []struct {
		ID     string         `json:"id"`
		Name   string         `json:"name"`
		Limits map[string]int `json:"limits"`
	} `json:"plans"`
}

// BillingUpdate changes the fields that are set.
type BillingUpdate struct {
	Plan         *string `json:"plan,omitempty"`
	SeatLimit    *int    `json:"seat_limit,omitempty"`
	BillingEmail *string `json:"billing_email,omitempty"`
}

// RolePermission is a permission of a role with its condition, if any
// (e.g. "own", "channel in (mobile)").
type RolePermission struct {
	ID        string `json:"id"`
	Condition string `json:"condition,omitempty"`
}

// Role is a built-in or custom role.
type Role struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	ScopeType   string           `json:"scope_type"`
	Permissions []RolePermission `json:"permissions"`
	Description string           `json:"description,omitempty"`
	Builtin     bool             `json:"builtin"`
	Revision    int64            `json:"revision,omitempty"`
}

// RoleRequest creates a custom role.
type RoleRequest struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	ScopeType   string           `json:"scope_type"`
	Permissions []RolePermission `json:"permissions"`
}

// Permission is an entry of a scheme's permission catalog.
type Permission struct {
	ID           string `json:"id"`
	ResourceType string `json:"resource_type"`
	Description  string `json:"description"`
	Category     string `json:"category,omitempty"`
}

// GrantRequest gives Subject ("user:ID", "group:ID", "key:ID") Role at
// Scope ("org", "TYPE:*", "TYPE:ID", "team:ID"), until ExpiresAt when set.
type GrantRequest struct {
	Subject   string     `json:"subject"`
	Role      string     `json:"role"`
	Scope     string     `json:"scope"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Grant is a role held at a scope.
type Grant struct {
	ID        string     `json:"id"`
	Subject   string     `json:"subject,omitempty"`
	Role      string     `json:"role"`
	Scope     string     `json:"scope"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedBy string     `json:"created_by,omitempty"`
	Via       string     `json:"via,omitempty"`
	Revision  int64      `json:"revision,omitempty"`
}

// GrantFilter narrows ListGrants.
type GrantFilter struct {
	Subject string
	Scope   string
}

// Team is an operation team; Group a group of users. Both are named sets
// of members.
type Team struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Members  []string `json:"members,omitempty"`
	Revision int64    `json:"revision,omitempty"`
}

// Group is a named set of users that holds grants.
type Group = Team

// ResourceRequest registers a resource (create or replace). Parent is
// "TYPE:ID"; Team a team id; Owner a user id (default: the caller).
type ResourceRequest struct {
	Name       string            `json:"name,omitempty"`
	Parent     string            `json:"parent,omitempty"`
	Team       string            `json:"team,omitempty"`
	Owner      string            `json:"owner,omitempty"`
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Resource is something the platform registered for protection.
type Resource struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Parent     string            `json:"parent"`
	Team       string            `json:"team"`
	Owner      string            `json:"owner"`
	Attributes map[string]string `json:"attributes"`
	CreatedAt  time.Time         `json:"created_at,omitzero"`
	Revision   int64             `json:"revision,omitempty"`
}

// Ref returns "TYPE:ID".
func (r Resource) Ref() string { return r.Type + ":" + r.ID }

// Reason names what allowed a decision (or, on a denial, the condition
// that failed).
type Reason struct {
	Grant     string `json:"grant,omitempty"`
	Role      string `json:"role,omitempty"`
	Scope     string `json:"scope,omitempty"`
	Via       string `json:"via,omitempty"`
	Condition string `json:"condition,omitempty"`
	// Approval, for a permission that needs approval, names the window
	// that allowed the check, or says that none covers it.
	Approval string `json:"approval,omitempty"`
}

// ResourceAccessEntry is one row of "who can access this resource".
type ResourceAccessEntry struct {
	Subject     string   `json:"subject"`
	Name        string   `json:"name,omitempty"`  // the member's, group's or key's name
	Email       string   `json:"email,omitempty"` // the member's email
	Role        string   `json:"role"`
	Via         Reason   `json:"via"`
	Permissions []string `json:"permissions"`
}

// CheckRequest asks one decision. Subject empty means the caller; Resource
// empty means the organization itself.
type CheckRequest struct {
	Subject         string        `json:"subject,omitempty"`
	Permission      string        `json:"permission"`
	Resource        string        `json:"resource,omitempty"`
	Context         *CheckContext `json:"context,omitempty"`
	AtLeastRevision int64         `json:"at_least_revision,omitempty"`
}

// CheckContext is the request's context for conditions.
type CheckContext struct {
	Channel string `json:"channel,omitempty"`
}

// CheckResult is one decision.
type CheckResult struct {
	Allowed  bool    `json:"allowed"`
	Revision int64   `json:"revision,omitempty"`
	Reason   *Reason `json:"reason,omitempty"`
}

// BatchCheckResult holds the decisions of a batch, in order.
type BatchCheckResult struct {
	Results  []CheckResult `json:"results"`
	Revision int64         `json:"revision"`
}

// LookupResourcesRequest asks which resources of Type Subject may act on.
type LookupResourcesRequest struct {
	Subject         string        `json:"subject,omitempty"`
	Permission      string        `json:"permission"`
	Type            string        `json:"type"`
	Context         *CheckContext `json:"context,omitempty"`
	Limit           int           `json:"limit,omitempty"`
	PageToken       string        `json:"page_token,omitempty"`
	AtLeastRevision int64         `json:"at_least_revision,omitempty"`
}

// ResourceIDs is one page of a resource lookup.
type ResourceIDs struct {
	Items         []string `json:"items"`
	NextPageToken string   `json:"next_page_token"`
	Revision      int64    `json:"revision"`
}

// LookupSubjectsRequest asks who may exercise Permission on Resource.
type LookupSubjectsRequest struct {
	Permission      string        `json:"permission"`
	Resource        string        `json:"resource,omitempty"`
	Context         *CheckContext `json:"context,omitempty"`
	AtLeastRevision int64         `json:"at_least_revision,omitempty"`
	Limit           int           `json:"limit,omitempty"`
	PageToken       string        `json:"page_token,omitempty"`
}

// SubjectAccess is a subject that may act, and through what.
type SubjectAccess struct {
	Subject string `json:"subject"`
	Name    string `json:"name,omitempty"`  // the member's or key's name
	Email   string `json:"email,omitempty"` // the member's email
	Via     Reason `json:"via"`
}

// KeyRequest creates a secret key holding Role at Scope (default "org").
type KeyRequest struct {
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	Scope     string     `json:"scope,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// TokenRequest makes a personal access token for one organization; a nil
// ExpiresAt takes the organization's cap (or 90 days where it sets none).
type TokenRequest struct {
	Name      string     `json:"name"`
	Org       string     `json:"org"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Token is a personal access token: its user, acting in one organization.
// Secret is set only in the answer to CreateToken.
type Token struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Org        string     `json:"org"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Expired    bool       `json:"expired"`
	Secret     string     `json:"secret,omitempty"`
	Revision   int64      `json:"revision,omitempty"`
}

// SCIMToken is an organization's SCIM provisioning token. Token is set
// only in the answer to CreateSCIMToken.
type SCIMToken struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Role       string     `json:"role"`
	Prefix     string     `json:"prefix"`
	CreatedBy  string     `json:"created_by"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Token      string     `json:"token,omitempty"`
	Revision   int64      `json:"revision,omitempty"`
}

// Key is a secret key. Secret is set only in the answers to CreateKey and
// RotateKey.
type Key struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Role       string     `json:"role,omitempty"`
	Scope      string     `json:"scope,omitempty"`
	Grants     []KeyGrant `json:"grants,omitempty"`
	Owner      string     `json:"owner,omitempty"`
	CreatedBy  string     `json:"created_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at,omitzero"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	Secret     string     `json:"secret,omitempty"`
	Revision   int64      `json:"revision,omitempty"`
}

// KeyGrant is one role a key holds at one scope. A key holds exactly its
// grants, bounded by its owner's current power.
type KeyGrant struct {
	ID    string `json:"id"`
	Role  string `json:"role"`
	Scope string `json:"scope"`
}

// AuditEvent is one entry of an organization's hash-chained audit log.
type AuditEvent struct {
	Seq       int64           `json:"seq"`
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	RequestID string          `json:"request_id"`
	Hash      string          `json:"hash"`
}

// AuditVerification is the result of recomputing the chain.
type AuditVerification struct {
	OK          bool   `json:"ok"`
	Events      int64  `json:"events"`
	FirstBadSeq int64  `json:"first_bad_seq,omitempty"`
	Reason      string `json:"reason,omitempty"` // what is wrong at FirstBadSeq
}

// Revision is the answer to a write that returns nothing else.
type Revision struct {
	Revision int64 `json:"revision"`
}
