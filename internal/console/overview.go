package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

type overviewData struct {
	team.Overview
	Grants []overviewGrant
	// Pending is the count of pending invitations, for those who see them.
	Pending        int
	HasInvitations bool
	// The windows, in days, as the service counts them.
	EndingDays, IdleDays int
}

// overviewGrant is an ending grant as a row: who holds it, linked to where
// it can be changed.
type overviewGrant struct {
	team.EndingGrant
	Who, Email, Href, Where string
}

func (h *handler) overview(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	ov, err := h.svc.Overview(r.Context(), c.actor, c.org.ID)
	if err != nil {
		c.fail(err)
		return
	}
	v := c.view("overview", "Overview")
	d := overviewData{Overview: ov, EndingDays: int(team.EndingWithin / (24 * time.Hour)), IdleDays: int(team.IdleAfter / (24 * time.Hour))}
	if ov.PendingInvitations != nil {
		d.Pending, d.HasInvitations = *ov.PendingInvitations, true
	}
	if ov.EndingGrants != nil {
		for _, g := range ov.EndingGrants.Items {
			d.Grants = append(d.Grants, c.overviewGrant(v, g))
		}
	}
	v.Data = d
	c.render(http.StatusOK, "overview", v)
}

func (c *orgCtx) overviewGrant(v *view, g team.EndingGrant) overviewGrant {
	row := overviewGrant{EndingGrant: g, Who: g.SubjectName, Email: g.SubjectEmail}
	subj, _ := domain.ParseSubject(g.Subject)
	switch subj.Kind {
	case domain.SubjectUser:
		row.Href = c.path("members", subj.ID)
	case domain.SubjectGroup:
		row.Href = c.path("groups", subj.ID)
		row.Who = "Group " + g.SubjectName
	case domain.SubjectKey:
		row.Href = c.path("keys") + "?" + url.Values{"q": {g.SubjectName}}.Encode()
		row.Who = "Secret key " + g.SubjectName
	}
	if g.SubjectName == "" {
		row.Who = map[domain.SubjectKind]string{domain.SubjectUser: "A former member", domain.SubjectGroup: "A deleted group",
			domain.SubjectKey: "A deleted key"}[subj.Kind]
	}
	row.Where = v.Scope(g.Scope)
	if sc, err := domain.ParseScope(g.Scope); err == nil && g.ScopeName != "" {
		switch sc.Kind {
		case domain.ScopeResource:
			row.Where = v.TypeName(sc.Type) + " " + g.ScopeName
		case domain.ScopeTeam:
			row.Where = "team " + g.ScopeName
		}
	}
	return row
}

// landing is where a member of the org starts: the overview for those who
// have one, General (where everyone started before) for the rest.
func (c *orgCtx) landing() string {
	if c.can.Overview {
		return c.path("overview")
	}
	return c.path("general")
}

// staleReport is the stale-access report for the window in ?days= (90
// by default).
func (h *handler) staleReport(r *http.Request, c *orgCtx) (team.StaleAccess, error) {
	days := 90
	if text := r.URL.Query().Get("days"); text != "" {
		n, err := strconv.Atoi(text)
		if err != nil {
			return team.StaleAccess{}, fault.E(fault.Unprocessable, "days must be a whole number from 1 to %d", team.MaxStaleDays)
		}
		days = n
	}
	return h.svc.StaleAccess(r.Context(), c.actor, c.org.ID, days)
}

func (h *handler) staleAccess(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	rep, err := h.staleReport(r, c)
	if err != nil {
		c.fail(err)
		return
	}
	v := c.view("overview", "Stale access")
	d := staleData{StaleAccess: rep}
	for _, g := range rep.ExpiredGrants {
		d.Grants = append(d.Grants, c.overviewGrant(v, g))
	}
	v.Data = d
	c.render(http.StatusOK, "stale", v)
}

type staleData struct {
	team.StaleAccess
	Grants []overviewGrant
}

func (h *handler) staleAccessCSV(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	rep, err := h.staleReport(r, c)
	var b []byte
	if err == nil {
		b, err = team.StaleAccessCSV(rep)
	}
	if err != nil {
		c.fail(err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-stale-access-%dd.csv"`, c.org.ID, rep.Days))
	_, _ = w.Write(b)
}
