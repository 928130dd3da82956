package e2e

// The in-process server of the adversarial, stateful and revocation tests:
// the real HTTP handler (httpapi.New) over the real team.Service and a real
// store (SQLite in a temporary directory, or PostgreSQL from pgtest), on
// loopback, with a clock the tests move. Every answer goes through inspect,
// which fails the test on a 500, on an error that is not problem+json, on a
// missing security header, and on any secret, token or password hash in a
// place where API.md does not show it.

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
	"pgregory.net/rapid"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/team"
)

// inproc is one server over one store.
type inproc struct {
	env     *servertest.Env
	backend string
	key     *audit.Key // seals and verifies the audit chains
	st      store.Store
	svc     *team.Service
	url     string
	client  *http.Client
	clock   *servertest.Clock
	logs    *servertest.LogBuffer
	dbPath  string // SQLite file, for integrity checks

	requests atomic.Int64
	fivexx   atomic.Int64
}

type inprocOptions struct {
	maxBody        int64
	requestTimeout time.Duration
	sessionTTL     time.Duration
	dir            string // SQLite directory; default t.TempDir()
	pgURL          string // PostgreSQL database shared with another server; default a new one
}

// eachBackend runs f, in parallel, on a new server over each backend.
func eachBackend(t *testing.T, f func(t *testing.T, s *inproc)) {
	for _, backend := range servertest.Backends {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			f(t, startInproc(t, backend, inprocOptions{}))
		})
	}
}

// startInproc starts a server on backend "sqlite" or "postgres".
func startInproc(t testing.TB, backend string, o inprocOptions) *inproc {
	t.Helper()
	key, _ := e2eAuditKey(t)
	env := servertest.Start(t, servertest.Options{Backend: backend, Dir: o.dir, PGURL: o.pgURL, Key: key, KeepLog: true,
		// Behind a trusted proxy, as tests that play clients at other
		// addresses need; requests without X-Forwarded-For are the socket's.
		Config: server.Config{BaseURL: "https://gatehouse.test", NoConsole: true, TrustProxy: true,
			MaxBodyBytes: o.maxBody, RequestTimeout: o.requestTimeout,
			SessionTTL: o.sessionTTL, SessionIdle: cmp.Or(o.sessionTTL, 7*24*time.Hour),
			// The development setup, where the inviter holds the token: the
			// strongest attacker these tests play.
			RevealInvitationTokens: true}})
	env.Mail.Max = 1000
	s := &inproc{env: env, backend: backend, key: key, st: env.Store(), svc: env.Service(), url: env.URL,
		client: env.Client, clock: env.Clock, logs: env.Logs}
	if backend == "sqlite" {
		s.dbPath = env.DSN
	}
	return s
}

func (s *inproc) remember(secret string) { s.env.Secrets.Remember(secret) }

func (s *inproc) knownSecrets() []string { return s.env.Secrets.Known() }

// forget drops secrets a finished sequence no longer needs, so scanning
// stays cheap across thousands of sequences.
func (s *inproc) forget(secrets []string) { s.env.Secrets.Forget(secrets...) }

// cheapHash is an argon2id PHC string at the smallest parameters
// credential.VerifyPassword accepts (m=8 KiB, t=1). Users seeded straight
// into the store carry it, so logging in and accepting invitations as them
// costs microseconds instead of the production hash's tens of
// milliseconds (half a second under the race detector). The server treats
// it as any stored hash made with older parameters.
func cheapHash(password string) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	key := argon2.IDKey([]byte(password), salt, 1, 8, 1, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=8,t=1,p=1$%s$%s", argon2.Version, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// seedUser creates a user straight in the store (no organization) with a
// cheap password hash, and returns its id.
func (s *inproc) seedUser(t rapid.TB, email, password string) string {
	t.Helper()
	u := domain.UserRecord{ID: credential.NewID("u_"), Email: email, Name: strings.Split(email, "@")[0],
		PasswordHash: cheapHash(password), CreatedAt: s.clock.Now()}
	if _, err := s.st.Update(context.Background(), func(tx store.Tx) error { return tx.CreateUser(u) }); err != nil {
		t.Fatalf("seed user %s: %v", email, err)
	}
	s.remember(password)
	return u.ID
}

// login opens a session over HTTP.
func (s *inproc) login(t rapid.TB, email, password string) string {
	t.Helper()
	r := s.do(t, "", "POST", "/v1/auth/login", map[string]any{"email": email, "password": password})
	r.want(t, 200)
	return r.str(t, "token")
}

// response is one answer of the server.
type response struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	took         time.Duration
}

