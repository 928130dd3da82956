package console

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// The approvals page: the permissions that need approval (set and lifted
// by the user managers who may), the windows open now with their End
// buttons, and a form to approve one.

type approvalsData struct {
	Gates    []team.GateView
	Windows  []team.ApprovalView
	Gateable []string // permissions a gate may hold that have none yet
	Roles    []team.RoleView
	CanGate  bool
	Error    string
	// The approval form as sent, kept when it is refused.
	Subject, Permission, Resource, Hours, Reason string
}

func (h *handler) approvalsView(c *orgCtx) (*view, error) {
	ctx := c.r.Context()
	gates, err := h.svc.ListGates(ctx, c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	windows, err := h.svc.ListApprovals(ctx, c.actor, c.org.ID, "active")
	if err != nil {
		return nil, err
	}
	roles, err := h.svc.ListRoles(ctx, c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	can, err := h.svc.Capabilities(c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	d := approvalsData{Gates: gates, Windows: windows, Roles: roles, CanGate: can[team.ActGateSet], Hours: "24"}
	reserved := team.PolicyPermissions(c.sc)
	for _, p := range c.sc.Permissions {
		if !slices.Contains(reserved, p.ID) && !slices.ContainsFunc(gates, func(g team.GateView) bool { return g.Permission == p.ID }) {
			d.Gateable = append(d.Gateable, p.ID)
		}
	}
	v := c.view("approvals", "Approvals")
	v.Data = d
	return v, nil
}

func (h *handler) approvals(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.approvalsView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "approvals", v)
}

// approvalsRefused shows the page again with the refusal and the form as
// sent.
func (h *handler) approvalsRefused(c *orgCtx, err error, keep func(*approvalsData)) {
	v, verr := h.approvalsView(c)
	if verr != nil {
		c.fail(err)
		return
	}
	d := v.Data.(approvalsData)
	d.Error = h.message(c.r, err)
	if keep != nil {
		keep(&d)
	}
	v.Data = d
	c.render(statusOf(err), "approvals", v)
}

func (h *handler) createApproval(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	subject, perm := strings.TrimSpace(r.PostFormValue("subject")), r.PostFormValue("permission")
	resource, hours, reason := strings.TrimSpace(r.PostFormValue("resource")), r.PostFormValue("hours"), r.PostFormValue("reason")
	keep := func(d *approvalsData) {
		d.Subject, d.Permission, d.Resource, d.Hours, d.Reason = subject, perm, resource, hours, reason
	}
	n, err := strconv.Atoi(strings.TrimSpace(hours))
	if err != nil || n <= 0 {
		h.approvalsRefused(c, fault.E(fault.Invalid, "the approval lasts a whole number of hours, not %q", hours), keep)
		return
	}
	ap, err := h.svc.CreateApproval(r.Context(), c.actor, c.org.ID, team.ApprovalRequest{Subject: subject, Permission: perm,
		Resource: resource, Until: h.svc.Now().Add(time.Duration(n) * time.Hour), Reason: reason})
	if err != nil {
		h.approvalsRefused(c, err, keep)
		return
	}
	c.back(c.path("approvals"), "Approved "+ap.Permission+" for "+ap.Subject+" until "+ap.Until.Format("2006-01-02 15:04")+" UTC.")
}

func (h *handler) endApproval(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	ap, err := h.svc.EndApproval(r.Context(), c.actor, c.org.ID, r.PathValue("id"))
	if err != nil {
		h.approvalsRefused(c, err, nil)
		return
	}
	c.back(c.path("approvals"), "Ended approval "+ap.ID+".")
}

func (h *handler) setGate(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	perm := r.PostFormValue("permission")
	g, err := h.svc.SetGate(r.Context(), c.actor, c.org.ID, perm, team.GateRequest{ApproverRole: r.PostFormValue("approver_role")})
	if err != nil {
		h.approvalsRefused(c, err, nil)
		return
	}
	c.back(c.path("approvals"), g.Permission+" now needs approval by a holder of "+g.ApproverRole+".")
}

func (h *handler) deleteGate(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	perm := r.PathValue("permission")
	if _, err := h.svc.DeleteGate(r.Context(), c.actor, c.org.ID, perm); err != nil {
		h.approvalsRefused(c, err, nil)
		return
	}
	c.back(c.path("approvals"), perm+" no longer needs approval.")
}
