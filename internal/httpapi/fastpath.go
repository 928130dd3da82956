package httpapi

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/decisionjson"
	"github.com/gatehouse/gatehouse/internal/team"
)

// The decision endpoints sit on every request of the platforms that call
// Gatehouse, so /check and /check/batch have a second, hand-written path
// in front of the generic one: it decodes the common request shape
// without reflection, writes the answer by appending bytes and skips
// huma's validation and negotiation, which cost several times the decision
// itself. Anything it does not recognise exactly (another content type or
// Accept, unknown or repeated members, escapes, non-ASCII text, null, an
// oversized body) goes to the generic handler with the body untouched, so
// that path alone defines every error; a differential test holds the two
// paths to the same bytes.

// fastRoutes are the huma routes with a fast path, by pattern. AuthZEN's
// evaluation, a plain net/http route, has one too (fastAZEvaluation).
var fastRoutes = map[string]func(s *server, slow http.HandlerFunc) http.HandlerFunc{
	"POST /v1/orgs/{org}/check":       (*server).fastCheck,
	"POST /v1/orgs/{org}/check/batch": (*server).fastBatch,
}

var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// bodyReadTimeout bounds the reading of a decision's body, as huma bounds
// every other body (its default BodyReadTimeout): a client that stalls
// mid-body gets 408 rather than holding the request.
const bodyReadTimeout = 5 * time.Second

// readBody reads the whole request body into a pooled buffer. A stalled
// body is answered 408 (problem) as the generic path answers it; on any
// other failure (an error, the size limit) ok is false and r.Body is put
// back as it was, so the generic handler sees and reports the same thing.
func readBody(w http.ResponseWriter, r *http.Request) (buf *[]byte, problem *Problem, ok bool) {
	http.NewResponseController(w).SetReadDeadline(time.Now().Add(bodyReadTimeout))
	buf = bodyPool.Get().(*[]byte)
	b := (*buf)[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := r.Body.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			*buf = b
			return buf, nil, true
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				*buf = b
				releaseBody(buf)
				return nil, newProblem(http.StatusRequestTimeout, "request body read timeout"), false
			}
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(bytes.Clone(b)), r.Body), r.Body}
			*buf = b
			releaseBody(buf)
			return nil, nil, false
		}
	}
}

func releaseBody(buf *[]byte) {
	if cap(*buf) <= 64<<10 { // do not keep a rare huge batch alive
		*buf = (*buf)[:0]
		bodyPool.Put(buf)
	}
}

// fastEligible reports whether the request asks for plain JSON both ways,
// the only encoding the fast path speaks.
func fastEligible(r *http.Request) bool {
	switch r.Header.Get("Content-Type") {
	case "", "application/json":
	default:
		return false
	}
	switch r.Header.Get("Accept") {
	case "", "*/*", "application/json":
	default:
		return false
	}
	return r.PathValue("org") != ""
}

// fallback hands the request to the generic handler with its body as it
// was sent.
func fallback(slow http.HandlerFunc, w http.ResponseWriter, r *http.Request, body []byte) {
	r.Body = io.NopCloser(bytes.NewReader(bytes.Clone(body)))
	slow(w, r)
}

// fastPath is a decision route's fast path in front of slow: eligible
// says whether the request's headers are ones the fast path answers as
// slow would, decode reads the body (false: not the plain shape, so slow
// answers instead) and answer appends the JSON answer to out. The codec is
// package decisionjson.
func fastPath[T any](s *server, slow http.HandlerFunc, eligible func(*http.Request) bool, decode func([]byte) (T, bool),
	answer func(ctx context.Context, org string, req T, out []byte) ([]byte, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !eligible(r) {
			slow(w, r)
			return
		}
		buf, problem, ok := readBody(w, r)
		if problem != nil {
			writeProblem(w, problem)
			return
		}
		if !ok {
			slow(w, r)
			return
		}
		defer releaseBody(buf)
		// The body may be one byte over the limit (the reader allows it, so
		// that the generic path can tell 413): the generic path refuses it.
		if int64(len(*buf)) > s.maxBody {
			fallback(slow, w, r, *buf)
			return
		}
		req, ok := decode(*buf)
		if !ok {
			fallback(slow, w, r, *buf)
			return
		}
		ctx := r.Context()
		out, err := answer(ctx, r.PathValue("org"), req, (*buf)[:0])
		if err != nil {
			writeProblem(w, problemOf(ctx, s.log, err))
			return
		}
		s.answeredFast()
		writeJSON(w, out)
		*buf = out
	}
}

func (s *server) fastCheck(slow http.HandlerFunc) http.HandlerFunc {
	return fastPath(s, slow, fastEligible, decisionjson.DecodeCheck, func(ctx context.Context, org string, c team.CheckRequest, out []byte) ([]byte, error) {
		res, err := s.svc.Check(ctx, actor(ctx), org, c)
		if err != nil {
			return nil, err
		}
		s.metrics.decision(false, res.Allowed)
		return decisionjson.AppendCheck(out, res), nil
	})
}

func (s *server) fastBatch(slow http.HandlerFunc) http.HandlerFunc {
	return fastPath(s, slow, fastEligible, decisionjson.DecodeBatch, func(ctx context.Context, org string, reqs []team.CheckRequest, out []byte) ([]byte, error) {
		res, err := s.svc.CheckBatch(ctx, actor(ctx), org, reqs)
		if err != nil {
			return nil, err
		}
		for _, c := range res {
			s.metrics.decision(true, c.Allowed)
		}
		return decisionjson.AppendBatch(out, res), nil
	})
}

// fastAZEvaluation answers a plain AuthZEN evaluation (no stated
// properties, so none can be ignored and the answer has no context). Its
// generic path refuses any Content-Type but application/json and ignores
// Accept, so only the Content-Type makes a request eligible.
func (s *server) fastAZEvaluation(slow http.HandlerFunc) http.HandlerFunc {
	eligible := func(r *http.Request) bool {
		return r.Header.Get("Content-Type") == "application/json" && r.PathValue("org") != ""
	}
	return fastPath(s, slow, eligible, decisionjson.DecodeAZEvaluation, func(ctx context.Context, org string, e team.AZEvaluation, out []byte) ([]byte, error) {
		pdp, err := s.svc.PDP(ctx, actor(ctx), org)
		if err != nil {
			return nil, err
		}
		ans, err := pdp.Evaluate(e)
		if err != nil {
			return nil, err
		}
		return decisionjson.AppendAZDecision(out, ans.Decision), nil
	})
}

func (s *server) answeredFast() {
	if s.hooks.onFast != nil {
		s.hooks.onFast()
	}
}

var jsonContentType = []string{"application/json"}

func writeJSON(w http.ResponseWriter, b []byte) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(http.StatusOK)
	w.Write(b)
}
