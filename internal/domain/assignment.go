package domain

import "time"

// Assignment is a duty an organization names people for ("QA lead",
// "security lead") where the platform has no permission to say who does
// it: the approver a RACI template asks to record in a procedure. It grants
// nothing; reports read it.
type Assignment struct {
	Org  string
	Name string // with Scope, unique in the org, case aside
	// Scope is "" for the whole organization (All), else a resource
	// reference such as "dataset:cats": "QA lead" of one dataset beside
	// the org's.
	Scope     string
	Users     []string // user ids, sorted
	UpdatedAt time.Time
}
