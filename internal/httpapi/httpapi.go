// Package httpapi serves Gatehouse's HTTP API v1 (spec/API.md): JSON
// handlers over the team use cases, bearer authentication, RFC 9457 problem
// responses, request ids, security headers, Prometheus metrics, health
// checks and the OpenAPI 3.1 document generated from the Go types.
//
// Every endpoint maps to one team.Service method; this package only
// translates between HTTP and those calls and never decides access itself.
// Fault codes become statuses in one place, fault.Code.HTTPStatus.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/peer"
	"github.com/gatehouse/gatehouse/internal/team"
)

// Config sets up the handler.
type Config struct {
	Service *team.Service // also answers /readyz
	Logger  *slog.Logger
	// Console, when set, serves every path not under /v1/, /healthz,
	// /readyz, /metrics and /openapi.*.
	Console http.Handler
	// MaxBodyBytes bounds request bodies; default 1 MiB. Larger bodies get 413.
	MaxBodyBytes int64
	// Registry receives the metrics and is served at /metrics; default a new
	// registry with the Go and process collectors.
	Registry *prometheus.Registry

	// TrustProxy takes the client address (for the sign-in throttle,
	// session lists and the audit log) from the last X-Forwarded-For entry,
	// the one a reverse proxy in front of the server appended (see package
	// peer). Off by default: the address is the socket's peer.
	TrustProxy bool
	// RequestTimeout bounds each request's work; default 30 s. Checks and
	// batch checks answer from memory; their one wait, for
	// at_least_revision, has its own bound (team.Config.ConsistencyWait).
	RequestTimeout time.Duration
}

// hooks are what tests may change in a handler (export_test.go), kept out
// of Config so that no configuration of the server can reach them.
type hooks struct {
	noFastPath bool   // every request takes the generic (huma) path
	onFast     func() // called each time a fast path answers
}

// DefaultMaxBodyBytes is the body limit when Config.MaxBodyBytes is unset.
const DefaultMaxBodyBytes = 1 << 20

// RevisionHeader carries the revision of writes answered with 204.
const RevisionHeader = "Gatehouse-Revision"

type server struct {
	cfg     Config
	hooks   hooks
	svc     *team.Service
	log     *slog.Logger
	mux     *http.ServeMux
	api     huma.API
	metrics *metrics
	maxBody int64
	timeout time.Duration
}

// New returns the HTTP handler of the whole server.
func New(cfg Config) http.Handler { return newHandler(cfg, hooks{}) }

func newHandler(cfg Config, hk hooks) http.Handler {
	if cfg.Service == nil {
		panic("httpapi: Config.Service is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = 30 * time.Second
	}
	s := &server{cfg: cfg, hooks: hk, svc: cfg.Service, log: cfg.Logger, mux: http.NewServeMux(),
		maxBody: cfg.MaxBodyBytes, timeout: cfg.RequestTimeout}
	s.metrics = newMetrics(cfg.Registry)

	hc := huma.DefaultConfig("Gatehouse API", "1")
	hc.Info.Description = "Team management and access control for ML data platforms. " +
		"Errors are RFC 9457 problem details (application/problem+json)."
	hc.DocsPath = ""    // the docs page loads scripts from a CDN; serve the document only
	hc.SchemasPath = "" // no $schema links in bodies
	hc.CreateHooks = nil
	hc.FieldsOptionalByDefault = true // use cases validate values; schemas check shapes
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer",
			Description: "A session token from POST /v1/auth/login or a secret key (gsk_...)."},
	}
	hc.Security = []map[string][]string{{"bearer": {}}}
	s.api = humago.New(routeMux{s}, hc)
	s.routes()

	s.mux.HandleFunc("GET /healthz", s.route("GET /healthz", s.healthz))
	s.mux.HandleFunc("GET /readyz", s.route("GET /readyz", s.readyz))
	s.mux.Handle("GET /metrics", s.route("GET /metrics", s.metrics.handler().ServeHTTP))
	s.mux.HandleFunc("/v1/", s.notFound)
	if cfg.Console != nil {
		s.mux.Handle("/", s.route("console", cfg.Console.ServeHTTP))
	} else {
		s.mux.HandleFunc("/", s.notFound)
	}
	return s
}

// routeMux hands huma's routes to the ServeMux, recording each route's
// pattern for metrics and putting authentication in front of every /v1
// route but the public ones.
type routeMux struct{ s *server }

