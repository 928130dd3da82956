package store

import "errors"

var (
	// ErrNotFound: the record does not exist, belongs to another
	// organization, or a record it refers to (its org, its user, its
	// parent resource) does not exist. Callers answer 404 either way, so
	// tenant isolation cannot leak through the error.
	ErrNotFound = errors.New("store: not found")

	// ErrConflict: a record with the same identity or unique value (an
	// org id, a user id, an email, a key hash) already exists.
	ErrConflict = errors.New("store: conflict")
)
