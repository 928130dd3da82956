package store

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// The read side of the contract, one interface per aggregate, so that code
// reading one kind of record can say so. Reader composes them all.

// OrgReader reads organizations.
type OrgReader interface {
	GetOrg(id string) (domain.Org, error)
	ListOrgIDs() ([]string, error)
	ListOrgsOfUser(userID string) ([]OrgRole, error) // ordered by org id
}

// UserReader reads accounts, which belong to no organization.
type UserReader interface {
	GetUser(id string) (domain.UserRecord, error)
	GetUserByEmail(email string) (domain.UserRecord, error) // case-insensitive
}

// MemberReader reads an organization's memberships.
type MemberReader interface {
	GetMember(org, userID string) (domain.Member, error)
	ListMembers(org, after string, limit int) (members []domain.Member, next string, err error) // by user id
	CountMembers(org string) (int, error)
	// FindMembers pages the members that pass q in its order. By user id
	// the cursor is the last user id (as ListMembers'); in any other order
	// it is the count of members already returned, so a page may repeat or
	// skip a member whose row changed in between.
	FindMembers(org string, q MemberQuery, after string, limit int) (members []domain.Member, next string, err error)
	CountFoundMembers(org string, q MemberQuery) (int, error)
}

// GrantReader reads grants.
type GrantReader interface {
	GetGrant(org, id string) (domain.Grant, error)
	ListGrants(org string, filter GrantFilter, after string, limit int) (grants []domain.Grant, next string, err error) // by id
}

// ResourceReader reads the resource tree.
type ResourceReader interface {
	GetResource(org string, ref domain.Ref) (domain.Resource, error)
	// ListResources lists resources of type typ by id, or of every type by
	// (type, id) when typ is "".
	ListResources(org, typ, after string, limit int) (resources []domain.Resource, next string, err error)
	// CountResources counts an org's resources by type; a type with none
	// is absent.
	CountResources(org string) (map[string]int, error)
}

// TeamReader reads teams and groups and who is in them. The two are one
// aggregate here: both are named sets of members, differing only in what
// their grants mean.
type TeamReader interface {
	GetTeam(org, id string) (domain.Team, error)
	ListTeams(org string) ([]domain.Team, error)                     // creation order
	ListTeamMembers(org, teamID string) ([]domain.Membership, error) // by user id
	ListTeamsOfUser(org, userID string) ([]domain.Membership, error) // by team id
	GetGroup(org, id string) (domain.Group, error)
	ListGroups(org string) ([]domain.Group, error)                     // creation order
	ListGroupMembers(org, groupID string) ([]domain.Membership, error) // by user id
	ListGroupsOfUser(org, userID string) ([]domain.Membership, error)  // by group id
}

// RoleReader reads custom roles.
type RoleReader interface {
	GetRole(org, id string) (domain.Role, error)
	ListRoles(org string) ([]domain.Role, error) // custom roles, creation order
}

// KeyReader reads secret keys.
type KeyReader interface {
	GetKey(org, id string) (domain.KeyRecord, error)
	// GetKeyByHash finds the key whose current secret hashes to hash, or
	// whose previous secret does while its rotation overlap lasts
	// (PrevUntil after now); viaPrevious tells which. Revoked and expired
	// keys are returned too: judging them is the caller's job.
	GetKeyByHash(hash []byte, now time.Time) (key domain.KeyRecord, viaPrevious bool, err error)
	// ListKeys pages the keys that pass filter in creation order; after is
	// the id of the last key of the previous page ("" for the first), and
	// next the after of the next page ("" on the last). limit <= 0 means all.
	ListKeys(org string, filter KeyFilter, after string, limit int) (keys []domain.KeyRecord, next string, err error)
	CountKeys(org string, filter KeyFilter) (int, error)
}

// InvitationReader reads invitations.
type InvitationReader interface {
	GetInvitation(org, id string) (domain.Invitation, error)
	GetInvitationByTokenHash(hash []byte) (domain.Invitation, error)
	ListInvitations(org string) ([]domain.Invitation, error) // creation order
	CountPendingInvitations(org string, now time.Time) (int, error)
}

// SessionReader reads sign-in sessions and password-reset tokens: both are
// bearer secrets of a user, found by the hash of the token.
type SessionReader interface {
	GetSession(tokenHash []byte) (domain.Session, error)
	ListSessionsOfUser(userID string) ([]domain.Session, error) // creation order
	GetPasswordReset(tokenHash []byte) (domain.PasswordReset, error)
}

