package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/team"
)

// RequestPath names an access request (exported for huma, as OrgPath).
type RequestPath struct {
	OrgPath
	ID string `path:"id" doc:"Access request id"`
}

type createRequestInput struct {
	OrgPath
	Body struct {
		Role     string     `json:"role" doc:"The role asked for"`
		Resource string     `json:"resource" doc:"org, or the resource TYPE:ID the role is asked on"`
		Reason   string     `json:"reason,omitempty" doc:"Why, for the deciders (at most 2000 bytes)"`
		Until    *time.Time `json:"until,omitempty" doc:"The end asked for; absent: none"`
	}
}

type listRequestsInput struct {
	OrgPath
	PageQuery
	State    string `query:"state" enum:"pending,approved,denied,withdrawn" doc:"Only requests in this state"`
	User     string `query:"user" doc:"Only requests of this user (id or user:ID)"`
	Resource string `query:"resource" doc:"Only requests on this resource (org or TYPE:ID)"`
}

type approveInput struct {
	RequestPath
	Body *struct {
		Until *time.Time `json:"until,omitempty" doc:"When the grant ends; absent: the end asked for, or none"`
		Note  string     `json:"note,omitempty" doc:"Why (kept with the request)"`
	}
}

type denyInput struct {
	RequestPath
	Body *struct {
		Note string `json:"note,omitempty" doc:"Why (kept with the request)"`
	}
}

func (s *server) requestRoutes() {
	const base = "/v1/orgs/{org}/access-requests"
	tags := []string{"access requests"}
	endpoint(s, huma.Operation{OperationID: "createAccessRequest", Method: http.MethodPost, Path: base,
		Summary: "Ask for a role on a resource or on the org, for oneself", Tags: tags, DefaultStatus: http.StatusCreated,
		Description: "Any member (not a key). The role must be one grantable there; the same request while one is pending is 409 naming it."},
		func(ctx context.Context, in *createRequestInput) (*body[team.RequestView], error) {
			req := team.AccessRequestInput{Role: in.Body.Role, Resource: in.Body.Resource, Reason: in.Body.Reason}
			if in.Body.Until != nil {
				req.Until = *in.Body.Until
			}
			v, rev, err := s.svc.CreateRequest(ctx, actor(ctx), in.Org, req)
			if err != nil {
				return nil, err
			}
			return wrote(rev, v)
		})

	endpoint(s, huma.Operation{OperationID: "listAccessRequests", Method: http.MethodGet, Path: base,
		Summary: "List the access requests the caller may see, newest first", Tags: tags,
		Description: "A member sees their own; the user managers and auditors all; a resource's owner those on it. " +
			"A page may hold fewer than limit items and still have a next page."},
		func(ctx context.Context, in *listRequestsInput) (*body[team.Page[team.RequestView]], error) {
			p, err := s.svc.ListRequests(ctx, actor(ctx), in.Org, team.RequestQuery{State: in.State, User: in.User,
				Resource: in.Resource, After: in.PageToken, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "getAccessRequest", Method: http.MethodGet, Path: base + "/{id}",
		Summary: "An access request and what became of it", Tags: tags},
		func(ctx context.Context, in *RequestPath) (*body[team.RequestView], error) {
			v, err := s.svc.GetRequest(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return ok(v)
		})

	endpoint(s, huma.Operation{OperationID: "approveAccessRequest", Method: http.MethodPost, Path: base + "/{id}/approve",
		Summary: "Approve a pending request: make its grant in the same write", Tags: tags,
		Description: "A user manager, or the resource's owner, other than the requester; judged as creating that grant " +
			"(an approver never grants more than they could). 409 once the request is decided or withdrawn."},
		func(ctx context.Context, in *approveInput) (*body[team.RequestView], error) {
			var ai team.ApproveInput
			if in.Body != nil {
				ai.Note = in.Body.Note
				if in.Body.Until != nil {
					ai.Until = *in.Body.Until
				}
			}
			v, rev, err := s.svc.ApproveRequest(ctx, actor(ctx), in.Org, in.ID, ai)
			if err != nil {
				return nil, err
			}
			return wrote(rev, v)
		})

	endpoint(s, huma.Operation{OperationID: "denyAccessRequest", Method: http.MethodPost, Path: base + "/{id}/deny",
		Summary: "Deny a pending request", Tags: tags,
		Description: "A user manager, or the resource's owner. 409 once the request is decided or withdrawn."},
		func(ctx context.Context, in *denyInput) (*body[team.RequestView], error) {
			note := ""
			if in.Body != nil {
				note = in.Body.Note
			}
			v, rev, err := s.svc.DenyRequest(ctx, actor(ctx), in.Org, in.ID, note)
			if err != nil {
				return nil, err
			}
			return wrote(rev, v)
		})

	endpoint(s, huma.Operation{OperationID: "withdrawAccessRequest", Method: http.MethodPost, Path: base + "/{id}/withdraw",
		Summary: "Withdraw one's own pending request", Tags: tags},
		func(ctx context.Context, in *RequestPath) (*body[team.RequestView], error) {
			v, rev, err := s.svc.WithdrawRequest(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return wrote(rev, v)
		})
}
