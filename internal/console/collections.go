package console

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// collectionKind is what teams and groups share on their pages.
type collectionKind struct {
	ID, Singular, Plural, Intro string
}

var (
	teamsKind = collectionKind{ID: "teams", Singular: "team", Plural: "Teams",
		Intro: "Operation teams: members hold team roles that reach only what is attached to the team."}
	groupsKind = collectionKind{ID: "groups", Singular: "group", Plural: "Groups",
		Intro: "Groups of members: a role granted to a group reaches every member of it."}
)

func (k collectionKind) list(c *orgCtx) ([]team.CollectionView, error) {
	if k == teamsKind {
		return c.h.svc.ListTeams(c.r.Context(), c.actor, c.org.ID)
	}
	return c.h.svc.ListGroups(c.r.Context(), c.actor, c.org.ID)
}

// Title is the kind's singular with a capital ("Team").
func (k collectionKind) Title() string { return titleCase(k.Singular) }

type collectionsData struct {
	Kind       collectionKind
	Items      []team.CollectionView
	Name       string
	Error      string // the refusal of the create form, in its own words
	Q, Sort    string
	Cols       []sortCol
	Prev, Next string
	Matched    int // how many match the search
	Total      int // how many there are
}

// collectionPage is how many teams or groups a page shows.
const collectionPage = 50

func (h *handler) collectionsView(c *orgCtx, k collectionKind) (*view, error) {
	all, err := k.list(c)
	if err != nil {
		return nil, err
	}
	q := c.r.URL.Query()
	d := collectionsData{Kind: k, Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), Total: len(all)}
	if d.Sort == "" {
		d.Sort = "name"
	}
	found, err := team.FindCollections(all, d.Q, d.Sort)
	if err != nil {
		return nil, err
	}
	d.Matched = len(found)
	off, _ := strconv.Atoi(q.Get("page"))
	off = max(0, off)
	p, err := team.PageOf(found, collectionPage, team.OffsetToken(off))
	if err != nil {
		return nil, err
	}
	d.Items = p.Items
	keep := url.Values{}
	if d.Q != "" {
		keep.Set("q", d.Q)
	}
	link := func(at int) string {
		l := url.Values{"sort": {d.Sort}}
		if d.Q != "" {
			l.Set("q", d.Q)
		}
		if at > 0 {
			l.Set("page", strconv.Itoa(at))
		}
		return c.path(k.ID) + "?" + l.Encode()
	}
	if off > 0 {
		d.Prev = link(max(0, off-collectionPage))
	}
	if p.Next != "" {
		d.Next = link(off + len(d.Items))
	}
	d.Cols = sortCols(keep, "sort", d.Sort, [][2]string{{"name", "Name"}, {"members", "Members"}}, c.path(k.ID))
	v := c.view(k.ID, k.Plural)
	v.Data = d
	return v, nil
}

func (h *handler) collections(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		v, err := h.collectionsView(c, k)
		if err != nil {
			c.fail(err)
			return
		}
		c.render(http.StatusOK, "collections", v)
	}
}

func (h *handler) createCollection(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		name := r.PostFormValue("name")
		var col team.CollectionView
		var err error
		if k == teamsKind {
			col, err = h.svc.CreateTeam(r.Context(), c.actor, c.org.ID, name)
		} else {
			col, err = h.svc.CreateGroup(r.Context(), c.actor, c.org.ID, name)
		}
		if err != nil {
			v, verr := h.collectionsView(c, k)
			if verr != nil {
				c.fail(err)
				return
			}
			d := v.Data.(collectionsData)
			d.Name, d.Error = name, h.message(r, err)
			v.Data = d
			c.render(statusOf(err), "collections", v)
			return
		}
		c.back(c.path(k.ID, col.ID), k.Title()+" "+col.Name+" created.")
	}
}

// collMember is one person of a roster, with the team roles they hold.
type collMember struct {
	team.MemberView
	Roles []string // role names, teams only
}