func (m routeMux) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	handler := http.HandlerFunc(h)
	if fast := fastRoutes[pattern]; fast != nil && !m.s.hooks.noFastPath {
		handler = fast(m.s, handler)
	}
	_, path, _ := strings.Cut(pattern, " ")
	if strings.HasPrefix(path, "/v1/") && !publicRoutes[pattern] {
		handler = m.s.authn(handler).ServeHTTP
	}
	m.s.mux.HandleFunc(pattern, m.s.route(pattern, handler))
}

func (m routeMux) ServeHTTP(w http.ResponseWriter, r *http.Request) { m.s.mux.ServeHTTP(w, r) }

// publicRoutes need no credentials.
var publicRoutes = map[string]bool{
	"POST /v1/auth/login":                  true,
	"POST /v1/invitations/accept":          true,
	"POST /v1/auth/password-reset":         true,
	"POST /v1/auth/password-reset/confirm": true,
	"GET /v1/auth/sso/start":               true,
	"GET /v1/auth/sso/callback":            true,
}

// route records the request's pattern and bounds its work by the request
// timeout, but for the routes with a fast path: decisions answer from
// memory, bound their body read and their one wait (at_least_revision)
// themselves, and a timer each would cost more than the decision.
func (s *server) route(pattern string, h http.HandlerFunc) http.HandlerFunc {
	timed := fastRoutes[pattern] == nil && pattern != azEvaluationPattern
	return func(w http.ResponseWriter, r *http.Request) {
		if st := stateOf(r.Context()); st != nil {
			st.route = pattern
		}
		if timed {
			ctx, cancel := context.WithTimeout(r.Context(), s.timeout)
			defer cancel()
			r = r.WithContext(ctx)
		}
		h(w, r)
	}
}

// reqState is what the middleware learns of a request, shared with the
// handlers through the context.
type reqState struct {
	id    string
	route string
	addr  string
	ua    string
	log   *slog.Logger
	actor team.Actor
	token string // the bearer credential, for logout
	sw    statusWriter
}

type stateKey struct{}

func stateOf(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
}

func requestIDOf(ctx context.Context) string {
	if st := stateOf(ctx); st != nil {
		return st.id
	}
	return ""
}

// saneRequestID accepts a caller's X-Request-Id of 1 to 128 characters
// from [A-Za-z0-9._:-], starting with a letter or digit.
func saneRequestID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == ':' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// requestIDs are unique, not secret: a random prefix per process and a
// counter, cheaper than random bytes on every request.
var requestIDs = struct {
	prefix string
	n      atomic.Uint64
}{prefix: credential.NewID("req_") + "_"}

func requestID(given string) string {
	if saneRequestID(given) {
		return given
	}
	var b [48]byte
	return string(strconv.AppendUint(append(b[:0], requestIDs.prefix...), requestIDs.n.Add(1), 36))
}

// Headers of every answer, set by assignment: the keys are canonical already
// and net/http only reads the values.
var (
	hdrNosniff   = []string{"nosniff"}
	hdrNoReferer = []string{"no-referrer"}
	hdrDeny      = []string{"DENY"}
	hdrNoStore   = []string{"no-store"}
	hdrAPICSP    = []string{"default-src 'none'; frame-ancestors 'none'"}
)

// ServeHTTP runs every request: request id, security headers, body limit,
// panic recovery, metrics and the access log (route adds the timeout).
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	st := &reqState{id: requestID(r.Header.Get("X-Request-Id")), addr: s.clientAddr(r), ua: r.UserAgent(), log: s.log}
	h := w.Header()
	h["X-Request-Id"] = []string{st.id}
	h["X-Content-Type-Options"] = hdrNosniff
	h["Referrer-Policy"] = hdrNoReferer
	h["X-Frame-Options"] = hdrDeny
	if apiPath(r.URL.Path) {
		h["Cache-Control"] = hdrNoStore
		h["Content-Security-Policy"] = hdrAPICSP
	}
	st.sw.ResponseWriter = w
	sw := &st.sw
	r = r.WithContext(context.WithValue(r.Context(), stateKey{}, st))
	if r.Body != nil && r.Body != http.NoBody {
		// One byte over the limit lets huma tell "too large" (413) apart.
		r.Body = http.MaxBytesReader(sw, r.Body, s.maxBody+1)
	}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "request_id", st.id, "method", r.Method, "path", r.URL.Path,
				"panic", v, "stack", string(debug.Stack()))
			if !sw.wrote {
				writeProblem(sw, newProblem(http.StatusInternalServerError, genericInternal))
			} else {
				sw.status = http.StatusInternalServerError
			}
		}
		s.observe(r, st, sw.code(), time.Since(start))
	}()
	s.mux.ServeHTTP(sw, r)
}

