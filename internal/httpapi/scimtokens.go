package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/team"
)

type SCIMTokenOrgPath struct {
	Org string `path:"org" doc:"Organization id"`
}

type createSCIMTokenInput struct {
	SCIMTokenOrgPath
	Body struct {
		Name string `json:"name" doc:"What the token is for (the identity provider)"`
		Role string `json:"role,omitempty" doc:"The org role users provisioned with it get, judged as an invitation's; absent: the scheme's base role"`
	}
}

type scimTokenOutput struct {
	team.SCIMTokenView
	Revision int64 `json:"revision"`
}

type SCIMTokenPath struct {
	SCIMTokenOrgPath
	ID string `path:"id" doc:"SCIM token id (scim_…)"`
}

func (s *server) scimTokenRoutes() {
	endpoint(s, huma.Operation{OperationID: "createSCIMToken", Method: http.MethodPost, Path: "/v1/orgs/{org}/scim-tokens",
		Summary: "Make a SCIM token for the organization's identity provider", Tags: []string{"scim"}, DefaultStatus: http.StatusCreated,
		Description: "The token authenticates the SCIM 2.0 endpoints under /v1/orgs/{org}/scim/v2 and nothing else. It acts as " +
			"its maker, with what they hold at each request: it never provisions more than they could. The secret appears only " +
			"in this answer; the server keeps only its hash. Needs user management; not through a token (403)."},
		func(ctx context.Context, in *createSCIMTokenInput) (*body[scimTokenOutput], error) {
			t, rev, err := s.svc.CreateSCIMToken(ctx, actor(ctx), in.Org, in.Body.Name, in.Body.Role)
			if err != nil {
				return nil, err
			}
			return wrote(rev, scimTokenOutput{SCIMTokenView: t, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "listSCIMTokens", Method: http.MethodGet, Path: "/v1/orgs/{org}/scim-tokens",
		Summary: "The organization's SCIM tokens, never their secrets", Tags: []string{"scim"},
		Description: "Oldest first. Needs user management."},
		func(ctx context.Context, in *struct {
			SCIMTokenOrgPath
			PageQuery
		}) (*body[team.Page[team.SCIMTokenView]], error) {
			list, err := s.svc.ListSCIMTokens(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(list, in.Limit, in.PageToken)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "revokeSCIMToken", Method: http.MethodDelete, Path: "/v1/orgs/{org}/scim-tokens/{id}",
		Summary: "Revoke a SCIM token", Tags: []string{"scim"}, DefaultStatus: http.StatusNoContent,
		Description: "The next SCIM request with the token gets 401. A token of another organization is 404."},
		func(ctx context.Context, in *SCIMTokenPath) (*noContent, error) {
			rev, err := s.svc.RevokeSCIMToken(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})
}
