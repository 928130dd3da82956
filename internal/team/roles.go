package team

import (
	"bytes"
	"context"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// RoleView is a role as clients see it.
type RoleView struct {
	scheme.JSONRole
	Description string `json:"description,omitempty"`
	Builtin     bool   `json:"builtin"`
}

func roleView(r *scheme.Role) RoleView {
	return RoleView{JSONRole: r.JSON(), Description: r.Description, Builtin: r.Builtin}
}

// ListRoles lists the scheme's roles and the org's custom roles.
func (s *Service) ListRoles(ctx context.Context, a Actor, org string) ([]RoleView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	out := []RoleView{}
	for _, r := range sc.Roles {
		out = append(out, roleView(r))
	}
	for _, r := range o.CustomRoles() {
		out = append(out, roleView(r))
	}
	return out, nil
}

// PermissionView is one entry of the catalog.
type PermissionView struct {
	ID           string `json:"id"`
	ResourceType string `json:"resource_type"`
	Description  string `json:"description"`
	Category     string `json:"category,omitempty"`
}

// ListPermissions returns the scheme's permission catalog.
func (s *Service) ListPermissions(ctx context.Context, a Actor, org string) ([]PermissionView, error) {
	_, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	out := make([]PermissionView, len(sc.Permissions))
	for i, p := range sc.Permissions {
		out[i] = PermissionView{ID: p.ID, ResourceType: p.Type, Description: p.Description, Category: p.Category}
	}
	return out, nil
}

// Matrix renders the org's rights matrix (built-in and custom roles).
func (s *Service) Matrix(ctx context.Context, a Actor, org, format string) ([]byte, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := scheme.NewMatrix(sc, o.CustomRoles()...).Write(&buf, format); err != nil {
		return nil, fault.Wrap(fault.Unprocessable, err)
	}
	return buf.Bytes(), nil
}

// CreateRole composes a custom role from the catalog. It needs user
// management at the org and may hold only permissions the creator holds
// there, so a custom role is never a way around the no-escalation rule.
func (s *Service) CreateRole(ctx context.Context, a Actor, org string, r domain.Role) (RoleView, int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return RoleView{}, 0, err
	}
	if err := s.authorize(o, sc, a, ActRoleCreate, nil); err != nil {
		return RoleView{}, 0, fault.E(fault.Forbidden, "creating roles needs user management at the organization")
	}
	r.Org, r.Builtin = org, false
	if _, exists := o.Role(r.ID); exists {
		return RoleView{}, 0, fault.E(fault.Conflict, "role %q exists", r.ID)
	}
	if len(r.Permissions) == 0 || len(r.Permissions) > scheme.MaxPermissions {
		return RoleView{}, 0, fault.E(fault.Unprocessable, "a role needs 1 to %d permissions", scheme.MaxPermissions)
	}
	compiled, err := sc.CompileRole(r)
	if err != nil {
		return RoleView{}, 0, fault.Wrap(fault.Unprocessable, err)
	}
	if err := sc.CheckViews(compiled); err != nil {
		return RoleView{}, 0, fault.Wrap(fault.Unprocessable, err)
	}
	if err := s.authorize(o, sc, a, ActRoleCreate, &Target{Perms: compiled.Perms}); err != nil {
		return RoleView{}, 0, err
	}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := s.checkRoleQuota(tx, org); err != nil {
			return nil, err
		}
		if err := tx.PutRole(r); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActRoleCreate), target: "role:" + r.ID, after: roleView(compiled),
			changes: []domain.Change{{Op: domain.OpPutRole, Role: &r}}}, nil
	})
	if err != nil {
		return RoleView{}, 0, err
	}
	return roleView(compiled), rev, nil
}

// DeleteRole removes a custom role that no grant or member uses.
func (s *Service) DeleteRole(ctx context.Context, a Actor, org, id string) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if err := s.authorize(o, sc, a, ActRoleDelete, nil); err != nil {
		return 0, fault.E(fault.Forbidden, "deleting roles needs user management at the organization")
	}
	if r, ok := o.Role(id); !ok || r.Builtin {
		return 0, notFound("custom role", id)
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		gs, _, err := tx.ListGrants(org, store.GrantFilter{}, "", 0)
		if err != nil {
			return nil, err
		}
		for _, g := range gs {
			if g.Role == id {
				return nil, fault.E(fault.Conflict, "role %s is used by grant %s; revoke it first", id, g.ID)
			}
		}
		if o.RoleHolders(id) > 0 {
			return nil, fault.E(fault.Conflict, "role %s is a member's role; change it first", id)
		}
		if err := tx.DeleteRole(org, id); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActRoleDelete), target: "role:" + id,
			changes: []domain.Change{{Op: domain.OpDeleteRole, Role: &domain.Role{Org: org, ID: id}}}}, nil
	})
}
