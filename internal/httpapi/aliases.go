package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

type aliasPath struct {
	MemberPath
	Alias string `path:"alias" maxLength:"255" doc:"An external id of the member: an IdP subject, an email, a user name (percent-encode a '/')"`
}

type aliasList struct {
	Aliases []string `json:"aliases" doc:"The member's aliases, in byte order"`
}

func (s *server) aliasRoutes() {
	const base = "/v1/orgs/{org}/members/{user_id}/aliases"
	endpoint(s, huma.Operation{OperationID: "listMemberAliases", Method: http.MethodGet, Path: base,
		Summary: "The external ids a member is known by", Tags: []string{"members"},
		Description: "The AuthZEN endpoints resolve a subject id that is one of these to the member. Reading them takes what seeing the member takes."},
		func(ctx context.Context, in *MemberPath) (*body[aliasList], error) {
			as, err := s.svc.ListAliases(ctx, actor(ctx), in.Org, in.UserID)
			if err != nil {
				return nil, err
			}
			return ok(aliasList{Aliases: as})
		})

	endpoint(s, huma.Operation{OperationID: "setMemberAlias", Method: http.MethodPut, Path: base + "/{alias}",
		Summary: "Give a member an alias", Tags: []string{"members"}, DefaultStatus: http.StatusNoContent,
		Description: "An alias names one member of the organization: one naming another member is 409. " +
			"Setting an alias the member has already changes nothing. It takes what managing the member takes."},
		func(ctx context.Context, in *aliasPath) (*noContent, error) {
			rev, err := s.svc.SetAlias(ctx, actor(ctx), in.Org, in.UserID, in.Alias)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})

	endpoint(s, huma.Operation{OperationID: "deleteMemberAlias", Method: http.MethodDelete, Path: base + "/{alias}",
		Summary: "Take an alias away from a member", Tags: []string{"members"}, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *aliasPath) (*noContent, error) {
			rev, err := s.svc.DeleteAlias(ctx, actor(ctx), in.Org, in.UserID, in.Alias)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})
}
