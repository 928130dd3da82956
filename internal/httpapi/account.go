package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/team"
)

type changePasswordInput struct {
	Body struct {
		CurrentPassword string `json:"current_password" doc:"The password now"`
		NewPassword     string `json:"new_password" doc:"The password to set: at least 8 characters, not the email, not common"`
	}
}

type sessionPath struct {
	ID string `path:"id" doc:"Session id (ses_…)"`
}

type endedSessions struct {
	Ended    int   `json:"ended" doc:"How many sessions ended"`
	Revision int64 `json:"revision"`
}

type resetInput struct {
	Body struct {
		Email string `json:"email" doc:"The account's email"`
	}
}

type resetAnswer struct {
	Detail string `json:"detail" doc:"The same sentence for every email"`
}

type resetConfirmInput struct {
	Body struct {
		Token       string `json:"token" doc:"The token of the emailed link (gsr_…)"`
		NewPassword string `json:"new_password" doc:"The password to set"`
	}
}

func (s *server) accountRoutes() {
	endpoint(s, huma.Operation{OperationID: "changePassword", Method: http.MethodPost, Path: "/v1/me/password",
		Summary: "Change the caller's password", Tags: []string{"sessions"}, DefaultStatus: http.StatusNoContent,
		Errors: []int{http.StatusTooManyRequests, http.StatusServiceUnavailable},
		Description: "Checks the current password (throttled like login: a wrong one is 403), applies the password " +
			"policy to the new one (422 with the reason) and ends every other session of the user."},
		func(ctx context.Context, in *changePasswordInput) (*noContent, error) {
			rev, err := s.svc.ChangePassword(ctx, actor(ctx), in.Body.CurrentPassword, in.Body.NewPassword, clientOf(ctx))
			if err != nil {
				return nil, err
			}
			return done(rev)
		})

	endpoint(s, huma.Operation{OperationID: "listSessions", Method: http.MethodGet, Path: "/v1/me/sessions",
		Summary: "The caller's sessions", Tags: []string{"sessions"},
		Description: "Live sessions of the user, newest first; `current` marks the one of this request."},
		func(ctx context.Context, in *PageQuery) (*body[team.Page[team.SessionView]], error) {
			list, err := s.svc.ListSessions(ctx, actor(ctx))
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(list, in.Limit, in.PageToken)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "endOtherSessions", Method: http.MethodDelete, Path: "/v1/me/sessions",
		Summary: "Sign out everywhere else", Tags: []string{"sessions"},
		Description: "Ends every session of the user but the one of this request."},
		func(ctx context.Context, _ *struct{}) (*body[endedSessions], error) {
			rev, n, err := s.svc.EndOtherSessions(ctx, actor(ctx))
			if err != nil {
				return nil, err
			}
			return wrote(rev, endedSessions{Ended: n, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "endSession", Method: http.MethodDelete, Path: "/v1/me/sessions/{id}",
		Summary: "End one session", Tags: []string{"sessions"}, DefaultStatus: http.StatusNoContent,
		Description: "Ends one session of the user; its token stops working at once."},
		func(ctx context.Context, in *sessionPath) (*noContent, error) {
			rev, err := s.svc.EndSession(ctx, actor(ctx), in.ID)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})

	endpoint(s, huma.Operation{OperationID: "requestPasswordReset", Method: http.MethodPost, Path: "/v1/auth/password-reset",
		Summary: "Mail a link that sets a new password", Tags: []string{"sessions"}, DefaultStatus: http.StatusAccepted,
		Description: "Always 202 with the same body, whether or not the email has an account; an account's owner " +
			"gets a one-time link valid for 30 minutes. At most three links an hour per email; ten requests an hour " +
			"per client address, then 429."},
		func(ctx context.Context, in *resetInput) (*body[resetAnswer], error) {
			msg, err := s.svc.RequestPasswordReset(ctx, in.Body.Email, clientOf(ctx))
			if err != nil {
				return nil, err
			}
			return ok(resetAnswer{Detail: msg})
		})

	endpoint(s, huma.Operation{OperationID: "confirmPasswordReset", Method: http.MethodPost, Path: "/v1/auth/password-reset/confirm",
		Summary: "Set a new password with a reset link's token", Tags: []string{"sessions"}, DefaultStatus: http.StatusNoContent,
		Description: "Sets the password (the policy applies: 422 with the reason) and ends every session of the " +
			"account. The token works once; unknown, used or expired tokens get 404."},
		func(ctx context.Context, in *resetConfirmInput) (*noContent, error) {
			rev, err := s.svc.ConfirmPasswordReset(ctx, in.Body.Token, in.Body.NewPassword, clientOf(ctx))
			if err != nil {
				return nil, err
			}
			return done(rev)
		})
}