// collGrant is a grant of a team or group page, with whom it is for.
type collGrant struct {
	team.GrantView
	Who string // teams: the person (or group) holding it
}

type collectionData struct {
	Kind         collectionKind
	Item         team.CollectionView
	Members      []collMember
	Others       []team.MemberView // org members not in it, for the add picker
	ByEmail      bool              // a team's manager without members.view adds people by email
	Grants       []collGrant
	GrantsHidden bool // the user may not list what the group holds
	Manage       bool // may change the roster and the roles held here
	Admin        bool // may rename and delete (user management at the org)
	Roles        []team.RoleView
	Scopes       []option
	Form         grantForm
	GrantUser    string // teams: the member the role form gives to
	GrantErr     string
	AddEmail     string
	AddErr       string
	Rename       string
	RenameErr    string
	Attached     []string // teams: "type:id" of what is attached to it
	ShowAttached bool
	// The Invite into the team form of a team's manager who does not
	// reach the Members page.
	InviteEmail, InviteRole, InviteErr string
	Invited                            *collInvited
}

// collInvited is the invitation just sent from a team page.
type collInvited struct {
	Email, Role, Link string
}

func (h *handler) collectionView(c *orgCtx, k collectionKind, id string) (*view, error) {
	ctx := c.r.Context()
	var d collectionData
	if k == teamsKind {
		t, err := h.svc.GetTeam(ctx, c.actor, c.org.ID, id)
		if err != nil {
			return nil, err
		}
		d = collectionData{Kind: k, Item: t.CollectionView}
		c.collectionNames()
		c.teams[t.ID] = t.Name
		d.Admin = c.can.ManageUsers
		d.Manage = h.svc.ManagesTeam(c.actor, c.org.ID, id)
		people := map[string]string{}
		for _, m := range t.Roster {
			d.Members = append(d.Members, collMember{MemberView: m})
			people[domain.UserSubject(m.UserID).String()] = m.Name
		}
		v := &view{c: c}
		for _, g := range t.Grants {
			who := people[g.Subject]
			if who == "" {
				who = v.Subject(g.Subject)
			}
			d.Grants = append(d.Grants, collGrant{GrantView: g, Who: who})
			for i := range d.Members {
				if domain.UserSubject(d.Members[i].UserID).String() == g.Subject {
					d.Members[i].Roles = append(d.Members[i].Roles, v.RoleName(g.Role))
				}
			}
		}
		// What the team's roles reach, for those who may list resources
		// (among the first choiceLimit of each type, as the forms list them).
		d.ShowAttached = c.can.Audit
		for _, typ := range c.sc.Types {
			if !typ.Teams {
				continue
			}
			for _, x := range c.resourceList(typ.ID, choiceLimit) {
				if x.Team == id {
					d.Attached = append(d.Attached, x.Type+":"+x.ID)
				}
			}
		}
		if d.Manage {
			d.ByEmail = !c.can.MembersView
			scope := domain.TeamScope(id).String()
			at, err := h.svc.Grantable(ctx, c.actor, c.org.ID, []string{scope})
			if err != nil {
				h.log.Warn("console: grantable", "err", err)
			}
			for _, r := range c.grantRoles() {
				if slices.Contains(at[r.ID], scope) {
					d.Roles = append(d.Roles, r)
				}
			}
		}
	} else {
		items, err := k.list(c)
		if err != nil {
			return nil, err
		}
		i := slices.IndexFunc(items, func(x team.CollectionView) bool { return x.ID == id })
		if i < 0 {
			return nil, fault.E(fault.NotFound, "there is no such group in this organization; it may have been deleted")
		}
		d = collectionData{Kind: k, Item: items[i], Admin: c.can.ManageUsers, Manage: c.can.ManageUsers}
		for _, m := range c.members() {
			if slices.Contains(d.Item.Members, m.UserID) {
				d.Members = append(d.Members, collMember{MemberView: m})
			}
		}
		p, err := h.svc.ListGrants(ctx, c.actor, c.org.ID, team.GrantQuery{Subject: domain.GroupSubject(id).String(), Limit: 1000})
		if err != nil {
			d.GrantsHidden = true
		}
		for _, t := range c.sc.Types {
			c.resourceList(t.ID, choiceLimit)
		}
		named := map[string][]domain.Access{}
		for _, g := range p.Items {
			d.Grants = append(d.Grants, collGrant{GrantView: g})
			if ref, err := domain.ParseRef(g.Scope); err == nil {
				named[ref.Type] = append(named[ref.Type], domain.Access{ID: ref.ID})
			}
		}
		c.nameResources(named) // a member sees the names of what the group reaches
		if d.Manage {
			c.collGrantForm(&d, grantForm{})
		}
	}
	if d.Manage && !d.ByEmail {
		for _, m := range c.members() {
			if !slices.Contains(d.Item.Members, m.UserID) {
				d.Others = append(d.Others, m)
			}
		}
	}
	d.Rename = d.Item.Name
	v := c.view(k.ID, d.Item.Name)
	v.Data = d
	return v, nil
}

