package console

import (
	"context"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

// view is what every template gets. Data holds the page's own values,
// D those of the open dialog, if any.
type view struct {
	Title      string
	CSRF       string
	HtmxConfig string
	User       *team.Me
	Org        *team.OrgView
	Scheme     *scheme.Scheme
	Can        caps
	Nav        []navItem
	Active     string
	Flash      string
	Error      string
	Fatal      bool   // the page is the refusal: Error shows in its card
	Dialog     string // name of a template in dialogs.html
	D          any
	Data       any

	c *orgCtx
}

func (v *view) setFlash(msg string, isErr bool) {
	if isErr {
		v.Error = msg
	} else {
		v.Flash = msg
	}
}

type navItem struct {
	ID, Label, Href string
}

// caps is what the user may do in the org, asked of the service: it decides
// which sidebar entries and buttons are shown. The service still enforces
// every action.
type caps struct {
	Rename, MembersView, ManageUsers, Keys, BillingView, BillingManage, Transfer, Audit bool
	Teams                                                                               bool // the scheme attaches resources to teams
	OtherMembers                                                                        bool // may open other members' access
	Overview                                                                            bool // has an overview (team.OverviewShown)
	Usage                                                                               bool // sees usage against the plan
	StaleAccess                                                                         bool // sees the stale-access report
	RACI                                                                                bool // sees the RACI report
	AssignmentSet                                                                       bool // names people for named assignments
	Reviews                                                                             bool // may open access reviews (or review one)
	TokenPolicy                                                                         bool // caps the lifetime of personal access tokens
	Approvals                                                                           bool // sees approval gates and windows
	Invite                                                                              bool // may invite new people (the Invite button)
}

type orgHandler func(w http.ResponseWriter, r *http.Request, c *orgCtx)

// orgCtx is a logged-in request on one organization's pages.
type orgCtx struct {
	*session
	h   *handler
	r   *http.Request
	w   http.ResponseWriter
	org team.OrgView
	sc  *scheme.Scheme
	can caps

	roles     []team.RoleView
	people    map[string]team.MemberView
	peopleAll []team.MemberView
	groups    map[string]string
	teams     map[string]string
	resources map[string]string // "type:id" -> name
	// collPeople names the people of a team page for a manager who may
	// not list the org's members (user id -> name).
	collPeople map[string]string
}

// user wraps a page that needs a login but no org.
func (h *handler) user(fn func(w http.ResponseWriter, r *http.Request, s *session)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, ok := h.authenticate(r)
		if !ok {
			h.redirectToLogin(w, r)
			return
		}
		s.withRequestID(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !validCSRF(r, s.csrf) {
			h.csrfFailed(w, r)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), whoKey{}, [2]string{s.actor.Subject.String(), s.me.Name}))
		fn(w, r, s)
	}
}

// org wraps an org page: login, CSRF on writes, the org (404 for orgs the
// user is not in) and what the user may do there.
func (h *handler) org(fn orgHandler) http.HandlerFunc {
	return h.user(func(w http.ResponseWriter, r *http.Request, s *session) {
		ctx := r.Context()
		o, err := h.svc.GetOrg(ctx, s.actor, r.PathValue("org"))
		if err != nil {
			h.errorPage(w, r, s, err)
			return
		}
		sc, ok := scheme.Get(o.Scheme)
		if !ok {
			h.errorPage(w, r, s, fault.E(fault.Internal, "unknown scheme %s", o.Scheme))
			return
		}
		r = r.WithContext(context.WithValue(ctx, schemeKey{}, sc))
		c := &orgCtx{session: s, h: h, r: r, w: w, org: o, sc: sc}
		if err := c.loadCaps(); err != nil {
			h.errorPage(w, r, s, err)
			return
		}
		fn(w, r, c)
	})
}