func apiPath(p string) bool {
	return strings.HasPrefix(p, "/v1/") || p == "/v1" || strings.HasPrefix(p, "/openapi")
}

// decisionRoute reports whether a route only reads decisions (check, batch
// check, lookups).
func decisionRoute(route string) bool {
	return strings.HasSuffix(route, "/check") || strings.HasSuffix(route, "/check/batch") || strings.Contains(route, "/lookup/")
}

func (s *server) observe(r *http.Request, st *reqState, status int, d time.Duration) {
	route := st.route
	if route == "" {
		route = "unmatched"
	}
	s.metrics.observe(route, status, d)
	level := slog.LevelInfo
	switch {
	case status >= 500:
		level = slog.LevelWarn
	case route == "GET /healthz" || route == "GET /readyz" || route == "GET /metrics", decisionRoute(route):
		// Decisions are the hot path, thousands a second: one log line each
		// would cost more than the decision. /metrics counts them.
		level = slog.LevelDebug
	}
	if st.actor.IsToken() {
		// The audit log names the user; the request log, joined to it by
		// request id, says it came through which personal access token or
		// SCIM token.
		tok := st.actor.PATID
		if st.actor.SCIMTokenID != "" {
			tok = st.actor.SCIMTokenID
		}
		s.log.LogAttrs(r.Context(), level, "http request",
			slog.String("request_id", st.id), slog.String("method", r.Method), slog.String("route", route),
			slog.String("path", r.URL.Path), slog.Int("status", status), slog.Duration("duration", d),
			slog.String("actor", st.actor.Subject.ID), slog.String("token", tok), slog.String("remote", st.addr))
		return
	}
	s.log.LogAttrs(r.Context(), level, "http request",
		slog.String("request_id", st.id), slog.String("method", r.Method), slog.String("route", route),
		slog.String("path", r.URL.Path), slog.Int("status", status), slog.Duration("duration", d),
		slog.String("actor", st.actor.Subject.ID), slog.String("remote", st.addr))
}

// clientAddr is the address sign-ins are throttled by and sessions and
// the audit log show (see package peer for the rule).
func (s *server) clientAddr(r *http.Request) string { return peer.Addr(r, s.cfg.TrustProxy) }

// clientOf is the team.Client of the request.
func clientOf(ctx context.Context) team.Client {
	st := stateOf(ctx)
	if st == nil {
		return team.Client{}
	}
	return team.Client{Addr: st.addr, UserAgent: st.ua, RequestID: st.id}
}

// statusWriter remembers the status for metrics and whether anything was
// written, so a panic after the header went out is not answered twice.
type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// authn turns the bearer credential into the request's actor, or answers
// 401 with WWW-Authenticate.
func (s *server) authn(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := stateOf(r.Context())
		token, ok := bearer(r)
		if !ok {
			p := newProblem(http.StatusUnauthorized, "missing credentials: send Authorization: Bearer <session token or secret key>")
			p.GetHeaders().Set("WWW-Authenticate", `Bearer realm="gatehouse"`)
			writeProblem(w, p)
			return
		}
		a, err := s.svc.Authenticate(r.Context(), token, st.id)
		if err != nil {
			writeProblem(w, problemOf(r.Context(), s.log, err))
			return
		}
		st.actor, st.token = a, token
		next.ServeHTTP(w, r)
	})
}

// bearer reads "Authorization: Bearer TOKEN" (scheme case-insensitive).
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 1024 || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// notFound answers paths no route matches: 405 with Allow when the path
// exists under another method, else 404.
func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
		if m == r.Method {
			continue
		}
		r2 := r.Clone(r.Context())
		r2.Method = m
		if _, pat := s.mux.Handler(r2); pat != "" && pat != "/v1/" && pat != "/" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, newProblem(http.StatusMethodNotAllowed, r.Method+" is not allowed here; allowed: "+strings.Join(allow, ", ")))
		return
	}
	writeProblem(w, newProblem(http.StatusNotFound, "no such endpoint: "+r.Method+" "+r.URL.Path))
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

// readyz answers 200 when the store answers a read, 503 otherwise.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	rev, err := s.svc.Ready(ctx)
	if err != nil {
		s.log.Warn("readiness check failed", "request_id", requestIDOf(r.Context()), "err", err)
		p := newProblem(http.StatusServiceUnavailable, "the store does not answer")
		p.GetHeaders().Set("Retry-After", "5")
		writeProblem(w, p)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write([]byte(`{"status":"ok","revision":` + strconv.FormatInt(rev, 10) + "}\n"))
}
