package team

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// loadReview finds a review the actor may see, with its item counts.
func (s *Service) loadReview(ctx context.Context, a Actor, org, id string) (*authz.Org, *scheme.Scheme, domain.Review, ReviewView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, nil, domain.Review{}, ReviewView{}, err
	}
	var r domain.Review
	var total, decided int
	if err := s.view(ctx, func(rd store.Reader) error {
		var err error
		if r, err = rd.GetReview(org, id); err != nil {
			return notFound("access review", id)
		}
		total, decided, err = rd.CountReviewItems(org, id)
		return err
	}); err != nil {
		return nil, nil, r, ReviewView{}, err
	}
	if err := s.authorize(o, sc, a, ActReviewView, reviewTarget(r)); err != nil {
		return nil, nil, r, ReviewView{}, err
	}
	return o, sc, r, s.reviewView(r, total, decided), nil
}

// GetReview: a review, for its reviewers, the user managers and auditors.
func (s *Service) GetReview(ctx context.Context, a Actor, org, id string) (ReviewView, error) {
	_, _, _, v, err := s.loadReview(ctx, a, org, id)
	return v, err
}

// ListReviews lists the reviews the actor may see, newest first.
func (s *Service) ListReviews(ctx context.Context, a Actor, org, after string, limit int) (Page[ReviewView], error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return Page[ReviewView]{}, err
	}
	page := Page[ReviewView]{Items: []ReviewView{}}
	err = s.view(ctx, func(r store.Reader) error {
		rs, next, err := r.ListReviews(org, after, clampLimit(limit))
		if err != nil {
			return err
		}
		page.Next = next
		for _, rv := range rs {
			if s.authorize(o, sc, a, ActReviewView, reviewTarget(rv)) != nil {
				continue
			}
			total, decided, err := r.CountReviewItems(org, rv.ID)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, s.reviewView(rv, total, decided))
		}
		return nil
	})
	return page, err
}

// ListReviewItems pages a review's items in snapshot order.
func (s *Service) ListReviewItems(ctx context.Context, a Actor, org, id, after string, limit int) (Page[ReviewItemView], error) {
	if _, _, _, _, err := s.loadReview(ctx, a, org, id); err != nil {
		return Page[ReviewItemView]{}, err
	}
	page := Page[ReviewItemView]{Items: []ReviewItemView{}}
	err := s.view(ctx, func(r store.Reader) error {
		items, next, err := r.ListReviewItems(org, id, after, clampLimit(limit))
		if err != nil {
			return err
		}
		page.Next = next
		page.Items, err = itemViews(r, items)
		return err
	})
	return page, err
}

func itemViews(r store.UserReader, items []domain.ReviewItem) ([]ReviewItemView, error) {
	users := map[string]domain.UserRecord{}
	out := make([]ReviewItemView, 0, len(items))
	for _, it := range items {
		u, ok := users[it.UserID]
		if !ok {
			// A member's account outlives the org's records of them.
			u, _ = r.GetUser(it.UserID)
			users[it.UserID] = u
		}
		out = append(out, ReviewItemView{ID: it.ID, UserID: it.UserID, Name: u.Name, Email: u.Email, Kind: it.Kind,
			Grant: it.Grant, Role: it.Role, Scope: it.Scope, Via: it.Via, Decision: it.Decision, Note: it.Note,
			DecidedBy: it.DecidedBy, DecidedAt: timePtr(it.DecidedAt), Outcome: it.Outcome})
	}
	return out, nil
}

