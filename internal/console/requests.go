package console

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// The access-requests page: the requests the member may see, pending ones
// first with Approve and Deny for their deciders, and a form to ask.

type requestsData struct {
	Requests []team.RequestView
	Roles    []roleChoice
	Role     string
	Resource string
	Reason   string
	Until    string
	Error    string
}

type roleChoice struct{ ID, Name string }

func (h *handler) requestsView(c *orgCtx) (*view, error) {
	p, err := h.svc.ListRequests(c.r.Context(), c.actor, c.org.ID, team.RequestQuery{Limit: team.MaxPageSize})
	if err != nil {
		return nil, err
	}
	// Pending first, as those are what a decider comes for; newest first within.
	slices.SortStableFunc(p.Items, func(a, b team.RequestView) int {
		ap, bp := a.State == domain.RequestPending, b.State == domain.RequestPending
		switch {
		case ap && !bp:
			return -1
		case bp && !ap:
			return 1
		}
		return 0
	})
	d := requestsData{Requests: p.Items}
	for _, r := range c.sc.Roles {
		d.Roles = append(d.Roles, roleChoice{r.ID, r.Name})
	}
	v := c.view("requests", "Access requests")
	v.Data = d
	return v, nil
}

func (h *handler) requests(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.requestsView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "requests", v)
}

// endOfDay reads a date field as the end of that day in UTC; "" is no end.
func endOfDay(field, s string) (time.Time, error) {
	if s = strings.TrimSpace(s); s == "" {
		return time.Time{}, nil
	}
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fault.E(fault.Unprocessable, "the %s %q is not a date", field, s)
	}
	return d.Add(24*time.Hour - time.Second), nil
}

func (h *handler) createRequest(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	in := team.AccessRequestInput{Role: r.PostFormValue("role"), Resource: strings.TrimSpace(r.PostFormValue("resource")),
		Reason: r.PostFormValue("reason")}
	until := r.PostFormValue("until")
	var err error
	if in.Until, err = endOfDay("end", until); err == nil {
		_, _, err = h.svc.CreateRequest(r.Context(), c.actor, c.org.ID, in)
	}
	if err != nil {
		v, verr := h.requestsView(c)
		if verr != nil {
			c.fail(err)
			return
		}
		d := v.Data.(requestsData)
		d.Role, d.Resource, d.Reason, d.Until, d.Error = in.Role, in.Resource, in.Reason, until, h.message(r, err)
		v.Data = d
		c.render(statusOf(err), "requests", v)
		return
	}
	c.back(c.path("requests"), "Request sent: "+roleLabel(c, in.Role)+" on "+in.Resource+".")
}

func roleLabel(c *orgCtx, id string) string {
	if ro, ok := c.sc.Role(id); ok {
		return ro.Name
	}
	return id
}

// decideRequest answers the Approve, Deny and Withdraw buttons.
func (h *handler) decideRequest(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	id, what := r.PathValue("id"), r.PathValue("what")
	var v team.RequestView
	var err error
	switch what {
	case "approve":
		var until time.Time
		if until, err = endOfDay("end", r.PostFormValue("until")); err == nil {
			v, _, err = h.svc.ApproveRequest(r.Context(), c.actor, c.org.ID, id, team.ApproveInput{Until: until, Note: r.PostFormValue("note")})
		}
	case "deny":
		v, _, err = h.svc.DenyRequest(r.Context(), c.actor, c.org.ID, id, r.PostFormValue("note"))
	case "withdraw":
		v, _, err = h.svc.WithdrawRequest(r.Context(), c.actor, c.org.ID, id)
	default:
		err = fault.E(fault.NotFound, "no such action %q", what)
	}
	if err != nil {
		pv, verr := h.requestsView(c)
		if verr != nil {
			c.fail(err)
			return
		}
		d := pv.Data.(requestsData)
		d.Error = h.message(r, err)
		pv.Data = d
		c.render(statusOf(err), "requests", pv)
		return
	}
	c.back(c.path("requests"), "Request of "+orName(v)+" for "+roleLabel(c, v.Role)+": "+v.State+".")
}

func orName(v team.RequestView) string {
	if v.Name != "" {
		return v.Name
	}
	return v.UserID
}
