package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

type resourcesData struct {
	Type  string
	Types []option
	Items []team.ResourceView
	Next  string
	Empty string
}

// resources lists the org's resources of one type, each linking to who has
// access to it.
func (h *handler) resources(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	typ := r.URL.Query().Get("type")
	if _, ok := c.sc.Type(typ); !ok && len(c.sc.Types) > 0 {
		typ = c.sc.Types[0].ID
	}
	vw := &view{c: c}
	d := resourcesData{Type: typ}
	for _, t := range c.sc.Types {
		d.Types = append(d.Types, option{t.ID, vw.TypeLabel(t.ID)})
	}
	p, err := h.svc.ListResources(r.Context(), c.actor, c.org.ID, typ, r.URL.Query().Get("after"), 200)
	if err != nil {
		c.fail(err)
		return
	}
	d.Items = p.Items
	parents := map[string][]domain.Access{}
	for _, x := range p.Items {
		if ref, err := domain.ParseRef(x.Parent); err == nil {
			parents[ref.Type] = append(parents[ref.Type], domain.Access{ID: ref.ID})
		}
	}
	c.nameResources(parents)
	if p.Next != "" {
		d.Next = c.path("resources") + "?type=" + typ + "&after=" + p.Next
	}
	d.Empty = "No " + strings.ToLower(vw.TypeLabel(typ)) + " registered yet: your application registers them through the API, and they appear here with who can access them."
	v := c.view("resources", "Resource access")
	v.Data = d
	c.render(http.StatusOK, "resources", v)
}

type accessData struct {
	Resource         team.ResourceView
	Ref              string
	Path, ParentPath string // of this resource's page and its parent's
	Entries          []team.AccessEntry
	Grant            *resourceGrant
}

// resourceGrant is the "Give someone access" form of a resource page: a
// person found by a search the server answers (the members list's q), and
// a role the granter may give on this resource.
type resourceGrant struct {
	Action, Ref string
	Roles       []team.RoleView
	Role        string
	Who         string // the search
	People      []team.MemberView
	More        bool // more people match than are listed
	Searched    bool
	Expires     string
}

// pickerLimit is how many people a search of the grant form lists.
const pickerLimit = 8

// resourceAccess answers "who can access this dataset, and through what".
func (h *handler) resourceAccess(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	ref, err := domain.ParseRef(r.PathValue("type") + ":" + r.PathValue("id"))
	if err != nil {
		c.fail(err)
		return
	}
	res, err := h.svc.GetResource(r.Context(), c.actor, c.org.ID, ref)
	if err != nil {
		c.fail(err)
		return
	}
	entries, err := h.svc.ResourceAccess(r.Context(), c.actor, c.org.ID, ref)
	if err != nil {
		c.fail(err)
		return
	}
	if c.resources == nil {
		c.resources = map[string]string{}
	}
	c.resources[ref.String()] = res.Name
	if res.Parent != "" {
		if pref, err := domain.ParseRef(res.Parent); err == nil {
			if pr, err := h.svc.GetResource(r.Context(), c.actor, c.org.ID, pref); err == nil {
				c.resources[res.Parent] = pr.Name
			}
		}
	}
	q := r.URL.Query()
	d := accessData{Resource: res, Ref: ref.String(), Entries: entries, Path: c.path("resources", ref.Type, ref.ID)}
	if pref, err := domain.ParseRef(res.Parent); err == nil {
		d.ParentPath = c.path("resources", pref.Type, pref.ID)
	}
	d.Grant = h.resourceGrantForm(c, ref.String(), q.Get("who"), q.Get("role"))
	if d.Grant != nil {
		d.Grant.Expires = q.Get("expires")
	}
	v := c.view("resources", (&view{c: c}).ResourceName(ref.String()))
	v.Data = d
	c.render(http.StatusOK, "resource", v)
}

