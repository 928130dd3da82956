package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

type keysData struct {
	Keys    []team.KeyView
	Revoked []team.KeyView
	// LiveMore and RevokedMore link the next page of each list: revoked
	// keys have no quota, and live keys one a flag can raise.
	LiveMore, RevokedMore string
	Roles                 []team.RoleView
	Scopes                []option
	Form                  keyForm
	Secret                *team.KeyView // the key whose secret is shown, once
	Rotated               bool
	Revoke                *team.KeyView // the key the confirm dialog asks about
}

type keyForm struct {
	Name, Role, Scope, Expires string
}

func (h *handler) keysView(c *orgCtx) (*view, error) {
	ctx := c.r.Context()
	q := c.r.URL.Query()
	live, err := h.svc.ListKeys(ctx, c.actor, c.org.ID, team.KeyQuery{State: team.UnrevokedKey, After: q.Get("live"), Limit: 1000})
	if err != nil {
		return nil, err
	}
	revoked, err := h.svc.ListKeys(ctx, c.actor, c.org.ID, team.KeyQuery{State: team.RevokedKey, After: q.Get("revoked"), Limit: 50})
	if err != nil {
		return nil, err
	}
	d := keysData{Keys: live.Items, Revoked: revoked.Items, Roles: c.keyRoles(), Scopes: c.scopeOptions(), Form: keyForm{Scope: "org"}}
	more := func(param, next string) string {
		if next == "" {
			return ""
		}
		return c.path("keys") + "?" + url.Values{param: {next}}.Encode()
	}
	d.LiveMore, d.RevokedMore = more("live", live.Next), more("revoked", revoked.Next)
	if r, ok := c.sc.Role("admin"); ok {
		d.Form.Role = r.ID
	}
	v := c.view("keys", "Secret Keys")
	v.Data = d
	return v, nil
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
		err = fault.E(fault.Unprocessable, "overlap: want a number of seconds")
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
	for i := range d.Keys {
		if d.Keys[i].ID == r.PathValue("id") {
			d.Revoke = &d.Keys[i]
		}
	}
	if d.Revoke == nil {
		v.Error = "No such live key."
		c.render(http.StatusNotFound, "keys", v)
		return
	}
	v.Data, v.Dialog, v.D = d, "dlg-revoke-key", d
	c.render(http.StatusOK, "keys", v)
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
