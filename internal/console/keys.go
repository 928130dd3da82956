package console

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

type keysData struct {
	Keys []team.KeyView
	// Filter is the list's query; Next and First link the next page and
	// back to the first.
	Filter      keyFilter
	Owners      []team.KeyOwner
	Next, First string
	Roles       []team.RoleView
	Scopes      []option
	Form        keyForm
	Secret      *team.KeyView // the key whose secret is shown, once
	Rotated     bool
	Revoke      *team.KeyView // the key the confirm dialog asks about
}

type keyForm struct {
	Name, Role, Scope, Expires string
}

// keyFilter is the keys page's query: which keys, whose, matching what.
type keyFilter struct {
	Q, State, Owner, After string
}

// keyStates are the states the list filters by, in the order offered.
var keyStates = []option{{"live", "Live"}, {"expired", "Expired"}, {"revoked", "Revoked"}, {"all", "All"}}

func (f keyFilter) state() team.KeyState {
	switch f.State {
	case "expired":
		return team.ExpiredKey
	case "revoked":
		return team.RevokedKey
	case "all":
		return team.AnyKey
	}
	return team.LiveKey
}

// query is the filter as URL parameters, without its defaults.
func (f keyFilter) query(after string) url.Values {
	q := url.Values{}
	for k, v := range map[string]string{"q": f.Q, "owner": f.Owner, "after": after} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if f.State != "live" {
		q.Set("state", f.State)
	}
	return q
}

// keysPageSize: live keys are bounded by a quota, revoked ones are not.
const keysPageSize = 50

func (h *handler) keysView(c *orgCtx) (*view, error) {
	ctx := c.r.Context()
	q := c.r.URL.Query()
	f := keyFilter{Q: strings.TrimSpace(q.Get("q")), State: q.Get("state"), Owner: q.Get("owner"), After: q.Get("after")}
	if !slices.ContainsFunc(keyStates, func(o option) bool { return o.Value == f.State }) {
		f.State = "live"
	}
	p, err := h.svc.ListKeys(ctx, c.actor, c.org.ID, team.KeyQuery{State: f.state(), Owner: f.Owner, Search: f.Q, After: f.After, Limit: keysPageSize})
	if err != nil {
		return nil, err
	}
	owners, err := h.svc.KeyOwners(ctx, c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	d := keysData{Keys: p.Items, Filter: f, Owners: owners, Roles: c.keyRoles(), Scopes: c.scopeOptions(), Form: keyForm{Scope: "org"}}
	if p.Next != "" {
		d.Next = c.path("keys") + "?" + f.query(p.Next).Encode()
	}
	if f.After != "" {
		d.First = c.path("keys")
		if fq := f.query("").Encode(); fq != "" {
			d.First += "?" + fq
		}
	}
	if r, ok := c.sc.Role("admin"); ok {
		d.Form.Role = r.ID
	}
	v := c.view("keys", "Secret Keys")
	v.Data = d
	return v, nil
}

// KeyStates are the states the keys page filters by.
func (v *view) KeyStates() []option { return keyStates }

// KeyStatus says in a word where a key stands.
func (v *view) KeyStatus(k team.KeyView) string {
	switch {
	case k.RevokedAt != nil:
		return "Revoked"
	case k.ExpiresAt != nil && !k.ExpiresAt.After(v.now()):
		return "Expired"
	}
	return "Live"
}

func (v *view) now() time.Time {
	if v.c != nil {
		return v.c.h.svc.Now()
	}
	return time.Now()
}

// KeyCreator names who made a key, when that was not its owner.
func (v *view) KeyCreator(k team.KeyView) string {
	if k.Owner != "" && (k.CreatedBy == "user:"+k.Owner || k.CreatedBy == k.Owner) {
		return "" // the owner column says it
	}
	return v.Subject(k.CreatedBy)
}

func (h *handler) keys(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.keysView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "keys", v)
}

func (h *handler) createKey(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	f := keyForm{Name: strings.TrimSpace(r.PostFormValue("name")), Role: r.PostFormValue("role"),
		Scope: r.PostFormValue("scope"), Expires: r.PostFormValue("expires")}
	exp, err := parseExpiry(f.Expires)
	var k team.KeyView
	if err == nil {
		k, _, err = h.svc.CreateKey(r.Context(), c.actor, c.org.ID, team.KeyRequest{Name: f.Name, Role: f.Role, Scope: f.Scope, ExpiresAt: exp})
	}
	v, verr := h.keysView(c)
	if verr != nil {
		c.fail(verr)
		return
	}
	d := v.Data.(keysData)
	if err != nil {
		d.Form, v.Error = f, h.message(r, err)
		v.Data = d
		c.render(statusOf(err), "keys", v)
		return
	}
	// The secret is in this response only: it is not stored, so reloading
	// the page shows the list without it.
	d.Secret = &k
	v.Data, v.Dialog, v.D = d, "dlg-secret", d
	c.render(http.StatusCreated, "keys", v)
}

func (h *handler) rotateKey(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	overlap, err := strconv.Atoi(r.PostFormValue("overlap"))
	var k team.KeyView
	if err != nil || overlap < 0 {
		err = fault.E(fault.Unprocessable, "choose how long the old secret keeps working")
	} else {
		k, _, err = h.svc.RotateKey(r.Context(), c.actor, c.org.ID, r.PathValue("id"), time.Duration(overlap)*time.Second)
	}
	v, verr := h.keysView(c)
	if verr != nil {
		c.fail(verr)
		return
	}
	if err != nil {
		v.Error = h.message(r, err)
		c.render(statusOf(err), "keys", v)
		return
	}
	d := v.Data.(keysData)
	d.Secret, d.Rotated = &k, true
	v.Data, v.Dialog, v.D = d, "dlg-secret", d
	c.render(http.StatusOK, "keys", v)
}

func (h *handler) revokeKeyDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.keysView(c)
	if err != nil {
		c.fail(err)
		return
	}
	d := v.Data.(keysData)
	d.Revoke, err = h.unrevokedKey(c, r.PathValue("id"))
	if err != nil {
		c.fail(err)
		return
	}
	if d.Revoke == nil {
		v.Error = "There is no such key, or it is revoked already."
		c.render(http.StatusNotFound, "keys", v)
		return
	}
	v.Data, v.Dialog, v.D = d, "dlg-revoke-key", d
	c.render(http.StatusOK, "keys", v)
}

// unrevokedKey finds a key that may still be revoked, on whatever page of
// the list it is: unrevoked keys are bounded by the key quota.
func (h *handler) unrevokedKey(c *orgCtx, id string) (*team.KeyView, error) {
	after := ""
	for {
		p, err := h.svc.ListKeys(c.r.Context(), c.actor, c.org.ID, team.KeyQuery{State: team.UnrevokedKey, After: after, Limit: team.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for i := range p.Items {
			if p.Items[i].ID == id {
				return &p.Items[i], nil
			}
		}
		if p.Next == "" {
			return nil, nil
		}
		after = p.Next
	}
}

func (h *handler) revokeKey(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	if _, err := h.svc.RevokeKey(r.Context(), c.actor, c.org.ID, r.PathValue("id")); err != nil {
		v, verr := h.keysView(c)
		if verr != nil {
			c.fail(err)
			return
		}
		v.Error = h.message(r, err)
		c.render(statusOf(err), "keys", v)
		return
	}
	c.back(c.path("keys"), "Key revoked: the next request with it is refused.")
}
