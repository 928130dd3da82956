package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

// alsoAt are the further scope types a role may be bound at (Labelbox's
// project-based roles); the API's role view does not carry them.
func (c *orgCtx) alsoAt(id string) []string {
	if r, ok := c.sc.Role(id); ok {
		return r.AlsoAt
	}
	return nil
}

type matrixData struct {
	Roles  []team.RoleView
	Groups []permGroup
	Form   roleForm
	Scopes []option
}

// permGroup is the catalog's permissions on one resource type (or the org).
type permGroup struct {
	Type  string
	Label string
	Rows  []matrixRow
}

type matrixRow struct {
	Perm  team.PermissionView
	Cells []string // per role: "" none, "✓" held, else the condition
}

type roleForm struct {
	ID, Name, ScopeType, Description string
	Perms                            []string
	Error                            string
}

func (f roleForm) Has(p string) bool { return slices.Contains(f.Perms, p) }

func (h *handler) rolesView(c *orgCtx) (*view, error) {
	roles, err := h.svc.ListRoles(c.r.Context(), c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	perms, err := h.svc.ListPermissions(c.r.Context(), c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	c.roles = roles
	d := matrixData{Roles: roles}
	index := map[string]int{}
	vw := &view{c: c}
	for _, p := range perms {
		i, ok := index[p.ResourceType]
		if !ok {
			i = len(d.Groups)
			index[p.ResourceType] = i
			label := "Organization"
			if p.ResourceType != scheme.OrgType {
				label = vw.TypeLabel(p.ResourceType)
			}
			d.Groups = append(d.Groups, permGroup{Type: p.ResourceType, Label: label})
		}
		row := matrixRow{Perm: p, Cells: make([]string, len(roles))}
		for j, r := range roles {
			for _, rp := range r.Permissions {
				if rp.ID == p.ID {
					row.Cells[j] = "✓"
					if rp.Condition != "" {
						row.Cells[j] = rp.Condition
					}
				}
			}
		}
		d.Groups[i].Rows = append(d.Groups[i].Rows, row)
	}
	d.Scopes = []option{{scheme.OrgType, "The whole organization"}}
	for _, t := range c.sc.Types {
		d.Scopes = append(d.Scopes, option{t.ID, vw.ScopeTypeName(t.ID)})
	}
	if c.can.Teams {
		d.Scopes = append(d.Scopes, option{scheme.TeamType, vw.ScopeTypeName(scheme.TeamType)})
	}
	v := c.view("roles", "Roles")
	v.Data = d
	return v, nil
}

func (h *handler) roles(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.rolesView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "roles", v)
}

func (h *handler) newRoleDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.rolesView(c)
	if err != nil {
		c.fail(err)
		return
	}
	d := v.Data.(matrixData)
	d.Form = roleForm{ScopeType: scheme.OrgType}
	v.Data, v.Dialog, v.D = d, "dlg-role", d
	c.render(http.StatusOK, "roles", v)
}

func (h *handler) createRole(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	r.ParseForm()
	f := roleForm{ID: strings.TrimSpace(r.PostFormValue("id")), Name: strings.TrimSpace(r.PostFormValue("name")),
		ScopeType: r.PostFormValue("scope_type"), Perms: r.PostForm["perm"]}
	role := domain.Role{ID: f.ID, Name: f.Name, ScopeType: f.ScopeType}
	for _, p := range f.Perms {
		role.Permissions = append(role.Permissions, domain.RolePermission{ID: p})
	}
	rv, _, err := h.svc.CreateRole(r.Context(), c.actor, c.org.ID, role)
	if err != nil {
		v, verr := h.rolesView(c)
		if verr != nil {
			c.fail(err)
			return
		}
		d := v.Data.(matrixData)
		f.Error = h.message(r, err)
		d.Form = f
		v.Data, v.Dialog, v.D = d, "dlg-role", d
		c.render(statusOf(err), "roles", v)
		return
	}
	c.back(c.path("roles"), "Custom role "+rv.Name+" created. Grant it from a member's or group's access.")
}

// ScopeTypeName says where a role is granted, in the scheme's words.
func (v *view) ScopeTypeName(typ string) string {
	switch typ {
	case scheme.OrgType:
		return "The whole organization"
	case scheme.TeamType:
		return "A team"
	}
	return "One " + strings.ToLower(v.TypeName(typ)) + ", or all " + strings.ToLower(v.TypeLabel(typ))
}

// PermWords is a permission as the scheme describes it ("read datasets").
func (v *view) PermWords(id string) string {
	if v.c != nil {
		if p, ok := v.c.sc.Permission(id); ok && p.Description != "" {
			return p.Description
		}
	}
	return id
}

// customRole finds a custom role of the org by id.
func (c *orgCtx) customRole(id string) (team.RoleView, bool) {
	for _, r := range c.loadRoles() {
		if r.ID == id && !r.Builtin {
			return r, true
		}
	}
	return team.RoleView{}, false
}

