package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

type listInput struct {
	OrgPath
	PageQuery
}

type createRoleInput struct {
	OrgPath
	Body struct {
		ID          string                  `json:"id" doc:"Role id, a lowercase name"`
		Name        string                  `json:"name"`
		Description string                  `json:"description,omitempty" doc:"What the role is for, in a sentence"`
		ScopeType   string                  `json:"scope_type" doc:"org, team or a resource type"`
		AlsoAt      []string                `json:"also_at,omitempty" doc:"Further scope types it may be granted at"`
		Permissions []domain.RolePermission `json:"permissions" doc:"Permissions of the scheme's catalog, each with an optional condition"`
	}
}

type roleOutput struct {
	team.RoleView
	Revision int64 `json:"revision"`
}

type updateRoleInput struct {
	Org  string `path:"org" doc:"Organization id"`
	ID   string `path:"id" doc:"Role id"`
	Body struct {
		Name        *string                  `json:"name,omitempty" doc:"New display name"`
		Description *string                  `json:"description,omitempty" doc:"New description; empty clears it"`
		Permissions *[]domain.RolePermission `json:"permissions,omitempty" doc:"The role's whole new permission list"`
	}
}

type rolePath struct {
	Org string `path:"org" doc:"Organization id"`
	ID  string `path:"id" doc:"Role id"`
}

type matrixInput struct {
	OrgPath
	Format string `query:"format" doc:"json (default), csv, md (or markdown) or html"`
}

type staleAccessInput struct {
	OrgPath
	Days   int    `query:"days" default:"90" doc:"No use for this many days counts as stale (1 to 3650)"`
	Format string `query:"format" doc:"json (default) or csv"`
}

type matrixOutput struct {
	ContentType string `header:"Content-Type"`
	Body        []byte
}

var matrixTypes = map[string]string{
	"json": "application/json",
	"csv":  "text/csv; charset=utf-8",
	"md":   "text/markdown; charset=utf-8",
	"html": "text/html; charset=utf-8",
}

type createGrantInput struct {
	OrgPath
	Body struct {
		Subject   string     `json:"subject" doc:"user:ID, group:ID or key:ID"`
		Role      string     `json:"role" doc:"A role id, or \"default\": each member the grant reaches (the user, or every member of the group) holds their own default role at the scope, and follows it when it changes. \"default\" is made at TYPE:ID or TYPE:*."`
		Scope     string     `json:"scope" doc:"org, TYPE:*, TYPE:ID or team:ID"`
		ExpiresAt *time.Time `json:"expires_at,omitempty" nullable:"true" doc:"When the grant ends; absent or null: never"`
	}
}

type grantOutput struct {
	team.GrantView
	Revision int64 `json:"revision"`
}

type listGrantsInput struct {
	OrgPath
	PageQuery
	Subject string `query:"subject" doc:"Only grants of this subject"`
	Scope   string `query:"scope" doc:"Only grants at this scope"`
	State   string `query:"state" enum:"active,expired" doc:"Only grants running now (active) or ended (expired; they give nothing and stay listed until revoked)"`
}

type grantPath struct {
	Org string `path:"org" doc:"Organization id"`
	ID  string `path:"id" doc:"Grant id"`
}

