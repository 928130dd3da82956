package client

import (
	"context"
	"net/http"
	"time"
)

// SSO is an organization's OIDC sign-in, as the API shows it: never the
// client secret.
type SSO struct {
	Org             string            `json:"org"`
	Issuer          string            `json:"issuer"`
	ClientID        string            `json:"client_id"`
	ClientSecretSet bool              `json:"client_secret_set"`
	Domains         []string          `json:"domains"`
	DefaultRole     string            `json:"default_role"`
	GroupsClaim     string            `json:"groups_claim"`
	GroupMap        map[string]string `json:"group_map"`
	Enforce         bool              `json:"enforce"`
	RedirectURI     string            `json:"redirect_uri"`
	ConfiguredBy    string            `json:"configured_by"`
	UpdatedAt       time.Time         `json:"updated_at"`
}

// SSORequest sets an organization's OIDC sign-in; an empty ClientSecret
// keeps the one already set.
type SSORequest struct {
	Issuer       string            `json:"issuer"`
	ClientID     string            `json:"client_id"`
	ClientSecret string            `json:"client_secret,omitempty"`
	Domains      []string          `json:"domains"`
	DefaultRole  string            `json:"default_role,omitempty"`
	GroupsClaim  string            `json:"groups_claim,omitempty"`
	GroupMap     map[string]string `json:"group_map,omitempty"`
	Enforce      bool              `json:"enforce"`
}

// GetSSO returns the organization's OIDC sign-in.
func (c *Client) GetSSO(ctx context.Context, org string) (*SSO, error) {
	var out SSO
	err := c.call(ctx, http.MethodGet, orgPath(org, "sso"), nil, nil, &out)
	return &out, err
}

// SetSSO creates or replaces the organization's OIDC sign-in.
func (c *Client) SetSSO(ctx context.Context, org string, req SSORequest) (*SSO, error) {
	var out SSO
	err := c.call(ctx, http.MethodPut, orgPath(org, "sso"), nil, req, &out)
	return &out, err
}

// DeleteSSO turns the organization's OIDC sign-in off; it returns the revision.
func (c *Client) DeleteSSO(ctx context.Context, org string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "sso"), nil, nil, nil)
}
