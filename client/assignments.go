package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Assignment is a named assignment ("QA lead"): the members an
// organization names for a duty the RACI report asks about. It grants
// nothing.
type Assignment struct {
	Name      string     `json:"name"`
	Scope     string     `json:"scope"` // "" for All, else a resource such as dataset:cats
	ScopeName string     `json:"scope_name,omitempty"`
	Users     []Assignee `json:"users"`
	UpdatedAt *time.Time `json:"updated_at"`
	Revision  int64      `json:"revision,omitempty"`
}

// Assignee is one holder of an assignment; Member is false once they left.
type Assignee struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Member bool   `json:"member"`
}

// RACI returns the RACI report in format json, md, csv or html.
func (c *Client) RACI(ctx context.Context, org, format string) ([]byte, error) {
	var out []byte
	q := url.Values{}
	if format != "" {
		q.Set("format", format)
	}
	err := c.call(ctx, http.MethodGet, orgPath(org, "reports/raci"), q, nil, &out)
	return out, err
}

// ListAssignments lists the org's named assignments.
func (c *Client) ListAssignments(ctx context.Context, org string) ([]Assignment, error) {
	return listAll[Assignment](ctx, c, orgPath(org, "assignments"))
}

// SetAssignment names the members who hold an assignment at scope ("" or
// "all" for the organization), replacing who held it there.
func (c *Client) SetAssignment(ctx context.Context, org, name, scope string, users []string) (*Assignment, error) {
	var out Assignment
	in := map[string]any{"users": users}
	if scope != "" {
		in["scope"] = scope
	}
	err := c.call(ctx, http.MethodPut, orgPath(org, "assignments", esc(name)), nil, in, &out)
	return &out, err
}

// DeleteAssignment removes an assignment at scope; it returns the revision.
func (c *Client) DeleteAssignment(ctx context.Context, org, name, scope string) (int64, error) {
	q := url.Values{}
	if scope != "" {
		q.Set("scope", scope)
	}
	return c.do(ctx, http.MethodDelete, orgPath(org, "assignments", esc(name)), q, nil, nil)
}