// mayRevoke judges revoking an item as the action it is, for the actor,
// now: deleting its grant (held directly), taking the member out of the
// group it comes through, or setting the member's org role to the base
// role. Access that has ended since the snapshot needs nothing.
func (s *Service) mayRevoke(ctx context.Context, o *authz.Org, sc *scheme.Scheme, a Actor, org string, it domain.ReviewItem) error {
	if it.Kind == domain.ReviewItemOrgRole {
		cur, ok := o.MemberRole(it.UserID)
		if !ok || cur != it.Role {
			return nil
		}
		if cur == sc.BaseRole {
			return fault.E(fault.Unprocessable, "%s is the base role, which is membership itself: to end it, remove the member", roleName(sc, cur))
		}
		if err := s.keepsTop(o, sc, cur, sc.BaseRole); err != nil {
			return err
		}
		return s.authorize(o, sc, a, ActMemberRole, &Target{Member: it.UserID, Role: sc.BaseRole, Current: cur})
	}
	var t *Target
	act := ActGrantDelete
	err := s.view(ctx, func(r store.Reader) error {
		if it.Via == string(domain.ViaDirect) {
			g, err := r.GetGrant(org, it.Grant)
			if err != nil {
				return nil // gone
			}
			t = &Target{Grant: &g}
			return nil
		}
		gid := strings.TrimPrefix(it.Via, "group:")
		gs, _, err := r.ListGrants(org, store.GrantFilter{Subject: domain.GroupSubject(gid)}, "", 0)
		if err != nil {
			return err
		}
		act, t = ActGroupMemberRemove, &Target{Member: it.UserID, Ends: gs}
		return nil
	})
	if err != nil || t == nil {
		return err
	}
	return s.authorize(o, sc, a, act, t)
}

// Decide records a reviewer's decision on an item; it may change until the
// review closes, and every decision stays in the evidence.
func (s *Service) Decide(ctx context.Context, a Actor, org, id, itemID, decision, note string) (ReviewItemView, int64, error) {
	o, sc, rv, _, err := s.loadReview(ctx, a, org, id)
	if err != nil {
		return ReviewItemView{}, 0, err
	}
	if rv.Closed() {
		return ReviewItemView{}, 0, fault.E(fault.Conflict, "access review %s is closed; its decisions are final", id)
	}
	if err := s.authorize(o, sc, a, ActReviewDecide, reviewTarget(rv)); err != nil {
		return ReviewItemView{}, 0, err
	}
	if decision != domain.DecisionKeep && decision != domain.DecisionRevoke {
		return ReviewItemView{}, 0, fault.E(fault.Unprocessable, "decision must be keep or revoke, not %q", decision)
	}
	note = strings.TrimSpace(note)
	if len(note) > MaxReviewNote {
		return ReviewItemView{}, 0, fault.E(fault.Unprocessable, "the note is longer than %d bytes", MaxReviewNote)
	}
	var it domain.ReviewItem
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		if it, err = r.GetReviewItem(org, id, itemID); err != nil {
			return notFound("review item", itemID)
		}
		return nil
	}); err != nil {
		return ReviewItemView{}, 0, err
	}
	if decision == domain.DecisionRevoke {
		// A reviewer decides revoke only for what they could revoke
		// themselves, now: a review hands nobody more power than they hold.
		if err := s.mayRevoke(ctx, o, sc, a, org, it); err != nil {
			return ReviewItemView{}, 0, err
		}
	}
	now := s.now()
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		cur, err := tx.GetReview(org, id)
		if err != nil {
			return nil, err
		}
		if cur.Closed() {
			return nil, fault.E(fault.Conflict, "access review %s closed meanwhile; its decisions are final", id)
		}
		d := domain.ReviewDecision{Org: org, Review: id, Item: itemID, Decision: decision, Note: note,
			DecidedBy: a.Subject.String(), DecidedAt: now}
		if err := tx.AppendReviewDecision(&d); err != nil {
			return nil, err
		}
		before := map[string]string{"decision": it.Decision, "note": it.Note}
		it.Decision, it.Note, it.DecidedBy, it.DecidedAt = decision, note, d.DecidedBy, now
		if err := tx.PutReviewItem(it); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActReviewDecide), target: "review:" + id, before: before,
			after: map[string]string{"item": itemID, "user_id": it.UserID, "role": it.Role, "scope": it.Scope,
				"via": it.Via, "decision": decision, "note": note}}, nil
	})
	if err != nil {
		return ReviewItemView{}, 0, err
	}
	var v []ReviewItemView
	err = s.view(ctx, func(r store.Reader) error {
		v, err = itemViews(r, []domain.ReviewItem{it})
		return err
	})
	if err != nil {
		return ReviewItemView{}, 0, err
	}
	return v[0], rev, nil
}

