package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

type createKeyInput struct {
	OrgPath
	Body struct {
		Name      string     `json:"name"`
		Role      string     `json:"role" doc:"The one role the key holds; never more than its creator holds"`
		Scope     string     `json:"scope,omitempty" doc:"Where the role applies; default org"`
		ExpiresAt *time.Time `json:"expires_at,omitempty" nullable:"true" doc:"When the key stops working; absent or null: never"`
	}
}

type keyOutput struct {
	team.KeyView
	Revision int64 `json:"revision"`
}

// KeyPath names a secret key of an organization.
type KeyPath struct {
	Org string `path:"org" doc:"Organization id"`
	ID  string `path:"id" doc:"Key id"`
}

type rotateKeyInput struct {
	KeyPath
	Body *struct {
		OverlapSeconds int64 `json:"overlap_seconds,omitempty" doc:"How long the old secret keeps working, 0 to 2592000"`
	}
}

type transferKeyInput struct {
	KeyPath
	Body struct {
		Owner string `json:"owner" minLength:"1" doc:"User id of the member who will own the key; they must hold everything it holds"`
	}
}

func (s *server) keyRoutes() {
	endpoint(s, huma.Operation{OperationID: "createKey", Method: http.MethodPost, Path: "/v1/orgs/{org}/keys",
		Summary: "Create a secret key", Tags: []string{"keys"}, DefaultStatus: http.StatusCreated,
		Description: "The secret appears only in this answer; the server keeps only its hash."},
		func(ctx context.Context, in *createKeyInput) (*body[keyOutput], error) {
			req := team.KeyRequest{Name: in.Body.Name, Role: in.Body.Role, Scope: in.Body.Scope}
			if in.Body.ExpiresAt != nil {
				req.ExpiresAt = *in.Body.ExpiresAt
			}
			k, rev, err := s.svc.CreateKey(ctx, actor(ctx), in.Org, req)
			if err != nil {
				return nil, err
			}
			return wrote(rev, keyOutput{KeyView: k, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "listKeys", Method: http.MethodGet, Path: "/v1/orgs/{org}/keys",
		Summary: "Secret keys, never their secrets", Tags: []string{"keys"}},
		func(ctx context.Context, in *listKeysInput) (*body[team.Page[team.KeyView]], error) {
			state, found := keyStates[in.State]
			if !found {
				return nil, fault.E(fault.Invalid, "state: want one of any, active (or live), expired, unrevoked or revoked")
			}
			p, err := s.svc.ListKeys(ctx, actor(ctx), in.Org, team.KeyQuery{State: state, Owner: in.Owner, Search: in.Q,
				After: in.PageToken, Limit: in.Limit})
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "rotateKey", Method: http.MethodPost, Path: "/v1/orgs/{org}/keys/{id}/rotate",
		Summary: "Issue a new secret", Tags: []string{"keys"},
		Description: "The old secret keeps working until the overlap ends; the new one appears only in this answer."},
		func(ctx context.Context, in *rotateKeyInput) (*body[keyOutput], error) {
			var overlap int64
			if in.Body != nil {
				overlap = in.Body.OverlapSeconds
			}
			if overlap < 0 || overlap > 30*24*3600 {
				return nil, fault.E(fault.Unprocessable, "overlap_seconds: want 0 to 2592000")
			}
			k, rev, err := s.svc.RotateKey(ctx, actor(ctx), in.Org, in.ID, time.Duration(overlap)*time.Second)
			if err != nil {
				return nil, err
			}
			return wrote(rev, keyOutput{KeyView: k, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "transferKey", Method: http.MethodPost, Path: "/v1/orgs/{org}/keys/{id}/transfer",
		Summary: "Hand a key to another member", Tags: []string{"keys"},
		Description: "A key holds its grants only as far as its owner holds them; the new owner must hold everything the key holds " +
			"(409 otherwise), and so must the caller. The secret does not change."},
		func(ctx context.Context, in *transferKeyInput) (*body[keyOutput], error) {
			k, rev, err := s.svc.TransferKey(ctx, actor(ctx), in.Org, in.ID, in.Body.Owner)
			if err != nil {
				return nil, err
			}
			return wrote(rev, keyOutput{KeyView: k, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "revokeKey", Method: http.MethodDelete, Path: "/v1/orgs/{org}/keys/{id}",
		Summary: "Revoke a secret key", Tags: []string{"keys"}, DefaultStatus: http.StatusNoContent,
		Description: "The next request with the key gets 401."},
		func(ctx context.Context, in *KeyPath) (*noContent, error) {
			rev, err := s.svc.RevokeKey(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return done(rev)
		})
}

type listKeysInput struct {
	OrgPath
	PageQuery
	State string `query:"state" doc:"Only keys in this state: any (the default), active or live (neither revoked nor expired), expired, unrevoked or revoked"`
	Owner string `query:"owner" doc:"Only the keys this member (a user id) owns"`
	Q     string `query:"q" maxLength:"200" doc:"Only the keys whose name or prefix contains this, in any case"`
}

var keyStates = map[string]team.KeyState{"": team.AnyKey, "any": team.AnyKey, "live": team.LiveKey, "active": team.LiveKey,
	"expired": team.ExpiredKey, "unrevoked": team.UnrevokedKey, "revoked": team.RevokedKey}

type auditInput struct {
	OrgPath
	PageQuery
	Actor  string `query:"actor" doc:"Only events of this actor (user:ID or key:ID)"`
	Action string `query:"action" doc:"Only events of this action, e.g. grant.create"`
}

type verifyOutput struct {
	OK          bool   `json:"ok"`
	Events      int64  `json:"events"`
	FirstBadSeq *int64 `json:"first_bad_seq" doc:"Sequence number of the first event that fails; null when ok"`
	Reason      string `json:"reason,omitempty" doc:"What is wrong with the first event that fails: edited, sealed without the audit key, out of place, or missing against a signed checkpoint"`
}

func (s *server) auditRoutes() {
	endpoint(s, huma.Operation{OperationID: "listAudit", Method: http.MethodGet, Path: "/v1/orgs/{org}/audit",
		Summary: "The audit log, newest first", Tags: []string{"audit"}},
		func(ctx context.Context, in *auditInput) (*body[team.Page[team.AuditView]], error) {
			p, err := s.svc.ListAudit(ctx, actor(ctx), in.Org, in.PageToken, in.Limit,
				team.AuditFilter{Actor: in.Actor, Action: in.Action})
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "verifyAudit", Method: http.MethodGet, Path: "/v1/orgs/{org}/audit/verify",
		Summary: "Recompute the audit hash chain", Tags: []string{"audit"}},
		func(ctx context.Context, in *OrgPath) (*body[verifyOutput], error) {
			v, err := s.svc.VerifyAudit(ctx, actor(ctx), in.Org)
			if err != nil {
				return nil, err
			}
			out := verifyOutput{OK: v.OK, Events: v.Events, Reason: v.Reason}
			if !v.OK {
				out.FirstBadSeq = &v.FirstBadSeq
			}
			return ok(out)
		})
}
