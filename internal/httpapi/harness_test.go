package httpapi_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/mailer"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
	"github.com/gatehouse/gatehouse/internal/team"
)

// testAuditKey seals and verifies the audit chains of this package's tests.
var testAuditKey = audit.NewKey()

func TestMain(m *testing.M) { pgtest.Main(m) }

// run runs f once per backend, each with a fresh server.
func run(t *testing.T, f func(t *testing.T, e *env)) {
	t.Helper()
	runWith(t, envOptions{}, f)
}

type envOptions struct {
	scheme   string
	mailer   mailer.Mailer // a real mailer: invitation tokens go only to mailboxes
	mailOnly bool          // the same with the test mailbox
	console  http.Handler  // mounted by a handler of the test's own over the server's service
	maxBody  int64
	trust    bool
	noBoot   bool
	sessions time.Duration
	idle     time.Duration
	hashMem  int64         // the hash gate's memory budget
	hashWait time.Duration // and its wait for a turn
	timeout  time.Duration // per request; no owner login when set
	quotas   team.Quotas
	ssoHosts []string // server.Config.SSOIssuerHosts
}

func runWith(t *testing.T, o envOptions, f func(t *testing.T, e *env)) {
	t.Helper()
	t.Parallel() // every test has its own servers and stores
	for _, b := range servertest.Backends {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			f(t, newEnv(t, b, o))
		})
	}
}

// breakable is a store whose reads fail once broken, for /readyz.
type breakable struct {
	store.Store
	broken atomic.Bool
}

// Notifications passes PostgreSQL's on, so that the service follows the
// changelog as it would on the store unwrapped.
func (b *breakable) Notifications(ctx context.Context) (<-chan struct{}, error) {
	if n, ok := b.Store.(store.Notifier); ok {
		return n.Notifications(ctx)
	}
	return nil, nil // SQLite: no channel, the follower polls
}

func (b *breakable) View(ctx context.Context, fn func(store.Reader) error) error {
	if b.broken.Load() {
		return errors.New("connection refused")
	}
	return b.Store.View(ctx, fn)
}

var linkToken = regexp.MustCompile(`token=([A-Za-z0-9_%\-]+)`)