// resourceGrantForm builds the grant form of a resource page, or nil when
// the user may grant nothing on it.
func (h *handler) resourceGrantForm(c *orgCtx, ref, who, role string) *resourceGrant {
	if !c.can.ManageUsers || !c.can.MembersView {
		return nil
	}
	at, err := h.svc.Grantable(c.r.Context(), c.actor, c.org.ID, []string{ref})
	if err != nil {
		return nil
	}
	g := &resourceGrant{Action: c.path("grants"), Ref: ref, Role: role, Who: strings.TrimSpace(who)}
	for _, r := range c.grantRoles() {
		if slices.Contains(at[r.ID], ref) {
			g.Roles = append(g.Roles, r)
		}
	}
	if len(g.Roles) == 0 {
		return nil
	}
	if g.Who != "" {
		g.Searched = true
		g.People, g.More = h.findPeople(c, g.Who)
	}
	return g
}

// findPeople asks the member search for the first few people whose name
// or email holds q.
func (h *handler) findPeople(c *orgCtx, q string) ([]team.MemberView, bool) {
	p, err := h.svc.SearchMembers(c.r.Context(), c.actor, c.org.ID, team.MemberQuery{Q: q, Sort: "name", Limit: pickerLimit})
	if err != nil {
		return nil, false
	}
	return p.Items, p.Next != ""
}

// resourcePeople answers the grant form's search as the person types: the
// list of people to pick from, swapped in by htmx.
func (h *handler) resourcePeople(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	ref := r.PathValue("type") + ":" + r.PathValue("id")
	g := &resourceGrant{Ref: ref, Who: strings.TrimSpace(r.URL.Query().Get("who"))}
	if !strings.HasPrefix(r.Header.Get("HX-Request"), "true") {
		// Without htmx the page itself answers the search.
		h.redirect(w, r, c.path("resources", r.PathValue("type"), r.PathValue("id"))+"?"+url.Values{"who": {g.Who}}.Encode())
		return
	}
	if c.can.ManageUsers && c.can.MembersView && g.Who != "" {
		g.Searched = true
		g.People, g.More = h.findPeople(c, g.Who)
	}
	v := c.view("resources", "")
	v.D = g
	h.fragment(w, r, "resource-people", v)
}

// ResourceName names "type:id" for a heading: "Project Retail shelves".
func (v *view) ResourceName(ref string) string {
	typ, _, _ := strings.Cut(ref, ":")
	return v.TypeName(typ) + " " + v.resourceName(ref)
}

// RefID is the id part of "type:id", shown apart as a copyable detail.
func (v *view) RefID(ref string) string {
	_, id, _ := strings.Cut(ref, ":")
	return id
}

// Through says in words how an entry of a resource's access list holds;
// the grant's id is shown apart.
func (v *view) Through(r domain.Reason) string {
	switch r.Via {
	case domain.ViaMembership:
		return "organization role " + v.RoleName(r.Role)
	case domain.ViaDirect:
		return "direct grant on " + v.scopeWords(r.Scope)
	}
	return v.Subject(string(r.Via)) + ", granted on " + v.scopeWords(r.Scope)
}

// scopeWords names a scope without its id: "project Retail shelves".
func (v *view) scopeWords(s string) string {
	sc, err := domain.ParseScope(s)
	if err != nil || sc.Kind == domain.ScopeOrg || sc.Kind == domain.ScopeType {
		return v.Scope(s)
	}
	if sc.Kind == domain.ScopeTeam {
		return "team " + v.teamName(sc.ID)
	}
	return strings.ToLower(v.TypeName(sc.Type)) + " " + v.resourceName(s)
}

// PermOptions are a role's permissions in the scheme's words, each with
// its id as the secondary detail.
func (v *view) PermOptions(ids []string) []option {
	out := make([]option, 0, len(ids))
	for _, id := range ids {
		label := v.PermWords(id)
		if label != id {
			label = strings.ToUpper(label[:1]) + label[1:]
		}
		out = append(out, option{id, label})
	}
	return out
}

// grantReturn is where a grant made from a page other than Member Access
// goes back to: a page of the same org, else none.
func grantReturn(c *orgCtx, ret string) string {
	ret = safeNext(ret)
	if ret == "/" || !strings.HasPrefix(ret, c.path()) {
		return ""
	}
	if u, err := url.Parse(ret); err == nil {
		return u.Path
	}
	return ""
}