// collGrantForm fills a group's grant form: the roles the user may give
// somewhere, and the scopes of the chosen role (else the first), so the
// pair it starts with is one the service accepts.
func (c *orgCtx) collGrantForm(d *collectionData, f grantForm) {
	g := c.grantChoices()
	d.Roles = nil
	for _, r := range c.grantRoles() {
		if len(g.at[r.ID]) > 0 {
			d.Roles = append(d.Roles, r)
		}
	}
	if len(g.at[domain.DefaultRole]) > 0 && c.defaultRolesInUse() {
		d.Roles = append(d.Roles, defaultRoleChoice())
	}
	if !slices.ContainsFunc(d.Roles, func(r team.RoleView) bool { return r.ID == f.Role }) {
		f.Role = ""
		if len(d.Roles) > 0 {
			f.Role = d.Roles[0].ID
		}
	}
	d.Scopes = g.options(f.Role, nil)
	if !slices.ContainsFunc(d.Scopes, func(o option) bool { return o.Value == f.Scope }) {
		f.Scope = ""
		if len(d.Scopes) > 0 {
			f.Scope = d.Scopes[0].Value
		}
	}
	d.Form = f
}

// groupGrantScopes answers the "On" field of a group's grant form for the
// role just chosen (htmx swaps it in).
func (h *handler) groupGrantScopes(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	d := collectionData{Kind: groupsKind, Item: team.CollectionView{ID: r.PathValue("id")}}
	if c.can.ManageUsers {
		c.collGrantForm(&d, grantForm{Role: r.URL.Query().Get("role")})
	}
	v := c.view("groups", "Groups")
	v.Data = d
	h.fragment(w, r, "coll-scope-field", v)
}

// collFail shows a refusal of a team or group page, with ids put into
// words.
func (h *handler) collFail(c *orgCtx, err error) {
	v := c.view("", "Not allowed")
	if fault.CodeOf(err) == fault.NotFound {
		v.Title = "Not found"
	}
	v.Error, v.Fatal = h.collMessage(c, err), true
	c.render(statusOf(err), "error", v)
}

var (
	collTeamRE = regexp.MustCompile(`\bteam (t_[A-Za-z0-9]+)\b`)
	collUserRE = regexp.MustCompile(`\b(?:user:)?(u_[A-Za-z0-9]+)\b`)
)

// collMessage is a refusal in words: the service names teams and members
// by id, the person reads their names ("this team" where the name is not
// theirs to see).
func (h *handler) collMessage(c *orgCtx, err error) string {
	msg := h.message(c.r, err)
	c.collectionNames()
	msg = collTeamRE.ReplaceAllStringFunc(msg, func(m string) string {
		if n, ok := c.teams[collTeamRE.FindStringSubmatch(m)[1]]; ok {
			return "team " + n
		}
		return "this team"
	})
	v := &view{c: c}
	return collUserRE.ReplaceAllStringFunc(msg, func(m string) string {
		id := collUserRE.FindStringSubmatch(m)[1]
		if n := v.Person(id); n != id {
			return n
		}
		if n, ok := c.collPeople[id]; ok {
			return n
		}
		return "this member"
	})
}

