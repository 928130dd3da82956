package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

// The access-review pages: the list (with a form to open one), a review
// where its reviewers go through the items, closing with a confirmation,
// and the evidence downloads.

type reviewsData struct {
	Reviews []team.ReviewView
	Name    string
	Due     string
	Scope   string
	Error   string
}

func (h *handler) reviewsView(c *orgCtx) (*view, error) {
	p, err := h.svc.ListReviews(c.r.Context(), c.actor, c.org.ID, "", team.MaxPageSize)
	if err != nil {
		return nil, err
	}
	v := c.view("overview", "Access reviews")
	v.Data = reviewsData{Reviews: p.Items, Due: h.svc.Now().Add(14 * 24 * time.Hour).UTC().Format("2006-01-02")}
	return v, nil
}

func (h *handler) reviews(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.reviewsView(c)
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "reviews", v)
}

func (h *handler) createReview(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	name, due, scope := r.PostFormValue("name"), r.PostFormValue("due"), strings.TrimSpace(r.PostFormValue("scope"))
	req := team.ReviewRequest{Name: name, Scope: scope, Undecided: r.PostFormValue("undecided")}
	var err error
	// A due date is the end of that day, in UTC.
	if d, perr := time.Parse("2006-01-02", due); perr == nil {
		req.DueAt = d.Add(24*time.Hour - time.Second)
	} else {
		err = fault.E(fault.Unprocessable, "the due date %q is not a date", due)
	}
	var rv team.ReviewView
	if err == nil {
		rv, _, err = h.svc.CreateReview(r.Context(), c.actor, c.org.ID, req)
	}
	if err != nil {
		v, verr := h.reviewsView(c)
		if verr != nil {
			c.fail(err)
			return
		}
		d := v.Data.(reviewsData)
		d.Name, d.Due, d.Scope, d.Error = name, due, scope, h.message(r, err)
		v.Data = d
		c.render(statusOf(err), "reviews", v)
		return
	}
	c.back(c.path("reviews", rv.ID), fmt.Sprintf("Review %s opened with %d items.", rv.Name, rv.Items))
}

type reviewData struct {
	team.ReviewView
	Items    []team.ReviewItemView
	Next     string
	Reviewer bool // the viewer decides
	Error    string
}

func (h *handler) reviewView(c *orgCtx, id, page string) (*view, error) {
	rv, err := h.svc.GetReview(c.r.Context(), c.actor, c.org.ID, id)
	if err != nil {
		return nil, err
	}
	items, err := h.svc.ListReviewItems(c.r.Context(), c.actor, c.org.ID, id, page, team.DefaultPageSize)
	if err != nil {
		return nil, err
	}
	d := reviewData{ReviewView: rv, Items: items.Items, Next: items.Next}
	for _, u := range rv.Reviewers {
		d.Reviewer = d.Reviewer || u == c.actor.UserID()
	}
	v := c.view("overview", "Review "+rv.Name)
	v.Data = d
	return v, nil
}

func (h *handler) review(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.reviewView(c, r.PathValue("id"), r.URL.Query().Get("page"))
	if err != nil {
		c.fail(err)
		return
	}
	c.render(http.StatusOK, "review", v)
}

func (h *handler) decideReview(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	id, item := r.PathValue("id"), r.PathValue("item")
	page := r.PostFormValue("page")
	_, _, err := h.svc.Decide(r.Context(), c.actor, c.org.ID, id, item, r.PostFormValue("decision"), r.PostFormValue("note"))
	if err != nil {
		h.reviewRefused(r, c, id, page, err)
		return
	}
	target := c.path("reviews", id)
	if page != "" {
		target += "?page=" + page
	}
	c.back(target+"#item-"+item, "")
}

func (h *handler) closeReviewDialog(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	v, err := h.reviewView(c, r.PathValue("id"), "")
	if err != nil {
		c.fail(err)
		return
	}
	v.Dialog, v.D = "dlg-close-review", v.Data
	c.render(http.StatusOK, "review", v)
}

func (h *handler) closeReview(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	id := r.PathValue("id")
	res, err := h.svc.CloseReview(r.Context(), c.actor, c.org.ID, id)
	if err != nil {
		h.reviewRefused(r, c, id, "", err)
		return
	}
	c.back(c.path("reviews", id), fmt.Sprintf("Review closed at revision %d: %d revoked, %d kept, %d already gone, %d refused.",
		res.Revision, res.Revoked, res.Kept, res.Gone, res.Refused))
}

func (h *handler) reviewEvidence(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	format := r.PathValue("format")
	ev, err := h.svc.ReviewEvidence(r.Context(), c.actor, c.org.ID, r.PathValue("id"))
	var b []byte
	ct := "application/json"
	switch {
	case err != nil:
	case format == "csv":
		b, err = team.EvidenceCSV(ev)
		ct = "text/csv; charset=utf-8"
	case format == "json":
		b, err = json.MarshalIndent(ev, "", "  ")
	default:
		err = fault.E(fault.NotFound, "no evidence format %q", format)
	}
	if err != nil {
		c.fail(err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-review-%s.%s"`, c.org.ID, ev.Review.ID, format))
	_, _ = w.Write(b)
}

// reviewRefused shows the review page again with why a step was refused.
func (h *handler) reviewRefused(r *http.Request, c *orgCtx, id, page string, err error) {
	v, verr := h.reviewView(c, id, page)
	if verr != nil {
		c.fail(err)
		return
	}
	d := v.Data.(reviewData)
	d.Error = h.message(r, err)
	v.Data = d
	c.render(statusOf(err), "review", v)
}
