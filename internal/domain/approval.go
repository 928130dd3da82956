package domain

import "time"

// Gate marks a permission of an organization as needing approval: a check
// for it is allowed only where the normal rules allow it and an approval
// window covers it.
type Gate struct {
	Org        string
	Permission string
	// ApproverRole is the role (built-in or custom) whose holders may open
	// windows for the permission, at the scopes where they hold it.
	ApproverRole string
	CreatedBy    string // subject string
	CreatedAt    time.Time
}

// Approval is a window in which one subject may exercise one gated
// permission on one resource (or the whole org) and everything under it.
type Approval struct {
	Org        string
	ID         string
	Subject    Subject // a user or a key
	Permission string
	Resource   string // "TYPE:ID", or "" for the organization
	From       time.Time
	Until      time.Time
	Approver   string // user id of the approver
	Reason     string
	CreatedAt  time.Time
	// EndedAt is zero unless the window was ended before Until.
	EndedAt time.Time
	EndedBy string
}

// Active reports whether the window is open at now.
func (a Approval) Active(now time.Time) bool {
	return a.EndedAt.IsZero() && !now.Before(a.From) && now.Before(a.Until)
}

// Scope is where the window applies, "org" for the organization.
func (a Approval) Scope() string {
	if a.Resource == "" {
		return "org"
	}
	return a.Resource
}