func (h *handler) collection(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		v, err := h.collectionView(c, k, r.PathValue("id"))
		if err != nil {
			h.collFail(c, err)
			return
		}
		c.render(http.StatusOK, "collection", v)
	}
}

// collectionWith re-renders a group page with a refusal of its grant form
// (posted to the org's grants), or with msg at the top of the page.
func (h *handler) collectionWith(c *orgCtx, k collectionKind, id string, status int, msg string, f grantForm) {
	if f == (grantForm{}) {
		h.collWith(c, k, id, status, msg, nil)
		return
	}
	h.collWith(c, k, id, status, "", func(d *collectionData) {
		if d.Manage {
			c.collGrantForm(d, f)
		}
		d.GrantErr = msg
	})
}

// collWith re-renders a team or group page with a refusal: msg at the top
// of the page, or what fill puts at the form it answers.
func (h *handler) collWith(c *orgCtx, k collectionKind, id string, status int, msg string, fill func(*collectionData)) {
	v, err := h.collectionView(c, k, id)
	if err != nil {
		h.collFail(c, err)
		return
	}
	d := v.Data.(collectionData)
	if fill != nil {
		fill(&d)
	}
	v.Data, v.Error = d, msg
	c.render(status, "collection", v)
}

// collRemember keeps the names of a page's people, for messages about them
// after they left it.
func (c *orgCtx) collRemember(k collectionKind, id string) {
	if c.collPeople == nil {
		c.collPeople = map[string]string{}
	}
	if k != teamsKind {
		return
	}
	if t, err := c.h.svc.GetTeam(c.r.Context(), c.actor, c.org.ID, id); err == nil {
		for _, m := range t.Roster {
			c.collPeople[m.UserID] = m.Name
		}
	}
}

// collLeave is the member a removal dialog asks about.
type collLeave struct {
	collectionData
	M collMember
}

// removeCollMemberDialog asks before someone leaves a team or group: what
// they hold through it ends.
func (h *handler) removeCollMemberDialog(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		v, err := h.collectionView(c, k, r.PathValue("id"))
		if err != nil {
			h.collFail(c, err)
			return
		}
		d := v.Data.(collectionData)
		i := slices.IndexFunc(d.Members, func(m collMember) bool { return m.UserID == r.PathValue("uid") })
		if i < 0 {
			v.Error = "That member is no longer in this " + k.Singular + "."
			c.render(http.StatusNotFound, "collection", v)
			return
		}
		v.Dialog, v.D = "dlg-coll-leave", collLeave{collectionData: d, M: d.Members[i]}
		c.render(http.StatusOK, "collection", v)
	}
}

func (h *handler) setCollectionMember(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		id, uid := r.PathValue("id"), r.PostFormValue("user_id")
		remove := r.PostFormValue("remove") == "1"
		if p := r.PathValue("uid"); p != "" {
			uid, remove = p, true // the removal dialog's confirm
		}
		email := strings.TrimSpace(r.PostFormValue("email"))
		c.collRemember(k, id)
		var err error
		if uid == "" && email != "" && k == teamsKind {
			// A team's manager may not browse the org's members: she names one.
			var m team.MemberView
			if m, err = h.svc.TeamCandidate(r.Context(), c.actor, c.org.ID, id, email); err == nil {
				uid = m.UserID
				c.collPeople[uid] = m.Name
			}
		}
		if err == nil && uid == "" {
			err = fault.E(fault.Invalid, "choose a member to add")
		}
		if err == nil {
			if k == teamsKind {
				_, err = h.svc.SetTeamMember(r.Context(), c.actor, c.org.ID, id, uid, remove)
			} else {
				_, err = h.svc.SetGroupMember(r.Context(), c.actor, c.org.ID, id, uid, remove)
			}
		}
		if err != nil {
			msg := h.collMessage(c, err)
			if email != "" {
				// She named the member by email; the refusal does too.
				msg = strings.ReplaceAll(msg, "this member", email)
			}
			h.collWith(c, k, id, statusOf(err), "", func(d *collectionData) {
				d.AddErr, d.AddEmail = msg, email
			})
			return
		}
		v := &view{c: c}
		name := v.Person(uid)
		if n, ok := c.collPeople[uid]; ok {
			name = n
		}
		msg := name + " added."
		if remove {
			msg = name + " removed."
		}
		c.back(c.path(k.ID, id), msg)
	}
}