func (s *server) accessRoutes() {
	endpoint(s, huma.Operation{OperationID: "listRoles", Method: http.MethodGet, Path: "/v1/orgs/{org}/roles",
		Summary: "Built-in and custom roles", Tags: []string{"roles"}},
		func(ctx context.Context, in *listInput) (*body[team.Page[team.RoleView]], error) {
			list, err := s.svc.ListRoles(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(list, in.Limit, in.PageToken)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "createRole", Method: http.MethodPost, Path: "/v1/orgs/{org}/roles",
		Summary: "Compose a custom role from the catalog", Tags: []string{"roles"}, DefaultStatus: http.StatusCreated,
		Description: "Unknown permissions are refused with 422; a role may hold only permissions its creator holds."},
		func(ctx context.Context, in *createRoleInput) (*body[roleOutput], error) {
			r := domain.Role{ID: in.Body.ID, Name: in.Body.Name, Description: in.Body.Description, ScopeType: in.Body.ScopeType,
				AlsoAt: in.Body.AlsoAt, Permissions: in.Body.Permissions}
			v, rev, err := s.svc.CreateRole(ctx, actor(ctx), in.Org, r)
			if err != nil {
				return nil, err
			}
			return wrote(rev, roleOutput{RoleView: v, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "updateRole", Method: http.MethodPatch, Path: "/v1/orgs/{org}/roles/{id}",
		Summary: "Edit a custom role", Tags: []string{"roles"},
		Description: "Changes the fields present. The id and the scope types stay. The editor must hold every permission of the new role " +
			"as freely as the role does, and be able to make every grant of the role (its holders' access changes with it). " +
			"Checks at or after the returned revision see the new role; the change is audited as role.update."},
		func(ctx context.Context, in *updateRoleInput) (*body[roleOutput], error) {
			v, rev, err := s.svc.UpdateRole(ctx, actor(ctx), in.Org, in.ID,
				team.RolePatch{Name: in.Body.Name, Description: in.Body.Description, Permissions: in.Body.Permissions})
			if err != nil {
				return nil, err
			}
			return wrote(rev, roleOutput{RoleView: v, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "deleteRole", Method: http.MethodDelete, Path: "/v1/orgs/{org}/roles/{id}",
		Summary: "Delete a custom role no grant or member uses", Tags: []string{"roles"}, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *rolePath) (*noContent, error) {
			rev, err := s.svc.DeleteRole(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})

	endpoint(s, huma.Operation{OperationID: "listPermissions", Method: http.MethodGet, Path: "/v1/orgs/{org}/permissions",
		Summary: "The scheme's permission catalog", Tags: []string{"roles"}},
		func(ctx context.Context, in *listInput) (*body[team.Page[team.PermissionView]], error) {
			list, err := s.svc.ListPermissions(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(list, in.Limit, in.PageToken)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	text := &huma.Schema{Type: huma.TypeString}
	endpoint(s, huma.Operation{OperationID: "matrix", Method: http.MethodGet, Path: "/v1/orgs/{org}/matrix",
		Summary: "Rights matrix, roles × permissions", Tags: []string{"roles"},
		// The body is one of four formats; the document says which is what.
		Responses: map[string]*huma.Response{"200": {Description: "The matrix in the format asked",
			Content: map[string]*huma.MediaType{
				"application/json": {Schema: &huma.Schema{Type: huma.TypeObject, Required: []string{"roles"},
					Properties: map[string]*huma.Schema{"roles": {Type: huma.TypeArray, Items: &huma.Schema{Type: huma.TypeObject,
						Required: []string{"id", "name", "scope_type", "permissions"},
						Properties: map[string]*huma.Schema{"id": text, "name": text, "scope_type": text,
							"permissions": {Type: huma.TypeArray, Items: &huma.Schema{Type: huma.TypeObject, Required: []string{"id", "condition"},
								Properties: map[string]*huma.Schema{"id": text, "condition": text}}}}}}}}},
				"text/csv": {Schema: text}, "text/markdown": {Schema: text}, "text/html": {Schema: text}}}}},
		func(ctx context.Context, in *matrixInput) (*matrixOutput, error) {
			format := in.Format
			switch format {
			case "":
				format = "json"
			case "markdown":
				format = "md"
			}
			ct, known := matrixTypes[format]
			if !known {
				return nil, fault.E(fault.Invalid, "format %q: want json, csv, md or html", in.Format)
			}
			b, err := s.svc.Matrix(ctx, actor(ctx), in.Org, format)
			if err != nil {
				return nil, err
			}
			return &matrixOutput{ContentType: ct, Body: b}, nil
		})

	endpoint(s, huma.Operation{OperationID: "staleAccess", Method: http.MethodGet, Path: "/v1/orgs/{org}/reports/stale-access",
		Summary: "Stale access: idle members, unused keys, expired grants, groups without members", Tags: []string{"reports"},
		Description: "For the user managers and the auditors; idle members only for who lists members, unused keys only for who lists keys. " +
			"format=csv gives one row per item.",
		Responses: jsonOrCSVResponses(s, "The report in the format asked", reflect.TypeFor[team.StaleAccess](), "StaleAccess")},
		func(ctx context.Context, in *staleAccessInput) (*matrixOutput, error) {
			if err := jsonOrCSVFormat(in.Format); err != nil {
				return nil, err
			}
			rep, err := s.svc.StaleAccess(ctx, actor(ctx), in.Org, in.Days)
			if err != nil {
				return nil, err
			}
			return jsonOrCSV(in.Format, rep, func() ([]byte, error) { return team.StaleAccessCSV(rep) })
		})

	endpoint(s, huma.Operation{OperationID: "createGrant", Method: http.MethodPost, Path: "/v1/orgs/{org}/grants",
		Summary: "Grant a role at a scope", Tags: []string{"grants"}, DefaultStatus: http.StatusCreated,
		Description: "No escalation: the caller must manage users there and hold every permission of the role."},
		func(ctx context.Context, in *createGrantInput) (*body[grantOutput], error) {
			req := team.GrantRequest{Subject: in.Body.Subject, Role: in.Body.Role, Scope: in.Body.Scope}
			if in.Body.ExpiresAt != nil {
				req.ExpiresAt = *in.Body.ExpiresAt
			}
			g, rev, err := s.svc.CreateGrant(ctx, actor(ctx), in.Org, req)
			if err != nil {
				return nil, err
			}
			return wrote(rev, grantOutput{GrantView: g, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "listGrants", Method: http.MethodGet, Path: "/v1/orgs/{org}/grants",
		Summary: "Grants, by subject or scope", Tags: []string{"grants"}},
		func(ctx context.Context, in *listGrantsInput) (*body[team.Page[team.GrantView]], error) {
			p, err := s.svc.ListGrants(ctx, actor(ctx), in.Org, team.GrantQuery{Subject: in.Subject, Scope: in.Scope,
				State: in.State, After: in.PageToken, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "deleteGrant", Method: http.MethodDelete, Path: "/v1/orgs/{org}/grants/{id}",
		Summary: "Revoke a grant", Tags: []string{"grants"}},
		func(ctx context.Context, in *grantPath) (*body[revisionBody], error) {
			rev, err := s.svc.DeleteGrant(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return wrote(rev, revisionBody{Revision: rev})
		})
}

// jsonOrCSVResponses documents a report answered as JSON (schema of typ)
// or, with format=csv, as one CSV table.
func jsonOrCSVResponses(s *server, desc string, typ reflect.Type, name string) map[string]*huma.Response {
	return map[string]*huma.Response{"200": {Description: desc,
		Content: map[string]*huma.MediaType{"application/json": {Schema: s.api.OpenAPI().Components.Schemas.Schema(typ, true, name)},
			"text/csv": {Schema: &huma.Schema{Type: huma.TypeString}}}}}
}

// jsonOrCSVFormat refuses a format such a report does not speak.
func jsonOrCSVFormat(format string) error {
	if format != "" && format != "json" && format != "csv" {
		return fault.E(fault.Invalid, "format %q: want json or csv", format)
	}
	return nil
}

// jsonOrCSV answers v as JSON, or as the CSV that csv writes.
func jsonOrCSV(format string, v any, csv func() ([]byte, error)) (*matrixOutput, error) {
	if format == "csv" {
		b, err := csv()
		return &matrixOutput{ContentType: matrixTypes["csv"], Body: b}, err
	}
	b, err := json.Marshal(v)
	return &matrixOutput{ContentType: matrixTypes["json"], Body: b}, err
}