// CloseResult is what closing a review did.
type CloseResult struct {
	Review   ReviewView `json:"review"`
	Revoked  int        `json:"revoked"`
	Kept     int        `json:"kept"`
	Gone     int        `json:"gone"`
	Refused  int        `json:"refused"`
	Revision int64      `json:"revision"`
}

// CloseReview applies every revocation in one write, each judged for the
// closer as the action it is, and makes the review read-only evidence.
func (s *Service) CloseReview(ctx context.Context, a Actor, org, id string) (CloseResult, error) {
	o, sc, rv, _, err := s.loadReview(ctx, a, org, id)
	if err != nil {
		return CloseResult{}, err
	}
	if rv.Closed() {
		return CloseResult{}, fault.E(fault.Conflict, "access review %s is closed already", id)
	}
	if err := s.authorize(o, sc, a, ActReviewClose, reviewTarget(rv)); err != nil {
		return CloseResult{}, err
	}
	var items []domain.ReviewItem
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		items, _, err = r.ListReviewItems(org, id, "", 0)
		return err
	}); err != nil {
		return CloseResult{}, err
	}
	revoke := func(it domain.ReviewItem) bool {
		d := it.Decision
		if d == "" {
			d = rv.Undecided
		}
		return d == domain.DecisionRevoke
	}
	// Judged before the write, from the engine's view, like every use case;
	// the write then re-reads what each revocation touches.
	refused := map[string]string{}
	for _, it := range items {
		if revoke(it) {
			if err := s.mayRevoke(ctx, o, sc, a, org, it); err != nil {
				refused[it.ID] = err.Error()
			}
		}
	}
	now := s.now()
	var res CloseResult
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		res = CloseResult{}
		cur, err := tx.GetReview(org, id)
		if err != nil {
			return nil, err
		}
		if cur.Closed() {
			return nil, fault.E(fault.Conflict, "access review %s closed meanwhile", id)
		}
		var changes []domain.Change
		var revoked []map[string]string
		left := map[string]bool{} // user+group memberships ended in this write
		for _, it := range items {
			switch {
			case !revoke(it):
				it.Outcome = OutcomeKept
				res.Kept++
			case refused[it.ID] != "":
				it.Outcome = OutcomeRefused
				res.Refused++
			default:
				ch, err := s.applyRevoke(tx, sc, org, it, left)
				if err != nil {
					return nil, err
				}
				if ch == nil {
					it.Outcome = OutcomeGone
					res.Gone++
					break
				}
				it.Outcome = OutcomeRevoked
				res.Revoked++
				changes = append(changes, *ch)
				revoked = append(revoked, map[string]string{"item": it.ID, "user_id": it.UserID, "role": it.Role, "scope": it.Scope, "via": it.Via})
			}
			if err := tx.PutReviewItem(it); err != nil {
				return nil, err
			}
		}
		cur.ClosedAt, cur.ClosedBy, cur.ClosedRevision = now, a.Subject.String(), tx.Revision()
		if err := tx.PutReview(cur); err != nil {
			return nil, err
		}
		rv = cur
		if revoked == nil {
			revoked = []map[string]string{}
		}
		return &change{org: org, action: string(ActReviewClose), target: "review:" + id,
			after: map[string]any{"revoked": revoked, "kept": res.Kept, "gone": res.Gone, "refused": res.Refused,
				"undecided": rv.Undecided}, changes: changes}, nil
	})
	if err != nil {
		return CloseResult{}, err
	}
	res.Revision = rev
	res.Review = s.reviewView(rv, len(items), 0)
	for _, it := range items {
		if it.Decision != "" {
			res.Review.Decided++
		}
	}
	return res, nil
}

