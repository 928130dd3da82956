package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse/gatehouse/internal/fault"
)

// ProblemContentType is the media type of every error response (RFC 9457).
const ProblemContentType = "application/problem+json"

// problemTypePrefix makes the "type" member of a problem: a URN naming the
// fault code, stable for clients to switch on.
const problemTypePrefix = "urn:gatehouse:problem:"

// Problem is an RFC 9457 problem details object: the body of every error
// response of the API, whatever produced the error (a use case, the
// router, request validation, authentication or a recovered panic).
type Problem struct {
	Type   string `json:"type" doc:"URN naming the kind of problem, urn:gatehouse:problem:CODE"`
	Title  string `json:"title" doc:"Short summary: the HTTP status text"`
	Status int    `json:"status" doc:"HTTP status code"`
	Detail string `json:"detail" doc:"What went wrong in this occurrence"`
	// ExistingID names what a duplicate would have repeated.
	ExistingID string `json:"existing_id,omitempty" doc:"For a 409 over a duplicate: the id of the one that exists"`

	headers http.Header
}

func (p *Problem) Error() string  { return p.Detail }
func (p *Problem) GetStatus() int { return p.Status }

// GetHeaders lets huma send Retry-After and WWW-Authenticate with the problem.
func (p *Problem) GetHeaders() http.Header {
	if p.headers == nil {
		p.headers = http.Header{}
	}
	return p.headers
}

// ContentType makes huma label the body application/problem+json.
func (p *Problem) ContentType(ct string) string {
	if ct == "application/json" || ct == "" {
		return ProblemContentType
	}
	return ct
}

// codeNames name the problem types of statuses no fault code produces.
var codeNames = map[int]string{
	http.StatusBadRequest:            "invalid",
	http.StatusUnauthorized:          "unauthenticated",
	http.StatusForbidden:             "forbidden",
	http.StatusNotFound:              "not_found",
	http.StatusMethodNotAllowed:      "method_not_allowed",
	http.StatusNotAcceptable:         "not_acceptable",
	http.StatusRequestTimeout:        "request_timeout",
	http.StatusConflict:              "conflict",
	http.StatusRequestEntityTooLarge: "too_large",
	http.StatusUnsupportedMediaType:  "unsupported_media_type",
	http.StatusUnprocessableEntity:   "unprocessable",
	http.StatusTooManyRequests:       "too_many_requests",
	http.StatusInternalServerError:   "internal",
	http.StatusServiceUnavailable:    "unavailable",
}

func newProblem(status int, detail string) *Problem {
	name, ok := codeNames[status]
	if !ok {
		name = strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
	}
	return &Problem{Type: problemTypePrefix + name, Title: http.StatusText(status), Status: status, Detail: detail}
}

// genericInternal is all a client learns of our own failures.
const genericInternal = "internal error; the server log has the details under this request's id"

// problemOf turns any error a use case returned into the problem sent to the
// client. Only fault errors speak to the client; anything else is logged in
// full and answered with a generic 500. A request that ran out of time is a
// 503 the client may retry.
func problemOf(ctx context.Context, log *slog.Logger, err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	fe, ok := fault.As(err)
	switch {
	case !ok && errors.Is(err, context.DeadlineExceeded):
		p = newProblem(http.StatusServiceUnavailable, "the request took too long; retry later")
		p.GetHeaders().Set("Retry-After", "1")
		log.WarnContext(ctx, "request timed out", "request_id", requestIDOf(ctx), "err", err)
		return p
	case !ok && errors.Is(err, context.Canceled):
		// The client went away; nobody reads this answer.
		p = newProblem(http.StatusServiceUnavailable, "the request was canceled")
		return p
	case !ok || fe.Code == fault.Internal:
		log.ErrorContext(ctx, "internal error", "request_id", requestIDOf(ctx), "err", err)
		return newProblem(http.StatusInternalServerError, genericInternal)
	}
	status := fe.Code.HTTPStatus()
	p = newProblem(status, fe.Msg)
	p.ExistingID = fe.ExistingID
	if p.Detail == "" {
		p.Detail = http.StatusText(status)
	}
	switch status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		p.GetHeaders().Set("Retry-After", retryAfter(fe.RetryAfter))
	case http.StatusUnauthorized:
		p.GetHeaders().Set("WWW-Authenticate", `Bearer realm="gatehouse", error="invalid_token"`)
	}
	return p
}

