package client

import (
	"context"
	"net/http"
)

// ListAliases returns the external ids (IdP subject, email, user name) a
// member is known by, in byte order.
func (c *Client) ListAliases(ctx context.Context, org, userID string) ([]string, error) {
	var out struct {
		Aliases []string `json:"aliases"`
	}
	err := c.call(ctx, http.MethodGet, orgPath(org, "members", esc(userID), "aliases"), nil, nil, &out)
	return nonNil(out.Aliases), err
}

// SetAlias gives a member an alias (unique in the organization); it
// returns the revision.
func (c *Client) SetAlias(ctx context.Context, org, userID, alias string) (int64, error) {
	return c.do(ctx, http.MethodPut, orgPath(org, "members", esc(userID), "aliases", esc(alias)), nil, nil, nil)
}

// RemoveAlias takes an alias away from a member; it returns the revision.
func (c *Client) RemoveAlias(ctx context.Context, org, userID, alias string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "members", esc(userID), "aliases", esc(alias)), nil, nil, nil)
}
