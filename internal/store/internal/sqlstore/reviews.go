package sqlstore

import (
	"fmt"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/domain"
)

const reviewCols = `org, id, name, scope, reviewers, undecided, due_at, created_by, created_at,
	closed_at, closed_by, closed_revision`

func scanReview(s scanner) (domain.Review, error) {
	var r domain.Review
	var reviewers []byte
	if err := s.Scan(&r.Org, &r.ID, &r.Name, &r.Scope, &reviewers, &r.Undecided, ts(&r.DueAt), &r.CreatedBy,
		ts(&r.CreatedAt), ts(&r.ClosedAt), &r.ClosedBy, &r.ClosedRevision); err != nil {
		return r, err
	}
	return r, fromJSON(reviewers, &r.Reviewers)
}

func (t *Tx) PutReview(r domain.Review) error {
	what := fmt.Sprintf("put review %q of org %q", r.ID, r.Org)
	if r.Reviewers == nil {
		r.Reviewers = []string{}
	}
	reviewers, err := jsonText(r.Reviewers)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	_, err = t.exec(`INSERT INTO access_reviews (`+reviewCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		ON CONFLICT (org, id) DO UPDATE SET name = excluded.name, scope = excluded.scope, reviewers = excluded.reviewers,
			undecided = excluded.undecided, due_at = excluded.due_at, created_by = excluded.created_by,
			created_at = excluded.created_at, closed_at = excluded.closed_at, closed_by = excluded.closed_by,
			closed_revision = excluded.closed_revision`,
		r.Org, r.ID, r.Name, r.Scope, reviewers, r.Undecided, t.tm(r.DueAt), r.CreatedBy, t.tm(r.CreatedAt),
		t.tm(r.ClosedAt), r.ClosedBy, r.ClosedRevision)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

func (t *Tx) GetReview(org, id string) (domain.Review, error) {
	return get(t, fmt.Sprintf("review %q of org %q", id, org), scanReview,
		`SELECT `+reviewCols+` FROM access_reviews WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) ListReviews(org, after string, limit int) ([]domain.Review, string, error) {
	where, args := `org = $1`, []any{org}
	if after != "" {
		args = append(args, after)
		where += ` AND pos < (SELECT c.pos FROM access_reviews c WHERE c.org = $1 AND c.id = $2)`
	}
	q := `SELECT ` + reviewCols + ` FROM access_reviews WHERE ` + where + ` ORDER BY pos DESC`
	if limit > 0 {
		args = append(args, fetch(limit))
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	rs, err := list(t, fmt.Sprintf("list reviews of org %q", org), scanReview, q, args...)
	if err != nil {
		return nil, "", err
	}
	rs, next := page(rs, limit, func(r domain.Review) string { return r.ID })
	return rs, next, nil
}

const reviewItemCols = `org, review, id, user_id, kind, grant_id, role, scope, via, decision, note,
	decided_by, decided_at, outcome`

func scanReviewItem(s scanner) (domain.ReviewItem, error) {
	var i domain.ReviewItem
	err := s.Scan(&i.Org, &i.Review, &i.ID, &i.UserID, &i.Kind, &i.Grant, &i.Role, &i.Scope, &i.Via,
		&i.Decision, &i.Note, &i.DecidedBy, ts(&i.DecidedAt), &i.Outcome)
	return i, err
}

func (t *Tx) PutReviewItem(i domain.ReviewItem) error {
	_, err := t.exec(`INSERT INTO access_review_items (`+reviewItemCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (org, review, id) DO UPDATE SET user_id = excluded.user_id, kind = excluded.kind,
			grant_id = excluded.grant_id, role = excluded.role, scope = excluded.scope, via = excluded.via,
			decision = excluded.decision, note = excluded.note, decided_by = excluded.decided_by,
			decided_at = excluded.decided_at, outcome = excluded.outcome`,
		i.Org, i.Review, i.ID, i.UserID, i.Kind, i.Grant, i.Role, i.Scope, i.Via, i.Decision, i.Note,
		i.DecidedBy, t.tm(i.DecidedAt), i.Outcome)
	if err != nil {
		return fmt.Errorf("store: put item %q of review %q of org %q: %w", i.ID, i.Review, i.Org, err)
	}
	return nil
}

func (t *Tx) GetReviewItem(org, review, id string) (domain.ReviewItem, error) {
	return get(t, fmt.Sprintf("item %q of review %q of org %q", id, review, org), scanReviewItem,
		`SELECT `+reviewItemCols+` FROM access_review_items WHERE org = $1 AND review = $2 AND id = $3`, org, review, id)
}

func (t *Tx) ListReviewItems(org, review, after string, limit int) ([]domain.ReviewItem, string, error) {
	where, args := `org = $1 AND review = $2`, []any{org, review}
	if after != "" {
		args = append(args, after)
		where += ` AND pos > (SELECT c.pos FROM access_review_items c WHERE c.org = $1 AND c.review = $2 AND c.id = $3)`
	}
	q := `SELECT ` + reviewItemCols + ` FROM access_review_items WHERE ` + where + ` ORDER BY pos`
	if limit > 0 {
		args = append(args, fetch(limit))
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	items, err := list(t, fmt.Sprintf("list items of review %q of org %q", review, org), scanReviewItem, q, args...)
	if err != nil {
		return nil, "", err
	}
	items, next := page(items, limit, func(i domain.ReviewItem) string { return i.ID })
	return items, next, nil
}

func (t *Tx) CountReviewItems(org, review string) (total, decided int, err error) {
	err = t.one(fmt.Sprintf("count items of review %q of org %q", review, org),
		`SELECT COUNT(*), COUNT(CASE WHEN decision <> '' THEN 1 END) FROM access_review_items WHERE org = $1 AND review = $2`,
		[]any{org, review}, &total, &decided)
	return total, decided, err
}

func (t *Tx) AppendReviewDecision(d *domain.ReviewDecision) error {
	return t.one(fmt.Sprintf("record a decision on item %q of review %q of org %q", d.Item, d.Review, d.Org),
		`INSERT INTO access_review_decisions (org, review, item, decision, note, decided_by, decided_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING seq`,
		[]any{d.Org, d.Review, d.Item, d.Decision, d.Note, d.DecidedBy, t.tm(d.DecidedAt)}, &d.Seq)
}

func (t *Tx) ListReviewDecisions(org, review string) ([]domain.ReviewDecision, error) {
	return list(t, fmt.Sprintf("list decisions of review %q of org %q", review, org),
		func(s scanner) (domain.ReviewDecision, error) {
			var d domain.ReviewDecision
			err := s.Scan(&d.Org, &d.Review, &d.Item, &d.Seq, &d.Decision, &d.Note, &d.DecidedBy, ts(&d.DecidedAt))
			return d, err
		},
		`SELECT org, review, item, seq, decision, note, decided_by, decided_at FROM access_review_decisions
			WHERE org = $1 AND review = $2 ORDER BY seq`, org, review)
}
