package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

type loginInput struct {
	Body struct {
		Email    string `json:"email" doc:"The account's email"`
		Password string `json:"password" doc:"The account's password"`
	}
}

type loginOutput struct {
	Token string        `json:"token" doc:"Session token: send it as Authorization: Bearer TOKEN"`
	User  team.UserView `json:"user"`
}

type acceptInput struct {
	Body struct {
		Token    string `json:"token" doc:"The invitation token"`
		Name     string `json:"name,omitempty" doc:"Display name of a new account"`
		Password string `json:"password" doc:"Password of the new account, or of the existing one"`
		Email    string `json:"email,omitempty" doc:"Email of an already registered account"`
	}
}

type acceptOutput struct {
	team.Accepted
	Revision int64 `json:"revision"`
}

func (s *server) sessionRoutes() {
	endpoint(s, huma.Operation{OperationID: "login", Method: http.MethodPost, Path: "/v1/auth/login",
		Summary: "Log in with email and password", Tags: []string{"sessions"},
		Description: "Wrong pairs get 401, the same for unknown emails and wrong passwords. " +
			"Repeated failures on one account from one client address, or from one address over all accounts, " +
			"get 429 with Retry-After (never a lock-out from other addresses). " +
			"503 with Retry-After when the server is busy hashing other passwords."},
		func(ctx context.Context, in *loginInput) (*body[loginOutput], error) {
			token, u, err := s.svc.Login(ctx, in.Body.Email, in.Body.Password, clientOf(ctx))
			if err != nil {
				return nil, err
			}
			return ok(loginOutput{Token: token, User: u})
		})

	endpoint(s, huma.Operation{OperationID: "logout", Method: http.MethodPost, Path: "/v1/auth/logout",
		Summary: "End the session", Tags: []string{"sessions"}, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, _ *struct{}) (*struct{}, error) {
			st := stateOf(ctx)
			if st.actor.IsKey() {
				return nil, fault.E(fault.Unprocessable, "a secret key has no session; revoke the key instead")
			}
			return &struct{}{}, s.svc.Logout(ctx, st.token, clientOf(ctx))
		})

	endpoint(s, huma.Operation{OperationID: "me", Method: http.MethodGet, Path: "/v1/me",
		Summary: "The caller and its organizations", Tags: []string{"sessions"}},
		func(ctx context.Context, _ *struct{}) (*body[team.Me], error) {
			me, err := s.svc.Me(ctx, actor(ctx))
			if err != nil {
				return nil, err
			}
			return ok(me)
		})

	endpoint(s, huma.Operation{OperationID: "acceptInvitation", Method: http.MethodPost, Path: "/v1/invitations/accept",
		Summary: "Accept an invitation", Tags: []string{"invitations"},
		Description: "A new user gives name and password; an already registered email gives email and password. " +
			"Answers a session token for the new member. No answer tells whether the email is registered: " +
			"a weak password gets the same 422 either way, a wrong pair the same 401 as login."},
		func(ctx context.Context, in *acceptInput) (*body[acceptOutput], error) {
			acc, rev, err := s.svc.AcceptInvitation(ctx, team.AcceptRequest{Token: in.Body.Token, Name: in.Body.Name,
				Password: in.Body.Password, Email: in.Body.Email, RequestID: requestIDOf(ctx), Client: clientOf(ctx)})
			if err != nil {
				return nil, err
			}
			return wrote(rev, acceptOutput{Accepted: acc, Revision: rev})
		})
}

type createOrgInput struct {
	Body struct {
		ID     string `json:"id" doc:"Immutable lowercase slug, ^[a-z0-9][a-z0-9-]{1,62}$"`
		Name   string `json:"name" doc:"Display name"`
		Scheme string `json:"scheme,omitempty" doc:"Role model: vi (default), deepomatic or labelbox"`
	}
}

type patchOrgInput struct {
	OrgPath
	Body struct {
		Name       *string `json:"name,omitempty" doc:"New display name"`
		PATMaxDays *int    `json:"pat_max_days,omitempty" doc:"Longest lifetime in days of the personal access tokens made from now on (0: no cap; at most 366); needs keys.manage, and not through a token"`
		ID         *string `json:"id,omitempty" doc:"The id never changes: a different value is refused (422)"`
		Scheme     *string `json:"scheme,omitempty" doc:"The scheme never changes: a different value is refused (422)"`
	}
}

type transferInput struct {
	OrgPath
	Body struct {
		UserID string `json:"user_id" doc:"The Admin who becomes Owner"`
	}
}

type transferOutput struct {
	Owner    string `json:"owner" doc:"User id of the new Owner"`
	Revision int64  `json:"revision"`
}

// planCatalog is the server's plans on the wire (domain.Plan is an org's).
type planCatalog struct {
	Default string      `json:"default" doc:"The plan of a new organization"`
	Plans   []planOffer `json:"plans"`
}

type planOffer struct {
	ID     string         `json:"id"`
	Name   string         `json:"name"`
	Limits map[string]int `json:"limits" doc:"Limit id (seats, keys, custom_roles, pending_invitations, resources.TYPE, resources.*) to its ceiling; absent is not limited by the plan"`
}

type billingInput struct {
	OrgPath
	Body struct {
		Plan         *string `json:"plan,omitempty"`
		SeatLimit    *int    `json:"seat_limit,omitempty"`
		BillingEmail *string `json:"billing_email,omitempty"`
	}
}

