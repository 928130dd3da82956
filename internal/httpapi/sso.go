package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

type ssoSetInput struct {
	OrgPath
	Body team.SSORequest
}

type ssoStartInput struct {
	Org string `query:"org" required:"true" maxLength:"100" doc:"The organization to sign in to"`
}

type ssoRedirect struct {
	Status   int
	Location string `header:"Location" doc:"The identity provider's sign-in page"`
}

type ssoCallbackInput struct {
	State            string `query:"state" maxLength:"200"`
	Code             string `query:"code" maxLength:"4096"`
	Error            string `query:"error" maxLength:"200" doc:"Set by the identity provider when it did not sign the person in"`
	ErrorDescription string `query:"error_description" maxLength:"1000"`
}

func (s *server) ssoRoutes() {
	const base = "/v1/orgs/{org}/sso"
	endpoint(s, huma.Operation{OperationID: "getSSO", Method: http.MethodGet, Path: base,
		Summary: "The organization's OIDC sign-in", Tags: []string{"sso"},
		Description: "Never the client secret: client_secret_set says whether one is kept. redirect_uri is the callback to register at the identity provider."},
		func(ctx context.Context, in *OrgPath) (*body[team.SSOView], error) {
			v, err := s.svc.GetSSO(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			return ok(v)
		})

	endpoint(s, huma.Operation{OperationID: "setSSO", Method: http.MethodPut, Path: base,
		Summary: "Set the organization's OIDC sign-in", Tags: []string{"sso"},
		Description: "Takes user management and the power to hand out default_role and every grant of the mapped groups " +
			"(each sign-in is judged again for the setter). The client secret is kept encrypted with the server's key; " +
			"an empty one keeps the secret already set. A domain another organization claims is 409."},
		func(ctx context.Context, in *ssoSetInput) (*body[team.SSOView], error) {
			v, rev, err := s.svc.SetSSO(ctx, actor(ctx), in.Org, in.Body)
			if err != nil {
				return nil, err
			}
			return wrote(rev, v)
		})

	endpoint(s, huma.Operation{OperationID: "deleteSSO", Method: http.MethodDelete, Path: base,
		Summary: "Turn the organization's OIDC sign-in off", Tags: []string{"sso"}, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *OrgPath) (*noContent, error) {
			rev, err := s.svc.DeleteSSO(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})

	endpoint(s, huma.Operation{OperationID: "startSSO", Method: http.MethodGet, Path: "/v1/auth/sso/start",
		Summary: "Begin an SSO sign-in", Tags: []string{"sso"}, DefaultStatus: http.StatusFound,
		Description: "Redirects to the organization's identity provider (authorization code with PKCE, state and nonce kept on the server for one use within 10 minutes). " +
			"30 starts per client address in 10 minutes, then 429."},
		func(ctx context.Context, in *ssoStartInput) (*ssoRedirect, error) {
			to, err := s.svc.SSOStart(ctx, in.Org, s.svc.SSOCallbackURL(), clientOf(ctx))
			if err != nil {
				return nil, err
			}
			return &ssoRedirect{Status: http.StatusFound, Location: to}, nil
		})

	endpoint(s, huma.Operation{OperationID: "finishSSO", Method: http.MethodGet, Path: "/v1/auth/sso/callback",
		Summary: "Finish an SSO sign-in", Tags: []string{"sso"},
		Description: "The identity provider's redirect. Verifies the ID token (issuer, audience, expiry, nonce) and a verified email, " +
			"signs in the member it names or makes one with default_role when the email's domain is the organization's, " +
			"sets the mapped groups, and answers a session token that acts in this organization alone. " +
			"A state used, unknown or older than 10 minutes is 401; a sign-in the ID token does not carry is 403 (audited as sso.login_refused)."},
		func(ctx context.Context, in *ssoCallbackInput) (*body[team.SSOSignIn], error) {
			if in.Error != "" {
				return nil, fault.E(fault.Unauthenticated, "the identity provider did not sign you in: %s", in.Error)
			}
			v, err := s.svc.SSOCallback(ctx, in.State, in.Code, s.svc.SSOCallbackURL(), clientOf(ctx))
			if err != nil {
				return nil, err
			}
			return ok(v)
		})
}
