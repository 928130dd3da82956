package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// ReviewRequest opens an access review.
type ReviewRequest struct {
	Name      string    `json:"name"`
	DueAt     time.Time `json:"due_at"`
	Reviewers []string  `json:"reviewers,omitempty"` // user ids; none: the user managers and the creator
	Scope     string    `json:"scope,omitempty"`     // org (default) or TYPE:ID
	Undecided string    `json:"undecided,omitempty"` // keep (default) or revoke
}

// Review is an access review.
type Review struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Scope          string     `json:"scope"`
	Reviewers      []string   `json:"reviewers"`
	Undecided      string     `json:"undecided"`
	DueAt          time.Time  `json:"due_at"`
	Overdue        bool       `json:"overdue"`
	State          string     `json:"state"`
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	ClosedAt       *time.Time `json:"closed_at"`
	ClosedBy       string     `json:"closed_by,omitempty"`
	ClosedRevision int64      `json:"closed_revision,omitempty"`
	Items          int        `json:"items"`
	Decided        int        `json:"decided"`
	Revision       int64      `json:"revision,omitempty"`
}

// ReviewItem is one member's grant or org role in a review.
type ReviewItem struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	Kind      string     `json:"kind"`
	Grant     string     `json:"grant,omitempty"`
	Role      string     `json:"role"`
	Scope     string     `json:"scope"`
	Via       string     `json:"via"`
	Decision  string     `json:"decision"`
	Note      string     `json:"note"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at"`
	Outcome   string     `json:"outcome,omitempty"`
	Revision  int64      `json:"revision,omitempty"`
}

// ReviewClosed is what closing a review did.
type ReviewClosed struct {
	Review   Review `json:"review"`
	Revoked  int    `json:"revoked"`
	Kept     int    `json:"kept"`
	Gone     int    `json:"gone"`
	Refused  int    `json:"refused"`
	Revision int64  `json:"revision"`
}

// CreateReview opens an access review, snapshotting every member's access.
func (c *Client) CreateReview(ctx context.Context, org string, req ReviewRequest) (*Review, error) {
	var out Review
	err := c.call(ctx, http.MethodPost, orgPath(org, "access-reviews"), nil, req, &out)
	return &out, err
}

// ListReviews returns every access review the caller may see, newest first.
func (c *Client) ListReviews(ctx context.Context, org string) ([]Review, error) {
	return listAll[Review](ctx, c, orgPath(org, "access-reviews"))
}

// GetReview returns one access review.
func (c *Client) GetReview(ctx context.Context, org, id string) (*Review, error) {
	var out Review
	err := c.call(ctx, http.MethodGet, orgPath(org, "access-reviews", esc(id)), nil, nil, &out)
	return &out, err
}

// ListReviewItems returns every item of a review, in snapshot order.
func (c *Client) ListReviewItems(ctx context.Context, org, id string) ([]ReviewItem, error) {
	return listAll[ReviewItem](ctx, c, orgPath(org, "access-reviews", esc(id), "items"))
}

// DecideReviewItem records keep or revoke, and why, on an item.
func (c *Client) DecideReviewItem(ctx context.Context, org, id, item, decision, note string) (*ReviewItem, error) {
	var out ReviewItem
	err := c.call(ctx, http.MethodPost, orgPath(org, "access-reviews", esc(id), "items", esc(item), "decision"), nil,
		map[string]string{"decision": decision, "note": note}, &out)
	return &out, err
}

// CloseReview applies a review's revocations in one write.
func (c *Client) CloseReview(ctx context.Context, org, id string) (*ReviewClosed, error) {
	var out ReviewClosed
	err := c.call(ctx, http.MethodPost, orgPath(org, "access-reviews", esc(id), "close"), nil, nil, &out)
	return &out, err
}

// ReviewEvidence returns a review's evidence in format json or csv.
func (c *Client) ReviewEvidence(ctx context.Context, org, id, format string) ([]byte, error) {
	var out []byte
	q := url.Values{}
	if format != "" {
		q.Set("format", format)
	}
	err := c.call(ctx, http.MethodGet, orgPath(org, "access-reviews", esc(id), "evidence"), q, nil, &out)
	return out, err
}
