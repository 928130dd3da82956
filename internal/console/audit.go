package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// auditActions are the actions the audit log may carry, for the filter.
var auditActions = team.AuditActions()

type auditData struct {
	Actor, Action string
	Actions       []string
	People        []team.MemberView
	Events        []team.AuditView
	Next          string
	Verify        *team.AuditVerification
}

func (h *handler) auditView(c *orgCtx) (*view, error) {
	q := c.r.URL.Query()
	if c.r.Method == http.MethodPost {
		q = url.Values{}
	}
	d := auditData{Actor: q.Get("actor"), Action: q.Get("action"), Actions: auditActions, People: c.members()}
	actor := d.Actor
	if actor != "" && !strings.Contains(actor, ":") {
		actor = domain.UserSubject(actor).String()
	}
	p, err := h.svc.ListAudit(c.r.Context(), c.actor, c.org.ID, q.Get("page"), 50, team.AuditFilter{Actor: actor, Action: d.Action})
	if err != nil {
		return nil, err
	}
	d.Events = p.Items
	if p.Next != "" {
		nq := url.Values{}
		for k, v := range map[string]string{"actor": d.Actor, "action": d.Action, "page": p.Next} {
			if v != "" {
				nq.Set(k, v)
			}
		}
		d.Next = c.path("audit") + "?" + nq.Encode()
	}
	v := c.view("audit", "Audit log")
	v.Data = d
	return v, nil
}

func (h *handler) audit(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.auditView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "audit", v)
}

func (h *handler) verifyAudit(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	res, err := h.svc.VerifyAudit(r.Context(), c.actor, c.org.ID)
	if err != nil {
		c.fail(err)
		return
	}
	v, err := h.auditView(c)
	if err != nil {
		c.fail(err)
		return
	}
	d := v.Data.(auditData)
	d.Verify = &res
	v.Data = d
	c.render(http.StatusOK, "audit", v)
}