// retryAfter renders a wait in whole seconds, at least one.
func retryAfter(d time.Duration) string {
	s := int64(math.Ceil(d.Seconds()))
	if s < 1 {
		s = 1
	}
	return strconv.FormatInt(s, 10)
}

// writeProblem writes p outside huma (middleware, router, panics).
func writeProblem(w http.ResponseWriter, p *Problem) {
	h := w.Header()
	for k, vs := range p.headers {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.Set("Content-Type", ProblemContentType)
	h.Del("Content-Length")
	w.WriteHeader(p.Status)
	// Encoded as huma encodes the problems it writes, HTML escaping off, so
	// that a problem reads the same whichever path answered.
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.Encode(p)
	w.Write(b.Bytes())
}

// humaDetail joins huma's error details into one sentence: where and what,
// never the offending value, which may be a password or a token.
func humaDetail(msg string, errs []error) string {
	var parts []string
	for _, e := range errs {
		if e == nil {
			continue
		}
		var d *huma.ErrorDetail
		if errors.As(e, &d) {
			// Never echo d.Value: it may be a password or a token.
			if d.Location != "" {
				parts = append(parts, d.Location+": "+d.Message)
			} else {
				parts = append(parts, d.Message)
			}
			continue
		}
		parts = append(parts, e.Error())
	}
	if len(parts) == 0 {
		return msg
	}
	if len(parts) > 10 {
		parts = append(parts[:10], fmt.Sprintf("and %d more", len(parts)-10))
	}
	return msg + ": " + strings.Join(parts, "; ")
}

// humaError replaces huma's error model, so errors huma produces itself
// (malformed bodies, schema validation, unknown properties, oversized
// bodies, unacceptable types) have the same problem shape as ours.
//
// Huma answers 422 for any body or parameter that fails the JSON schema. The
// schemas here describe only shapes (types, known properties), never value
// rules, which the use cases check; so a schema failure is malformed input,
// 400, and 422 stays reserved for well-formed requests with invalid values.
func humaError(hctx huma.Context, status int, msg string, errs ...error) huma.StatusError {
	if status == 0 {
		// Called by huma to learn the error type for the OpenAPI document.
		return &Problem{}
	}
	var mbe *http.MaxBytesError
	for _, e := range errs {
		if errors.As(e, &mbe) {
			return newProblem(http.StatusRequestEntityTooLarge, fmt.Sprintf("request body is larger than %d bytes", mbe.Limit))
		}
	}
	switch {
	case status == http.StatusUnprocessableEntity:
		status = http.StatusBadRequest
		if msg == "validation failed" {
			msg = "malformed request"
		}
	case status == http.StatusRequestEntityTooLarge:
		msg = "request body is too large"
		errs = nil
	case status >= 500:
		log := slog.Default()
		if hctx != nil {
			if st := stateOf(hctx.Context()); st != nil {
				log = st.log
			}
			log.ErrorContext(hctx.Context(), "internal error", "request_id", requestIDOf(hctx.Context()), "msg", msg, "errs", errs)
		} else {
			log.Error("internal error", "msg", msg, "errs", errs)
		}
		return newProblem(http.StatusInternalServerError, genericInternal)
	}
	return newProblem(status, humaDetail(msg, errs))
}

func init() {
	huma.NewError = func(status int, msg string, errs ...error) huma.StatusError {
		return humaError(nil, status, msg, errs...)
	}
	huma.NewErrorWithContext = humaError
}
