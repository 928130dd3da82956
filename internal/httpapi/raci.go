package httpapi

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/team"
)

type raciInput struct {
	OrgPath
	Format string `query:"format" doc:"json (default), md (or markdown), csv or html (a standalone, printable page)"`
}

// AssignmentPath names a named assignment of an organization.
type AssignmentPath struct {
	Org  string `path:"org" doc:"Organization id"`
	Name string `path:"name" doc:"Name of the assignment, e.g. QA lead (URL-escaped), any case"`
}

type setAssignmentInput struct {
	AssignmentPath
	Body team.AssignmentRequest
}

type deleteAssignmentInput struct {
	AssignmentPath
	Scope string `query:"scope" doc:"all (default) or the resource the assignment is for, e.g. dataset:cats"`
}

type listAssignmentsInput struct {
	OrgPath
	PageQuery
}

func (s *server) raciRoutes() {
	text := &huma.Schema{Type: huma.TypeString}
	endpoint(s, huma.Operation{OperationID: "raciReport", Method: http.MethodGet, Path: "/v1/orgs/{org}/reports/raci",
		Summary: "RACI: who is responsible, accountable, consulted and informed, by name", Tags: []string{"reports"},
		Description: "Seed 000's four RACI tables (labeling and dataset QA, training runs, model export, secret keys and billing) " +
			"filled in with the members who hold each row's permissions, for All and per dataset or training project where that differs, " +
			"and with the holders of the named assignments the rows ask for (or how to name them). For the user managers and the auditors. " +
			"A scheme without a RACI template answers with no tables and a note.",
		Responses: map[string]*huma.Response{"200": {Description: "The report in the format asked",
			Content: map[string]*huma.MediaType{"application/json": {Schema: s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[team.RACIReport](), true, "RACIReport")},
				"text/markdown": {Schema: text}, "text/csv": {Schema: text}, "text/html": {Schema: text}}}}},
		func(ctx context.Context, in *raciInput) (*matrixOutput, error) {
			if _, _, err := team.RenderRACI(team.RACIReport{}, in.Format); err != nil {
				return nil, err
			}
			rep, err := s.svc.RACI(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			ct, b, err := team.RenderRACI(rep, in.Format)
			return &matrixOutput{ContentType: ct, Body: b}, err
		})

	tags := []string{"assignments"}
	endpoint(s, huma.Operation{OperationID: "listAssignments", Method: http.MethodGet, Path: "/v1/orgs/{org}/assignments",
		Summary: "List named assignments", Tags: tags,
		Description: "Named assignments (\"QA lead\", \"security lead\") say who does a duty the platform has no permission for; " +
			"the RACI report names them. They grant nothing. For the user managers and the auditors."},
		func(ctx context.Context, in *listAssignmentsInput) (*body[team.Page[team.AssignmentView]], error) {
			l, err := s.svc.ListAssignments(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(l, in.Limit, in.PageToken)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "setAssignment", Method: http.MethodPut, Path: "/v1/orgs/{org}/assignments/{name}",
		Summary: "Name the members who hold an assignment", Tags: tags,
		Description: "Replaces who holds the assignment at the scope (all, the default, or one resource such as dataset:cats). " +
			"Every user must be a member (422 otherwise). For the user managers; audited. It grants nothing."},
		func(ctx context.Context, in *setAssignmentInput) (*body[team.AssignmentView], error) {
			v, err := s.svc.SetAssignment(ctx, actor(ctx), in.Org, in.Name, in.Body)
			if err != nil {
				return nil, err
			}
			return wrote(v.Revision, v)
		})

	endpoint(s, huma.Operation{OperationID: "deleteAssignment", Method: http.MethodDelete, Path: "/v1/orgs/{org}/assignments/{name}",
		Summary: "Delete a named assignment", Tags: tags, DefaultStatus: http.StatusNoContent,
		Description: "At the scope given (all by default). For the user managers; audited."},
		func(ctx context.Context, in *deleteAssignmentInput) (*noContent, error) {
			rev, err := s.svc.DeleteAssignment(ctx, actor(ctx), in.Org, in.Name, in.Scope)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})
}
