package storetest

import (
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testReviews: a review round-trips whole, reviews page newest first, items
// page in snapshot order with their decision replaced in place, decisions
// keep every one taken in order, and nothing is found from another org.
func testReviews(e *env) {
	t := e.t
	e.org("acme")
	e.org("beta")
	rev := func(id string) domain.Review {
		return domain.Review{Org: "acme", ID: id, Name: "Q" + id, Scope: "org", Reviewers: []string{"u1", "u2"},
			Undecided: domain.DecisionKeep, DueAt: at(48 * time.Hour), CreatedBy: "user:u1", CreatedAt: t0}
	}
	item := func(review, id string) domain.ReviewItem {
		return domain.ReviewItem{Org: "acme", Review: review, ID: id, UserID: "u3", Kind: domain.ReviewItemGrant,
			Grant: "g_" + id, Role: "dataset.viewer", Scope: "dataset:cats", Via: "group:g_qa"}
	}
	e.mustWrite(func(tx store.Tx) error {
		for _, id := range []string{"ar_1", "ar_2", "ar_3"} {
			if err := tx.PutReview(rev(id)); err != nil {
				return err
			}
		}
		for _, id := range []string{"ri_c", "ri_a", "ri_b"} {
			if err := tx.PutReviewItem(item("ar_1", id)); err != nil {
				return err
			}
		}
		return nil
	})
	got := mustRead(e, func(r store.Reader) (domain.Review, error) { return r.GetReview("acme", "ar_2") })
	equal(t, "GetReview whole record", got, rev("ar_2"))
	_, err := read(e, func(r store.Reader) (domain.Review, error) { return r.GetReview("beta", "ar_2") })
	isErr(t, "GetReview from another org", err, store.ErrNotFound)

	ids := func(rs []domain.Review) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	var next string
	first := mustRead(e, func(r store.Reader) ([]domain.Review, error) {
		rs, n, err := r.ListReviews("acme", "", 2)
		next = n
		return rs, err
	})
	equal(t, "ListReviews newest first", ids(first), []string{"ar_3", "ar_2"})
	rest := mustRead(e, func(r store.Reader) ([]domain.Review, error) {
		rs, n, err := r.ListReviews("acme", next, 2)
		next = n
		return rs, err
	})
	equal(t, "ListReviews second page", ids(rest), []string{"ar_1"})
	equal(t, "ListReviews last token", next, "")
	none := mustRead(e, func(r store.Reader) ([]domain.Review, error) {
		rs, _, err := r.ListReviews("beta", "", 0)
		return rs, err
	})
	equal(t, "ListReviews of another org", len(none), 0)

	// Closing replaces the record.
	closed := rev("ar_1")
	closed.ClosedAt, closed.ClosedBy, closed.ClosedRevision = at(time.Hour), "user:u2", 42
	e.mustWrite(func(tx store.Tx) error { return tx.PutReview(closed) })
	got = mustRead(e, func(r store.Reader) (domain.Review, error) { return r.GetReview("acme", "ar_1") })
	equal(t, "closed review", got, closed)

	itemIDs := func(after string, limit int) ([]string, string) {
		var n string
		out := mustRead(e, func(r store.Reader) ([]string, error) {
			is, nx, err := r.ListReviewItems("acme", "ar_1", after, limit)
			n = nx
			var out []string
			for _, i := range is {
				out = append(out, i.ID)
			}
			return out, err
		})
		return out, n
	}
	page1, tok := itemIDs("", 2)
	equal(t, "ListReviewItems in snapshot order", page1, []string{"ri_c", "ri_a"})
	page2, tok := itemIDs(tok, 2)
	equal(t, "ListReviewItems second page", page2, []string{"ri_b"})
	equal(t, "ListReviewItems last token", tok, "")

	decided := item("ar_1", "ri_a")
	decided.Decision, decided.Note, decided.DecidedBy, decided.DecidedAt = domain.DecisionRevoke, "left the team", "user:u2", at(time.Minute)
	e.mustWrite(func(tx store.Tx) error {
		for _, d := range []domain.ReviewDecision{
			{Org: "acme", Review: "ar_1", Item: "ri_a", Decision: domain.DecisionKeep, DecidedBy: "user:u1", DecidedAt: t0},
			{Org: "acme", Review: "ar_1", Item: "ri_a", Decision: domain.DecisionRevoke, Note: "left the team", DecidedBy: "user:u2", DecidedAt: at(time.Minute)},
		} {
			if err := tx.AppendReviewDecision(&d); err != nil {
				return err
			}
			if d.Seq == 0 {
				t.Errorf("AppendReviewDecision set no seq")
			}
		}
		return tx.PutReviewItem(decided)
	})
	gi := mustRead(e, func(r store.Reader) (domain.ReviewItem, error) { return r.GetReviewItem("acme", "ar_1", "ri_a") })
	equal(t, "item with its decision", gi, decided)
	order, _ := itemIDs("", 0)
	equal(t, "a decision keeps the item's place", order, []string{"ri_c", "ri_a", "ri_b"})
	_, err = read(e, func(r store.Reader) (domain.ReviewItem, error) { return r.GetReviewItem("beta", "ar_1", "ri_a") })
	isErr(t, "GetReviewItem from another org", err, store.ErrNotFound)

	type counts struct{ total, decided int }
	c := mustRead(e, func(r store.Reader) (counts, error) {
		n, d, err := r.CountReviewItems("acme", "ar_1")
		return counts{n, d}, err
	})
	equal(t, "CountReviewItems", c, counts{3, 1})

	ds := mustRead(e, func(r store.Reader) ([]domain.ReviewDecision, error) { return r.ListReviewDecisions("acme", "ar_1") })
	if len(ds) != 2 || ds[0].Decision != domain.DecisionKeep || ds[1].Decision != domain.DecisionRevoke ||
		ds[1].Note != "left the team" || ds[0].Seq >= ds[1].Seq || !ds[1].DecidedAt.Equal(at(time.Minute)) {
		t.Errorf("ListReviewDecisions = %+v, want keep then revoke in order", ds)
	}

	// An item needs its review, a review its org.
	err = e.write(func(tx store.Tx) error { return tx.PutReviewItem(item("ar_9", "ri_x")) })
	isErr(t, "PutReviewItem of a missing review", err, store.ErrNotFound)
	err = e.write(func(tx store.Tx) error {
		r := rev("ar_x")
		r.Org = "nope"
		return tx.PutReview(r)
	})
	isErr(t, "PutReview of a missing org", err, store.ErrNotFound)
}