// showsSecrets are the answers allowed to carry a token or secret: API.md
// shows them there, and nowhere else.
var showsSecrets = []*regexp.Regexp{
	regexp.MustCompile(`^POST /v1/auth/login$`),
	regexp.MustCompile(`^POST /v1/invitations/accept$`),
	regexp.MustCompile(`^POST /v1/orgs/[^/]+/invitations$`),
	regexp.MustCompile(`^POST /v1/orgs/[^/]+/invitations/[^/]+/resend$`),
	regexp.MustCompile(`^POST /v1/orgs/[^/]+/keys$`),
	regexp.MustCompile(`^POST /v1/orgs/[^/]+/keys/[^/]+/rotate$`),
	regexp.MustCompile(`^POST /v1/me/tokens$`),
}

// secretLike matches keys, session, invitation and personal access tokens.
var secretLike = regexp.MustCompile(`(gsk_|gss_|gsi_|gsr_|gsp_)[A-Za-z0-9_]{20,}`)

// hashLike matches what a stored password hash looks like.
var hashLike = regexp.MustCompile(`\$argon2(id|i|d)\$`)

// do sends one request with a bearer token ("" for none) and inspects the
// answer. body may be nil, a string or []byte (sent as is), or a value
// marshalled to JSON.
func (s *inproc) do(t rapid.TB, token, method, path string, body any, hdr ...string) *response {
	t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(v)
	case []byte:
		rd = bytes.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	began := time.Now()
	res, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: read: %v", method, path, err)
	}
	r := &response{method: method, path: path, status: res.StatusCode, header: res.Header, body: data, took: time.Since(began)}
	s.requests.Add(1)
	s.inspect(t, r)
	return r
}

// inspect checks what every answer must satisfy.
func (s *inproc) inspect(t rapid.TB, r *response) {
	t.Helper()
	where := r.method + " " + r.path
	if r.status >= 500 {
		s.fivexx.Add(1)
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("%s: status %d: %s", where, r.status, r.body)
		}
	}
	if r.header.Get("X-Request-Id") == "" {
		t.Fatalf("%s: no X-Request-Id", where)
	}
	for k, v := range securityHeaders {
		if got := r.header.Get(k); got != v {
			t.Fatalf("%s: header %s = %q, want %q", where, k, got, v)
		}
	}
	if strings.HasPrefix(r.path, "/v1/") && r.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%s: Cache-Control %q, want no-store", where, r.header.Get("Cache-Control"))
	}
	if r.status >= 400 {
		if err := problemErr(r); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
	}
	body := string(r.body)
	if hashLike.MatchString(body) || strings.Contains(strings.ToLower(body), "password_hash") {
		t.Fatalf("%s: answer carries a password hash: %s", where, body)
	}
	for _, bad := range []string{"goroutine ", ".go:", "panic:"} {
		if strings.Contains(body, bad) {
			t.Fatalf("%s: answer carries %q (a stack trace?): %s", where, bad, body)
		}
	}
	u, _ := url.Parse(r.path)
	shows := false
	for _, re := range showsSecrets {
		shows = shows || re.MatchString(r.method+" "+u.Path)
	}
	for _, sec := range s.knownSecrets() {
		h := credential.HashSecret(sec)
		for _, leak := range []string{hex.EncodeToString(h), base64.StdEncoding.EncodeToString(h), base64.RawURLEncoding.EncodeToString(h)} {
			if strings.Contains(body, leak) {
				t.Fatalf("%s: answer carries the hash of a secret: %s", where, body)
			}
		}
		if !shows && strings.Contains(body, sec) {
			t.Fatalf("%s: answer carries a token, secret or password: %s", where, body)
		}
	}
	if !shows {
		if m := secretLike.FindString(body); m != "" {
			t.Fatalf("%s: answer carries something shaped like a secret (%s): %s", where, m, body)
		}
		return
	}
	if r.status < 300 {
		for _, m := range secretLike.FindAllString(body, -1) {
			s.remember(m)
		}
	}
}

// securityHeaders are set on every answer.
var securityHeaders = map[string]string{
	"X-Content-Type-Options": "nosniff",
	"Referrer-Policy":        "no-referrer",
	"X-Frame-Options":        "DENY",
}

func problemErr(r *response) error {
	// SCIM answers errors in its own body (RFC 7644 §3.12).
	if strings.Contains(r.path, "/scim/v2/") {
		if ct := r.header.Get("Content-Type"); ct != "application/scim+json" || !strings.Contains(string(r.body), "urn:ietf:params:scim:api:messages:2.0:Error") {
			return fmt.Errorf("SCIM error %d with Content-Type %q: %s", r.status, ct, r.body)
		}
		return nil
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("error %d with Content-Type %q: %s", r.status, ct, r.body)
	}
	var p map[string]any
	if err := json.Unmarshal(r.body, &p); err != nil {
		return fmt.Errorf("problem does not parse: %v: %s", err, r.body)
	}
	for _, k := range []string{"type", "title", "status", "detail"} {
		if _, ok := p[k]; !ok {
			return fmt.Errorf("problem without %q: %s", k, r.body)
		}
	}
	if st, _ := p["status"].(float64); int(st) != r.status {
		return fmt.Errorf("problem status %v, response status %d", p["status"], r.status)
	}
	return nil
}