func (s *server) orgRoutes() {
	endpoint(s, huma.Operation{OperationID: "createOrg", Method: http.MethodPost, Path: "/v1/orgs",
		Summary: "Create an organization", Tags: []string{"organizations"}, DefaultStatus: http.StatusCreated,
		Description: "The caller gets the scheme's top role (vi: owner)."},
		func(ctx context.Context, in *createOrgInput) (*body[team.OrgView], error) {
			v, err := s.svc.CreateOrg(ctx, actor(ctx), in.Body.ID, in.Body.Name, in.Body.Scheme)
			if err != nil {
				return nil, err
			}
			return wrote(v.Revision, v)
		})

	endpoint(s, huma.Operation{OperationID: "getOrg", Method: http.MethodGet, Path: "/v1/orgs/{org}",
		Summary: "An organization", Tags: []string{"organizations"}},
		func(ctx context.Context, in *OrgPath) (*body[team.OrgView], error) {
			v, err := s.svc.GetOrg(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			return ok(v)
		})

	endpoint(s, huma.Operation{OperationID: "updateOrg", Method: http.MethodPatch, Path: "/v1/orgs/{org}",
		Summary: "Rename an organization, or cap its personal access tokens", Tags: []string{"organizations"},
		Description: "The display name and `pat_max_days` change; a body that tries to change id or scheme is refused with 422."},
		func(ctx context.Context, in *patchOrgInput) (*body[team.OrgView], error) {
			a := actor(ctx)
			cur, err := s.svc.GetOrg(ctx, a, in.Org)
			if err != nil {
				return nil, err
			}
			if in.Body.ID != nil && *in.Body.ID != cur.ID {
				return nil, fault.E(fault.Unprocessable, "id: an organization's id never changes; change its name instead")
			}
			if in.Body.Scheme != nil && *in.Body.Scheme != cur.Scheme {
				return nil, fault.E(fault.Unprocessable, "scheme: an organization's scheme never changes")
			}
			if in.Body.Name == nil && in.Body.PATMaxDays == nil {
				return wrote(cur.Revision, cur) // nothing to change: the state as it stands
			}
			v, err := s.svc.UpdateOrg(ctx, a, in.Org, team.OrgUpdate{Name: in.Body.Name, PATMaxDays: in.Body.PATMaxDays})
			if err != nil {
				return nil, err
			}
			return wrote(v.Revision, v)
		})

	endpoint(s, huma.Operation{OperationID: "transferOwnership", Method: http.MethodPost, Path: "/v1/orgs/{org}/transfer-ownership",
		Summary: "Transfer ownership to an Admin", Tags: []string{"organizations"},
		Description: "Only the Owner; the target must be an Admin; the old Owner becomes Admin, in one revision."},
		func(ctx context.Context, in *transferInput) (*body[transferOutput], error) {
			rev, err := s.svc.TransferOwnership(ctx, actor(ctx), in.Org, in.Body.UserID)
			if err != nil {
				return nil, err
			}
			return wrote(rev, transferOutput{Owner: in.Body.UserID, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "getBilling", Method: http.MethodGet, Path: "/v1/orgs/{org}/billing",
		Summary: "Plan, seats and billing contact", Tags: []string{"organizations"}},
		func(ctx context.Context, in *OrgPath) (*body[team.Billing], error) {
			b, err := s.svc.GetBilling(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			return ok(b)
		})

	endpoint(s, huma.Operation{OperationID: "getUsage", Method: http.MethodGet, Path: "/v1/orgs/{org}/usage",
		Summary: "What the organization uses against its plan's limits", Tags: []string{"organizations"},
		Description: "Seats, each resource type of the scheme, live secret keys, custom roles and pending invitations, " +
			"each with its limit and what is left when the plan sets one. Needs usage.view (billing.view in schemes without it)."},
		func(ctx context.Context, in *OrgPath) (*body[team.Usage], error) {
			u, err := s.svc.GetUsage(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			return ok(u)
		})

	endpoint(s, huma.Operation{OperationID: "listPlans", Method: http.MethodGet, Path: "/v1/plans",
		Summary: "The plans this server offers and their limits", Tags: []string{"organizations"},
		Description: "A limit a plan does not list is not limited by it; resources.* limits each top-level resource type it does not name."},
		func(ctx context.Context, _ *struct{}) (*body[planCatalog], error) {
			c := s.svc.Plans()
			out := planCatalog{Default: c.Default, Plans: make([]planOffer, len(c.Plans))}
			for i, p := range c.Plans {
				out.Plans[i] = planOffer{ID: p.ID, Name: p.Name, Limits: p.Limits}
			}
			return ok(out)
		})

	endpoint(s, huma.Operation{OperationID: "updateBilling", Method: http.MethodPatch, Path: "/v1/orgs/{org}/billing",
		Summary: "Change plan, seat limit or billing contact", Tags: []string{"organizations"}},
		func(ctx context.Context, in *billingInput) (*body[team.Billing], error) {
			b, err := s.svc.UpdateBilling(ctx, actor(ctx), in.Org, team.BillingUpdate{Plan: in.Body.Plan,
				SeatLimit: in.Body.SeatLimit, BillingEmail: in.Body.BillingEmail})
			if err != nil {
				return nil, err
			}
			return wrote(b.Revision, b)
		})
}
