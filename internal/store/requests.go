package store

import "github.com/gatehouse/gatehouse/internal/domain"

// RequestFilter narrows a list of access requests; zero fields match
// everything.
type RequestFilter struct {
	State    string // one of domain.Request*
	UserID   string // the requester
	Resource string // "org" or TYPE:ID
}

// RequestReader reads access requests.
type RequestReader interface {
	GetAccessRequest(org, id string) (domain.AccessRequest, error)
	// ListAccessRequests pages an org's requests newest first; the cursor
	// is the last request's id.
	ListAccessRequests(org string, f RequestFilter, after string, limit int) (reqs []domain.AccessRequest, next string, err error)
}

// RequestWriter writes access requests.
type RequestWriter interface {
	// PutAccessRequest creates or replaces a request; its org must exist.
	PutAccessRequest(r domain.AccessRequest) error
}
