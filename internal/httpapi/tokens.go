package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/team"
)

type createTokenInput struct {
	Body struct {
		Name      string     `json:"name" doc:"What the token is for"`
		Org       string     `json:"org" doc:"The one organization the token acts in"`
		ExpiresAt *time.Time `json:"expires_at,omitempty" nullable:"true" doc:"When the token stops working; absent or null: the organization's cap (pat_max_days), or 90 days where it sets none"`
	}
}

type tokenOutput struct {
	team.TokenView
	Revision int64 `json:"revision"`
}

type tokenPath struct {
	ID string `path:"id" doc:"Token id (pat_…)"`
}

func (s *server) tokenRoutes() {
	endpoint(s, huma.Operation{OperationID: "createToken", Method: http.MethodPost, Path: "/v1/me/tokens",
		Summary: "Make a personal access token", Tags: []string{"tokens"}, DefaultStatus: http.StatusCreated,
		Description: "The token acts as the caller in one organization, with whatever the caller holds there at each " +
			"request. The secret appears only in this answer; the server keeps only its hash. An expiry beyond the " +
			"organization's cap is refused with 422 naming it. Not through a personal access token (403)."},
		func(ctx context.Context, in *createTokenInput) (*body[tokenOutput], error) {
			req := team.TokenRequest{Name: in.Body.Name, Org: in.Body.Org}
			if in.Body.ExpiresAt != nil {
				req.ExpiresAt = *in.Body.ExpiresAt
			}
			t, rev, err := s.svc.CreateToken(ctx, actor(ctx), req)
			if err != nil {
				return nil, err
			}
			return wrote(rev, tokenOutput{TokenView: t, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "listTokens", Method: http.MethodGet, Path: "/v1/me/tokens",
		Summary: "The caller's personal access tokens, never their secrets", Tags: []string{"tokens"},
		Description: "Every token of the caller, in every organization, oldest first. Not through a personal access token (403)."},
		func(ctx context.Context, in *PageQuery) (*body[team.Page[team.TokenView]], error) {
			list, err := s.svc.ListTokens(ctx, actor(ctx))
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(list, in.Limit, in.PageToken)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "revokeToken", Method: http.MethodDelete, Path: "/v1/me/tokens/{id}",
		Summary: "Revoke a personal access token", Tags: []string{"tokens"}, DefaultStatus: http.StatusNoContent,
		Description: "The next request with the token gets 401. Another user's token is 404. Not through a personal access token (403)."},
		func(ctx context.Context, in *tokenPath) (*noContent, error) {
			rev, err := s.svc.RevokeToken(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})
}