// roleDialog shows the Roles page with one of a custom role's dialogs
// open, or the page with a refusal when there is no such role.
func (h *handler) roleDialog(c *orgCtx, dialog string, f roleForm, status int) {
	v, err := h.rolesView(c)
	if err != nil {
		c.fail(err)
		return
	}
	d := v.Data.(matrixData)
	if _, ok := c.customRole(f.ID); !ok {
		v.Error = "There is no such custom role; it may have been deleted."
		c.render(http.StatusNotFound, "roles", v)
		return
	}
	d.Form = f
	if dialog == "dlg-role-edit" {
		d.Groups = c.permGroupsAt(d.Groups, f.ScopeType)
	}
	v.Data, v.Dialog, v.D = d, dialog, d
	c.render(status, "roles", v)
}

// permGroupsAt keeps the permissions a role granted on one resource of a
// type can hold: those on the type and on what it contains. Org and team
// roles keep the whole catalog; the service judges either way.
func (c *orgCtx) permGroupsAt(groups []permGroup, scopeType string) []permGroup {
	if _, ok := c.sc.Type(scopeType); !ok {
		return groups
	}
	within := func(typ string) bool {
		for range 16 { // types nest a few levels deep
			if typ == scopeType {
				return true
			}
			t, ok := c.sc.Type(typ)
			if !ok {
				return false
			}
			typ = t.Parent
		}
		return false
	}
	var out []permGroup
	for _, g := range groups {
		if within(g.Type) {
			out = append(out, g)
		}
	}
	return out
}

// customRoleDialog opens a custom role's Edit or Delete dialog; one
// pattern for both, since the matrix downloads share the path's shape.
func (h *handler) customRoleDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	switch r.PathValue("dialog") {
	case "edit":
		h.editRoleDialog(w, r, c)
	case "delete":
		h.deleteRoleDialog(w, r, c)
	default:
		h.notFound(w, r)
	}
}

func (h *handler) editRoleDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	f := roleForm{ID: r.PathValue("id")}
	if cur, ok := c.customRole(f.ID); ok {
		f.Name, f.ScopeType, f.Description = cur.Name, cur.ScopeType, cur.Description
		for _, p := range cur.Permissions {
			f.Perms = append(f.Perms, p.ID)
		}
	}
	h.roleDialog(c, "dlg-role-edit", f, http.StatusOK)
}

// editRole changes a custom role through the same use case as the API's
// PATCH: the service refuses a role its editor could not have composed.
func (h *handler) editRole(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	r.ParseForm()
	id := r.PathValue("id")
	cur, ok := c.customRole(id)
	if !ok {
		h.roleDialog(c, "dlg-role-edit", roleForm{ID: id}, http.StatusNotFound)
		return
	}
	f := roleForm{ID: id, Name: strings.TrimSpace(r.PostFormValue("name")), ScopeType: cur.ScopeType,
		Description: strings.TrimSpace(r.PostFormValue("description")), Perms: r.PostForm["perm"]}
	// A condition the role holds a permission under stays with it: the form
	// only adds and removes permissions.
	cond := map[string]string{}
	for _, p := range cur.Permissions {
		cond[p.ID] = p.Condition
	}
	perms := []domain.RolePermission{}
	for _, p := range f.Perms {
		perms = append(perms, domain.RolePermission{ID: p, Condition: cond[p]})
	}
	rv, _, err := h.svc.UpdateRole(r.Context(), c.actor, c.org.ID, id,
		team.RolePatch{Name: &f.Name, Description: &f.Description, Permissions: &perms})
	if err != nil {
		f.Error = h.message(r, err)
		c.roles = nil
		h.roleDialog(c, "dlg-role-edit", f, statusOf(err))
		return
	}
	c.back(c.path("roles"), "Custom role "+rv.Name+" saved; its grants carry the new permissions now.")
}

// deleteRoleDialog asks before a custom role goes.
func (h *handler) deleteRoleDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	f := roleForm{ID: r.PathValue("id")}
	if cur, ok := c.customRole(f.ID); ok {
		f.Name = cur.Name
	}
	h.roleDialog(c, "dlg-role-delete", f, http.StatusOK)
}

func (h *handler) deleteRole(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	name := r.PathValue("id")
	if cur, ok := c.customRole(name); ok {
		name = cur.Name
	}
	if _, err := h.svc.DeleteRole(r.Context(), c.actor, c.org.ID, r.PathValue("id")); err != nil {
		v, verr := h.rolesView(c)
		if verr != nil {
			c.fail(err)
			return
		}
		v.Error = h.message(r, err)
		c.render(statusOf(err), "roles", v)
		return
	}
	c.back(c.path("roles"), "Custom role "+name+" deleted.")
}

// matrixFile downloads the org's rights matrix (csv or md), as the API's
// matrix endpoint renders it.
func (h *handler) matrixFile(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	format := r.PathValue("format")
	ctype := map[string]string{"csv": "text/csv; charset=utf-8", "md": "text/markdown; charset=utf-8"}[format]
	if ctype == "" {
		http.NotFound(w, r)
		return
	}
	b, err := h.svc.Matrix(r.Context(), c.actor, c.org.ID, format)
	if err != nil {
		c.fail(err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", `attachment; filename="`+c.org.ID+`-rights-matrix.`+format+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}
