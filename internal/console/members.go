package console

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

// choiceLimit bounds the resources a form lists to pick from.
const choiceLimit = 500

type membersData struct {
	Q, Role     string
	Rows        []team.MemberView
	Total       int
	OrgRoles    []team.RoleView // filter and in-place role change
	Invitations []team.InvitationView
	ShowInvites bool
	TopRole     string
	Self        string
}

// orgRoles are the roles a member can hold as their org role.
func (c *orgCtx) orgRoles() []team.RoleView {
	var out []team.RoleView
	for _, r := range c.loadRoles() {
		if r.ScopeType == scheme.OrgType {
			out = append(out, r)
		}
	}
	return out
}

func (h *handler) membersView(c *orgCtx) (*view, error) {
	if !c.can.MembersView {
		return nil, fault.E(fault.Forbidden, "%s lacks permission members.view on the organization", c.actor.Subject)
	}
	q := c.r.URL.Query()
	d := membersData{Q: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), OrgRoles: c.orgRoles(),
		TopRole: c.sc.TopRole, Self: c.actor.UserID()}
	all := c.members()
	d.Total = len(all)
	needle := strings.ToLower(d.Q)
	for _, m := range all {
		if d.Role != "" && m.Role != d.Role {
			continue
		}
		if needle != "" && !strings.Contains(strings.ToLower(m.Name), needle) && !strings.Contains(strings.ToLower(m.Email), needle) {
			continue
		}
		d.Rows = append(d.Rows, m)
	}
	if invs, err := h.svc.ListInvitations(c.r.Context(), c.actor, c.org.ID); err == nil {
		d.ShowInvites = true
		for _, i := range invs {
			if i.Status == "pending" || i.Status == "expired" {
				d.Invitations = append(d.Invitations, i)
			}
		}
	}
	v := c.view("members", "Members")
	v.Data = d
	return v, nil
}

func (h *handler) members(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.membersView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "members", v)
}

// membersWith renders the members page with a dialog or a refusal.
func (h *handler) membersWith(c *orgCtx, status int, dialog string, d any, errMsg string) {
	v, err := h.membersView(c)
	if err != nil {
		c.fail(err)
		return
	}
	v.Dialog, v.D = dialog, d
	if errMsg != "" && dialog == "" {
		v.Error = errMsg
	}
	c.render(status, "members", v)
}

// --- Invite ----------------------------------------------------------------

type inviteDialog struct {
	Email, Role string
	OrgRoles    []team.RoleView
	Types       []typeAccess
	Error       string
	Sent        *team.InvitationView
	Link        string
}

// typeAccess is one "Dataset access" block of the Invite dialog: a role for
// All Datasets, or a role for each chosen dataset.
type typeAccess struct {
	Type, Label string
	Roles       []team.RoleView
	All         string
	Items       []resourceChoice
	Truncated   bool
}

type resourceChoice struct {
	ID, Name, Role string
}

// rolesAt are the roles that can be bound at a scope type.
func (c *orgCtx) rolesAt(typ string) []team.RoleView {
	var out []team.RoleView
	for _, r := range c.loadRoles() {
		if r.ScopeType == typ || slices.Contains(c.alsoAt(r.ID), typ) {
			out = append(out, r)
		}
	}
	return out
}

// topTypes are the scheme's resource types directly under the org: the
// blocks of the Invite dialog (vi: datasets and trainings).
func (c *orgCtx) topTypes() []*scheme.ResourceType {
	var out []*scheme.ResourceType
	for _, t := range c.sc.Types {
		if t.Parent == scheme.OrgType {
			out = append(out, t)
		}
	}
	return out
}

func (h *handler) inviteFields(c *orgCtx, form url.Values) inviteDialog {
	d := inviteDialog{Email: form.Get("email"), Role: form.Get("role"), OrgRoles: c.orgRoles()}
	if d.Role == "" {
		d.Role = c.sc.BaseRole
	}
	v := &view{c: c}
	for _, t := range c.topTypes() {
		ta := typeAccess{Type: t.ID, Label: v.TypeLabel(t.ID), Roles: c.rolesAt(t.ID), All: form.Get("all:" + t.ID)}
		items := c.resourceList(t.ID, choiceLimit)
		ta.Truncated = len(items) >= choiceLimit
		for _, x := range items {
			ta.Items = append(ta.Items, resourceChoice{ID: x.ID, Name: x.Name, Role: form.Get("res:" + t.ID + ":" + x.ID)})
		}
		d.Types = append(d.Types, ta)
	}
	return d
}

func (h *handler) inviteDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	h.membersWith(c, http.StatusOK, "dlg-invite", h.inviteFields(c, url.Values{}), "")
}