// applyRevoke ends one item's access inside the closing write; nil when it
// had ended already.
func (s *Service) applyRevoke(tx store.Tx, sc *scheme.Scheme, org string, it domain.ReviewItem, left map[string]bool) (*domain.Change, error) {
	switch {
	case it.Kind == domain.ReviewItemOrgRole:
		m, err := tx.GetMember(org, it.UserID)
		if err != nil || m.Role != it.Role {
			return nil, nil
		}
		if err := sameRole(tx, sc, org, m, it.Role, sc.BaseRole); err != nil {
			return nil, err
		}
		m.Role = sc.BaseRole
		if err := tx.PutMember(m); err != nil {
			return nil, err
		}
		return &domain.Change{Op: domain.OpPutMember, Member: &m}, nil
	case it.Via == string(domain.ViaDirect):
		g, err := tx.GetGrant(org, it.Grant)
		if err != nil || g.Subject != domain.UserSubject(it.UserID) {
			return nil, nil
		}
		if err := tx.DeleteGrant(org, g.ID); err != nil {
			return nil, err
		}
		return &domain.Change{Op: domain.OpDeleteGrant, Grant: &g}, nil
	}
	gid := strings.TrimPrefix(it.Via, "group:")
	key := it.UserID + "\x00" + gid
	if left[key] {
		return nil, nil
	}
	gs, err := tx.ListGroupsOfUser(org, it.UserID)
	if err != nil {
		return nil, err
	}
	for _, gm := range gs {
		if gm.Parent != gid {
			continue
		}
		if err := tx.DeleteGroupMember(org, gid, it.UserID); err != nil {
			return nil, err
		}
		left[key] = true
		m := domain.Membership{Org: org, Parent: gid, UserID: it.UserID}
		return &domain.Change{Op: domain.OpDeleteGroupMember, Membership: &m}, nil
	}
	return nil, nil
}

// Evidence is a review's record: what was reviewed, every decision as it
// was taken, what closing did, and who signed it off.
type Evidence struct {
	Review    ReviewView       `json:"review"`
	Items     []ReviewItemView `json:"items"`
	Decisions []DecisionView   `json:"decisions"`
	SignedOff *SignOff         `json:"signed_off,omitempty"` // absent while the review is open
}

// DecisionView is one decision as it was taken.
type DecisionView struct {
	Item      string    `json:"item"`
	Decision  string    `json:"decision"`
	Note      string    `json:"note"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
}

// SignOff is who closed the review, when, and the revision that applied it.
type SignOff struct {
	By       string    `json:"by"`
	At       time.Time `json:"at"`
	Revision int64     `json:"revision"`
}

// ReviewEvidence reads a review's evidence (open reviews too: the record
// so far, not signed off).
func (s *Service) ReviewEvidence(ctx context.Context, a Actor, org, id string) (Evidence, error) {
	_, _, rv, v, err := s.loadReview(ctx, a, org, id)
	if err != nil {
		return Evidence{}, err
	}
	ev := Evidence{Review: v, Decisions: []DecisionView{}}
	if rv.Closed() {
		ev.SignedOff = &SignOff{By: rv.ClosedBy, At: rv.ClosedAt.UTC(), Revision: rv.ClosedRevision}
	}
	err = s.view(ctx, func(r store.Reader) error {
		items, _, err := r.ListReviewItems(org, id, "", 0)
		if err != nil {
			return err
		}
		if ev.Items, err = itemViews(r, items); err != nil {
			return err
		}
		ds, err := r.ListReviewDecisions(org, id)
		for _, d := range ds {
			ev.Decisions = append(ev.Decisions, DecisionView{Item: d.Item, Decision: d.Decision, Note: d.Note,
				DecidedBy: d.DecidedBy, DecidedAt: d.DecidedAt.UTC()})
		}
		return err
	})
	return ev, err
}

// EvidenceCSV is the evidence as one table, a row per item with its final
// decision and outcome; the sign-off is in the last row.
func EvidenceCSV(ev Evidence) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	row := func(cells ...string) { _ = w.Write(scheme.CSVCells(cells)) }
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	row("item", "user_id", "name", "email", "kind", "role", "scope", "via", "decision", "note", "decided_by", "decided_at", "outcome")
	for _, it := range ev.Items {
		row(it.ID, it.UserID, it.Name, it.Email, it.Kind, it.Role, it.Scope, it.Via, it.Decision, it.Note,
			it.DecidedBy, stamp(it.DecidedAt), it.Outcome)
	}
	if ev.SignedOff != nil {
		row("signed_off", "", "", "", "", "", "", "", "", "revision "+strconv.FormatInt(ev.SignedOff.Revision, 10), ev.SignedOff.By,
			ev.SignedOff.At.Format(time.RFC3339), "")
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
