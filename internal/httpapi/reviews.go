package httpapi

import (
	"context"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/team"
)

// ReviewPath names an access review (exported for huma, as OrgPath).
type ReviewPath struct {
	OrgPath
	ID string `path:"id" doc:"Access review id"`
}

type createReviewInput struct {
	OrgPath
	Body struct {
		Name      string    `json:"name"`
		DueAt     time.Time `json:"due_at" doc:"When the review should be closed; past it the review is overdue"`
		Reviewers []string  `json:"reviewers,omitempty" doc:"User ids; absent: the org's user managers and the creator"`
		Scope     string    `json:"scope,omitempty" doc:"org (default) or a resource TYPE:ID"`
		Undecided string    `json:"undecided,omitempty" enum:"keep,revoke" doc:"What closing does with items nobody decided (default keep)"`
	}
}

type reviewOutput struct {
	team.ReviewView
	Revision int64 `json:"revision,omitempty"`
}

type listReviewsInput struct {
	OrgPath
	PageQuery
}

type reviewItemsInput struct {
	ReviewPath
	PageQuery
}

type decideInput struct {
	ReviewPath
	Item string `path:"item" doc:"Review item id"`
	Body struct {
		Decision string `json:"decision" enum:"keep,revoke"`
		Note     string `json:"note,omitempty" doc:"Why (kept in the evidence)"`
	}
}

type decisionOutput struct {
	team.ReviewItemView
	Revision int64 `json:"revision"`
}

type evidenceInput struct {
	ReviewPath
	Format string `query:"format" doc:"json (default) or csv"`
}

func (s *server) reviewRoutes() {
	const base = "/v1/orgs/{org}/access-reviews"
	tags := []string{"access reviews"}
	endpoint(s, huma.Operation{OperationID: "createAccessReview", Method: http.MethodPost, Path: base,
		Summary: "Open an access review: a snapshot of every member's access, one item per grant or org role", Tags: tags,
		DefaultStatus: http.StatusCreated,
		Description:   "For the user managers; for scope TYPE:ID also for who holds every permission of the type there (a dataset's Owner)."},
		func(ctx context.Context, in *createReviewInput) (*body[reviewOutput], error) {
			v, rev, err := s.svc.CreateReview(ctx, actor(ctx), in.Org, team.ReviewRequest{Name: in.Body.Name, DueAt: in.Body.DueAt,
				Reviewers: in.Body.Reviewers, Scope: in.Body.Scope, Undecided: in.Body.Undecided})
			if err != nil {
				return nil, err
			}
			return wrote(rev, reviewOutput{ReviewView: v, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "listAccessReviews", Method: http.MethodGet, Path: base,
		Summary: "List the access reviews the caller may see, newest first", Tags: tags},
		func(ctx context.Context, in *listReviewsInput) (*body[team.Page[team.ReviewView]], error) {
			p, err := s.svc.ListReviews(ctx, actor(ctx), in.Org, in.PageToken, in.Limit)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "getAccessReview", Method: http.MethodGet, Path: base + "/{id}",
		Summary: "An access review, with its progress and whether it is overdue", Tags: tags},
		func(ctx context.Context, in *ReviewPath) (*body[team.ReviewView], error) {
			v, err := s.svc.GetReview(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return ok(v)
		})

	endpoint(s, huma.Operation{OperationID: "listAccessReviewItems", Method: http.MethodGet, Path: base + "/{id}/items",
		Summary: "A review's items in snapshot order", Tags: tags},
		func(ctx context.Context, in *reviewItemsInput) (*body[team.Page[team.ReviewItemView]], error) {
			p, err := s.svc.ListReviewItems(ctx, actor(ctx), in.Org, in.ID, in.PageToken, in.Limit)
			if err != nil {
				return nil, err
			}
			return ok(p)
		})

	endpoint(s, huma.Operation{OperationID: "decideAccessReviewItem", Method: http.MethodPost, Path: base + "/{id}/items/{item}/decision",
		Summary: "Decide keep or revoke on an item", Tags: tags,
		Description: "Only the review's reviewers; revoke only what the reviewer could revoke themselves now. 409 once the review is closed."},
		func(ctx context.Context, in *decideInput) (*body[decisionOutput], error) {
			v, rev, err := s.svc.Decide(ctx, actor(ctx), in.Org, in.ID, in.Item, in.Body.Decision, in.Body.Note)
			if err != nil {
				return nil, err
			}
			return wrote(rev, decisionOutput{ReviewItemView: v, Revision: rev})
		})

	endpoint(s, huma.Operation{OperationID: "closeAccessReview", Method: http.MethodPost, Path: base + "/{id}/close",
		Summary: "Close a review: apply its revocations in one write", Tags: tags,
		Description: "Undecided items follow the review's undecided rule; each revocation is judged for the closer; access ended meanwhile is recorded as gone."},
		func(ctx context.Context, in *ReviewPath) (*body[team.CloseResult], error) {
			res, err := s.svc.CloseReview(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return wrote(res.Revision, res)
		})

	endpoint(s, huma.Operation{OperationID: "accessReviewEvidence", Method: http.MethodGet, Path: base + "/{id}/evidence",
		Summary: "A review's evidence: items, every decision (who, when, why) and the sign-off", Tags: tags,
		Responses: jsonOrCSVResponses(s, "The evidence in the format asked", reflect.TypeFor[team.Evidence](), "ReviewEvidence")},
		func(ctx context.Context, in *evidenceInput) (*matrixOutput, error) {
			if err := jsonOrCSVFormat(in.Format); err != nil {
				return nil, err
			}
			ev, err := s.svc.ReviewEvidence(ctx, actor(ctx), in.Org, in.ID)
			if err != nil {
				return nil, err
			}
			return jsonOrCSV(in.Format, ev, func() ([]byte, error) { return team.EvidenceCSV(ev) })
		})
}