// tokenFrom extracts the invitation token from a mail body's link.
func tokenFrom(t *testing.T, body string) string {
	t.Helper()
	m := linkToken.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no invitation link in mail:\n%s", body)
	}
	tok, err := url.QueryUnescape(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

const (
	ownerEmail    = "olivia@acme.test"
	ownerPassword = "correct horse battery staple"
)

// env is one server over one store, bootstrapped with the org "acme"
// (vi unless told otherwise), its Owner and an admin secret key.
type env struct {
	*servertest.Env
	t        *testing.T
	url      string // where requests go
	svc      *team.Service
	ready    *breakable // the store, whose reads can be made to fail
	allow500 atomic.Bool
	backend  string
	clock    *servertest.Clock
	mail     *servertest.Mailbox
	reg      *prometheus.Registry
	logs     *servertest.LogBuffer

	boot  team.BootstrapResult
	owner *client // the Owner, logged in
	key   *client // the bootstrap key (org role admin)
}

// raw runs SQL behind the store's back (to tamper with it).
func (e *env) raw(t *testing.T, query string) { e.Exec(t, query) }

func newEnv(t *testing.T, backend string, o envOptions) *env {
	t.Helper()
	if o.idle == 0 {
		o.idle = o.sessions // a test that keeps sessions long keeps them idle as long
	}
	e := &env{t: t, backend: backend, reg: prometheus.NewRegistry()}
	e.Env = servertest.Start(t, servertest.Options{Backend: backend, Key: testAuditKey, KeepLog: true,
		Wrap: func(st store.Store) store.Store { e.ready = &breakable{Store: st}; return e.ready },
		Config: server.Config{Mailer: o.mailer, NoConsole: true, Registry: e.reg, BaseURL: "https://gatehouse.test",
			// at_least_revision beyond what the server has gives 503 after the wait.
			ConsistencyWait: 200 * time.Millisecond,
			SessionTTL:      o.sessions, SessionIdle: o.idle, HashMemory: o.hashMem, HashWait: o.hashWait, Quotas: o.quotas,
			MaxBodyBytes: o.maxBody, TrustProxy: o.trust, RequestTimeout: o.timeout, SSOIssuerHosts: o.ssoHosts,
			// Most tests stand in for the development setup, where answers carry
			// invitation tokens; with a real mailer they never do.
			RevealInvitationTokens: o.mailer == nil && !o.mailOnly}})
	e.svc, e.clock, e.mail, e.logs, e.url = e.Service(), e.Clock, e.Mail, e.Logs, e.URL
	if o.console != nil {
		srv := httptest.NewServer(httpapi.New(httpapi.Config{Service: e.svc, Logger: e.logs.Logger(), Console: o.console,
			Registry: prometheus.NewRegistry()}))
		t.Cleanup(srv.Close)
		e.url = srv.URL
	}
	if o.noBoot {
		return e
	}
	schemeID := o.scheme
	if schemeID == "" {
		schemeID = "vi"
	}
	boot, err := e.svc.Bootstrap(context.Background(), "acme", "Acme", schemeID, ownerEmail, ownerPassword)
	if err != nil {
		t.Fatal(err)
	}
	e.boot = boot
	e.remember(boot.SecretKey)
	e.key = e.as(boot.SecretKey)
	if o.timeout == 0 {
		e.owner = e.login(ownerEmail, ownerPassword)
	}
	return e
}

func (e *env) remember(secret string) { e.Secrets.Remember(secret) }

func (e *env) known() []string { return e.Secrets.Known() }

// client calls the API with one credential (none for anon).
type client struct {
	e     *env
	token string
	hdr   http.Header
}

func (e *env) anon() *client           { return &client{e: e} }
func (e *env) as(token string) *client { return &client{e: e, token: token} }
func (c *client) with(k, v string) *client {
	h := c.hdr.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set(k, v)
	return &client{e: c.e, token: c.token, hdr: h}
}

func (e *env) login(email, password string) *client {
	e.t.Helper()
	r := e.anon().post("/v1/auth/login", map[string]any{"email": email, "password": password})
	r.want(e.t, 200)
	return e.as(r.str(e.t, "token"))
}

type response struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

func (c *client) get(path string) *response          { return c.do("GET", path, nil) }
func (c *client) post(path string, b any) *response  { return c.do("POST", path, b) }
func (c *client) put(path string, b any) *response   { return c.do("PUT", path, b) }
func (c *client) patch(path string, b any) *response { return c.do("PATCH", path, b) }
func (c *client) delete(path string) *response       { return c.do("DELETE", path, nil) }

// showsSecrets are the answers allowed to carry a token or secret:
// API.md shows them there, and nowhere else.
var showsSecrets = []*regexp.Regexp{
	regexp.MustCompile(`^POST /v1/auth/login$`),
	regexp.MustCompile(`^POST /v1/invitations/accept$`),
	regexp.MustCompile(`^POST /v1/orgs/[^/]+/invitations$`),
	regexp.MustCompile(`^POST /v1/orgs/[^/]+/invitations/[^/]+/resend$`),
	regexp.MustCompile(`^POST /v1/orgs/[^/]+/keys$`),
	regexp.MustCompile(`^POST /v1/orgs/[^/]+/keys/[^/]+/rotate$`),
	regexp.MustCompile(`^POST /v1/me/tokens$`),
	regexp.MustCompile(`^GET /v1/auth/sso/callback$`),
	regexp.MustCompile(`^POST /v1/orgs/[^/]+/scim-tokens$`),
}

// notWrites are the non-GET calls that change no access state.
var notWrites = regexp.MustCompile(`^POST /v1/(auth/login|auth/logout|auth/password-reset|orgs/[^/]+/(check|check/batch|lookup/resources|lookup/subjects|access/v1/[a-z/]+))$`)

var secretLike = regexp.MustCompile(`(gsk_|gss_|gsi_|gsr_|gsp_|gsc_)[A-Za-z0-9_]+`)

// do sends a request and checks what every answer must satisfy: a request
// id, the security headers, problem+json on errors, and no password hash,
// key hash or token outside the answers that show them.
func (c *client) do(method, path string, b any) *response {
	t := c.e.t
	t.Helper()
	var rd io.Reader
	switch v := b.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.e.url+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for k, vs := range c.hdr {
		req.Header[k] = vs
	}
	res, err := c.e.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := &response{method: method, path: path, status: res.StatusCode, header: res.Header, body: body}
	c.e.inspect(t, r)
	return r
}

func (e *env) inspect(t *testing.T, r *response) {
	t.Helper()
	where := r.method + " " + r.path
	if r.header.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", where)
	}
	for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "X-Frame-Options": "DENY"} {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", where, k, got, v)
		}
	}
	if strings.HasPrefix(r.path, "/v1/") && r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: Cache-Control = %q, want no-store", where, r.header.Get("Cache-Control"))
	}
	u, _ := url.Parse(r.path)
	// SCIM has its own error body and no revision header (scim_test.go).
	scim := strings.Contains(u.Path, "/scim/v2/")
	if r.status >= 400 && !scim {
		checkProblem(t, r)
	}
	if r.status >= 400 && scim {
		checkSCIMError(t, r)
	}
	if r.method != "GET" && r.status < 300 && strings.HasPrefix(u.Path, "/v1/") && !notWrites.MatchString(r.method+" "+u.Path) && !scim {
		if rev, err := strconv.ParseInt(r.header.Get("Gatehouse-Revision"), 10, 64); err != nil || rev < 1 {
			t.Errorf("%s: write without Gatehouse-Revision header: %v", where, r.header)
		}
	}
	if r.status >= 500 && r.status != 503 && !e.allow500.Load() {
		t.Errorf("%s: status %d: %s", where, r.status, r.body)
	}
	s := string(r.body)
	for _, bad := range []string{"password_hash", "passwordhash", "PasswordHash", "$argon2id", "goroutine ", ".go:"} {
		if strings.Contains(s, bad) {
			t.Errorf("%s: answer contains %q: %s", where, bad, s)
		}
	}
	shows := false
	for _, re := range showsSecrets {
		if re.MatchString(r.method + " " + u.Path) {
			shows = true
		}
	}
	for _, sec := range e.known() {
		h := credential.HashSecret(sec)
		for _, leak := range []string{hex.EncodeToString(h), base64.StdEncoding.EncodeToString(h), base64.RawURLEncoding.EncodeToString(h)} {
			if strings.Contains(s, leak) {
				t.Errorf("%s: answer contains the hash of a secret: %s", where, s)
			}
		}
		if !shows && strings.Contains(s, sec) {
			t.Errorf("%s: answer contains a token or secret: %s", where, s)
		}
	}
	if !shows {
		if m := secretLike.FindString(s); m != "" && len(m) > 20 {
			t.Errorf("%s: answer contains something like a secret (%s): %s", where, m, s)
		}
		return
	}
	if r.status < 300 {
		for _, m := range secretLike.FindAllString(s, -1) {
			if len(m) > 20 { // not a key's display prefix
				e.remember(m)
			}
		}
	}
}

