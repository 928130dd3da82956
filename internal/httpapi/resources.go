package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// ResourcePath names a resource of an organization.
type ResourcePath struct {
	Org  string `path:"org" doc:"Organization id"`
	Type string `path:"type" doc:"Resource type of the org's scheme"`
	ID   string `path:"id" doc:"Resource id"`
}

func (p ResourcePath) ref() (domain.Ref, error) {
	ref, err := domain.ParseRef(p.Type + ":" + p.ID)
	if err != nil {
		// Nothing by that name can exist; the same answer as for an unknown one.
		return ref, fault.E(fault.NotFound, "resource %q not found", p.Type+":"+p.ID)
	}
	return ref, nil
}

type putResourceInput struct {
	ResourcePath
	Body *resourceBody
}

type resourceBody struct {
	Name       string            `json:"name,omitempty"`
	Parent     string            `json:"parent,omitempty" doc:"TYPE:ID of the parent resource, for child types"`
	Team       string            `json:"team,omitempty" doc:"Team id, for types that can be attached to a team"`
	Owner      string            `json:"owner,omitempty" doc:"User id of the owner; default the calling user"`
	Attributes map[string]string `json:"attributes,omitempty" doc:"Attributes conditions may read, e.g. {\"task\":\"rework\"}"`
}

type listResourcesInput struct {
	OrgPath
	PageQuery
	Type string `query:"type" doc:"Only resources of this type"`
}

type resourceAccessInput struct {
	ResourcePath
	PageQuery
}

func (s *server) resourceRoutes() {
	endpoint(s, huma.Operation{OperationID: "putResource", Method: http.MethodPut, Path: "/v1/orgs/{org}/resources/{type}/{id}",
		Summary: "Register (create or replace) a resource", Tags: []string{"resources"}},
		func(ctx context.Context, in *putResourceInput) (*body[team.ResourceView], error) {
			var b resourceBody
			if in.Body != nil {
				b = *in.Body
			}
			v, err := s.svc.PutResource(ctx, actor(ctx), in.Org, team.ResourceRequest{Type: in.Type, ID: in.ID,
				Name: b.Name, Parent: b.Parent, Team: b.Team, Owner: b.Owner, Attributes: b.Attributes})
			if err != nil {
				return nil, err
			}
			return wrote(v.Revision, v)
		})

	endpoint(s, huma.Operation{OperationID: "getResource", Method: http.MethodGet, Path: "/v1/orgs/{org}/resources/{type}/{id}",
		Summary: "A resource", Tags: []string{"resources"}},
		func(ctx context.Context, in *ResourcePath) (*body[team.ResourceView], error) {
			ref, err := in.ref()
			if err != nil {
				return nil, err
			}
			v, err := s.svc.GetResource(ctx, actor(ctx), in.Org, ref)
			if err != nil {
				return nil, err
			}
			return ok(v)
		})

	endpoint(s, huma.Operation{OperationID: "deleteResource", Method: http.MethodDelete, Path: "/v1/orgs/{org}/resources/{type}/{id}",
		Summary: "Remove a resource and its children", Tags: []string{"resources"},
		Description: "Grants at the removed resources go with them. Answers the revision to pass as at_least_revision."},
		func(ctx context.Context, in *ResourcePath) (*body[revisionBody], error) {
			ref, err := in.ref()
			if err != nil {
				return nil, err
			}
			rev, err := s.svc.DeleteResource(ctx, actor(ctx), in.Org, ref)
			if err != nil {
				return nil, err
			}
			return wrote(rev, revisionBody{Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "listResources", Method: http.MethodGet, Path: "/v1/orgs/{org}/resources",
		Summary: "Resources, of one type or all", Tags: []string{"resources"}},
		func(ctx context.Context, in *listResourcesInput) (*body[team.Page[team.ResourceView]], error) {
			p, err := s.svc.ListResources(ctx, actor(ctx), in.Org, in.Type, in.PageToken, in.Limit)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "resourceAccess", Method: http.MethodGet, Path: "/v1/orgs/{org}/resources/{type}/{id}/access",
		Summary: "Who can access a resource, and through which grant", Tags: []string{"resources", "audit"}},
		func(ctx context.Context, in *resourceAccessInput) (*body[team.Page[accessEntry]], error) {
			ref, err := in.ref()
			if err != nil {
				return nil, err
			}
			list, err := s.svc.ResourceAccess(ctx, actor(ctx), in.Org, ref)
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(list, in.Limit, in.PageToken)
			if err != nil {
				return nil, err
			}
			out := accessEntriesOf(p)
			if err := nameEach(ctx, s, in.Org, out.Items); err != nil {
				return nil, err
			}
			return ok(out)
		})
}