func (h *handler) renameCollection(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		id, name := r.PathValue("id"), r.PostFormValue("name")
		var col team.CollectionView
		var err error
		if k == teamsKind {
			col, err = h.svc.RenameTeam(r.Context(), c.actor, c.org.ID, id, name)
		} else {
			col, err = h.svc.RenameGroup(r.Context(), c.actor, c.org.ID, id, name)
		}
		if err != nil {
			msg := h.collMessage(c, err)
			h.collWith(c, k, id, statusOf(err), "", func(d *collectionData) {
				d.Rename, d.RenameErr = name, msg
			})
			return
		}
		c.back(c.path(k.ID, id), k.Title()+" renamed to "+col.Name+".")
	}
}

// collDeleteDialog asks before a team or group goes, saying what ends
// with it.
func (h *handler) collDeleteDialog(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		v, err := h.collectionView(c, k, r.PathValue("id"))
		if err != nil {
			h.collFail(c, err)
			return
		}
		v.Dialog, v.D = "dlg-coll-delete", v.Data
		c.render(http.StatusOK, "collection", v)
	}
}

func (h *handler) deleteCollection(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		id := r.PathValue("id")
		c.collectionNames()
		name := c.teams[id]
		if k == groupsKind {
			name = c.groups[id]
		}
		var err error
		if k == teamsKind {
			_, err = h.svc.DeleteTeam(r.Context(), c.actor, c.org.ID, id)
		} else {
			_, err = h.svc.DeleteGroup(r.Context(), c.actor, c.org.ID, id)
		}
		if err != nil {
			msg := h.collMessage(c, err)
			h.collWith(c, k, id, statusOf(err), msg, nil)
			return
		}
		c.back(c.path(k.ID), k.Title()+" "+name+" deleted; the roles held through it ended.")
	}
}

// grantCollection gives a role from a team or group page: a team role to
// a member of the team's roster, or a role to the group.
func (h *handler) grantCollection(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		id := r.PathValue("id")
		f := grantForm{Role: r.PostFormValue("role"), Scope: r.PostFormValue("scope"), Expires: r.PostFormValue("expires")}
		uid := r.PostFormValue("user_id")
		subject := domain.GroupSubject(id).String()
		if k == teamsKind {
			f.Scope = domain.TeamScope(id).String()
			subject = domain.UserSubject(uid).String()
		}
		c.collRemember(k, id)
		exp, err := parseExpiry(f.Expires)
		if err == nil && k == teamsKind && uid == "" {
			err = fault.E(fault.Invalid, "choose the member to give the team role to")
		}
		if err == nil {
			_, _, err = h.svc.CreateGrant(r.Context(), c.actor, c.org.ID, team.GrantRequest{Subject: subject, Role: f.Role, Scope: f.Scope, ExpiresAt: exp})
		}
		v := &view{c: c}
		who := v.Subject(subject)
		if n, ok := c.collPeople[uid]; ok {
			who = n
		}
		if err != nil {
			msg := h.collMessage(c, err)
			if fe, ok := fault.As(err); ok && fe.Code == fault.Conflict && fe.ExistingID != "" {
				msg = who + " already holds " + v.RoleName(f.Role) + " on " + v.Scope(f.Scope) + " with this expiry."
			}
			h.collWith(c, k, id, statusOf(err), "", func(d *collectionData) {
				if k == groupsKind && d.Manage {
					c.collGrantForm(d, f)
				} else {
					d.Form = f
				}
				d.GrantUser, d.GrantErr = uid, msg
			})
			return
		}
		if ref, err := domain.ParseRef(f.Scope); err == nil {
			c.nameResources(map[string][]domain.Access{ref.Type: {{ID: ref.ID}}})
		}
		c.back(c.path(k.ID, id), v.RoleName(f.Role)+" on "+v.Scope(f.Scope)+" given to "+who+".")
	}
}