func checkProblem(t *testing.T, r *response) {
	t.Helper()
	where := r.method + " " + r.path
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: error %d with Content-Type %q", where, r.status, ct)
		return
	}
	var p map[string]any
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Errorf("%s: problem does not parse: %v: %s", where, err, r.body)
		return
	}
	for _, k := range []string{"type", "title", "status", "detail"} {
		if _, ok := p[k]; !ok {
			t.Errorf("%s: problem without %q: %s", where, k, r.body)
		}
	}
	if st, _ := p["status"].(float64); int(st) != r.status {
		t.Errorf("%s: problem status %v, response status %d", where, p["status"], r.status)
	}
	if d, _ := p["detail"].(string); d == "" {
		t.Errorf("%s: problem with an empty detail: %s", where, r.body)
	}
}

// want fails the test unless the status is one of codes.
func (r *response) want(t *testing.T, codes ...int) *response {
	t.Helper()
	for _, c := range codes {
		if r.status == c {
			return r
		}
	}
	t.Fatalf("%s %s: status %d, want %v: %s", r.method, r.path, r.status, codes, r.body)
	return r
}

func (r *response) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%s %s: %v: %s", r.method, r.path, err, r.body)
	}
	return m
}

func (r *response) str(t *testing.T, key string) string {
	t.Helper()
	v, ok := r.obj(t)[key].(string)
	if !ok {
		t.Fatalf("%s %s: no string %q in %s", r.method, r.path, key, r.body)
	}
	return v
}

