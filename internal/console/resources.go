package console

import (
	"net/http"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

type resourcesData struct {
	Type  string
	Types []option
	Items []team.ResourceView
	Next  string
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
	if p.Next != "" {
		d.Next = c.path("resources") + "?type=" + typ + "&after=" + p.Next
	}
	v := c.view("resources", "Resource access")
	v.Data = d
	c.render(http.StatusOK, "resources", v)
}

type accessData struct {
	Resource team.ResourceView
	Ref      string
	Entries  []team.AccessEntry
}

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
	v := c.view("resources", (&view{c: c}).Resource(ref.String()))
	v.Data = accessData{Resource: res, Ref: ref.String(), Entries: entries}
	c.render(http.StatusOK, "resource", v)
}
