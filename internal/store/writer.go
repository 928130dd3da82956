package store

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// The write side of the contract, one interface per aggregate like the
// read side; Tx composes them all. The rules of Tx (ErrNotFound for a
// missing organization, a failed write failing the rest) hold for each.

// OrgWriter writes organizations.
type OrgWriter interface {
	CreateOrg(o domain.Org) error // ErrConflict if the id is taken
	UpdateOrg(o domain.Org) error // name, plan, billing email and token lifetime cap
}

// UserWriter writes accounts.
type UserWriter interface {
	CreateUser(u domain.UserRecord) error // ErrConflict if the id or email is taken
	UpdateUser(u domain.UserRecord) error // name, password hash and last login
}

// MemberWriter writes memberships.
type MemberWriter interface {
	PutMember(m domain.Member) error // insert, or change the role of an existing member
	// DeleteMember removes the membership only: the user's grants, team
	// and group memberships and sessions are the caller's to remove.
	DeleteMember(org, userID string) error
}

// GrantWriter writes grants.
type GrantWriter interface {
	PutGrant(g domain.Grant) error
	DeleteGrant(org, id string) error
	DeleteGrantsOfSubject(org string, s domain.Subject) ([]domain.Grant, error)
}

// ResourceWriter writes the resource tree.
type ResourceWriter interface {
	// PutResource creates or replaces a resource, keeping its creation time.
	// Its parent must exist (ErrNotFound otherwise).
	PutResource(r domain.Resource) error
	// DeleteResource deletes a resource and all its descendants and returns
	// the ref of each, the resource itself first.
	DeleteResource(org string, ref domain.Ref) ([]domain.Ref, error)
}

// TeamWriter writes teams, groups and their memberships.
type TeamWriter interface {
	CreateTeam(t domain.Team) error  // ErrConflict if the id is taken
	UpdateTeam(t domain.Team) error  // name
	DeleteTeam(org, id string) error // and its memberships
	PutTeamMember(m domain.Membership) error
	DeleteTeamMember(org, teamID, userID string) error
	CreateGroup(g domain.Group) error
	UpdateGroup(g domain.Group) error
	DeleteGroup(org, id string) error
	PutGroupMember(m domain.Membership) error
	DeleteGroupMember(org, groupID, userID string) error
}

// RoleWriter writes custom roles.
type RoleWriter interface {
	PutRole(r domain.Role) error // create or replace a custom role
	DeleteRole(org, id string) error
}

// KeyWriter writes secret keys. Their use is recorded apart, by
// Store.TouchKey, so that it takes no revision.
type KeyWriter interface {
	PutKey(k domain.KeyRecord) error // create or replace; ErrConflict if the hash is another key's
}

// InvitationWriter writes invitations.
type InvitationWriter interface {
	PutInvitation(i domain.Invitation) error // create or replace
}

// SessionWriter writes sessions and password-reset tokens.
type SessionWriter interface {
	PutSession(s domain.Session) error // create or replace; ErrConflict if the id is another session's
	DeleteSession(tokenHash []byte) error
	// DeleteSessionsOfUser deletes the user's sessions but the one whose
	// token hashes to keep (nil keeps none) and says how many went.
	DeleteSessionsOfUser(userID string, keep []byte) (int, error)

	PutPasswordReset(r domain.PasswordReset) error
	// DeletePasswordResetsOfUser ends every reset token of the user (one
	// was used, or the password changed another way).
	DeletePasswordResetsOfUser(userID string) error
}

// TokenWriter writes personal access tokens. Their use is recorded apart,
// by Store.TouchToken.
type TokenWriter interface {
	// PutToken creates a token: ErrConflict if its id or hash is taken,
	// ErrNotFound if its user is no member of its org.
	PutToken(t domain.PersonalToken) error
	DeleteToken(id string) error
}

// SCIMWriter writes SCIM tokens and SCIM records. A token's use is
// recorded apart, by Store.TouchSCIMToken.
type SCIMWriter interface {
	// PutSCIMToken creates a token: ErrConflict if its id or hash is
	// taken, ErrNotFound if its maker is no member of its org.
	PutSCIMToken(t domain.SCIMToken) error
	DeleteSCIMToken(id string) error
	// SetSCIMUser and SetSCIMGroup set the record of a member or group:
	// ErrNotFound if there is none.
	SetSCIMUser(org, userID string, r domain.SCIMRecord) error
	SetSCIMGroup(org, groupID string, r domain.SCIMRecord) error
}

// AuditWriter extends the audit chains.
type AuditWriter interface {
	// AppendAudit adds e to its organization's chain: it sets e.Seq, e.At
	// (now, when zero; always truncated to the microsecond) and, through the
	// Sealer, e.PrevHash and e.Hash.
	AppendAudit(e *domain.AuditEvent) error
	// ResealAudit sets the PrevHash, Hash and Scheme of the stored event
	// (e.Org, e.Seq), which must still have the unkeyed scheme: the one
	// change an event ever undergoes, when an old chain is keyed.
	// ErrNotFound if there is no such event under the unkeyed scheme.
	ResealAudit(e domain.AuditEvent) error
	// SetAuditKey records, once, the key the chains are keyed with;
	// ErrConflict if one is recorded already.
	SetAuditKey(keyID string, at time.Time) error
}

// ChangelogWriter records what a transaction changed, for followers.
type ChangelogWriter interface {
	// AppendChanges records changes of org under this transaction's
	// revision. Several calls for one org concatenate.
	AppendChanges(org string, changes []domain.Change) error
}

// ReviewWriter writes access reviews. A review's items are written once,
// when it opens, and then only their decision and outcome change.
type ReviewWriter interface {
	PutReview(r domain.Review) error // create or replace; its org must exist
	// PutReviewItem creates or replaces an item; its review must exist
	// (ErrNotFound otherwise).
	PutReviewItem(i domain.ReviewItem) error
	// AppendReviewDecision records a decision as taken and sets d.Seq; the
	// item's current decision is the caller's to put.
	AppendReviewDecision(d *domain.ReviewDecision) error
}

// ApprovalWriter writes approval gates and windows. A window is never
// deleted: ending it early puts it again with EndedAt set.
type ApprovalWriter interface {
	PutGate(g domain.Gate) error             // create or replace; its org must exist
	DeleteGate(org, permission string) error // ErrNotFound if there is none
	PutApproval(a domain.Approval) error     // create or replace; its org must exist
}