// TokenReader reads personal access tokens.
type TokenReader interface {
	GetToken(id string) (domain.PersonalToken, error)
	GetTokenByHash(hash []byte) (domain.PersonalToken, error)
	ListTokensOfUser(userID string) ([]domain.PersonalToken, error) // creation order
}

// SCIMReader reads SCIM tokens and what an identity provider said of
// members and groups.
type SCIMReader interface {
	GetSCIMToken(id string) (domain.SCIMToken, error)
	GetSCIMTokenByHash(hash []byte) (domain.SCIMToken, error)
	ListSCIMTokens(org string) ([]domain.SCIMToken, error) // creation order
	// SCIMUsers and SCIMGroups map user and group ids to their records.
	SCIMUsers(org string) (map[string]domain.SCIMRecord, error)
	SCIMGroups(org string) (map[string]domain.SCIMRecord, error)
}

// AuditReader reads the audit chains.
type AuditReader interface {
	// ListAudit pages newest first: events with Seq < beforeSeq (every
	// event when beforeSeq <= 0); next is the beforeSeq of the next page,
	// 0 on the last.
	ListAudit(org string, beforeSeq int64, limit int) (events []domain.AuditEvent, next int64, err error)
	AllAudit(org string) ([]domain.AuditEvent, error) // ascending seq
	// ListAuditAfter pages the other way, oldest first: events with
	// Seq > afterSeq, at most limit (every one when limit <= 0). It is how
	// a reader of older pages comes back to newer ones.
	ListAuditAfter(org string, afterSeq int64, limit int) ([]domain.AuditEvent, error)
	// AuditActors lists every subject that acted in the org's audit log,
	// members who left included, by subject.
	AuditActors(org string) ([]string, error)
	// AuditKey is the id of the key the audit chains were keyed with and
	// when that happened; "" before they were (a database of an older
	// version, or a new one not yet started).
	AuditKey() (keyID string, keyedAt time.Time, err error)
}

// ChangelogReader is what a follower of the changelog reads.
type ChangelogReader interface {
	// ChangesSince returns the change sets of the first limit revisions
	// after afterRevision, ascending. A revision is never split across
	// calls, so a follower may record the last one as applied.
	ChangesSince(afterRevision int64, limit int) ([]ChangeSet, error)
	CurrentRevision() (int64, error)
	// PrunedBefore is the revision below which changes may have been
	// pruned; a follower behind it rebuilds from snapshots.
	PrunedBefore() (int64, error)
}

// SnapshotReader reads an organization's access state whole, to build an
// index from.
type SnapshotReader interface {
	// Snapshot is an organization's whole access state at the current
	// revision.
	Snapshot(org string) (domain.Snapshot, error)
	// SnapshotHead is Snapshot without the grants, and how many grants
	// there are: what an index needs before the grants. SnapshotGrants
	// then hands over the grants in creation order, in batches, so that an
	// index can take each batch while the next is read. In one transaction
	// the two are Snapshot.
	SnapshotHead(org string) (head domain.Snapshot, grants int, err error)
	SnapshotGrants(org string, fn func([]domain.Grant) error) error
}

// ReviewReader reads access reviews, their items and the decisions taken.
type ReviewReader interface {
	GetReview(org, id string) (domain.Review, error)
	// ListReviews pages an org's reviews newest first; the cursor is the
	// last review's id.
	ListReviews(org, after string, limit int) (reviews []domain.Review, next string, err error)
	GetReviewItem(org, review, id string) (domain.ReviewItem, error)
	// ListReviewItems pages a review's items in snapshot order; the cursor
	// is the last item's id.
	ListReviewItems(org, review, after string, limit int) (items []domain.ReviewItem, next string, err error)
	// CountReviewItems counts a review's items, and those decided.
	CountReviewItems(org, review string) (total, decided int, err error)
	// ListReviewDecisions lists every decision taken in a review, in the
	// order they were taken.
	ListReviewDecisions(org, review string) ([]domain.ReviewDecision, error)
}

// ApprovalReader reads approval gates and windows.
type ApprovalReader interface {
	GetGate(org, permission string) (domain.Gate, error)
	ListGates(org string) ([]domain.Gate, error) // by permission
	GetApproval(org, id string) (domain.Approval, error)
	// ListApprovals lists an org's windows, newest first.
	ListApprovals(org string, f ApprovalFilter) ([]domain.Approval, error)
}
