package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/team"
)

type nameInput struct {
	OrgPath
	Body struct {
		Name string `json:"name"`
	}
}

// CollectionPath names a team or group of an organization.
type CollectionPath struct {
	Org string `path:"org" doc:"Organization id"`
	ID  string `path:"id" doc:"Team or group id"`
}

type renameInput struct {
	CollectionPath
	Body struct {
		Name string `json:"name"`
	}
}

type collectionMemberPath struct {
	Org    string `path:"org" doc:"Organization id"`
	ID     string `path:"id" doc:"Team or group id"`
	UserID string `path:"user_id" doc:"User id of a member of the organization"`
}

// collectionOps are the use cases of teams or of groups.
type collectionOps struct {
	kind, plural string
	create       func(context.Context, team.Actor, string, string) (team.CollectionView, error)
	list         func(context.Context, team.Actor, string) ([]team.CollectionView, error)
	rename       func(context.Context, team.Actor, string, string, string) (team.CollectionView, error)
	remove       func(context.Context, team.Actor, string, string) (int64, error)
	setMember    func(context.Context, team.Actor, string, string, string, bool) (int64, error)
}

type listCollectionsInput struct {
	OrgPath
	PageQuery
	Q    string `query:"q" maxLength:"200" doc:"Only those whose name contains this, in any case"`
	Sort string `query:"sort" enum:"name,-name,members,-members" doc:"Order: by name or member count, - for the reverse (default: creation order)"`
}

func (s *server) collectionRoutes() {
	for _, c := range []collectionOps{
		{kind: "Team", plural: "teams", create: s.svc.CreateTeam, list: s.svc.ListTeams, rename: s.svc.RenameTeam,
			remove: s.svc.DeleteTeam, setMember: s.svc.SetTeamMember},
		{kind: "Group", plural: "groups", create: s.svc.CreateGroup, list: s.svc.ListGroups, rename: s.svc.RenameGroup,
			remove: s.svc.DeleteGroup, setMember: s.svc.SetGroupMember},
	} {
		base := "/v1/orgs/{org}/" + c.plural
		tags := []string{c.plural}

		endpoint(s, huma.Operation{OperationID: "create" + c.kind, Method: http.MethodPost, Path: base,
			Summary: "Create a " + c.plural[:len(c.plural)-1], Tags: tags, DefaultStatus: http.StatusCreated},
			func(ctx context.Context, in *nameInput) (*body[team.CollectionView], error) {
				v, err := c.create(ctx, actor(ctx), in.Org, in.Body.Name)
				if err != nil {
					return nil, err
				}
				return wrote(v.Revision, v)
			})

		endpoint(s, huma.Operation{OperationID: "list" + c.kind + "s", Method: http.MethodGet, Path: base,
			Summary: "List " + c.plural + " with their members", Tags: tags},
			func(ctx context.Context, in *listCollectionsInput) (*body[team.Page[team.CollectionView]], error) {
				list, err := c.list(ctx, actor(ctx), in.Org)
				if err != nil {
					return nil, err
				}
				if list, err = team.FindCollections(list, in.Q, in.Sort); err != nil {
					return nil, err
				}
				p, err := team.PageOf(list, in.Limit, in.PageToken)
				if err != nil {
					return nil, err
				}
				return ok(p)
			})

		endpoint(s, huma.Operation{OperationID: "rename" + c.kind, Method: http.MethodPatch, Path: base + "/{id}",
			Summary: "Rename a " + c.plural[:len(c.plural)-1], Tags: tags},
			func(ctx context.Context, in *renameInput) (*body[team.CollectionView], error) {
				v, err := c.rename(ctx, actor(ctx), in.Org, in.ID, in.Body.Name)
				if err != nil {
					return nil, err
				}
				return wrote(v.Revision, v)
			})

		endpoint(s, huma.Operation{OperationID: "delete" + c.kind, Method: http.MethodDelete, Path: base + "/{id}",
			Summary: "Delete a " + c.plural[:len(c.plural)-1] + " and the grants it held", Tags: tags,
			DefaultStatus: http.StatusNoContent},
			func(ctx context.Context, in *CollectionPath) (*noContent, error) {
				rev, err := c.remove(ctx, actor(ctx), in.Org, in.ID)
				if err != nil {
					return nil, err
				}
				return done(rev)
			})

		endpoint(s, huma.Operation{OperationID: "add" + c.kind + "Member", Method: http.MethodPut, Path: base + "/{id}/members/{user_id}",
			Summary: "Add a member", Tags: tags, DefaultStatus: http.StatusNoContent},
			func(ctx context.Context, in *collectionMemberPath) (*noContent, error) {
				rev, err := c.setMember(ctx, actor(ctx), in.Org, in.ID, in.UserID, false)
				if err != nil {
					return nil, err
				}
				return done(rev)
			})

		endpoint(s, huma.Operation{OperationID: "remove" + c.kind + "Member", Method: http.MethodDelete, Path: base + "/{id}/members/{user_id}",
			Summary: "Remove a member", Tags: tags, DefaultStatus: http.StatusNoContent},
			func(ctx context.Context, in *collectionMemberPath) (*noContent, error) {
				rev, err := c.setMember(ctx, actor(ctx), in.Org, in.ID, in.UserID, true)
				if err != nil {
					return nil, err
				}
				return done(rev)
			})
	}
}
