package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// AccessRequestInput asks for a role on a resource or on the org.
type AccessRequestInput struct {
	Role     string     `json:"role"`
	Resource string     `json:"resource"` // org or TYPE:ID
	Reason   string     `json:"reason,omitempty"`
	Until    *time.Time `json:"until,omitempty"` // the end asked for; nil: none
}

// AccessRequest is a member's request for a role, and what became of it.
type AccessRequest struct {
	ID             string     `json:"id"`
	UserID         string     `json:"user_id"`
	Name           string     `json:"name"`
	Email          string     `json:"email"`
	Role           string     `json:"role"`
	Resource       string     `json:"resource"`
	Reason         string     `json:"reason"`
	Until          *time.Time `json:"until"`
	State          string     `json:"state"` // pending, approved, denied or withdrawn
	CreatedAt      time.Time  `json:"created_at"`
	DecidedBy      string     `json:"decided_by,omitempty"`
	DecidedAt      *time.Time `json:"decided_at"`
	Note           string     `json:"note"`
	Grant          string     `json:"grant,omitempty"`
	GrantExpiresAt *time.Time `json:"grant_expires_at"`
	Revision       int64      `json:"revision,omitempty"`
	CanDecide      bool       `json:"can_decide"`
}

// AccessRequestFilter narrows ListAccessRequests; zero fields match all.
type AccessRequestFilter struct {
	State    string // pending, approved, denied or withdrawn
	User     string
	Resource string
}

// CreateAccessRequest asks for a role, for the caller.
func (c *Client) CreateAccessRequest(ctx context.Context, org string, in AccessRequestInput) (*AccessRequest, error) {
	var out AccessRequest
	err := c.call(ctx, http.MethodPost, orgPath(org, "access-requests"), nil, in, &out)
	return &out, err
}

// ListAccessRequests returns every request the caller may see, newest first.
func (c *Client) ListAccessRequests(ctx context.Context, org string, f AccessRequestFilter) ([]AccessRequest, error) {
	q := url.Values{}
	for k, v := range map[string]string{"state": f.State, "user": f.User, "resource": f.Resource} {
		if v != "" {
			q.Set(k, v)
		}
	}
	out := []AccessRequest{}
	for {
		var p Page[AccessRequest]
		if err := c.call(ctx, http.MethodGet, orgPath(org, "access-requests"), q, nil, &p); err != nil {
			return out, err
		}
		out = append(out, p.Items...)
		if p.NextPageToken == "" || p.NextPageToken == q.Get("page_token") {
			return out, nil
		}
		q.Set("page_token", p.NextPageToken)
	}
}

// GetAccessRequest returns one request.
func (c *Client) GetAccessRequest(ctx context.Context, org, id string) (*AccessRequest, error) {
	var out AccessRequest
	err := c.call(ctx, http.MethodGet, orgPath(org, "access-requests", esc(id)), nil, nil, &out)
	return &out, err
}

// ApproveAccessRequest makes the requested grant; until, when not nil,
// is when it ends (nil: the end asked for, or none).
func (c *Client) ApproveAccessRequest(ctx context.Context, org, id string, until *time.Time, note string) (*AccessRequest, error) {
	var out AccessRequest
	body := struct {
		Until *time.Time `json:"until,omitempty"`
		Note  string     `json:"note,omitempty"`
	}{until, note}
	err := c.call(ctx, http.MethodPost, orgPath(org, "access-requests", esc(id), "approve"), nil, body, &out)
	return &out, err
}

// DenyAccessRequest denies a pending request.
func (c *Client) DenyAccessRequest(ctx context.Context, org, id, note string) (*AccessRequest, error) {
	var out AccessRequest
	err := c.call(ctx, http.MethodPost, orgPath(org, "access-requests", esc(id), "deny"), nil, map[string]string{"note": note}, &out)
	return &out, err
}

// WithdrawAccessRequest takes back the caller's pending request.
func (c *Client) WithdrawAccessRequest(ctx context.Context, org, id string) (*AccessRequest, error) {
	var out AccessRequest
	err := c.call(ctx, http.MethodPost, orgPath(org, "access-requests", esc(id), "withdraw"), nil, nil, &out)
	return &out, err
}
