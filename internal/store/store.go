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

	// TouchToken records that a personal access token was used at at, like
	// TouchSession: no revision, and a missing token is no error.
	TouchToken(ctx context.Context, id string, at time.Time) error

	// TouchSCIMToken records that a SCIM token was used at at, like
	// TouchToken.
	TouchSCIMToken(ctx context.Context, id string, at time.Time) error

	// PruneChanges deletes changelog entries older than beforeRevision, once
	// every replica has applied them. Like TouchKey it allocates no revision.
	PruneChanges(ctx context.Context, beforeRevision int64) error

	Close() error
}

// Notifier is a Store that can tell this process when any process has
// committed (PostgreSQL's LISTEN/NOTIFY), so that a follower of the
// changelog applies other replicas' writes at once rather than at its next
// poll. It is optional, and found by asserting a Store to it: SQLite has
// none, its one server's own writes wake its follower, and another
// process writing the same file (gatehouse init) is seen at the next poll.
type Notifier interface {
	// Notifications delivers a signal after any process commits a write.
	// Signals coalesce; the channel closes when ctx ends.
	Notifications(ctx context.Context) (<-chan struct{}, error)
}

// Reader holds every query. Methods that read one record return ErrNotFound
// when it is missing; records of an organization are only found with that
// organization's id.
//
// Paginated lists take the page token returned by the previous page in after
// ("" for the first page) and return the next page's token, "" on the last
// page. A limit <= 0 returns everything.
//
// Code that reads one aggregate takes its interface rather than Reader,
// which says what it touches and lets a test stand in for that alone.
type Reader interface {
	OrgReader
	UserReader
	MemberReader
	GrantReader
	ResourceReader
	TeamReader
	RoleReader
	KeyReader
	InvitationReader
	SessionReader
	TokenReader
	SCIMReader
	AuditReader
	ChangelogReader
	SnapshotReader
	OversightReader
	AssignmentReader
	ReviewReader
	RequestReader
	ApprovalReader
	AliasReader
	SSOReader
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

	OrgWriter
	UserWriter
	MemberWriter
	GrantWriter
	ResourceWriter
	TeamWriter
	RoleWriter
	KeyWriter
	InvitationWriter
	SessionWriter
	TokenWriter
	SCIMWriter
	AuditWriter
	ChangelogWriter
	AssignmentWriter
	ReviewWriter
	RequestWriter
	ApprovalWriter
	AliasWriter
	SSOWriter
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
	// State keeps only grants running (or ended) at At; the zero State
	// keeps both.
	State GrantState
	At    time.Time
}

// GrantState is whether a grant has ended (domain.Grant.Expired).
type GrantState int

const (
	AnyGrant GrantState = iota
	ActiveGrant
	ExpiredGrant
)

// ApprovalFilter narrows ListApprovals; the zero value lists every window.
type ApprovalFilter struct {
	State ApprovalState
	At    time.Time // the moment State is judged at; its states need it
}

// ApprovalState is whether a window is open (domain.Approval.Active).
type ApprovalState string

const (
	AnyApproval    ApprovalState = ""
	ActiveApproval ApprovalState = "active"
	EndedApproval  ApprovalState = "ended"
)

// MemberQuery narrows and orders FindMembers and CountFoundMembers; the
// zero value lists every member by user id.
type MemberQuery struct {
	// Q keeps members whose name or email contains it, ignoring the case
	// of ASCII letters.
	Q    string
	Role string // only members with this org role
	// State keeps only members whose membership is running (or has ended)
	// at At; the zero State keeps both.
	State MemberState
	At    time.Time
	Sort  MemberSort
	Desc  bool
}

// MemberState is whether a membership has ended (domain.Member.Expired).
type MemberState string

const (
	MemberAnyState MemberState = ""
	MemberActive   MemberState = "active"
	MemberExpired  MemberState = "expired"
)

// MemberSort is the order of FindMembers. Ties, and members who never
// signed in (last in either direction), are ordered by user id.
type MemberSort string

const (
	MemberByID        MemberSort = ""
	MemberByName      MemberSort = "name"
	MemberByEmail     MemberSort = "email"
	MemberByJoined    MemberSort = "joined"
	MemberByLastLogin MemberSort = "last_login"
)

// KeyFilter narrows ListKeys and CountKeys; the zero value passes every key.
type KeyFilter struct {
	Owner string // only the keys this user owns
	State KeyState
	// At is the moment LiveKey and ExpiredKey are judged at; those states
	// need it.
	At time.Time
	// Search keeps the keys whose name or prefix contains it, in any case.
	Search string
	// UnusedSince keeps the keys last used before it, or never.
	UnusedSince time.Time
	// ExpiresBefore keeps the keys with an expiry before it.
	ExpiresBefore time.Time
}

// KeyState selects keys by whether they were revoked, or expired at
// KeyFilter.At.
type KeyState int

const (
	AnyKey KeyState = iota
	UnrevokedKey
	RevokedKey
	LiveKey    // neither revoked nor expired
	ExpiredKey // expired and not revoked
)

// ChangeSet is what one revision changed in one organization.
type ChangeSet struct {
	Revision int64
	Org      string
	Changes  []domain.Change
}
