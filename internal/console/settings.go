package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/plan"
	"github.com/gatehouse/gatehouse/internal/team"
)

// --- General -------------------------------------------------------------

type generalData struct {
	Name     string
	Members  int
	TokenCap string // pat_max_days as typed
	CapError string
}

func (h *handler) general(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v := c.view("general", "General")
	v.Data = generalData{Name: c.org.Name, TokenCap: strconv.Itoa(c.org.PATMaxDays)}
	c.render(http.StatusOK, "general", v)
}

// tokenCap sets the org's cap on personal access token lifetimes.
func (h *handler) tokenCap(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	typed := strings.TrimSpace(r.PostFormValue("pat_max_days"))
	days, err := strconv.Atoi(typed)
	if err != nil {
		err = fault.E(fault.Unprocessable, "the longest token lifetime is a whole number of days (0 for no limit)")
	} else {
		_, err = h.svc.SetTokenCap(r.Context(), c.actor, c.org.ID, days)
	}
	if err != nil {
		v := c.view("general", "General")
		v.Data = generalData{Name: c.org.Name, TokenCap: typed, CapError: h.message(r, err)}
		c.render(statusOf(err), "general", v)
		return
	}
	msg := "Personal access tokens made from now on live at most " + strconv.Itoa(days) + " days."
	if days == 0 {
		msg = "Personal access tokens have no limit of the organization's own (90 days unless asked, at most 366)."
	}
	c.back(c.path("general"), msg)
}

func (h *handler) rename(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	name := r.PostFormValue("name")
	if r.PostFormValue("id") != "" && r.PostFormValue("id") != c.org.ID {
		// The id field is read-only; a form that changes it is refused as
		// the API refuses it.
		v := c.view("general", "General")
		v.Error = "The organization id cannot be changed."
		v.Data = generalData{Name: name}
		c.render(http.StatusUnprocessableEntity, "general", v)
		return
	}
	o, err := h.svc.RenameOrg(r.Context(), c.actor, c.org.ID, name)
	if err != nil {
		v := c.view("general", "General")
		v.Error = h.message(r, err)
		v.Data = generalData{Name: name}
		c.render(statusOf(err), "general", v)
		return
	}
	c.back(c.path("general"), "Organization renamed to "+o.Name+".")
}

// --- Billing and ownership --------------------------------------------------

type billingData struct {
	Billing  team.Billing
	Plans    *plan.Catalog
	Admins   []team.MemberView
	Plan     string
	Seats    string
	Email    string
	TransTo  string
	Typed    string
	TransErr string
}

func (h *handler) billingView(c *orgCtx) (*view, error) {
	b, err := h.svc.GetBilling(c.r.Context(), c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	d := billingData{Billing: b, Plans: h.svc.Plans(), Plan: b.Plan, Seats: strconv.Itoa(b.SeatLimit), Email: b.BillingEmail}
	if c.can.Transfer && c.sc.UniqueTop {
		for _, m := range c.members() {
			if m.Role == c.sc.TransferRole {
				d.Admins = append(d.Admins, m)
			}
		}
	}
	v := c.view("billing", "Billing")
	v.Data = d
	return v, nil
}

func (h *handler) billing(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.billingView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "billing", v)
}

func (h *handler) updateBilling(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	plan := strings.TrimSpace(r.PostFormValue("plan"))
	email := strings.TrimSpace(r.PostFormValue("billing_email"))
	seatsText := strings.TrimSpace(r.PostFormValue("seat_limit"))
	// Only what changed is sent: a new plan with fewer seats brings the
	// seat limit down with it, unless another seat limit is typed.
	cur, err := h.svc.GetBilling(r.Context(), c.actor, c.org.ID)
	if err != nil {
		c.fail(err)
		return
	}
	u := team.BillingUpdate{BillingEmail: &email}
	if plan != "" && plan != cur.Plan {
		u.Plan = &plan
	}
	if seats, perr := strconv.Atoi(seatsText); perr != nil {
		err = fault.E(fault.Unprocessable, "the seat limit must be a whole number")
	} else if seats != cur.SeatLimit {
		u.SeatLimit = &seats
	}
	if err == nil {
		_, err = h.svc.UpdateBilling(r.Context(), c.actor, c.org.ID, u)
	}
	if err != nil {
		v, verr := h.billingView(c)
		if verr != nil {
			c.fail(err)
			return
		}
		d := v.Data.(billingData)
		d.Plan, d.Seats, d.Email = plan, seatsText, email
		v.Data, v.Error = d, h.message(r, err)
		c.render(statusOf(err), "billing", v)
		return
	}
	c.back(c.path("billing"), "Billing updated.")
}

func (h *handler) transfer(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	to := r.PostFormValue("user_id")
	typed := strings.TrimSpace(r.PostFormValue("confirm"))
	var err error
	if typed != c.org.ID {
		// A typed confirmation guards a step that cannot be undone by the
		// one who takes it; the service still decides who may take it.
		err = fault.E(fault.Unprocessable, "type the organization id %q to confirm the transfer", c.org.ID)
	} else {
		_, err = h.svc.TransferOwnership(r.Context(), c.actor, c.org.ID, to)
	}
	if err != nil {
		v, verr := h.billingView(c)
		if verr != nil {
			c.fail(err)
			return
		}
		d := v.Data.(billingData)
		d.TransTo, d.Typed, d.TransErr = to, typed, h.message(r, err)
		v.Data = d
		c.render(statusOf(err), "billing", v)
		return
	}
	name := to
	for _, m := range c.members() {
		if m.UserID == to {
			name = m.Name
		}
	}
	c.back(c.path("general"), "Ownership transferred to "+name+". You are now an Admin.")
}

// --- Usage -------------------------------------------------------------------

func (h *handler) usage(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	u, err := h.svc.GetUsage(r.Context(), c.actor, c.org.ID)
	if err != nil {
		c.fail(err)
		return
	}
	v := c.view("usage", "Usage")
	v.Data = u
	c.render(http.StatusOK, "usage", v)
}
