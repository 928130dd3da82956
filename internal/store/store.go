package store

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// Store is a durable home for every organization's records.
//
// Reads and writes happen inside View and Update; their Reader and Tx are
// bound to the context given there, so their methods take none.
type Store interface {
	// Update runs fn in one read-write transaction and commits it as one new
	// revision, which it returns. If fn returns an error nothing is written
	// and the revision does not move.
	//
	// fn may run more than once when the database asks for a retry (a
	// serialization failure on PostgreSQL), so it must have no effects
	// outside the transaction. It must not call the Store either: writers
	// queue one at a time, and a nested Update or TouchKey would wait for
	// the transaction that is waiting for it.
	Update(ctx context.Context, fn func(Tx) error) (revision int64, err error)

	// View runs fn in a read-only transaction that sees one consistent state.
	View(ctx context.Context, fn func(Reader) error) error

	// TouchKey records that a key was used at at. It is bookkeeping, not a
	// change of access: it allocates no revision and writes no audit event,
	// so authenticating a request never contends with real writes for long.
	TouchKey(ctx context.Context, org, id string, at time.Time) error

	// TouchSession records that a session was used at at, for the idle
	// timeout. Like TouchKey it allocates no revision; a missing session
	// is no error (it may have just ended).
	TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error

	// PruneChanges deletes changelog entries older than beforeRevision, once
	// every replica has applied them. Like TouchKey it allocates no revision.
	PruneChanges(ctx context.Context, beforeRevision int64) error

	Close() error
}

