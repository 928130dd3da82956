package domain

import "time"

// The states of an access request. Only a pending request changes; the
// other three are final.
const (
	RequestPending   = "pending"
	RequestApproved  = "approved"
	RequestDenied    = "denied"
	RequestWithdrawn = "withdrawn"
)

// AccessRequest is a member asking for a role on a resource (or the whole
// org) for themself, and what became of it.
type AccessRequest struct {
	Org      string
	ID       string
	UserID   string // the requester, who would hold the grant
	Role     string
	Resource string // "org" or TYPE:ID
	Reason   string
	// Until is the end the requester asked for; zero: none.
	Until     time.Time
	State     string
	CreatedAt time.Time
	// What deciding or withdrawing recorded: who (a subject string), when,
	// why; for an approval also the grant it made, the end given to it
	// (zero: none) and the revision of the write.
	DecidedBy string
	DecidedAt time.Time
	Note      string
	Grant     string
	GrantEnds time.Time
	Revision  int64
}
