package console

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
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
	Q, Role, Sort string
	Rows          []team.MemberView
	Matched       int // members that pass the search, on every page
	Total         int
	From, To      int // the rows shown, counted from 1
	Prev, Next    string
	OrgRoles      []team.RoleView // filter and in-place role change
	Cols          []sortCol
	Invitations   []invitationRow
	InvCols       []sortCol
	InvPrev       string
	InvNext       string
	ShowInvites   bool
	TopRole       string
	Self          string
}

// sortCol is a sortable column head: its link sorts by it, or reverses
// the order when it is already the sort.
type sortCol struct {
	Label, Href string
	Aria        string // aria-sort: ascending, descending or none
}

// Pages of the members page: a screen of rows, read from the API's pages.
const (
	memberPage     = 50
	invitationPage = 20
)

// pageOffset reads an offset page parameter of the console's own links.
func pageOffset(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// sortCols builds the column heads of a list sorted by param.
func sortCols(base url.Values, param, cur string, cols [][2]string, path string) []sortCol {
	out := make([]sortCol, 0, len(cols))
	for _, col := range cols {
		key, label := col[0], col[1]
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		sc := sortCol{Label: label, Aria: "none"}
		switch cur {
		case key:
			sc.Aria = "ascending"
			q.Set(param, "-"+key)
		case "-" + key:
			sc.Aria = "descending"
			q.Set(param, key)
		default:
			q.Set(param, key)
		}
		sc.Href = path + "?" + q.Encode()
		out = append(out, sc)
	}
	return out
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
	ctx := c.r.Context()
	q := c.r.URL.Query()
	d := membersData{Q: strings.TrimSpace(q.Get("q")), Role: q.Get("role"), Sort: q.Get("sort"), OrgRoles: c.orgRoles(),
		TopRole: c.sc.TopRole, Self: c.actor.UserID()}
	if !slices.Contains(team.MemberSorts, d.Sort) {
		d.Sort = "name" // people look a person up by name
	}
	off := pageOffset(q.Get("page"))
	mq := team.MemberQuery{Q: d.Q, Role: d.Role, Sort: d.Sort, Limit: memberPage}
	if off > 0 {
		mq.After = strconv.Itoa(off)
	}
	p, err := h.svc.SearchMembers(ctx, c.actor, c.org.ID, mq)
	if err != nil {
		return nil, err
	}
	if d.Matched, d.Total, err = h.svc.CountMembers(ctx, c.actor, c.org.ID, mq); err != nil {
		return nil, err
	}
	d.Rows = p.Items
	if len(d.Rows) > 0 {
		d.From, d.To = off+1, off+len(d.Rows)
	}
	// The links keep the search, the order and the other list's page.
	keep := url.Values{}
	for _, k := range []string{"q", "role", "isort", "ipage"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	link := func(k string, v int) string {
		l := url.Values{}
		for kk, vv := range keep {
			l[kk] = vv
		}
		l.Set("sort", d.Sort)
		if v > 0 {
			l.Set(k, strconv.Itoa(v))
		} else {
			l.Del(k)
		}
		return c.path("members") + "?" + l.Encode()
	}
	if off > 0 {
		d.Prev = link("page", max(0, off-memberPage))
	}
	if p.Next != "" {
		d.Next = link("page", off+len(d.Rows))
	}
	colBase := url.Values{}
	for k, v := range keep {
		if k != "ipage" {
			colBase[k] = v
		}
	}
	colBase.Del("page")
	d.Cols = sortCols(colBase, "sort", d.Sort, [][2]string{{"name", "Name"}, {"email", "Email"}, {"joined", "Joined"},
		{"last_login", "Last sign-in"}}, c.path("members"))

	isort := q.Get("isort")
	if !slices.Contains(team.InvitationSorts, isort) {
		isort = ""
	}
	ioff := pageOffset(q.Get("ipage"))
	iq := team.InvitationQuery{Q: d.Q, Status: []string{"pending", "expired"}, Sort: isort, Limit: invitationPage}
	if ioff > 0 {
		iq.After = team.OffsetToken(ioff)
	}
	if ip, err := h.svc.SearchInvitations(ctx, c.actor, c.org.ID, iq); err == nil {
		d.ShowInvites = true
		d.Invitations = c.invitationRows(ip.Items)
		il := func(n int) string {
			l := url.Values{}
			for _, k := range []string{"q", "role", "page"} {
				if v := q.Get(k); v != "" {
					l.Set(k, v)
				}
			}
			l.Set("sort", d.Sort)
			if isort != "" {
				l.Set("isort", isort)
			}
			if n > 0 {
				l.Set("ipage", strconv.Itoa(n))
			}
			return c.path("members") + "?" + l.Encode() + "#invitations-head"
		}
		if ioff > 0 {
			d.InvPrev = il(max(0, ioff-invitationPage))
		}
		if ip.Next != "" {
			d.InvNext = il(ioff + len(ip.Items))
		}
		ib := url.Values{"sort": {d.Sort}}
		for _, k := range []string{"q", "role", "page"} {
			if v := q.Get(k); v != "" {
				ib.Set(k, v)
			}
		}
		d.InvCols = sortCols(ib, "isort", isort, [][2]string{{"email", "Email"}, {"expires", "Expires"}}, c.path("members"))
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

// inviteDialog is the Invite dialog, built from the org's scheme and from
// what the inviter may grant: a type, a role or a team the inviter cannot
// hand out is not offered.
type inviteDialog struct {
	Email, Role string
	OrgRoles    []team.RoleView
	Types       []typeAccess
	// Teams and TeamRoles: the scheme limits roles to operation teams
	// (Deepomatic); the invitee joins the chosen team with the chosen role.
	HasTeams       bool
	Teams          []option
	TeamRoles      []team.RoleView
	Team, TeamRole string
	// MembershipEnds is the date the membership ends (a contractor's), or
	// empty for never.
	MembershipEnds string
	// BaseNote says, where the scheme wants it, that roles below the
	// organization go only with the base organization role.
	BaseNote string
	Error    string
	Sent     *invitationRow
	Link     string
}

// typeAccess is one "Dataset access" block of the Invite dialog: a role for
// All Datasets, or a role for each chosen dataset.
type typeAccess struct {
	Type, Label string
	Roles       []team.RoleView // grantable on all of the type
	All         string
	Items       []resourceChoice
	Truncated   bool
}

type resourceChoice struct {
	ID, Name, Role string
	Roles          []team.RoleView // grantable on this resource
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

// grantableAt keeps the roles the user may grant at scope.
func (g grantChoices) grantableAt(roles []team.RoleView, scope string) []team.RoleView {
	var out []team.RoleView
	for _, r := range roles {
		if slices.Contains(g.at[r.ID], scope) {
			out = append(out, r)
		}
	}
	return out
}

func (h *handler) inviteFields(c *orgCtx, form url.Values) inviteDialog {
	d := inviteFormValues(form)
	g := c.grantChoices()
	for _, r := range c.orgRoles() {
		// The base role is always one an inviter hands out; the others only
		// where the inviter may grant them at the organization.
		if r.ID != c.sc.TopRole && (r.ID == c.sc.BaseRole || slices.Contains(g.at[r.ID], "org")) {
			d.OrgRoles = append(d.OrgRoles, r)
		}
	}
	if d.Role == "" {
		d.Role = c.sc.BaseRole
	}
	v := &view{c: c}
	if c.sc.ScopedRolesNeedBase {
		d.BaseNote = "The roles below go only with the organization role " + v.RoleName(c.sc.BaseRole) +
			": any other organization role already holds across the whole organization."
	}
	for _, t := range c.topTypes() {
		typeRoles := c.rolesAt(t.ID)
		ta := typeAccess{Type: t.ID, Label: v.TypeLabel(t.ID), Roles: g.grantableAt(typeRoles, t.ID+":*"), All: form.Get("all:" + t.ID)}
		items := c.resourceList(t.ID, choiceLimit)
		ta.Truncated = len(items) >= choiceLimit
		offered := len(ta.Roles) > 0
		for _, x := range items {
			rc := resourceChoice{ID: x.ID, Name: x.Name, Role: form.Get("res:" + t.ID + ":" + x.ID),
				Roles: g.grantableAt(typeRoles, t.ID+":"+x.ID)}
			if rc.Name == "" {
				rc.Name = x.ID
			}
			if len(rc.Roles) > 0 {
				ta.Items = append(ta.Items, rc)
				offered = true
			}
		}
		if offered {
			d.Types = append(d.Types, ta)
		}
	}
	for _, t := range c.sc.Types {
		d.HasTeams = d.HasTeams || t.Teams
	}
	if d.HasTeams {
		teamRoles := c.rolesAt(scheme.TeamType)
		for _, r := range teamRoles {
			if slices.ContainsFunc(g.at[r.ID], func(sc string) bool { return strings.HasPrefix(sc, "team:") }) {
				d.TeamRoles = append(d.TeamRoles, r)
			}
		}
		for _, sc := range g.order {
			if strings.HasPrefix(sc, "team:") && len(g.grantableAt(d.TeamRoles, sc)) > 0 {
				d.Teams = append(d.Teams, option{strings.TrimPrefix(sc, "team:"), strings.TrimPrefix(g.labels[sc], "Team ")})
			}
		}
	}
	return d
}

// inviteFormValues reads what the form sent back, the email as the service will
// keep it.
func inviteFormValues(form url.Values) inviteDialog {
	return inviteDialog{Email: strings.ToLower(strings.TrimSpace(form.Get("email"))), Role: form.Get("role"),
		Team: form.Get("team"), TeamRole: form.Get("team_role"), MembershipEnds: form.Get("membership_ends")}
}

func (h *handler) inviteDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	// One who manages members but may not invite is told so at once; a
	// form sent anyway is judged by the service.
	if c.can.ManageUsers && !c.can.Invite {
		c.refuseInvite()
		return
	}
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
	switch {
	case d.Team != "" && d.TeamRole != "":
		req.Grants = append(req.Grants, domain.InvitedGrant{Role: d.TeamRole, Scope: "team:" + d.Team})
	case d.Team != "" || d.TeamRole != "":
		d.Error = "Choose both a team and a team role, or neither."
		h.membersWith(c, http.StatusUnprocessableEntity, "dlg-invite", d, "")
		return
	}
	slices.SortFunc(req.Grants, func(a, b domain.InvitedGrant) int { return strings.Compare(a.Scope, b.Scope) })
	var inv team.InvitationView
	end, err := parseExpiry(d.MembershipEnds)
	if err == nil {
		req.MembershipExpiresAt = end
		inv, _, err = h.svc.Invite(r.Context(), c.actor, c.org.ID, req)
	}
	if err != nil {
		d.Error = h.message(r, err)
		h.membersWith(c, statusOf(err), "dlg-invite", d, "")
		return
	}
	d.Sent = &c.invitationRows([]team.InvitationView{inv})[0]
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
	d := inviteDialog{Sent: &c.invitationRows([]team.InvitationView{inv})[0], Link: h.inviteLink(r, inv.Token)}
	h.membersWith(c, http.StatusOK, "dlg-invite-sent", d, "")
}

// revokeInvitationDialog asks before a pending invitation is revoked.
func (h *handler) revokeInvitationDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	invs, err := h.svc.ListInvitations(r.Context(), c.actor, c.org.ID)
	if err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	for _, i := range invs {
		if i.ID == r.PathValue("id") && i.Status == "pending" {
			h.membersWith(c, http.StatusOK, "dlg-revoke-invitation", c.invitationRows([]team.InvitationView{i})[0], "")
			return
		}
	}
	h.membersWith(c, http.StatusNotFound, "", nil, "That invitation is no longer pending.")
}

func (h *handler) revokeInvitation(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	email := ""
	if invs, err := h.svc.ListInvitations(r.Context(), c.actor, c.org.ID); err == nil {
		for _, i := range invs {
			if i.ID == r.PathValue("id") {
				email = i.Email
			}
		}
	}
	if _, err := h.svc.RevokeInvitation(r.Context(), c.actor, c.org.ID, r.PathValue("id")); err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	msg := "Invitation revoked."
	if email != "" {
		msg = "The invitation of " + email + " was revoked: its link no longer works."
	}
	c.back(c.path("members"), msg)
}

// invitationRow is an invitation as the console shows it, in the list and
// in the dialogs alike: one rendering of what it hands out.
type invitationRow struct {
	team.InvitationView
	RoleName, Access, By string
}

func (c *orgCtx) invitationRows(invs []team.InvitationView) []invitationRow {
	refs := map[string][]domain.Access{}
	for _, i := range invs {
		for _, g := range i.Grants {
			if ref, err := domain.ParseRef(g.Scope); err == nil {
				refs[ref.Type] = append(refs[ref.Type], domain.Access{ID: ref.ID})
			}
		}
	}
	c.nameResources(refs)
	v := &view{c: c}
	out := make([]invitationRow, 0, len(invs))
	for _, i := range invs {
		row := invitationRow{InvitationView: i, RoleName: v.RoleName(i.Role), By: v.Person(strings.TrimPrefix(i.InvitedBy, "user:"))}
		var parts []string
		for _, g := range i.Grants {
			parts = append(parts, v.RoleName(g.Role)+" on "+v.Scope(g.Scope))
		}
		row.Access = strings.Join(parts, "; ")
		out = append(out, row)
	}
	return out
}

// --- Member Access dialog ------------------------------------------------

type memberDialog struct {
	M         team.MemberDetail
	Blocks    accessView
	Roles     []team.RoleView // for the Add access form: those the user may grant somewhere
	Scopes    []option        // where the chosen role may be granted
	CanManage bool
	// CanEnd offers the membership's end date: to user managers, for
	// anyone but themselves and the top role (whose membership never ends).
	CanEnd bool
	// DefaultRoles are the choices of the default-role form (to user
	// managers, for anyone but themselves): roles a project or another
	// resource can carry.
	DefaultRoles []team.RoleView
	// Aliases are the external ids the AuthZEN endpoints know the member
	// by (set through the API or the CLI).
	Aliases []string
	Form    grantForm
	Error   string
}

type option struct{ Value, Label string }

type grantForm struct {
	Role, Scope, Expires string
}

// grantChoices is what a grant form may offer the user: for each role, the
// scopes where the service says they may grant it, among the org, every
// type, the resources they may list and the teams, labelled for people.
type grantChoices struct {
	labels map[string]string
	order  []string
	at     map[string][]string // role -> scopes, in order
}

func (c *orgCtx) grantChoices() grantChoices {
	v := &view{c: c}
	g := grantChoices{labels: map[string]string{}}
	add := func(value, label string) {
		if _, ok := g.labels[value]; !ok {
			g.order = append(g.order, value)
			g.labels[value] = label
		}
	}
	add("org", "The whole organization")
	for _, t := range c.sc.Types {
		add(t.ID+":*", "All "+v.TypeLabel(t.ID))
	}
	for _, t := range c.topTypes() {
		for _, x := range c.resourceList(t.ID, choiceLimit) {
			ref := t.ID + ":" + x.ID
			name := x.Name
			if name == "" {
				name = x.ID
			}
			add(ref, v.TypeName(t.ID)+" "+name)
		}
	}
	c.collectionNames()
	teams := make([]option, 0, len(c.teams))
	for id, name := range c.teams {
		teams = append(teams, option{"team:" + id, "Team " + name})
	}
	slices.SortFunc(teams, func(a, b option) int { return strings.Compare(a.Label, b.Label) })
	for _, t := range teams {
		add(t.Value, t.Label)
	}
	at, err := c.h.svc.Grantable(c.r.Context(), c.actor, c.org.ID, g.order)
	if err != nil {
		c.h.log.Warn("console: grantable", "err", err)
	}
	g.at = at
	// A grant with the default role may go wherever the user may grant
	// some role on a resource or a type; the service judges each member's.
	for _, value := range g.order {
		if sc, err := domain.ParseScope(value); err == nil && (sc.Kind == domain.ScopeResource || sc.Kind == domain.ScopeType) &&
			slices.ContainsFunc(c.grantRoles(), func(r team.RoleView) bool { return slices.Contains(at[r.ID], value) }) {
			g.at[domain.DefaultRole] = append(g.at[domain.DefaultRole], value)
		}
	}
	return g
}

// defaultRoleChoice is the Role choice of a grant form that gives each
// member their own default role (domain.DefaultRole).
func defaultRoleChoice() team.RoleView {
	return team.RoleView{JSONRole: scheme.JSONRole{ID: domain.DefaultRole, Name: "Default role (each member's own)"}}
}

// defaultRolesInUse: some member has a default role, so grant forms offer
// grants made with it.
func (c *orgCtx) defaultRolesInUse() bool {
	return slices.ContainsFunc(c.members(), func(m team.MemberView) bool { return m.DefaultRole != "" })
}

// options are the scopes role may be granted at, as form options.
func (g grantChoices) options(role string, keep func(string) bool) []option {
	var out []option
	for _, sc := range g.at[role] {
		if keep == nil || keep(sc) {
			out = append(out, option{sc, g.labels[sc]})
		}
	}
	return out
}

// grantForm fills the Add access form: the roles the user may grant
// somewhere, and the scopes of the chosen role (or of the first role), so
// the pair it starts with is one the service accepts.
func (c *orgCtx) fillGrantForm(d *memberDialog) {
	g := c.grantChoices()
	for _, r := range c.grantRoles() {
		if len(g.options(r.ID, c.grantScopeOK(r.ID))) > 0 {
			d.Roles = append(d.Roles, r)
		}
	}
	if d.M.DefaultRole != "" && len(g.at[domain.DefaultRole]) > 0 {
		d.Roles = append(d.Roles, defaultRoleChoice())
	}
	if !slices.ContainsFunc(d.Roles, func(r team.RoleView) bool { return r.ID == d.Form.Role }) {
		d.Form.Role = ""
		if len(d.Roles) > 0 {
			d.Form.Role = d.Roles[0].ID
		}
	}
	d.Scopes = g.options(d.Form.Role, c.grantScopeOK(d.Form.Role))
	if !slices.ContainsFunc(d.Scopes, func(o option) bool { return o.Value == d.Form.Scope }) {
		d.Form.Scope = ""
		if len(d.Scopes) > 0 {
			d.Form.Scope = d.Scopes[0].Value
		}
	}
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
// team roles, custom roles, and the built-in org roles that the scheme
// also binds below the organization (Labelbox's project-based roles).
// At the organization itself a built-in org role is a member's
// organization role, changed in place in the member list.
func (c *orgCtx) grantRoles() []team.RoleView {
	var out []team.RoleView
	for _, r := range c.loadRoles() {
		if r.ID != c.sc.TopRole && (!c.orgRoleOnly(r) || len(c.alsoAt(r.ID)) > 0) {
			out = append(out, r)
		}
	}
	return out
}

// orgRoleOnly: a built-in role of the organization, which a grant form
// offers only below it.
func (c *orgCtx) orgRoleOnly(r team.RoleView) bool {
	return r.Builtin && r.ScopeType == scheme.OrgType
}

// grantScopeOK keeps, for a role of the Add access form, the scopes a
// grant of it may name there.
func (c *orgCtx) grantScopeOK(role string) func(string) bool {
	for _, r := range c.loadRoles() {
		if r.ID == role && c.orgRoleOnly(r) {
			return func(sc string) bool { return sc != "org" }
		}
	}
	return nil
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

func (h *handler) memberDialogData(c *orgCtx, uid string, f grantForm) (memberDialog, error) {
	m, err := h.svc.GetMember(c.r.Context(), c.actor, c.org.ID, uid)
	if err != nil {
		return memberDialog{}, err
	}
	d := memberDialog{M: m, CanManage: c.can.ManageUsers, Form: f,
		CanEnd: c.can.ManageUsers && m.Role != c.sc.TopRole && uid != c.actor.UserID()}
	for _, t := range c.sc.Types {
		c.resourceList(t.ID, choiceLimit) // names for display, where the user may list them
	}
	d.Blocks = c.accessBlocks(m.Access, d.CanManage)
	// Seeing the member is what reading her aliases takes: no error here
	// that GetMember did not already give.
	d.Aliases, _ = h.svc.ListAliases(c.r.Context(), c.actor, c.org.ID, uid)
	grants := map[string][]domain.Access{}
	for _, g := range m.Grants {
		if ref, err := domain.ParseRef(g.Scope); err == nil {
			grants[ref.Type] = append(grants[ref.Type], domain.Access{ID: ref.ID})
		}
	}
	c.nameResources(grants)
	if d.CanManage {
		c.fillGrantForm(&d)
	}
	if c.can.ManageUsers && uid != c.actor.UserID() {
		for _, r := range c.grantRoles() {
			if r.ID != c.sc.TopRole && (r.ScopeType != scheme.OrgType || len(c.alsoAt(r.ID)) > 0) {
				d.DefaultRoles = append(d.DefaultRoles, r)
			}
		}
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
	q := r.URL.Query()
	d, err := h.memberDialogData(c, r.PathValue("uid"), grantForm{Role: q.Get("role"), Scope: q.Get("scope"), Expires: q.Get("expires")})
	if err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	h.membersWith(c, http.StatusOK, "dlg-member", d, "")
}

// grantScopes answers the "On" field of the Add access form for the role
// just chosen (htmx swaps it in): only the scopes where it may be granted.
func (h *handler) grantScopes(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	d := memberDialog{CanManage: c.can.ManageUsers, Form: grantForm{Role: r.URL.Query().Get("role")}}
	if d.CanManage {
		c.fillGrantForm(&d)
	}
	v := c.view("members", "Members")
	v.D = d
	h.fragment(w, r, "grant-scope-field", v)
}

// fragment writes one template of dialogs.html alone, for htmx to swap
// into the page it already shows.
func (h *handler) fragment(w http.ResponseWriter, r *http.Request, name string, v *view) {
	var b bytes.Buffer
	if err := h.pages.base.ExecuteTemplate(&b, name, v); err != nil {
		h.log.Error("console: render", "fragment", name, "err", err)
		h.plainError(w, r, http.StatusInternalServerError, "Internal error.")
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Vary", "HX-Request, Cookie")
	w.Write(b.Bytes())
}

type revokeGrantDialog struct {
	M     team.MemberDetail
	Grant team.GrantView
}

// revokeGrantDialog asks before a member's direct grant is revoked.
func (h *handler) revokeGrantDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	m, err := h.svc.GetMember(r.Context(), c.actor, c.org.ID, r.PathValue("uid"))
	if err != nil {
		h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
		return
	}
	for _, g := range m.Grants {
		if g.ID == r.PathValue("gid") && g.Via == string(domain.ViaDirect) {
			if ref, err := domain.ParseRef(g.Scope); err == nil {
				c.nameResources(map[string][]domain.Access{ref.Type: {{ID: ref.ID}}})
			}
			h.membersWith(c, http.StatusOK, "dlg-revoke-grant", revokeGrantDialog{M: m, Grant: g}, "")
			return
		}
	}
	h.membersWith(c, http.StatusNotFound, "", nil, "That grant no longer exists.")
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

// setMembershipEnd sets the date a membership ends (end of that day, UTC),
// or takes the end away (clear).
func (h *handler) setMembershipEnd(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	uid := r.PathValue("uid")
	var end time.Time
	var err error
	if r.PostFormValue("clear") == "" {
		end, err = parseExpiry(r.PostFormValue("ends"))
		if err == nil && end.IsZero() {
			err = fault.E(fault.Unprocessable, "Choose the date the membership ends, or No end.")
		}
	}
	var m team.MemberView
	if err == nil {
		m, _, err = h.svc.UpdateMember(r.Context(), c.actor, c.org.ID, uid, team.MemberUpdate{ExpiresAt: &end})
	}
	if err != nil {
		d, derr := h.memberDialogData(c, uid, grantForm{})
		if derr != nil {
			h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
			return
		}
		d.Error = h.message(r, err)
		h.membersWith(c, statusOf(err), "dlg-member", d, "")
		return
	}
	msg := m.Name + "'s membership no longer ends."
	if m.ExpiresAt != nil {
		msg = m.Name + "'s membership ends on " + m.ExpiresAt.Format("2 January 2006") + "."
	}
	c.back(c.path("members/"+uid), msg)
}

// setDefaultRole sets a member's default role, or clears it (none).
func (h *handler) setDefaultRole(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	uid := r.PathValue("uid")
	role := r.PostFormValue("default_role")
	m, _, err := h.svc.UpdateMember(r.Context(), c.actor, c.org.ID, uid, team.MemberUpdate{DefaultRole: &role})
	if err != nil {
		d, derr := h.memberDialogData(c, uid, grantForm{})
		if derr != nil {
			h.membersWith(c, statusOf(err), "", nil, h.message(r, err))
			return
		}
		d.Error = h.message(r, err)
		h.membersWith(c, statusOf(err), "dlg-member", d, "")
		return
	}
	msg := m.Name + " has no default role now: grants made with the default role give them nothing."
	if m.DefaultRole != "" {
		v := &view{c: c}
		msg = m.Name + "'s default role is " + v.RoleName(m.DefaultRole) + "."
	}
	c.back(c.path("members/"+uid), msg)
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
	ret := grantReturn(c, r.PostFormValue("return"))
	if err != nil {
		msg := h.message(r, err)
		if fe, ok := fault.As(err); ok && fe.Code == fault.Conflict && fe.ExistingID != "" {
			if ref, err := domain.ParseRef(f.Scope); err == nil {
				c.nameResources(map[string][]domain.Access{ref.Type: {{ID: ref.ID}}})
			}
			v := &view{c: c}
			msg = v.Subject(subject) + " already holds " + v.RoleName(f.Role) + " on " + v.Scope(f.Scope) + " with this expiry."
		}
		if ret != "" {
			// Back to the page the form was on, with what was chosen.
			h.flashError(w, msg)
			h.redirect(w, r, ret+"?"+url.Values{"role": {f.Role}, "expires": {f.Expires}}.Encode())
			return
		}
		switch subj.Kind {
		case domain.SubjectUser:
			d, derr := h.memberDialogData(c, subj.ID, f)
			if derr != nil {
				h.membersWith(c, statusOf(err), "", nil, msg)
				return
			}
			d.Error = msg
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
	if ret != "" {
		c.back(ret, flash)
		return
	}
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
	// The flash names what ended and for whom, read before it goes.
	flash := "Access revoked."
	if subj, err := domain.ParseSubject(r.PostFormValue("subject")); err == nil && subj.Kind == domain.SubjectUser {
		if m, err := h.svc.GetMember(r.Context(), c.actor, c.org.ID, subj.ID); err == nil {
			for _, g := range m.Grants {
				if g.ID == r.PathValue("gid") {
					if ref, err := domain.ParseRef(g.Scope); err == nil {
						c.nameResources(map[string][]domain.Access{ref.Type: {{ID: ref.ID}}})
					}
					v := &view{c: c}
					flash = v.RoleName(g.Role) + " on " + v.Scope(g.Scope) + " revoked from " + m.Name + "."
				}
			}
		}
	}
	if _, err := h.svc.DeleteGrant(r.Context(), c.actor, c.org.ID, r.PathValue("gid")); err != nil {
		h.flashError(w, h.message(r, err))
		h.redirect(w, r, ret)
		return
	}
	c.back(ret, flash)
}