// loadCaps takes what the user may do at the org from the service's
// policy; the console names no permission of its own.
func (c *orgCtx) loadCaps() error {
	can, err := c.h.svc.Capabilities(c.actor, c.org.ID)
	if err != nil {
		return err
	}
	c.can = caps{Rename: can[team.ActOrgRename], MembersView: can[team.ActMemberList], Keys: can[team.ActKeyList],
		BillingView: can[team.ActBillingView], BillingManage: can[team.ActBillingUpdate], Transfer: can[team.ActOrgTransfer],
		Audit: can[team.ActAuditRead], ManageUsers: can[team.ActRoleCreate], OtherMembers: can[team.ActInvitationList],
		Usage: can[team.ActUsageView], StaleAccess: can[team.ActReportStaleAccess],
		RACI: can[team.ActReportRACI], AssignmentSet: can[team.ActAssignmentSet],
		Reviews: can[team.ActReviewCreate] || can[team.ActReviewView], Approvals: can[team.ActApprovalList],
		TokenPolicy: can[team.ActTokenPolicy]}
	hasTeams := false
	for _, t := range c.sc.Types {
		hasTeams = hasTeams || t.Teams
	}
	c.can.Teams = hasTeams && c.can.MembersView
	if hasTeams && !c.can.MembersView {
		// A team's manager sees the teams she manages (team.view), members.view or not.
		if ts, err := c.h.svc.ListTeams(c.r.Context(), c.actor, c.org.ID); err == nil && len(ts) > 0 {
			c.can.Teams = true
		}
		// Her teams' names stand where ids would (her own team roles).
		c.collectionNames()
		if names, err := c.h.svc.TeamNames(c.r.Context(), c.actor, c.org.ID); err == nil {
			for id, n := range names {
				c.teams[id] = n
			}
		}
	}
	c.can.Overview = team.OverviewShown(can)
	c.can.Invite = c.can.ManageUsers && c.mayInvite()
	return nil
}

// nav is the Settings sidebar, each entry shown only to those allowed.
func (c *orgCtx) nav() []navItem {
	base := "/o/" + c.org.ID
	items := []navItem{{"general", "General", base + "/general"}}
	add := func(ok bool, id, label string) {
		if ok {
			items = append(items, navItem{id, label, base + "/" + id})
		}
	}
	// Who cannot list the members reads their own access on a page of its own.
	add(!c.can.MembersView && c.actor.UserID() != "", "access", "Your access")
	add(c.can.MembersView, "members", "Members")
	add(c.can.Teams, "teams", "Teams")
	add(c.can.MembersView, "groups", "Groups")
	add(true, "roles", "Roles")
	add(c.actor.UserID() != "", "requests", "Access requests")
	add(c.can.Audit, "resources", "Resource access")
	add(c.can.Keys, "keys", "Secret Keys")
	add(c.can.Approvals, "approvals", "Approvals")
	add(c.can.Usage, "usage", "Usage")
	add(c.can.BillingView, "billing", "Billing")
	add(c.can.Audit, "audit", "Audit log")
	return items
}

// view starts a page of the org.
func (c *orgCtx) view(active, title string) *view {
	o := c.org
	me := c.me
	v := &view{Title: title, CSRF: c.csrf, User: &me, Org: &o, Scheme: c.sc, Can: c.can, Nav: c.nav(),
		Active: active, c: c}
	v.setFlash(c.h.takeFlash(c.w, c.r))
	return v
}

func (c *orgCtx) render(status int, page string, v *view) { c.h.render(c.w, c.r, status, page, v) }

// fail renders a refusal as the org's error page.
func (c *orgCtx) fail(err error) {
	v := c.view("", "Not allowed")
	if fault.CodeOf(err) == fault.NotFound {
		v.Title = "Not found"
	}
	v.Error, v.Fatal = c.h.message(c.r, err), true
	c.render(statusOf(err), "error", v)
}

func (c *orgCtx) back(target, flash string) {
	if flash != "" {
		c.h.flash(c.w, flash)
	}
	c.h.redirect(c.w, c.r, target)
}

