package domain

import "time"

// Review is an access review: a snapshot of who holds what, taken when it
// was opened, on which its reviewers decide keep or revoke item by item,
// and which, once closed, is the signed-off evidence of that review.
type Review struct {
	Org       string
	ID        string
	Name      string
	Scope     string   // "org", or the resource reviewed ("dataset:cats")
	Reviewers []string // user ids
	// Undecided is what closing does with an item nobody decided: "keep"
	// or "revoke", fixed at creation so reviewers know it from the start.
	Undecided string
	DueAt     time.Time
	CreatedBy string // subject string
	CreatedAt time.Time
	// ClosedAt is zero while the review is open. ClosedRevision is the
	// revision of the write that applied it.
	ClosedAt       time.Time
	ClosedBy       string
	ClosedRevision int64
}

// Closed reports whether the review was closed.
func (r Review) Closed() bool { return !r.ClosedAt.IsZero() }

// The kinds of review items.
const (
	ReviewItemGrant   = "grant"    // a grant the member holds, directly or through a group
	ReviewItemOrgRole = "org_role" // the member's org role
)

// The decisions on an item.
const (
	DecisionKeep   = "keep"
	DecisionRevoke = "revoke"
)

// ReviewItem is one piece of one member's access, as it stood when the
// review was opened, and what became of it.
type ReviewItem struct {
	Org    string
	Review string
	ID     string
	UserID string
	Kind   string // ReviewItemGrant or ReviewItemOrgRole
	Grant  string // the grant's id (grant items)
	Role   string
	Scope  string // the grant's scope; "org" for an org role
	// Via is how the member holds it: "direct", "membership" (the org
	// role) or the group it comes through ("group:g_...").
	Via string
	// The current decision ("" while undecided) and who took it.
	Decision  string
	Note      string
	DecidedBy string
	DecidedAt time.Time
	// Outcome is what closing did: "kept", "revoked", "gone" (it had ended
	// before the review closed) or "refused" (the closer could not revoke
	// it); "" while the review is open.
	Outcome string
}

// ReviewDecision is one decision as it was taken: an item's decision may
// change until the review closes, and the evidence keeps every one.
type ReviewDecision struct {
	Org       string
	Review    string
	Item      string
	Seq       int64 // set by the store, ascending in the review
	Decision  string
	Note      string
	DecidedBy string // subject string
	DecidedAt time.Time
}