// Reader holds every query. Methods that read one record return ErrNotFound
// when it is missing; records of an organization are only found with that
// organization's id.
//
// Paginated lists take the page token returned by the previous page in after
// ("" for the first page) and return the next page's token, "" on the last
// page. A limit <= 0 returns everything.
type Reader interface {
	GetOrg(id string) (domain.Org, error)
	ListOrgIDs() ([]string, error)
	ListOrgsOfUser(userID string) ([]OrgRole, error) // ordered by org id

	GetUser(id string) (domain.UserRecord, error)
	GetUserByEmail(email string) (domain.UserRecord, error) // case-insensitive

	GetMember(org, userID string) (domain.Member, error)
	ListMembers(org, after string, limit int) (members []domain.Member, next string, err error) // by user id
	CountMembers(org string) (int, error)

	GetGrant(org, id string) (domain.Grant, error)
	ListGrants(org string, filter GrantFilter, after string, limit int) (grants []domain.Grant, next string, err error) // by id

	GetResource(org string, ref domain.Ref) (domain.Resource, error)
	// ListResources lists resources of type typ by id, or of every type by
	// (type, id) when typ is "".
	ListResources(org, typ, after string, limit int) (resources []domain.Resource, next string, err error)

	GetTeam(org, id string) (domain.Team, error)
	ListTeams(org string) ([]domain.Team, error)                     // creation order
	ListTeamMembers(org, teamID string) ([]domain.Membership, error) // by user id
	ListTeamsOfUser(org, userID string) ([]domain.Membership, error) // by team id
	GetGroup(org, id string) (domain.Group, error)
	ListGroups(org string) ([]domain.Group, error)                     // creation order
	ListGroupMembers(org, groupID string) ([]domain.Membership, error) // by user id
	ListGroupsOfUser(org, userID string) ([]domain.Membership, error)  // by group id

	GetRole(org, id string) (domain.Role, error)
	ListRoles(org string) ([]domain.Role, error) // custom roles, creation order

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

	GetInvitation(org, id string) (domain.Invitation, error)
	GetInvitationByTokenHash(hash []byte) (domain.Invitation, error)
	ListInvitations(org string) ([]domain.Invitation, error) // creation order
	CountPendingInvitations(org string, now time.Time) (int, error)

	GetSession(tokenHash []byte) (domain.Session, error)
	ListSessionsOfUser(userID string) ([]domain.Session, error) // creation order

	GetPasswordReset(tokenHash []byte) (domain.PasswordReset, error)

	// ListAudit pages newest first: events with Seq < beforeSeq (every
	// event when beforeSeq <= 0); next is the beforeSeq of the next page,
	// 0 on the last.
	ListAudit(org string, beforeSeq int64, limit int) (events []domain.AuditEvent, next int64, err error)
	AllAudit(org string) ([]domain.AuditEvent, error) // ascending seq
	// AuditKey is the id of the key the audit chains were keyed with and
	// when that happened; "" before they were (a database of an older
	// version, or a new one not yet started).
	AuditKey() (keyID string, keyedAt time.Time, err error)

	// ChangesSince returns the change sets of the first limit revisions
	// after afterRevision, ascending. A revision is never split across
	// calls, so a follower may record the last one as applied.
	ChangesSince(afterRevision int64, limit int) ([]ChangeSet, error)
	CurrentRevision() (int64, error)
	// PrunedBefore is the revision below which changes may have been
	// pruned; a follower behind it rebuilds from snapshots.
	PrunedBefore() (int64, error)

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

// Tx is a read-write transaction. Writes of records that belong to an
// organization fail with ErrNotFound when the organization does not exist.
// Deletes of a single record return ErrNotFound when there was none.
//
// Once a write has failed (a conflict, a missing reference), every later
// statement fails too and Update returns the error even if fn does not:
// PostgreSQL cannot go on after a failed statement, so no backend does.
// Check with reads first when a failure is expected and must be survived.
// A read that finds nothing does not count as a failure.
type Tx interface {
	Reader

	// Revision is the revision this transaction commits as. It is allocated
	// when the transaction begins, so fn can put it in responses and
	// changes.
	Revision() int64

	CreateOrg(o domain.Org) error // ErrConflict if the id is taken
	UpdateOrg(o domain.Org) error // name, plan and billing email

	CreateUser(u domain.UserRecord) error // ErrConflict if the id or email is taken
	UpdateUser(u domain.UserRecord) error // name, password hash and last login

	PutMember(m domain.Member) error // insert, or change the role of an existing member
	// DeleteMember removes the membership only: the user's grants, team
	// and group memberships and sessions are the caller's to remove.
	DeleteMember(org, userID string) error

	PutGrant(g domain.Grant) error
	DeleteGrant(org, id string) error
	DeleteGrantsOfSubject(org string, s domain.Subject) ([]domain.Grant, error)

	// PutResource creates or replaces a resource, keeping its creation time.
	// Its parent must exist (ErrNotFound otherwise).
	PutResource(r domain.Resource) error
	// DeleteResource deletes a resource and all its descendants and returns
	// the ref of each, the resource itself first.
	DeleteResource(org string, ref domain.Ref) ([]domain.Ref, error)

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

	PutRole(r domain.Role) error // create or replace a custom role
	DeleteRole(org, id string) error

	PutKey(k domain.KeyRecord) error // create or replace; ErrConflict if the hash is another key's

	PutInvitation(i domain.Invitation) error // create or replace

	PutSession(s domain.Session) error // create or replace; ErrConflict if the id is another session's
	DeleteSession(tokenHash []byte) error
	// DeleteSessionsOfUser deletes the user's sessions but the one whose
	// token hashes to keep (nil keeps none) and says how many went.
	DeleteSessionsOfUser(userID string, keep []byte) (int, error)

	PutPasswordReset(r domain.PasswordReset) error
	// DeletePasswordResetsOfUser ends every reset token of the user (one
	// was used, or the password changed another way).
	DeletePasswordResetsOfUser(userID string) error

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

	// AppendChanges records changes of org under this transaction's
	// revision. Several calls for one org concatenate.
	AppendChanges(org string, changes []domain.Change) error
}

// OrgRole is an organization a user belongs to, with the user's role there.
type OrgRole struct {
	Org  domain.Org
	Role string
}

// GrantFilter narrows ListGrants; zero fields match everything.
type GrantFilter struct {
	Subject domain.Subject
	Scope   domain.Scope
}

// KeyFilter narrows ListKeys and CountKeys; the zero value passes every key.
type KeyFilter struct {
	Owner string // only the keys this user owns
	State KeyState
}

// KeyState selects keys by whether they were revoked.
type KeyState int

const (
	AnyKey KeyState = iota
	UnrevokedKey
	RevokedKey
)

// ChangeSet is what one revision changed in one organization.
type ChangeSet struct {
	Revision int64
	Org      string
	Changes  []domain.Change
}