func (h *handler) invite(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	r.ParseForm()
	d := h.inviteFields(c, r.PostForm)
	req := team.InviteRequest{Email: d.Email, Role: d.Role, Grants: []domain.InvitedGrant{}}
	for _, t := range d.Types {
		if t.All != "" {
			req.Grants = append(req.Grants, domain.InvitedGrant{Role: t.All, Scope: t.Type + ":*"})
		}
	}
	// Chosen resources, also those past the listed ones (a form may name
	// any resource; the service checks it exists).
	for key, vals := range r.PostForm {
		rest, ok := strings.CutPrefix(key, "res:")
		if !ok || len(vals) == 0 || vals[0] == "" {
			continue
		}
		req.Grants = append(req.Grants, domain.InvitedGrant{Role: vals[0], Scope: rest})
	}
	slices.SortFunc(req.Grants, func(a, b domain.InvitedGrant) int { return strings.Compare(a.Scope, b.Scope) })
	inv, _, err := h.svc.Invite(r.Context(), c.actor, c.org.ID, req)
	if err != nil {
		d.Error = h.message(r, err)
		h.membersWith(c, statusOf(err), "dlg-invite", d, "")
		return
	}
	d.Sent = &inv
	d.Link = h.inviteLink(r, inv.Token)
	h.membersWith(c, http.StatusCreated, "dlg-invite-sent", d, "")
}

// inviteLink is the accept link as the invitee's email has it, or none
// when the service kept the token for the mailbox (a real mailer).
func (h *handler) inviteLink(r *http.Request, token string) string {
	if token == "" {
		return ""
	}
	proto := "http"
	if r.TLS != nil || h.secure {
		proto = "https"
	}
	return proto + "://" + r.Host + "/invite?token=" + url.QueryEscape(token)
}

func (h *handler) resendInvitation(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	inv, _, err := h.svc.ResendInvitation(r.Context(), c.actor, c.org.ID, r.PathValue("id"))
	if err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	d := inviteDialog{Sent: &inv, Link: h.inviteLink(r, inv.Token)}
	h.membersWith(c, http.StatusOK, "dlg-invite-sent", d, "")
}

func (h *handler) revokeInvitation(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	if _, err := h.svc.RevokeInvitation(r.Context(), c.actor, c.org.ID, r.PathValue("id")); err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	c.back(c.path("members"), "Invitation revoked.")
}

// --- Member Access dialog ------------------------------------------------

type memberDialog struct {
	M         team.MemberDetail
	Types     []string
	Roles     []team.RoleView // for the Add access form
	Scopes    []option
	CanManage bool
	Form      grantForm
	Error     string
}

type option struct{ Value, Label string }

type grantForm struct {
	Role, Scope, Expires string
}

// scopeOptions lists where a grant can go: the org, every type, the
// resources the user may list, and the teams.
func (c *orgCtx) scopeOptions() []option {
	v := &view{c: c}
	opts := []option{{"org", "The whole organization"}}
	for _, t := range c.sc.Types {
		opts = append(opts, option{t.ID + ":*", "All " + v.TypeLabel(t.ID)})
	}
	for _, t := range c.topTypes() {
		for _, x := range c.resourceList(t.ID, choiceLimit) {
			ref := t.ID + ":" + x.ID
			opts = append(opts, option{ref, v.Resource(ref)})
		}
	}
	c.collectionNames()
	for id, name := range c.teams {
		opts = append(opts, option{"team:" + id, "Team " + name})
	}
	return opts
}

// grantRoles are the roles offered in an Add access form: resource and
// team roles and custom roles. Built-in org roles are a member's
// organization role, changed in place in the member list.
func (c *orgCtx) grantRoles() []team.RoleView {
	var out []team.RoleView
	for _, r := range c.loadRoles() {
		if r.ID != c.sc.TopRole && (!r.Builtin || r.ScopeType != scheme.OrgType) {
			out = append(out, r)
		}
	}
	return out
}

// keyRoles are the roles a secret key can hold: any but the top role.
func (c *orgCtx) keyRoles() []team.RoleView {
	var out []team.RoleView
	for _, r := range c.loadRoles() {
		if r.ID != c.sc.TopRole {
			out = append(out, r)
		}
	}
	return out
}

func (h *handler) memberDialogData(c *orgCtx, uid string) (memberDialog, error) {
	m, err := h.svc.GetMember(c.r.Context(), c.actor, c.org.ID, uid)
	if err != nil {
		return memberDialog{}, err
	}
	d := memberDialog{M: m, CanManage: c.can.ManageUsers}
	for _, t := range c.sc.Types {
		d.Types = append(d.Types, t.ID)
		c.resourceList(t.ID, choiceLimit) // names for display, where the user may list them
	}
	c.nameResources(m.Access)
	if d.CanManage {
		d.Roles, d.Scopes = c.grantRoles(), c.scopeOptions()
	}
	return d, nil
}

