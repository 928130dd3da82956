package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/domain"
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

// fastRoutes are the routes with a fast path, by pattern.
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

// fastPath is a decision route's fast path in front of slow: decode reads
// the body (false: not the plain shape, so slow answers instead) and
// answer appends the JSON answer to out.
func fastPath[T any](s *server, slow http.HandlerFunc, decode func(*decoder) (T, bool),
	answer func(ctx context.Context, org string, req T, out []byte) ([]byte, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !fastEligible(r) {
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
		d := decoder{b: *buf}
		req, ok := decode(&d)
		if !ok || !d.end() {
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
	return fastPath(s, slow, func(d *decoder) (team.CheckRequest, bool) {
		var c team.CheckRequest
		return c, d.check(&c)
	}, func(ctx context.Context, org string, c team.CheckRequest, out []byte) ([]byte, error) {
		res, err := s.svc.Check(ctx, actor(ctx), org, c)
		if err != nil {
			return nil, err
		}
		s.metrics.decision(false, res.Allowed)
		return append(appendResult(out, res.Allowed, res.Reason, true, res.Revision), '\n'), nil
	})
}

func (s *server) fastBatch(slow http.HandlerFunc) http.HandlerFunc {
	return fastPath(s, slow, (*decoder).batch, func(ctx context.Context, org string, reqs []team.CheckRequest, out []byte) ([]byte, error) {
		res, err := s.svc.CheckBatch(ctx, actor(ctx), org, reqs)
		if err != nil {
			return nil, err
		}
		out = append(out, `{"results":[`...)
		var rev int64
		for i, c := range res {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendResult(out, c.Allowed, c.Reason, false, 0)
			rev = max(rev, c.Revision)
			s.metrics.decision(true, c.Allowed)
		}
		out = append(out, `],"revision":`...)
		out = strconv.AppendInt(out, rev, 10)
		return append(out, "}\n"...), nil
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

// appendResult writes one decision as checkResult (withRevision) or
// batchResult encode it.
func appendResult(b []byte, allowed bool, r *domain.Reason, withRevision bool, rev int64) []byte {
	b = append(b, `{"allowed":`...)
	b = strconv.AppendBool(b, allowed)
	if withRevision {
		b = append(b, `,"revision":`...)
		b = strconv.AppendInt(b, rev, 10)
	}
	if r != nil {
		b = append(b, `,"reason":{`...)
		n := 0
		for _, f := range [...]struct{ k, v string }{{"grant", r.Grant}, {"role", r.Role},
			{"scope", r.Scope}, {"via", string(r.Via)}, {"condition", r.Condition}} {
			if f.v == "" {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = append(b, '"')
			b = append(b, f.k...)
			b = append(b, `":`...)
			b = appendString(b, f.v)
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// appendString writes s as encoding/json does with HTML escaping off (huma's
// setting): plain ASCII directly, anything else through the encoder.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			var w bytes.Buffer
			enc := json.NewEncoder(&w)
			enc.SetEscapeHTML(false)
			enc.Encode(s) // a string always encodes
			return append(b, bytes.TrimSuffix(w.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// decoder reads the request shapes of the decision endpoints. Each method
// reports false on anything outside the plain shape, never an error: the
// generic path will say what is wrong.
type decoder struct {
	b []byte
	i int
}

func (d *decoder) ws() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// eat consumes c after any white space.
func (d *decoder) eat(c byte) bool {
	d.ws()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// peek reports whether c comes next (after white space) without taking it.
func (d *decoder) peek(c byte) bool {
	d.ws()
	return d.i < len(d.b) && d.b[d.i] == c
}

func (d *decoder) end() bool {
	d.ws()
	return d.i == len(d.b)
}

// raw reads a string of printable ASCII without escapes and returns its
// bytes, aliasing the buffer.
func (d *decoder) raw() ([]byte, bool) {
	if !d.eat('"') {
		return nil, false
	}
	start := d.i
	for d.i < len(d.b) {
		c := d.b[d.i]
		switch {
		case c == '"':
			d.i++
			return d.b[start : d.i-1], true
		case c < 0x20 || c == '\\' || c >= utf8.RuneSelf:
			return nil, false
		}
		d.i++
	}
	return nil, false
}

func (d *decoder) str() (string, bool) {
	b, ok := d.raw()
	return string(b), ok
}

// revision reads a non-negative integer without sign, fraction or exponent.
func (d *decoder) revision() (int64, bool) {
	d.ws()
	start := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	digits := d.b[start:d.i]
	if len(digits) == 0 || len(digits) > 18 || (len(digits) > 1 && digits[0] == '0') {
		return 0, false
	}
	if d.i < len(d.b) {
		switch d.b[d.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	var n int64
	for _, c := range digits {
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// object reads {"key": value, ...}, calling member for each key; member
// reads the value and reports false on an unknown or unreadable one.
func (d *decoder) object(member func(key string) bool) bool {
	if !d.eat('{') {
		return false
	}
	if d.eat('}') {
		return true
	}
	for {
		k, ok := d.raw()
		if !ok || !d.eat(':') || !member(string(k)) {
			return false
		}
		if d.eat('}') {
			return true
		}
		if !d.eat(',') {
			return false
		}
	}
}

// check reads one check object (checkBody's shape).
func (d *decoder) check(c *team.CheckRequest) bool {
	var seen uint8
	once := func(bit uint8) bool {
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	}
	return d.object(func(key string) bool {
		var ok bool
		switch key {
		case "subject":
			c.Subject, ok = d.str()
			return ok && once(1)
		case "permission":
			c.Permission, ok = d.str()
			return ok && once(2)
		case "resource":
			c.Resource, ok = d.str()
			return ok && once(4)
		case "at_least_revision":
			c.AtLeastRevision, ok = d.revision()
			return ok && once(8)
		case "context":
			var channel bool
			return once(16) && d.object(func(key string) bool {
				if key != "channel" || channel {
					return false
				}
				channel = true
				c.Channel, ok = d.str()
				return ok
			})
		}
		return false
	})
}

// batch reads {"checks": [...], "at_least_revision": N}.
func (d *decoder) batch() ([]team.CheckRequest, bool) {
	var reqs []team.CheckRequest
	var rev int64
	var seenChecks, seenRev bool
	ok := d.object(func(key string) bool {
		switch key {
		case "checks":
			if seenChecks || !d.eat('[') || d.peek(']') {
				return false
			}
			seenChecks = true
			reqs = make([]team.CheckRequest, 0, 16)
			for {
				if len(reqs) == team.MaxBatch {
					return false
				}
				reqs = append(reqs, team.CheckRequest{})
				if !d.check(&reqs[len(reqs)-1]) {
					return false
				}
				if d.eat(']') {
					return true
				}
				if !d.eat(',') {
					return false
				}
			}
		case "at_least_revision":
			var ok bool
			rev, ok = d.revision()
			if !ok || seenRev {
				return false
			}
			seenRev = true
			return true
		}
		return false
	})
	if !ok || !seenChecks {
		return nil, false
	}
	for i := range reqs {
		reqs[i].AtLeastRevision = max(reqs[i].AtLeastRevision, rev)
	}
	return reqs, true
}
