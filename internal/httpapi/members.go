package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// MemberPath names a member of an organization.
type MemberPath struct {
	Org    string `path:"org" doc:"Organization id"`
	UserID string `path:"user_id" doc:"User id"`
}

type listMembersInput struct {
	OrgPath
	PageQuery
	Q     string `query:"q" maxLength:"200" doc:"Only members whose name or email contains this text (ASCII letters in any case)"`
	Role  string `query:"role" doc:"Only members with this org role"`
	Sort  string `query:"sort" enum:"name,-name,email,-email,joined,-joined,last_login,-last_login" doc:"Order: name, email, joined or last_login (last sign-in), '-' first for the reverse; members who never signed in come last either way. Default: by user id. A page token is valid only with the q, role, state and sort it came with."`
	State string `query:"state" enum:"active,expired" doc:"Only members whose membership runs now (active) or has ended (expired: no access, no seat, listed until extended or removed)"`
}

type patchMemberInput struct {
	MemberPath
	Body struct {
		Role        string         `json:"role,omitempty" doc:"The new org role"`
		ExpiresAt   optionalTime   `json:"expires_at,omitempty" doc:"When the membership ends (RFC 3339, in the future); null takes the end away. From then on the member holds no access and no seat. Not for the scheme's top role."`
		DefaultRole optionalString `json:"default_role,omitempty" doc:"The member's default role: what each grant made with role \"default\" gives them, directly or through a group (Labelbox's Default role, which project assignment inherits). A role a project (or another resource) can carry; null or \"\" clears it. It takes the power to hand out the new and the old role wherever such a grant reaches them."`
	}
}

type removalOutput struct {
	team.Removal
	Revision int64 `json:"revision"`
}

type memberOutput struct {
	team.MemberView
	Revision int64 `json:"revision"`
}