// nameResources looks up the names of the resources in an access list that
// the user could not list (a member sees the names of what they can access).
func (c *orgCtx) nameResources(access map[string][]domain.Access) {
	if c.resources == nil {
		c.resources = map[string]string{}
	}
	n := 0
	for typ, list := range access {
		for _, a := range list {
			ref := typ + ":" + a.ID
			if _, ok := c.resources[ref]; ok || a.ID == "*" || n >= 200 {
				continue
			}
			n++
			r, err := domain.ParseRef(ref)
			if err != nil {
				continue
			}
			if rv, err := c.h.svc.GetResource(c.r.Context(), c.actor, c.org.ID, r); err == nil {
				c.resources[ref] = rv.Name
			}
		}
	}
}

func (h *handler) memberAccess(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	d, err := h.memberDialogData(c, r.PathValue("uid"))
	if err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	h.membersWith(c, http.StatusOK, "dlg-member", d, "")
}

func (h *handler) changeRole(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	m, _, err := h.svc.ChangeRole(r.Context(), c.actor, c.org.ID, r.PathValue("uid"), r.PostFormValue("role"))
	if err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	v := &view{c: c}
	c.back(c.path("members"), m.Name+" is now "+v.RoleName(m.Role)+".")
}

type removeDialog struct {
	M       team.MemberView
	Removal team.Removal
}

func (h *handler) removeDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	uid := r.PathValue("uid")
	c.members()
	m, ok := c.people[uid]
	if !ok {
		h.membersWith(c, http.StatusNotFound, "", nil, "No such member.")
		return
	}
	rm, err := h.svc.PreviewRemoval(r.Context(), c.actor, c.org.ID, uid)
	if err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	h.membersWith(c, http.StatusOK, "dlg-remove", removeDialog{M: m, Removal: rm}, "")
}

func (h *handler) removeMember(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	uid := r.PathValue("uid")
	c.members()
	name := uid
	if m, ok := c.people[uid]; ok {
		name = m.Name
	}
	rm, _, err := h.svc.RemoveMember(r.Context(), c.actor, c.org.ID, uid)
	if err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	if uid == c.actor.UserID() {
		c.back("/orgs", "You left "+c.org.Name+".")
		return
	}
	msg := name + " was removed. Their work stays in the organization."
	if n := len(rm.StoppedKeys); n == 1 {
		msg += " Their secret key " + rm.StoppedKeys[0].Name + " stopped working."
	} else if n > 1 {
		msg += fmt.Sprintf(" Their %d secret keys stopped working.", n)
	}
	c.back(c.path("members"), msg)
}

// --- grants ----------------------------------------------------------------

// parseExpiry reads a date (end of that day, UTC) or a datetime-local.
func parseExpiry(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Add(24*time.Hour - time.Second), nil
	}
	if t, err := time.Parse("2006-01-02T15:04", s); err == nil {
		return t, nil
	}
	return time.Time{}, fault.E(fault.Unprocessable, "expiry %q: want a date such as 2026-12-31", s)
}

func (h *handler) createGrant(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	f := grantForm{Role: r.PostFormValue("role"), Scope: r.PostFormValue("scope"), Expires: r.PostFormValue("expires")}
	subject := r.PostFormValue("subject")
	exp, err := parseExpiry(f.Expires)
	if err == nil {
		_, _, err = h.svc.CreateGrant(r.Context(), c.actor, c.org.ID, team.GrantRequest{Subject: subject, Role: f.Role, Scope: f.Scope, ExpiresAt: exp})
	}
	subj, _ := domain.ParseSubject(subject)
	if err != nil {
		msg := h.message(r, err)
		switch subj.Kind {
		case domain.SubjectUser:
			d, derr := h.memberDialogData(c, subj.ID)
			if derr != nil {
				h.membersWith(c, statusOf(err), "", nil, msg)
				return
			}
			d.Form, d.Error = f, msg
			h.membersWith(c, statusOf(err), "dlg-member", d, "")
		case domain.SubjectGroup:
			h.collectionWith(c, groupsKind, subj.ID, statusOf(err), msg, f)
		default:
			c.fail(err)
		}
		return
	}
	if ref, err := domain.ParseRef(f.Scope); err == nil {
		c.nameResources(map[string][]domain.Access{ref.Type: {{ID: ref.ID}}})
	}
	v := &view{c: c}
	flash := v.RoleName(f.Role) + " on " + v.Scope(f.Scope) + " granted to " + v.Subject(subject) + "."
	switch subj.Kind {
	case domain.SubjectUser:
		c.back(c.path("members", subj.ID), flash)
	case domain.SubjectGroup:
		c.back(c.path("groups", subj.ID), flash)
	default:
		c.back(c.path("members"), flash)
	}
}

func (h *handler) deleteGrant(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	ret := safeNext(r.PostFormValue("return"))
	if !strings.HasPrefix(ret, c.path()) {
		ret = c.path("members")
	}
	if _, err := h.svc.DeleteGrant(r.Context(), c.actor, c.org.ID, r.PathValue("gid")); err != nil {
		h.flashError(w, h.message(r, err))
		h.redirect(w, r, ret)
		return
	}
	c.back(ret, "Access revoked.")
}