func (r *response) want(t rapid.TB, codes ...int) *response {
	t.Helper()
	for _, c := range codes {
		if r.status == c {
			return r
		}
	}
	t.Fatalf("%s %s: status %d, want %v: %s", r.method, r.path, r.status, codes, r.body)
	return r
}

func (r *response) obj(t rapid.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("%s %s: %v: %s", r.method, r.path, err, r.body)
	}
	return m
}

func (r *response) str(t rapid.TB, key string) string {
	t.Helper()
	v, ok := r.obj(t)[key].(string)
	if !ok {
		t.Fatalf("%s %s: no string %q in %s", r.method, r.path, key, r.body)
	}
	return v
}

func (r *response) num(t rapid.TB, key string) int64 {
	t.Helper()
	v, ok := r.obj(t)[key].(float64)
	if !ok {
		t.Fatalf("%s %s: no number %q in %s", r.method, r.path, key, r.body)
	}
	return int64(v)
}

// revision is the revision of a write: the body's "revision" or the
// Gatehouse-Revision header of a 204.
func (r *response) revision() int64 {
	var m map[string]any
	if json.Unmarshal(r.body, &m) == nil {
		if v, ok := m["revision"].(float64); ok {
			return int64(v)
		}
	}
	var n int64
	fmt.Sscan(r.header.Get(httpapi.RevisionHeader), &n)
	return n
}

// currentRevision reads the store's revision.
func (s *inproc) currentRevision(t rapid.TB) int64 {
	t.Helper()
	var rev int64
	if err := s.st.View(context.Background(), func(r store.Reader) error {
		var err error
		rev, err = r.CurrentRevision()
		return err
	}); err != nil {
		t.Fatalf("current revision: %v", err)
	}
	return rev
}

// snapshot reads an organization's whole access state from the store.
func (s *inproc) snapshot(t rapid.TB, org string) domain.Snapshot {
	t.Helper()
	var snap domain.Snapshot
	if err := s.st.View(context.Background(), func(r store.Reader) error {
		var err error
		snap, err = r.Snapshot(org)
		return err
	}); err != nil {
		t.Fatalf("snapshot %s: %v", org, err)
	}
	return snap
}

// auditOf reads an organization's audit chain, oldest first.
func (s *inproc) auditOf(t rapid.TB, org string) []domain.AuditEvent {
	t.Helper()
	var evs []domain.AuditEvent
	if err := s.st.View(context.Background(), func(r store.Reader) error {
		var err error
		evs, err = r.AllAudit(org)
		return err
	}); err != nil {
		t.Fatalf("audit %s: %v", org, err)
	}
	return evs
}

// lastAuditSeq is the seq of an organization's newest audit event.
func (s *inproc) lastAuditSeq(t rapid.TB, org string) int64 {
	t.Helper()
	var seq int64
	if err := s.st.View(context.Background(), func(r store.Reader) error {
		evs, _, err := r.ListAudit(org, 0, 1)
		if len(evs) > 0 {
			seq = evs[0].Seq
		}
		return err
	}); err != nil {
		t.Fatalf("audit %s: %v", org, err)
	}
	return seq
}

// scanForSecrets fails when text holds any of secrets or a password hash.
func scanForSecrets(t rapid.TB, what, text string, secrets []string) {
	t.Helper()
	if m := hashLike.FindString(text); m != "" {
		i := strings.Index(text, m)
		t.Fatalf("%s carries a password hash near %q", what, excerpt(text, i))
	}
	for _, sec := range secrets {
		if len(sec) < 8 {
			continue
		}
		if i := strings.Index(text, sec); i >= 0 {
			t.Fatalf("%s carries a secret, token or password near %q", what, excerpt(text, i))
		}
		h := credential.HashSecret(sec)
		for _, leak := range []string{hex.EncodeToString(h), base64.StdEncoding.EncodeToString(h), base64.RawURLEncoding.EncodeToString(h)} {
			if i := strings.Index(text, leak); i >= 0 {
				t.Fatalf("%s carries the hash of a secret near %q", what, excerpt(text, i))
			}
		}
	}
}

func excerpt(s string, i int) string {
	lo, hi := max(0, i-80), min(len(s), i+120)
	return s[lo:hi]
}

// envInt reads a positive integer knob from the environment.
func envInt(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	var n int
	if _, err := fmt.Sscan(v, &n); err != nil || n <= 0 {
		return def
	}
	return n
}
