package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/team"
)

// endpoint registers one operation. The handler's errors become problems
// here, so every route answers errors the same way.
func endpoint[I, O any](s *server, op huma.Operation, h func(ctx context.Context, in *I) (*O, error)) {
	if op.DefaultStatus == 0 {
		op.DefaultStatus = http.StatusOK
	}
	op.MaxBodyBytes = s.maxBody + 1 // huma answers 413 when it reads this many
	if op.OperationID == "" {
		panic("httpapi: operation without id: " + op.Method + " " + op.Path)
	}
	extra := op.Errors // statuses an operation adds to the common ones
	public := publicRoutes[op.Method+" "+op.Path]
	if public {
		op.Security = []map[string][]string{}
		op.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusNotFound,
			http.StatusConflict, http.StatusUnprocessableEntity, http.StatusTooManyRequests, http.StatusServiceUnavailable}
	} else {
		op.Errors = []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden,
			http.StatusNotFound, http.StatusUnprocessableEntity}
		if op.Method != http.MethodGet {
			op.Errors = append(op.Errors, http.StatusConflict)
		}
	}
	for _, st := range extra {
		if !slices.Contains(op.Errors, st) {
			op.Errors = append(op.Errors, st)
		}
	}
	huma.Register(s.api, op, func(ctx context.Context, in *I) (*O, error) {
		out, err := h(ctx, in)
		if err != nil {
			return nil, problemOf(ctx, s.log, err)
		}
		return out, nil
	})
}

// actor is the authenticated caller of the request.
func actor(ctx context.Context) team.Actor {
	if st := stateOf(ctx); st != nil {
		return st.actor
	}
	return team.Actor{}
}

// Common inputs.

// OrgPath names an organization. Path and query types are exported only
// because huma reads parameters of embedded structs by reflection.
type OrgPath struct {
	Org string `path:"org" doc:"Organization id"`
}

// PageQuery pages a list.
type PageQuery struct {
	Limit     int    `query:"limit" doc:"Items per page (default 100, at most 1000)"`
	PageToken string `query:"page_token" doc:"next_page_token of the previous page"`
}

// Common outputs.

// body is an answer; writes also carry their revision in a header, as
// the ones answered 204 do.
type body[T any] struct {
	Revision string `header:"Gatehouse-Revision" doc:"Revision of the write (writes only)"`
	Body     T
}

func ok[T any](v T) (*body[T], error) { return &body[T]{Body: v}, nil }

// wrote answers a write that committed as revision rev.
func wrote[T any](rev int64, v T) (*body[T], error) {
	return &body[T]{Revision: strconv.FormatInt(rev, 10), Body: v}, nil
}

// noContent answers 204 with the write's revision in a header.
type noContent struct {
	Revision string `header:"Gatehouse-Revision" doc:"Revision of the write"`
}

func done(rev int64) (*noContent, error) {
	return &noContent{Revision: strconv.FormatInt(rev, 10)}, nil
}

// revisionBody is the answer of writes that return only their revision.
type revisionBody struct {
	Revision int64 `json:"revision" doc:"Revision of the write"`
}

func (s *server) routes() {
	s.sessionRoutes()
	s.accountRoutes()
	s.orgRoutes()
	s.memberRoutes()
	s.aliasRoutes()
	s.invitationRoutes()
	s.accessRoutes()
	s.collectionRoutes()
	s.resourceRoutes()
	s.decisionRoutes()
	s.keyRoutes()
	s.tokenRoutes()
	s.ssoRoutes()
	s.scimTokenRoutes()
	s.scimRoutes()
	s.auditRoutes()
	s.raciRoutes()
	s.reviewRoutes()
	s.requestRoutes()
	s.approvalRoutes()
	s.authzenRoutes()
}
