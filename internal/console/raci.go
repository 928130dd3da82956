package console

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/team"
)

// raciData is the RACI page: the report, the named assignments, and what
// the form to name people offers.
type raciData struct {
	team.RACIReport
	Assignments []team.AssignmentView
	// Wanted are the assignment names the template asks for, to pick from.
	Wanted  []string
	Members []team.MemberView
	Scopes  []raciScope
	// The form as typed, after a refusal.
	Name, Scope string
	Users       map[string]bool
}

type raciScope struct{ Ref, Label string }

func (h *handler) raciView(c *orgCtx) (*view, error) {
	rep, err := h.svc.RACI(c.r.Context(), c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	as, err := h.svc.ListAssignments(c.r.Context(), c.actor, c.org.ID)
	if err != nil {
		return nil, err
	}
	d := raciData{RACIReport: rep, Assignments: as, Users: map[string]bool{}}
	seen := map[string]bool{}
	for _, t := range rep.Tables {
		for _, r := range t.Rows {
			for _, a := range r.Assignments {
				if !seen[a] {
					seen[a] = true
					d.Wanted = append(d.Wanted, a)
				}
			}
		}
	}
	if c.can.AssignmentSet {
		d.Members = c.members()
		d.Scopes = []raciScope{{"", "All (the organization)"}}
		for _, t := range c.sc.Types {
			for _, x := range c.resourceList(t.ID, 500) {
				label := x.Name
				if label == "" {
					label = x.ID
				}
				d.Scopes = append(d.Scopes, raciScope{x.Type + ":" + x.ID, label + " (" + x.Type + ")"})
			}
		}
	}
	v := c.view("overview", "RACI")
	v.Data = d
	return v, nil
}

func (h *handler) raci(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.raciView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "raci", v)
}

// raciExport downloads the report in a format: /o/{org}/raci.md and so on.
func (h *handler) raciExport(format string) orgHandler {
	return func(w http.ResponseWriter, r *http.Request, c *orgCtx) { h.exportRACI(w, r, c, format) }
}

func (h *handler) exportRACI(w http.ResponseWriter, r *http.Request, c *orgCtx, format string) {
	rep, err := h.svc.RACI(r.Context(), c.actor, c.org.ID)
	var ct string
	var b []byte
	if err == nil {
		ct, b, err = team.RenderRACI(rep, format)
	}
	if err != nil {
		c.fail(err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-raci.%s"`, c.org.ID, format))
	_, _ = w.Write(b)
}

func (h *handler) setAssignment(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	if err := r.ParseForm(); err != nil {
		c.fail(err)
		return
	}
	name := strings.TrimSpace(r.PostFormValue("name"))
	scope := r.PostFormValue("scope")
	users := r.PostForm["users"]
	_, err := h.svc.SetAssignment(r.Context(), c.actor, c.org.ID, name, team.AssignmentRequest{Users: users, Scope: scope})
	if err != nil {
		v, verr := h.raciView(c)
		if verr != nil {
			c.fail(err)
			return
		}
		d := v.Data.(raciData)
		d.Name, d.Scope = name, scope
		for _, u := range users {
			d.Users[u] = true
		}
		v.Data, v.Error = d, h.message(r, err)
		c.render(statusOf(err), "raci", v)
		return
	}
	c.back(c.path("raci")+"#raci-assignments", "Named "+name+".")
}

func (h *handler) deleteAssignment(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	name, scope := r.PostFormValue("name"), r.PostFormValue("scope")
	if _, err := h.svc.DeleteAssignment(r.Context(), c.actor, c.org.ID, name, scope); err != nil {
		c.fail(err)
		return
	}
	c.back(c.path("raci")+"#raci-assignments", "Deleted "+name+".")
}