func (s *server) memberRoutes() {
	endpoint(s, huma.Operation{OperationID: "listMembers", Method: http.MethodGet, Path: "/v1/orgs/{org}/members",
		Summary: "Members with role and last login", Tags: []string{"members"}},
		func(ctx context.Context, in *listMembersInput) (*body[team.Page[team.MemberView]], error) {
			p, err := s.svc.SearchMembers(ctx, actor(ctx), in.Org, team.MemberQuery{Q: in.Q, Role: in.Role, Sort: in.Sort,
				State: in.State, After: in.PageToken, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "getMember", Method: http.MethodGet, Path: "/v1/orgs/{org}/members/{user_id}",
		Summary: "A member's grants and effective access (the Member Access dialog)", Tags: []string{"members"}},
		func(ctx context.Context, in *MemberPath) (*body[memberDetail], error) {
			d, err := s.svc.GetMember(ctx, actor(ctx), in.Org, in.UserID)
			if err != nil {
				return nil, err
			}
			return ok(memberDetailOf(d))
		})

	endpoint(s, huma.Operation{OperationID: "updateMember", Method: http.MethodPatch, Path: "/v1/orgs/{org}/members/{user_id}",
		Summary: "Change a member's org role, default role, or when their membership ends, in place", Tags: []string{"members"},
		Description: "Every field is optional; those given are applied in one write. A role change takes the power to hand out both roles; " +
			"setting, moving or taking away the end takes the power to remove the member. Bringing back a membership that has ended takes a seat."},
		func(ctx context.Context, in *patchMemberInput) (*body[memberOutput], error) {
			u := team.MemberUpdate{ExpiresAt: in.Body.ExpiresAt.ptr(), DefaultRole: in.Body.DefaultRole.ptr()}
			if in.Body.Role != "" {
				u.Role = &in.Body.Role
			}
			if u.Role == nil && u.ExpiresAt == nil && u.DefaultRole == nil {
				return nil, fault.E(fault.Unprocessable, "nothing to change: give role, default_role, expires_at, or more than one")
			}
			m, rev, err := s.svc.UpdateMember(ctx, actor(ctx), in.Org, in.UserID, u)
			if err != nil {
				return nil, err
			}
			return wrote(rev, memberOutput{MemberView: m, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "removeMember", Method: http.MethodDelete, Path: "/v1/orgs/{org}/members/{user_id}",
		Summary: "Remove a member", Tags: []string{"members"},
		Description: "Their grants, group and team memberships go at once, and the keys they own stop (listed in the answer; " +
			"transfer a key first to keep it). The resources they own stay, with their owner recorded. " +
			"It takes the power to grant everything it ends."},
		func(ctx context.Context, in *MemberPath) (*body[removalOutput], error) {
			r, rev, err := s.svc.RemoveMember(ctx, actor(ctx), in.Org, in.UserID)
			if err != nil {
				return nil, err
			}
			return wrote(rev, removalOutput{Removal: r, Revision: rev})
		})
}

type inviteInput struct {
	OrgPath
	Body struct {
		Email               string                `json:"email"`
		Role                string                `json:"role,omitempty" doc:"Org role; default the scheme's base role (member)"`
		Grants              []domain.InvitedGrant `json:"grants,omitempty" doc:"Grants given on acceptance"`
		ExpiresInHours      int                   `json:"expires_in_hours,omitempty" doc:"Validity of the invitation, 1 to 2160 hours; default 168"`
		MembershipExpiresAt *time.Time            `json:"membership_expires_at,omitempty" doc:"When the membership it creates ends (a contractor's engagement); default never"`
	}
}

type invitationOutput struct {
	team.InvitationView
	Revision int64 `json:"revision"`
}

type invitationPath struct {
	Org string `path:"org" doc:"Organization id"`
	ID  string `path:"id" doc:"Invitation id"`
}

type listInvitationsInput struct {
	OrgPath
	PageQuery
	Q      string   `query:"q" maxLength:"200" doc:"Only invitations whose email contains this text"`
	Status []string `query:"status,explode" enum:"pending,expired,accepted,revoked" doc:"Only invitations in these states (repeat the parameter for several)"`
	Sort   string   `query:"sort" enum:"email,-email,created,-created,expires,-expires" doc:"Order: email, created or expires, '-' first for the reverse. Default: creation order."`
}

func (s *server) invitationRoutes() {
	endpoint(s, huma.Operation{OperationID: "invite", Method: http.MethodPost, Path: "/v1/orgs/{org}/invitations",
		Summary: "Invite someone by email", Tags: []string{"invitations"}, DefaultStatus: http.StatusCreated,
		Description: "The token appears only in this answer (and in the mail sent to the invitee)."},
		func(ctx context.Context, in *inviteInput) (*body[invitationOutput], error) {
			req := team.InviteRequest{Email: in.Body.Email, Role: in.Body.Role,
				Grants: in.Body.Grants, ExpiresInHours: in.Body.ExpiresInHours}
			if in.Body.MembershipExpiresAt != nil {
				req.MembershipExpiresAt = *in.Body.MembershipExpiresAt
			}
			v, rev, err := s.svc.Invite(ctx, actor(ctx), in.Org, req)
			if err != nil {
				return nil, err
			}
			return wrote(rev, invitationOutput{InvitationView: v, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "listInvitations", Method: http.MethodGet, Path: "/v1/orgs/{org}/invitations",
		Summary: "Invitations, without tokens", Tags: []string{"invitations"}},
		func(ctx context.Context, in *listInvitationsInput) (*body[team.Page[team.InvitationView]], error) {
			p, err := s.svc.SearchInvitations(ctx, actor(ctx), in.Org, team.InvitationQuery{Q: in.Q, Status: in.Status, Sort: in.Sort,
				After: in.PageToken, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			for i := range p.Items {
				p.Items[i].Token = ""
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "revokeInvitation", Method: http.MethodDelete, Path: "/v1/orgs/{org}/invitations/{id}",
		Summary: "Revoke a pending invitation", Tags: []string{"invitations"}, DefaultStatus: http.StatusNoContent},
		func(ctx context.Context, in *invitationPath) (*noContent, error) {
			rev, err := s.svc.RevokeInvitation(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})

	endpoint(s, huma.Operation{OperationID: "resendInvitation", Method: http.MethodPost, Path: "/v1/orgs/{org}/invitations/{id}/resend",
		Summary: "Mail a pending invitation again with a new link", Tags: []string{"invitations"},
		Description: "The previous link stops working; the new token is in this answer, as in the one to its creation."},
		func(ctx context.Context, in *invitationPath) (*body[invitationOutput], error) {
			v, rev, err := s.svc.ResendInvitation(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return wrote(rev, invitationOutput{InvitationView: v, Revision: rev})
		})
}