func (c *orgCtx) path(parts ...string) string {
	return "/o/" + c.org.ID + "/" + strings.Join(parts, "/")
}

// notFound answers a page the console does not have with its own page,
// signed in or not, rather than the mux's bare text.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticate(r)
	if !ok {
		s = nil
	}
	h.errorPage(w, r, s, fault.E(fault.NotFound, "There is no such page. Check the address, or go back to your organizations."))
}

// errorPage shows a refusal outside an org's pages (or where the org itself
// is not visible).
func (h *handler) errorPage(w http.ResponseWriter, r *http.Request, s *session, err error) {
	v := &view{Title: "Not found", Error: h.message(r, err), Fatal: true}
	if s != nil {
		me := s.me
		v.User, v.CSRF = &me, s.csrf
	}
	if fault.CodeOf(err) == fault.Forbidden {
		v.Title = "Not allowed"
	}
	h.render(w, r, statusOf(err), "error", v)
}

func (h *handler) csrfFailed(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: "Form expired", Fatal: true,
		Error: "This form has expired or did not come from this console. Reload the page and try again."}
	h.render(w, r, http.StatusForbidden, "error", v)
}

// --- names for display -------------------------------------------------

func (c *orgCtx) loadRoles() []team.RoleView {
	if c.roles == nil {
		rs, err := c.h.svc.ListRoles(c.r.Context(), c.actor, c.org.ID)
		if err != nil {
			c.h.log.Warn("console: list roles", "err", err)
		}
		c.roles = rs
	}
	return c.roles
}

