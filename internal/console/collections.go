package console

import (
	"net/http"
	"slices"

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
		Intro: "Operation teams: members hold team-level roles that reach only the resources attached to the team."}
	groupsKind = collectionKind{ID: "groups", Singular: "group", Plural: "Groups",
		Intro: "Groups of members: a role granted to a group reaches every member of it."}
)

func (k collectionKind) list(c *orgCtx) ([]team.CollectionView, error) {
	if k == teamsKind {
		return c.h.svc.ListTeams(c.r.Context(), c.actor, c.org.ID)
	}
	return c.h.svc.ListGroups(c.r.Context(), c.actor, c.org.ID)
}

type collectionsData struct {
	Kind  collectionKind
	Items []team.CollectionView
	Name  string
}

func (h *handler) collectionsView(c *orgCtx, k collectionKind) (*view, error) {
	items, err := k.list(c)
	if err != nil {
		return nil, err
	}
	v := c.view(k.ID, k.Plural)
	v.Data = collectionsData{Kind: k, Items: items}
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
			d.Name = name
			v.Data, v.Error = d, h.message(r, err)
			c.render(statusOf(err), "collections", v)
			return
		}
		c.back(c.path(k.ID, col.ID), titleCase(k.Singular)+" "+col.Name+" created.")
	}
}

type collectionData struct {
	Kind     collectionKind
	Item     team.CollectionView
	Members  []team.MemberView // in the collection
	Others   []team.MemberView // org members not in it
	Grants   []team.GrantView  // groups: roles the group holds
	Roles    []team.RoleView
	Scopes   []option
	Form     grantForm
	GrantErr string
}

func (h *handler) collectionView(c *orgCtx, k collectionKind, id string) (*view, error) {
	items, err := k.list(c)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(items, func(x team.CollectionView) bool { return x.ID == id })
	if i < 0 {
		return nil, fault.E(fault.NotFound, "%s %q not found", k.Singular, id)
	}
	d := collectionData{Kind: k, Item: items[i]}
	for _, m := range c.members() {
		if slices.Contains(d.Item.Members, m.UserID) {
			d.Members = append(d.Members, m)
		} else {
			d.Others = append(d.Others, m)
		}
	}
	if k == groupsKind {
		if p, err := h.svc.ListGrants(c.r.Context(), c.actor, c.org.ID, domain.GroupSubject(id).String(), "", "", 1000); err == nil {
			d.Grants = p.Items
		}
		for _, t := range c.sc.Types {
			c.resourceList(t.ID, choiceLimit)
		}
		if c.can.ManageUsers {
			d.Roles, d.Scopes = c.grantRoles(), c.scopeOptions()
		}
	}
	v := c.view(k.ID, d.Item.Name)
	v.Data = d
	return v, nil
}

func (h *handler) collection(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		v, err := h.collectionView(c, k, r.PathValue("id"))
		if err != nil {
			c.fail(err)
			return
		}
		c.render(http.StatusOK, "collection", v)
	}
}

// collectionWith re-renders a team or group page with a refusal.
func (h *handler) collectionWith(c *orgCtx, k collectionKind, id string, status int, msg string, f grantForm) {
	v, err := h.collectionView(c, k, id)
	if err != nil {
		c.fail(err)
		return
	}
	d := v.Data.(collectionData)
	if f != (grantForm{}) {
		d.Form, d.GrantErr = f, msg
	} else {
		v.Error = msg
	}
	v.Data = d
	c.render(status, "collection", v)
}

func (h *handler) setCollectionMember(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		id, uid := r.PathValue("id"), r.PostFormValue("user_id")
		remove := r.PostFormValue("remove") == "1"
		var err error
		if k == teamsKind {
			_, err = h.svc.SetTeamMember(r.Context(), c.actor, c.org.ID, id, uid, remove)
		} else {
			_, err = h.svc.SetGroupMember(r.Context(), c.actor, c.org.ID, id, uid, remove)
		}
		if err != nil {
			h.collectionWith(c, k, id, statusOf(err), h.message(r, err), grantForm{})
			return
		}
		v := &view{c: c}
		msg := v.Person(uid) + " added."
		if remove {
			msg = v.Person(uid) + " removed."
		}
		c.back(c.path(k.ID, id), msg)
	}
}

func (h *handler) deleteCollection(k collectionKind) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) {
		id := r.PathValue("id")
		var err error
		if k == teamsKind {
			_, err = h.svc.DeleteTeam(r.Context(), c.actor, c.org.ID, id)
		} else {
			_, err = h.svc.DeleteGroup(r.Context(), c.actor, c.org.ID, id)
		}
		if err != nil {
			h.collectionWith(c, k, id, statusOf(err), h.message(r, err), grantForm{})
			return
		}
		c.back(c.path(k.ID), titleCase(k.Singular)+" deleted; the grants it held are gone.")
	}
}
