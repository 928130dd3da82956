package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// Gate marks a permission as needing approval by the holders of a role.
type Gate struct {
	Permission       string     `json:"permission"`
	ApproverRole     string     `json:"approver_role"`
	ApproverRoleName string     `json:"approver_role_name,omitempty"`
	CreatedBy        string     `json:"created_by"`
	CreatedAt        *time.Time `json:"created_at"`
	Revision         int64      `json:"revision,omitempty"`
}

// ApprovalRequest opens an approval window.
type ApprovalRequest struct {
	Subject    string    `json:"subject"` // a user id, user:ID or key:ID
	Permission string    `json:"permission"`
	Resource   string    `json:"resource,omitempty"` // TYPE:ID; empty or "org" for the organization
	Until      time.Time `json:"until"`
	Reason     string    `json:"reason"`
}

// Approval is an approval window.
type Approval struct {
	ID         string     `json:"id"`
	Subject    string     `json:"subject"`
	Permission string     `json:"permission"`
	Resource   string     `json:"resource"`
	From       time.Time  `json:"from"`
	Until      time.Time  `json:"until"`
	Approver   string     `json:"approver"`
	Reason     string     `json:"reason"`
	State      string     `json:"state"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	EndedBy    string     `json:"ended_by,omitempty"`
	Revision   int64      `json:"revision,omitempty"`
}

// ListGates lists the permissions that need approval.
func (c *Client) ListGates(ctx context.Context, org string) ([]Gate, error) {
	return listAll[Gate](ctx, c, orgPath(org, "approval-gates"))
}

// SetGate marks a permission as needing approval by holders of approverRole.
func (c *Client) SetGate(ctx context.Context, org, permission, approverRole string) (*Gate, error) {
	var out Gate
	err := c.call(ctx, http.MethodPut, orgPath(org, "approval-gates", esc(permission)), nil,
		map[string]string{"approver_role": approverRole}, &out)
	return &out, err
}

// DeleteGate lifts a gate and returns the revision.
func (c *Client) DeleteGate(ctx context.Context, org, permission string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "approval-gates", esc(permission)), nil, nil, nil)
}

// CreateApproval opens an approval window.
func (c *Client) CreateApproval(ctx context.Context, org string, req ApprovalRequest) (*Approval, error) {
	var out Approval
	err := c.call(ctx, http.MethodPost, orgPath(org, "approvals"), nil, req, &out)
	return &out, err
}

// ListApprovals lists approval windows, newest first: state active, ended
// or "" for both.
func (c *Client) ListApprovals(ctx context.Context, org, state string) ([]Approval, error) {
	q := url.Values{}
	if state != "" {
		q.Set("state", state)
	}
	return listAllOf[Approval](ctx, c, orgPath(org, "approvals"), q)
}

// EndApproval ends a window early.
func (c *Client) EndApproval(ctx context.Context, org, id string) (*Approval, error) {
	var out Approval
	err := c.call(ctx, http.MethodDelete, orgPath(org, "approvals", esc(id)), nil, nil, &out)
	return &out, err
}
