package team

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

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
	if err := MatrixOf(sc, o.CustomRoles()...).Write(&buf, format); err != nil {
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

// RolePatch is an edit of a custom role: the fields present change. Its
// id and the scope types it is granted at stay, since grants name them.
type RolePatch struct {
	Name        *string
	Description *string
	Permissions *[]domain.RolePermission
}

// UpdateRole edits a custom role. The editor needs user management, must
// hold every permission of the new role as freely as it does (as for
// composing one), and must be able to make every grant of the role, since
// what those grants carry changes with it (rule 2). Checks see the new
// role from the revision returned.
func (s *Service) UpdateRole(ctx context.Context, a Actor, org, id string, p RolePatch) (RoleView, int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return RoleView{}, 0, err
	}
	if err := s.authorize(o, sc, a, ActRoleUpdate, nil); err != nil {
		return RoleView{}, 0, fault.E(fault.Forbidden, "editing roles needs user management at the organization")
	}
	if cur, ok := o.Role(id); !ok || cur.Builtin {
		return RoleView{}, 0, notFound("custom role", id)
	}
	var before, r domain.Role
	var ends []domain.Grant
	if err := s.view(ctx, func(rd store.Reader) error {
		var err error
		if before, err = rd.GetRole(org, id); err != nil {
			return notFound("custom role", id)
		}
		ends, err = s.roleGrants(rd, org, id)
		return err
	}); err != nil {
		return RoleView{}, 0, err
	}
	r = before
	r.Org, r.Builtin = org, false
	if p.Name != nil {
		r.Name = strings.TrimSpace(*p.Name)
	}
	if p.Description != nil {
		r.Description = strings.TrimSpace(*p.Description)
		if len(r.Description) > 500 {
			return RoleView{}, 0, fault.E(fault.Unprocessable, "a role's description takes at most 500 characters")
		}
	}
	if p.Permissions != nil {
		r.Permissions = *p.Permissions
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
	if o.RoleHolders(id) > 0 {
		ends = append(ends, domain.Grant{Role: id, Scope: domain.OrgScope()}) // a member's org role
	}
	if err := s.authorize(o, sc, a, ActRoleUpdate, &Target{Perms: compiled.Perms, Ends: ends}); err != nil {
		return RoleView{}, 0, err
	}
	old, _ := o.Role(id)
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		cur, err := tx.GetRole(org, id)
		if err != nil {
			return nil, notFound("custom role", id)
		}
		if !slices.Equal(cur.Permissions, before.Permissions) {
			return nil, fault.E(fault.Conflict, "role %s changed meanwhile; reload and edit it again", id)
		}
		if err := tx.PutRole(r); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActRoleUpdate), target: "role:" + id, before: roleView(old), after: roleView(compiled),
			changes: []domain.Change{{Op: domain.OpPutRole, Role: &r}}}, nil
	})
	if err != nil {
		return RoleView{}, 0, err
	}
	return roleView(compiled), rev, nil
}

// roleGrants are the grants that bind a role.
func (s *Service) roleGrants(r store.Reader, org, id string) ([]domain.Grant, error) {
	gs, _, err := r.ListGrants(org, store.GrantFilter{}, "", 0)
	var out []domain.Grant
	for _, g := range gs {
		if g.Role == id {
			out = append(out, g)
		}
	}
	return out, err
}

// RoleHolders says, in words, who holds a custom role and where: "Quinn QA
// on project Retail shelves", "group Labelers on all projects", "Ada
// Admin's organization role". Needs what deleting the role needs.
func (s *Service) RoleHolders(ctx context.Context, a Actor, org, id string) ([]string, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActRoleDelete, nil); err != nil {
		return nil, fault.E(fault.Forbidden, "deleting roles needs user management at the organization")
	}
	if r, ok := o.Role(id); !ok || r.Builtin {
		return nil, notFound("custom role", id)
	}
	var out []string
	err = s.view(ctx, func(r store.Reader) error {
		out, err = s.holders(r, sc, org, id)
		return err
	})
	return out, err
}

func (s *Service) holders(r store.Reader, sc *scheme.Scheme, org, id string) ([]string, error) {
	var out []string
	gs, err := s.roleGrants(r, org, id)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		out = append(out, subjectWords(r, org, g.Subject)+" on "+scopeWords(r, sc, org, g.Scope))
	}
	after := ""
	for {
		ms, next, err := r.ListMembers(org, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.Role == id {
				out = append(out, subjectWords(r, org, domain.UserSubject(m.UserID))+" as organization role")
			}
			if m.DefaultRole == id {
				out = append(out, subjectWords(r, org, domain.UserSubject(m.UserID))+" as default role")
			}
		}
		if next == "" {
			break
		}
		after = next
	}
	return out, nil
}

// subjectWords names a grant's holder as a person reads it.
func subjectWords(r store.Reader, org string, subj domain.Subject) string {
	switch subj.Kind {
	case domain.SubjectUser:
		if u, err := r.GetUser(subj.ID); err == nil && u.Name != "" {
			return u.Name + " <" + u.Email + ">"
		}
	case domain.SubjectGroup:
		if g, err := r.GetGroup(org, subj.ID); err == nil {
			return "group " + g.Name
		}
	case domain.SubjectKey:
		if k, err := r.GetKey(org, subj.ID); err == nil {
			return "secret key " + k.Name
		}
	}
	return subj.String()
}

// scopeWords names where a grant applies as a person reads it.
func scopeWords(r store.Reader, sc *scheme.Scheme, org string, s domain.Scope) string {
	typeName := func(id string, plural bool) string {
		if t, ok := sc.Type(id); ok {
			if plural {
				return strings.ToLower(t.Plural)
			}
			return strings.ToLower(t.Name)
		}
		return id
	}
	switch s.Kind {
	case domain.ScopeOrg:
		return "the whole organization"
	case domain.ScopeType:
		return "all " + typeName(s.Type, true)
	case domain.ScopeTeam:
		if t, err := r.GetTeam(org, s.ID); err == nil {
			return "team " + t.Name
		}
		return "team " + s.ID
	}
	if res, err := r.GetResource(org, domain.Ref{Type: s.Type, ID: s.ID}); err == nil && res.Name != "" {
		return typeName(s.Type, false) + " " + res.Name
	}
	return typeName(s.Type, false) + " " + s.ID
}

// inWords lists holders in a sentence, the first few by name.
func inWords(hs []string) string {
	const shown = 5
	if len(hs) <= shown {
		return strings.Join(hs, "; ")
	}
	return strings.Join(hs[:shown], "; ") + fmt.Sprintf("; and %d more", len(hs)-shown)
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
	r, ok := o.Role(id)
	if !ok || r.Builtin {
		return 0, notFound("custom role", id)
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		hs, err := s.holders(tx, sc, org, id)
		if err != nil {
			return nil, err
		}
		if len(hs) > 0 {
			return nil, fault.E(fault.Conflict, "the role %s is still held by %s; revoke those grants (or change those members' role) first", r.Name, inWords(hs))
		}
		if err := tx.DeleteRole(org, id); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActRoleDelete), target: "role:" + id,
			changes: []domain.Change{{Op: domain.OpDeleteRole, Role: &domain.Role{Org: org, ID: id}}}}, nil
	})
}