func (r *response) num(t *testing.T, key string) int64 {
	t.Helper()
	v, ok := r.obj(t)[key].(float64)
	if !ok {
		t.Fatalf("%s %s: no number %q in %s", r.method, r.path, key, r.body)
	}
	return int64(v)
}

func (r *response) items(t *testing.T) []map[string]any {
	t.Helper()
	var p struct {
		Items []map[string]any `json:"items"`
		Next  *string          `json:"next_page_token"`
	}
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("%s %s: %v: %s", r.method, r.path, err, r.body)
	}
	if p.Items == nil || p.Next == nil {
		t.Fatalf("%s %s: not a page: %s", r.method, r.path, r.body)
	}
	return p.Items
}

func (r *response) detail(t *testing.T) string {
	t.Helper()
	return r.str(t, "detail")
}

// hasKeys fails unless m has every key.
func hasKeys(t *testing.T, what string, m map[string]any, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: no field %q in %v", what, k, m)
		}
	}
}

// member invites email into org with role and grants through c, accepts
// as a new user and returns the new member's client and user id.
func (e *env) member(c *client, org, email, role string, grants ...map[string]any) (*client, string) {
	e.t.Helper()
	body := map[string]any{"email": email, "role": role}
	if len(grants) > 0 {
		body["grants"] = grants
	}
	inv := c.post("/v1/orgs/"+org+"/invitations", body).want(e.t, 201)
	acc := e.anon().post("/v1/invitations/accept", map[string]any{"token": inv.str(e.t, "token"),
		"name": strings.Split(email, "@")[0], "password": memberPassword(email)}).want(e.t, 200)
	return e.as(acc.str(e.t, "token")), acc.str(e.t, "user_id")
}

// memberPassword is the password e.member gives each new member: one the
// password policy takes (not containing the email), and known to tests.
func memberPassword(email string) string {
	h := sha256.Sum256([]byte(email))
	return "member lantern " + hex.EncodeToString(h[:4])
}

func grant(role, scope string) map[string]any { return map[string]any{"role": role, "scope": scope} }

// check asks c's own decision (or subject's, when given).
func (c *client) allowed(t *testing.T, org, subject, perm, resource string) bool {
	t.Helper()
	body := map[string]any{"permission": perm}
	if subject != "" {
		body["subject"] = subject
	}
	if resource != "" {
		body["resource"] = resource
	}
	r := c.post("/v1/orgs/"+org+"/check", body).want(t, 200)
	v, ok := r.obj(t)["allowed"].(bool)
	if !ok {
		t.Fatalf("check: no allowed in %s", r.body)
	}
	return v
}

func (c *client) resource(t *testing.T, org, ref string, b map[string]any) {
	t.Helper()
	typ, id, _ := strings.Cut(ref, ":")
	if b == nil {
		b = map[string]any{}
	}
	c.put(fmt.Sprintf("/v1/orgs/%s/resources/%s/%s", org, typ, id), b).want(t, 200)
}