// collRevoke is the grant a revoke dialog asks about, found on its page.
type collRevoke struct {
	collectionData
	Grant collGrant
}

func (h *handler) collGrantOf(c *orgCtx, k collectionKind, id, gid string) (*view, collRevoke, error) {
	v, err := h.collectionView(c, k, id)
	if err != nil {
		return nil, collRevoke{}, err
	}
	d := v.Data.(collectionData)
	for _, g := range d.Grants {
		if g.ID == gid {
			return v, collRevoke{collectionData: d, Grant: g}, nil
		}
	}
	return v, collRevoke{}, fault.E(fault.NotFound, "that role is no longer held here; it may have been revoked already")
}

// revokeCollDialog asks before a grant shown on a team or group page ends.
func (h *handler) revokeCollDialog(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		id := r.PathValue("id")
		v, rv, err := h.collGrantOf(c, k, id, r.PathValue("gid"))
		if err != nil {
			if v == nil {
				h.collFail(c, err)
				return
			}
			v.Error = h.collMessage(c, err)
			c.render(statusOf(err), "collection", v)
			return
		}
		v.Dialog, v.D = "dlg-coll-revoke", rv
		c.render(http.StatusOK, "collection", v)
	}
}

func (h *handler) revokeCollGrant(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		id, gid := r.PathValue("id"), r.PathValue("gid")
		// Only a grant the page shows is revoked here, and the flash names it.
		_, rv, err := h.collGrantOf(c, k, id, gid)
		if err == nil {
			_, err = h.svc.DeleteGrant(r.Context(), c.actor, c.org.ID, gid)
		}
		if err != nil {
			h.collWith(c, k, id, statusOf(err), h.collMessage(c, err), nil)
			return
		}
		v := &view{c: c}
		who := rv.Grant.Who
		if who == "" {
			who = "the group"
		}
		c.back(c.path(k.ID, id), v.RoleName(rv.Grant.Role)+" on "+v.Scope(rv.Grant.Scope)+" revoked from "+who+".")
	}
}

// inviteToTeam invites someone new into a team with a team role, on the
// base org role: what a team's manager may do (the policy's
// rostersInvited), from the only page she reaches.
func (h *handler) inviteToTeam(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	id := r.PathValue("id")
	email, role := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("team_role")
	inv, _, err := h.svc.Invite(r.Context(), c.actor, c.org.ID, team.InviteRequest{Email: email, Role: c.sc.BaseRole,
		Grants: []domain.InvitedGrant{{Role: role, Scope: domain.TeamScope(id).String()}}})
	if err != nil {
		msg := h.collMessage(c, err)
		h.collWith(c, teamsKind, id, statusOf(err), "", func(d *collectionData) {
			d.InviteEmail, d.InviteRole, d.InviteErr = email, role, msg
		})
		return
	}
	v := &view{c: c}
	sent := &collInvited{Email: inv.Email, Role: v.RoleName(role), Link: h.inviteLink(r, inv.Token)}
	// The link shows once, on this answer, as the Invite dialog shows it.
	h.collWith(c, teamsKind, id, http.StatusCreated, "", func(d *collectionData) { d.Invited = sent })
}
