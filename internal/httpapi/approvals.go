package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/team"
)

// GatePath names an approval gate by the permission it holds back.
type GatePath struct {
	OrgPath
	Permission string `path:"permission" doc:"The gated permission, e.g. training.export"`
}

// ApprovalPath names an approval window.
type ApprovalPath struct {
	OrgPath
	ID string `path:"id" doc:"Approval id"`
}

type setGateInput struct {
	GatePath
	Body team.GateRequest
}

type listGatesInput struct {
	OrgPath
	PageQuery
}

type createApprovalInput struct {
	OrgPath
	Body team.ApprovalRequest
}

type listApprovalsInput struct {
	OrgPath
	PageQuery
	State string `query:"state" enum:"active,ended" doc:"Only windows open now (active) or over (ended early or run out); absent: both"`
}

func (s *server) approvalRoutes() {
	tags := []string{"approvals"}
	const gates, approvals = "/v1/orgs/{org}/approval-gates", "/v1/orgs/{org}/approvals"
	endpoint(s, huma.Operation{OperationID: "listApprovalGates", Method: http.MethodGet, Path: gates,
		Summary: "List the permissions that need approval, with the role that approves each", Tags: tags,
		Description: "For who lists members, and the auditors."},
		func(ctx context.Context, in *listGatesInput) (*body[team.Page[team.GateView]], error) {
			l, err := s.svc.ListGates(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(l, in.Limit, in.PageToken)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "setApprovalGate", Method: http.MethodPut, Path: gates + "/{permission}",
		Summary: "Mark a permission as needing approval", Tags: tags,
		Description: "From then on a check for the permission is allowed only where the roles held allow it and an approval window, " +
			"opened by a holder of approver_role, covers the subject and resource. Permissions the management policy names are refused (400). " +
			"For the user managers who hold the permission across the organization; audited."},
		func(ctx context.Context, in *setGateInput) (*body[team.GateView], error) {
			v, err := s.svc.SetGate(ctx, actor(ctx), in.Org, in.Permission, in.Body)
			if err != nil {
				return nil, err
			}
			return wrote(v.Revision, v)
		})

	endpoint(s, huma.Operation{OperationID: "deleteApprovalGate", Method: http.MethodDelete, Path: gates + "/{permission}",
		Summary: "Lift an approval gate", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "Hands the permission back to everyone who holds it by role, so it takes what setting the gate takes; audited."},
		func(ctx context.Context, in *GatePath) (*noContent, error) {
			rev, err := s.svc.DeleteGate(ctx, actor(ctx), in.Org, in.Permission)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})

	endpoint(s, huma.Operation{OperationID: "createApproval", Method: http.MethodPost, Path: approvals,
		Summary: "Approve a gated permission for a user or key, at a resource (or the org), until a time", Tags: tags,
		DefaultStatus: http.StatusCreated,
		Description: "By a user holding the gate's approver role at the resource or above it, who holds the permission there too; " +
			"never for oneself or one's own key. until is required, in the future and at most 30 days ahead; audited."},
		func(ctx context.Context, in *createApprovalInput) (*body[team.ApprovalView], error) {
			v, err := s.svc.CreateApproval(ctx, actor(ctx), in.Org, in.Body)
			if err != nil {
				return nil, err
			}
			return wrote(v.Revision, v)
		})

	endpoint(s, huma.Operation{OperationID: "listApprovals", Method: http.MethodGet, Path: approvals,
		Summary: "List approval windows, newest first", Tags: tags,
		Description: "For who lists members, and the auditors."},
		func(ctx context.Context, in *listApprovalsInput) (*body[team.Page[team.ApprovalView]], error) {
			l, err := s.svc.ListApprovals(ctx, actor(ctx), in.Org, in.State)
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(l, in.Limit, in.PageToken)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "endApproval", Method: http.MethodDelete, Path: approvals + "/{id}",
		Summary: "End an approval window early", Tags: tags,
		Description: "By its subject, a holder of the gate's approver role there, or a user manager; 409 once it has ended; audited. " +
			"The window stays listed as ended."},
		func(ctx context.Context, in *ApprovalPath) (*body[team.ApprovalView], error) {
			v, err := s.svc.EndApproval(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return wrote(v.Revision, v)
		})
}
