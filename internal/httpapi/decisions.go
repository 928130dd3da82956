package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/decisionjson"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

type checkInput struct {
	OrgPath
	Body decisionjson.CheckBody
}

type batchInput struct {
	OrgPath
	Body struct {
		Checks          []decisionjson.CheckBody `json:"checks" doc:"1 to 1000 checks, answered in order from one state"`
		AtLeastRevision int64                    `json:"at_least_revision,omitempty" doc:"Applies to every check"`
	}
}

type lookupResourcesInput struct {
	OrgPath
	Body struct {
		Subject         string                       `json:"subject,omitempty" doc:"Default the caller; others need the audit permission"`
		Permission      string                       `json:"permission"`
		Type            string                       `json:"type" doc:"Resource type"`
		Context         *decisionjson.RequestContext `json:"context,omitempty"`
		Limit           int                          `json:"limit,omitempty" doc:"Items per page (default 100, at most 1000)"`
		PageToken       string                       `json:"page_token,omitempty"`
		AtLeastRevision int64                        `json:"at_least_revision,omitempty"`
	}
}

type lookupResourcesOutput struct {
	Items    []string `json:"items" doc:"Resource ids"`
	Next     string   `json:"next_page_token"`
	Revision int64    `json:"revision"`
}

type lookupSubjectsInput struct {
	OrgPath
	Body struct {
		Permission      string                       `json:"permission"`
		Resource        string                       `json:"resource,omitempty" doc:"TYPE:ID; default the organization"`
		Context         *decisionjson.RequestContext `json:"context,omitempty"`
		Limit           int                          `json:"limit,omitempty"`
		PageToken       string                       `json:"page_token,omitempty"`
		AtLeastRevision int64                        `json:"at_least_revision,omitempty"`
	}
}

type lookupSubjectsOutput struct {
	Items    []subjectAccess `json:"items"`
	Next     string          `json:"next_page_token"`
	Revision int64           `json:"revision"`
}

func (s *server) decisionRoutes() {
	endpoint(s, huma.Operation{OperationID: "check", Method: http.MethodPost, Path: "/v1/orgs/{org}/check",
		Summary: "May this subject do this to that?", Tags: []string{"decisions"},
		Description: "A subject that is not (or no longer) a member is denied (200, allowed false). " +
			"Unknown permission: 422. at_least_revision that this server cannot reach in time: 503 with Retry-After."},
		func(ctx context.Context, in *checkInput) (*body[decisionjson.CheckResult], error) {
			res, err := s.svc.Check(ctx, actor(ctx), in.Org, in.Body.Request())
			if err != nil {
				return nil, err
			}
			s.metrics.decision(false, res.Allowed)
			return ok(decisionjson.CheckResultOf(res))
		})

	endpoint(s, huma.Operation{OperationID: "checkBatch", Method: http.MethodPost, Path: "/v1/orgs/{org}/check/batch",
		Summary: "Up to 1000 checks at once", Tags: []string{"decisions"}},
		func(ctx context.Context, in *batchInput) (*body[decisionjson.BatchOutput], error) {
			if len(in.Body.Checks) == 0 || len(in.Body.Checks) > team.MaxBatch {
				return nil, fault.E(fault.Unprocessable, "checks: want 1 to %d", team.MaxBatch)
			}
			res, err := s.svc.CheckBatch(ctx, actor(ctx), in.Org, decisionjson.BatchRequests(in.Body.Checks, in.Body.AtLeastRevision))
			if err != nil {
				return nil, err
			}
			for _, r := range res {
				s.metrics.decision(true, r.Allowed)
			}
			return ok(decisionjson.BatchOutputOf(res))
		})

	endpoint(s, huma.Operation{OperationID: "lookupResources", Method: http.MethodPost, Path: "/v1/orgs/{org}/lookup/resources",
		Summary: "Every resource of a type the subject may act on", Tags: []string{"decisions"},
		Description: "Complete across pages; never cut silently."},
		func(ctx context.Context, in *lookupResourcesInput) (*body[lookupResourcesOutput], error) {
			b := in.Body
			p, err := s.svc.LookupResources(ctx, actor(ctx), in.Org, team.LookupResourcesRequest{Subject: b.Subject,
				Permission: b.Permission, Type: b.Type, Channel: decisionjson.ChannelOf(b.Context), Limit: b.Limit,
				PageToken: b.PageToken, AtLeastRevision: b.AtLeastRevision})
			if err != nil {
				return nil, err
			}
			return ok(lookupResourcesOutput{Items: p.IDs, Next: p.Next, Revision: p.Revision})
		})

	endpoint(s, huma.Operation{OperationID: "lookupSubjects", Method: http.MethodPost, Path: "/v1/orgs/{org}/lookup/subjects",
		Summary: "Every user and key that may act on a resource, and through what", Tags: []string{"decisions"},
		Description: "Needs the scheme's audit permission."},
		func(ctx context.Context, in *lookupSubjectsInput) (*body[lookupSubjectsOutput], error) {
			b := in.Body
			list, rev, err := s.svc.LookupSubjects(ctx, actor(ctx), in.Org, team.LookupSubjectsRequest{Permission: b.Permission,
				Resource: b.Resource, Channel: decisionjson.ChannelOf(b.Context), AtLeastRevision: b.AtLeastRevision})
			if err != nil {
				return nil, err
			}
			p, err := team.PageOf(list, b.Limit, b.PageToken)
			if err != nil {
				return nil, err
			}
			out := lookupSubjectsOutput{Items: subjectAccessOf(p.Items), Next: p.Next, Revision: rev}
			if err := nameEach(ctx, s, in.Org, out.Items); err != nil {
				return nil, err
			}
			return ok(out)
		})
}