// members lists every member the user may see (members.view), in pages.
func (c *orgCtx) members() []team.MemberView {
	if c.people != nil {
		return c.peopleAll
	}
	c.people = map[string]team.MemberView{}
	if !c.can.MembersView {
		return nil
	}
	after := ""
	for range 100 { // at most 100k members shown
		p, err := c.h.svc.ListMembers(c.r.Context(), c.actor, c.org.ID, after, 1000)
		if err != nil {
			c.h.log.Warn("console: list members", "err", err)
			break
		}
		for _, m := range p.Items {
			c.people[m.UserID] = m
			c.peopleAll = append(c.peopleAll, m)
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	return c.peopleAll
}

func (c *orgCtx) collectionNames() {
	if c.groups != nil {
		return
	}
	c.groups, c.teams = map[string]string{}, map[string]string{}
	if !c.can.MembersView {
		return
	}
	if gs, err := c.h.svc.ListGroups(c.r.Context(), c.actor, c.org.ID); err == nil {
		for _, g := range gs {
			c.groups[g.ID] = g.Name
		}
	}
	if ts, err := c.h.svc.ListTeams(c.r.Context(), c.actor, c.org.ID); err == nil {
		for _, t := range ts {
			c.teams[t.ID] = t.Name
		}
	}
}

// resourceList returns the resources of a type the user may list (the
// audit permission, or the type's create permission); nil otherwise.
func (c *orgCtx) resourceList(typ string, limit int) []team.ResourceView {
	p, err := c.h.svc.ListResources(c.r.Context(), c.actor, c.org.ID, typ, "", limit)
	if err != nil {
		return nil
	}
	if c.resources == nil {
		c.resources = map[string]string{}
	}
	for _, x := range p.Items {
		c.resources[x.Type+":"+x.ID] = x.Name
	}
	return p.Items
}

// RoleName is a role's display name.
func (v *view) RoleName(id string) string {
	if id == domain.DefaultRole {
		return "Default role"
	}
	if v.c != nil {
		for _, r := range v.c.loadRoles() {
			if r.ID == id {
				return r.Name
			}
		}
	}
	return id
}

// Person names a user id: "Name" (or the id of a former member).
func (v *view) Person(userID string) string {
	if v.c == nil {
		return userID
	}
	v.c.members()
	if m, ok := v.c.people[userID]; ok {
		return m.Name
	}
	return userID
}

// Subject names a subject string: a user, a group or a key.
func (v *view) Subject(s string) string {
	if strings.HasPrefix(s, "u_") && !strings.Contains(s, ":") {
		s = domain.UserSubject(s).String() // keys made before created_by was a subject
	}
	subj, err := domain.ParseSubject(s)
	if err != nil || v.c == nil {
		return s
	}
	switch subj.Kind {
	case domain.SubjectUser:
		v.c.members()
		if m, ok := v.c.people[subj.ID]; ok {
			return m.Name + " <" + m.Email + ">"
		}
	case domain.SubjectGroup:
		v.c.collectionNames()
		if n, ok := v.c.groups[subj.ID]; ok {
			return "group " + n
		}
	case domain.SubjectKey:
		return "secret key " + subj.ID
	}
	return s
}

// TypeLabel is a resource type's plural display name ("Datasets"), as the
// scheme gives it.
func (v *view) TypeLabel(typ string) string {
	if t, ok := v.resourceType(typ); ok {
		return t.Plural
	}
	return titleCase(typ)
}

func (v *view) resourceType(typ string) (*scheme.ResourceType, bool) {
	if v.c == nil || v.c.sc == nil {
		return nil, false
	}
	return v.c.sc.Type(typ)
}

// TypeName is a resource type's singular display name ("Work-order").
func (v *view) TypeName(typ string) string {
	if t, ok := v.resourceType(typ); ok {
		return t.Name
	}
	return titleCase(typ)
}

// Resource names "type:id" with its display name when known.
func (v *view) Resource(ref string) string {
	typ, id, _ := strings.Cut(ref, ":")
	name := ""
	if v.c != nil && v.c.resources != nil {
		name = v.c.resources[ref]
	}
	if name == "" || name == id {
		return v.TypeName(typ) + " " + id
	}
	return v.TypeName(typ) + " " + name + " (" + id + ")"
}

// Scope says where a grant applies, in words.
func (v *view) Scope(s string) string {
	sc, err := domain.ParseScope(s)
	if err != nil {
		return s
	}
	switch sc.Kind {
	case domain.ScopeOrg:
		return "the whole organization"
	case domain.ScopeType:
		return "All " + v.TypeLabel(sc.Type)
	case domain.ScopeTeam:
		if v.c != nil {
			v.c.collectionNames()
			if n, ok := v.c.teams[sc.ID]; ok {
				return "team " + n
			}
		}
		return "team " + sc.ID
	}
	return v.Resource(s)
}

// Via explains one entry of a member's access: the org role, a direct
// grant or a group's grant.
func (v *view) Via(a domain.Access) string {
	switch a.Via {
	case domain.ViaMembership:
		return "organization role " + v.RoleName(a.Role)
	case domain.ViaDirect:
		return "direct grant"
	}
	// The grant's id is shown apart, as a secondary detail.
	return v.Subject(string(a.Via))
}

// Reason explains one entry of a resource's access list.
func (v *view) Reason(r domain.Reason) string {
	switch r.Via {
	case domain.ViaMembership:
		return "organization role " + v.RoleName(r.Role)
	case domain.ViaDirect:
		return "direct grant " + r.Grant + " on " + v.Scope(r.Scope)
	}
	return v.Subject(string(r.Via)) + " (grant " + r.Grant + " on " + v.Scope(r.Scope) + ")"
}

// AccessTarget names what an access entry reaches: one resource or all.
func (v *view) AccessTarget(typ string, a domain.Access) string {
	if a.ID == "*" {
		return "All " + v.TypeLabel(typ)
	}
	if v.c != nil && v.c.resources != nil {
		if n := v.c.resources[typ+":"+a.ID]; n != "" && n != a.ID {
			return n + " (" + a.ID + ")"
		}
	}
	return a.ID
}
