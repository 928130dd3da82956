package store

import "github.com/gatehouse/gatehouse/internal/domain"

// AssignmentReader reads an organization's named assignments.
type AssignmentReader interface {
	// GetAssignment finds an assignment by name (case aside) and scope.
	GetAssignment(org, name, scope string) (domain.Assignment, error)
	// ListAssignments lists every assignment of the org by name (case
	// aside), then scope.
	ListAssignments(org string) ([]domain.Assignment, error)
}

// AssignmentWriter writes them.
type AssignmentWriter interface {
	// PutAssignment creates the assignment or replaces the one of the same
	// name (case aside) and scope, holders included; the name is stored as
	// given.
	PutAssignment(a domain.Assignment) error
	// DeleteAssignment removes one; ErrNotFound when there was none.
	DeleteAssignment(org, name, scope string) error
}
