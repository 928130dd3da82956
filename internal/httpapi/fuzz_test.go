package httpapi_test

// Fuzz targets of the whole HTTP handler: every JSON request body, the
// Authorization header, and path and query parameters. Whatever the input,
// the server must not panic or answer 500, errors must be problem+json
// without a stack trace, and nothing is answered 2xx to a request without
// valid credentials. `go test` runs the seed corpus; a longer run is
//
//	go test ./internal/httpapi -run '^$' -fuzz FuzzRequestBody -fuzztime 10m
//
// (and FuzzAuthorization, FuzzPathAndQuery). docs/reliability.md has the
// figures of the last one.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/mailer"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/team"
)

// fzServer is one server shared by every input of a fuzz target.
type fzServer struct {
	h     http.Handler
	owner string // a session token of the Owner
	key   string // the bootstrap key (org role admin)
	ids   map[string]string
}

type fzDiscard struct{}

func (fzDiscard) Send(context.Context, mailer.Message) error { return nil }

// fuzzServer starts a server for one fuzz target: SQLite on memory-backed
// storage when there is some (fuzzing writes a lot), an org "acme" with a
// custom role, a group, a team, a dataset, a key and a grant, so that ids in
// the corpus name real objects.
func fuzzServer(f *testing.F) *fzServer {
	s, err := newFuzzServer(f)
	if err != nil {
		f.Fatal(err)
	}
	return s
}

func newFuzzServer(f *testing.F) (*fzServer, error) {
	base := os.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		base = "/dev/shm"
	}
	dir, err := os.MkdirTemp(base, "gatehouse-fuzz-")
	if err != nil {
		return nil, err
	}
	f.Cleanup(func() { os.RemoveAll(dir) })
	ctx := context.Background()
	// A short request timeout keeps a pathological input from stalling
	// the run; it is answered 503, which the checks allow.
	env := servertest.Start(f, servertest.Options{Dir: dir, Key: testAuditKey,
		Config: server.Config{Mailer: fzDiscard{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), NoConsole: true,
			RequestTimeout: 5 * time.Second}})
	svc := env.Service()
	boot, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", ownerEmail, ownerPassword)
	if err != nil {
		return nil, err
	}
	s := &fzServer{h: env.Handler(), key: boot.SecretKey, ids: map[string]string{"owner": boot.UserID}}
	token, _, err := svc.Login(ctx, ownerEmail, ownerPassword, team.Client{Addr: "fuzz"})
	if err != nil {
		return nil, err
	}
	s.owner = token
	// Objects for the corpus to name.
	call := func(method, path string, body any) (map[string]any, error) {
		code, out := s.serve(method, path, s.owner, mustJSON(body), nil)
		if code >= 300 {
			return nil, fmt.Errorf("%s %s: %d %s", method, path, code, out)
		}
		var m map[string]any
		json.Unmarshal(out, &m)
		return m, nil
	}
	steps := []struct {
		method, path, id string
		body             any
	}{
		{"POST", "/v1/orgs/acme/invitations", "invitation", map[string]any{"email": "ada@acme.test", "role": "admin"}},
		{"POST", "/v1/orgs/acme/roles", "role", map[string]any{"id": "fuzz.role", "name": "Fuzz", "scope_type": "dataset",
			"permissions": []map[string]any{{"id": "dataset.view"}}}},
		{"POST", "/v1/orgs/acme/groups", "group", map[string]any{"name": "crew"}},
		{"POST", "/v1/orgs/acme/teams", "team", map[string]any{"name": "field"}},
		{"PUT", "/v1/orgs/acme/resources/dataset/cats", "", map[string]any{"name": "Cats"}},
		{"POST", "/v1/orgs/acme/keys", "key", map[string]any{"name": "ci", "role": "member"}},
	}
	for _, st := range steps {
		m, err := call(st.method, st.path, st.body)
		if err != nil {
			return nil, err
		}
		if st.id != "" {
			s.ids[st.id], _ = m["id"].(string)
		}
	}
	m, err := call("POST", "/v1/orgs/acme/grants", map[string]any{"subject": "group:" + s.ids["group"], "role": "dataset.viewer", "scope": "dataset:cats"})
	if err != nil {
		return nil, err
	}
	s.ids["grant"], _ = m["id"].(string)
	return s, nil
}

func mustJSON(v any) []byte {
	if v == nil {
		return nil
	}
	b, _ := json.Marshal(v)
	return b
}

// serve runs one request through the handler in process.
func (s *fzServer) serve(method, path, token string, body []byte, hdr http.Header) (int, []byte) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://gatehouse.test"+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for k, vs := range hdr {
		req.Header[k] = vs
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	res := rec.Result()
	out, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); res.StatusCode >= 400 && ct != httpapi.ProblemContentType {
		return -1, []byte(fmt.Sprintf("error %d with Content-Type %q: %s", res.StatusCode, ct, out))
	}
	return res.StatusCode, out
}

// judge fails on what no input may cause.
func judge(t *testing.T, what string, code int, out []byte) {
	t.Helper()
	switch {
	case code == -1:
		t.Fatalf("%s: %s", what, out)
	case code >= 500 && code != http.StatusServiceUnavailable:
		t.Fatalf("%s: status %d: %s", what, code, out)
	}
	for _, bad := range []string{"goroutine ", ".go:", "panic", "runtime error"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Fatalf("%s: answer carries %q: %s", what, bad, out)
		}
	}
	if code >= 400 {
		var p struct {
			Status int    `json:"status"`
			Detail string `json:"detail"`
		}
		if err := json.Unmarshal(out, &p); err != nil || p.Status != code || p.Detail == "" {
			t.Fatalf("%s: problem %d does not parse or disagrees: %v %s", what, code, err, out)
		}
	}
}

// bodyOps are every operation that reads a JSON body. {name} placeholders
// are filled with the ids of fuzzServer's objects.
var bodyOps = []struct {
	method, path string
	seeds        []string
}{
	{"POST", "/v1/auth/login", []string{`{"email":"nobody@acme.test","password":"x"}`, `{"email":1}`}},
	{"POST", "/v1/invitations/accept", []string{`{"token":"gsi_` + strings.Repeat("a", 43) + `","name":"A","password":"password1"}`, `{"token":""}`}},
	{"POST", "/v1/orgs", []string{`{"id":"beta","name":"Beta","scheme":"labelbox"}`, `{"id":"Bad Id","name":""}`}},
	{"PATCH", "/v1/orgs/acme", []string{`{"name":"Acme 2"}`, `{"id":"other"}`, `{"name":null}`}},
	{"POST", "/v1/orgs/acme/transfer-ownership", []string{`{"user_id":"{owner}"}`, `{"user_id":""}`}},
	{"PATCH", "/v1/orgs/acme/billing", []string{`{"plan":"pro","seat_limit":30,"billing_email":"b@acme.test"}`, `{"seat_limit":-1}`, `{"seat_limit":1e300}`}},
	{"PATCH", "/v1/orgs/acme/members/{owner}", []string{`{"role":"admin"}`, `{"role":""}`}},
	{"POST", "/v1/orgs/acme/invitations", []string{`{"email":"x@acme.test","role":"member","grants":[{"role":"dataset.viewer","scope":"dataset:cats"}],"expires_in_hours":2}`,
		`{"email":"not an address","expires_in_hours":-5}`, `{"email":"y@acme.test","grants":[{"role":"owner","scope":"org"}]}`}},
	{"POST", "/v1/orgs/acme/roles", []string{`{"id":"r.one","name":"R","scope_type":"org","permissions":[{"id":"org.view","condition":"own or task in (a)"}]}`,
		`{"id":"r.two","name":"R","scope_type":"dataset","also_at":["org"],"permissions":[{"id":"dataset.view","condition":"((("}]}`}},
	{"POST", "/v1/orgs/acme/grants", []string{`{"subject":"user:{owner}","role":"dataset.viewer","scope":"dataset:cats","expires_at":"2999-01-01T00:00:00Z"}`,
		`{"subject":"group:{group}","role":"{role}","scope":"dataset:*"}`, `{"subject":"key:x","role":"admin","scope":"team:{team}","expires_at":"yesterday"}`}},
	{"POST", "/v1/orgs/acme/groups", []string{`{"name":"g"}`, `{"name":""}`}},
	{"POST", "/v1/orgs/acme/teams", []string{`{"name":"t"}`}},
	{"PATCH", "/v1/orgs/acme/groups/{group}", []string{`{"name":"renamed"}`}},
	{"PATCH", "/v1/orgs/acme/teams/{team}", []string{`{"name":"renamed"}`}},
	{"PUT", "/v1/orgs/acme/resources/dataset/cats", []string{`{"name":"Cats","owner":"{owner}","attributes":{"task":"label"}}`,
		`{"parent":"dataset:cats","team":"{team}"}`, `{"attributes":{"Bad Key":"x"}}`}},
	{"PUT", "/v1/orgs/acme/resources/training/t1", []string{`{"name":"T"}`}},
	{"POST", "/v1/orgs/acme/check", []string{`{"permission":"dataset.view","resource":"dataset:cats","at_least_revision":1,"context":{"channel":"web"}}`,
		`{"subject":"user:{owner}","permission":"nope","at_least_revision":-1}`}},
	{"POST", "/v1/orgs/acme/check/batch", []string{`{"checks":[{"permission":"org.view"},{"permission":"dataset.view","resource":"dataset:cats"}],"at_least_revision":1}`,
		`{"checks":[]}`}},
	{"POST", "/v1/orgs/acme/lookup/resources", []string{`{"permission":"dataset.view","type":"dataset","limit":1,"page_token":"x"}`,
		`{"subject":"group:{group}","permission":"dataset.view","type":"dataset","limit":-3}`}},
	{"POST", "/v1/orgs/acme/lookup/subjects", []string{`{"permission":"dataset.view","resource":"dataset:cats"}`, `{"permission":""}`}},
	{"POST", "/v1/orgs/acme/keys", []string{`{"name":"k","role":"dataset.viewer","scope":"dataset:cats","expires_at":"2999-01-01T00:00:00Z"}`,
		`{"name":"","role":"owner"}`}},
	{"POST", "/v1/orgs/acme/access/v1/evaluation", []string{`{"subject":{"type":"user","id":"{owner}"},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats","properties":{"ownerID":"{owner}"}}}`,
		`{"subject":{"type":"user","id":""},"action":{"name":1},"resource":{"type":"org","id":"acme"},"context":[1]}`}},
	{"POST", "/v1/orgs/acme/access/v1/evaluations", []string{`{"subject":{"type":"user","id":"{owner}"},"action":{"name":"dataset.view"},"options":{"evaluations_semantic":"deny_on_first_deny"},"evaluations":[{"resource":{"type":"dataset","id":"cats"}},{}]}`,
		`{"evaluations":[null],"options":{"evaluations_semantic":7}}`}},
	{"POST", "/v1/orgs/acme/access/v1/search/subject", []string{`{"subject":{"type":"user"},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats"},"page":{"limit":1,"token":"1"}}`,
		`{"subject":{"type":"user"},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats"},"page":{"limit":-1,"token":"-5"}}`}},
	{"POST", "/v1/orgs/acme/access/v1/search/resource", []string{`{"subject":{"type":"user","id":"{owner}"},"action":{"name":"dataset.view"},"resource":{"type":"dataset"},"page":{"limit":1000000}}`,
		`{"subject":{"type":"user","id":"{owner}"},"action":{"name":"dataset.view"},"resource":{"type":"dataset"},"page":{"token":"x"}}`}},
	{"POST", "/v1/orgs/acme/access/v1/search/action", []string{`{"subject":{"type":"user","id":"{owner}"},"resource":{"type":"org","id":"acme"}}`,
		`{"subject":{"type":"user","id":"{owner}"},"resource":{"type":"dataset","id":"cats"},"page":{"token":"99999999999999999999"}}`}},
	{"POST", "/v1/orgs/acme/keys/{key}/rotate", []string{`{"overlap_seconds":60}`, `{"overlap_seconds":9223372036854775807}`, `{}`}},
	{"POST", "/v1/orgs/acme/invitations/{invitation}/resend", []string{``, `{"x":1}`}},
}

func (s *fzServer) fill(p string) string {
	for k, v := range s.ids {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	return p
}

// FuzzRequestBody sends a fuzzed body to one of the operations that read
// one, as the Owner, the admin key or nobody.
func FuzzRequestBody(f *testing.F) {
	s := fuzzServer(f)
	for i, op := range bodyOps {
		for _, b := range op.seeds {
			for cred := range 3 {
				f.Add(uint8(i), uint8(cred), []byte(s.fill(b)))
			}
		}
	}
	// Shapes that stress the decoder.
	for i := range bodyOps {
		f.Add(uint8(i), uint8(0), []byte(strings.Repeat("[", 5000)))
		f.Add(uint8(i), uint8(0), []byte(`{"name":"\ud800","id":"\u0000","email":"a@b.c"`))
		f.Add(uint8(i), uint8(1), []byte(`null`))
	}
	f.Fuzz(func(t *testing.T, opIndex, cred uint8, body []byte) {
		op := bodyOps[int(opIndex)%len(bodyOps)]
		token := []string{s.owner, s.key, ""}[int(cred)%3]
		if op.path == "/v1/orgs/acme/transfer-ownership" && token == s.owner {
			token = s.key // the fixture's Owner stays the Owner
		}
		path := s.fill(op.path)
		code, out := s.serve(op.method, path, token, body, nil)
		judge(t, op.method+" "+path, code, out)
		if token == "" && code < 300 && !strings.HasPrefix(path, "/v1/auth/") && !strings.HasPrefix(path, "/v1/invitations/") {
			t.Fatalf("%s %s without credentials: %d", op.method, path, code)
		}
	})
}

// FuzzAuthorization: any Authorization header is 401 or a working
// credential, never a crash or a 500.
func FuzzAuthorization(f *testing.F) {
	s := fuzzServer(f)
	for _, h := range []string{"Bearer " + s.owner, "Bearer " + s.key, "bearer " + s.key, "Bearer", "Basic dXNlcjpwYXNz",
		"Bearer gsk_", "Bearer " + s.key[:len(s.key)-1] + "A", "Bearer gss_" + strings.Repeat("A", 43), "Bearer  " + s.owner,
		"Bearer " + strings.Repeat("x", 2000), "Bearer gsk_\x00\xff", "Bearer " + s.owner + " extra"} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		code, out := s.serve("GET", "/v1/orgs/acme", "", nil, http.Header{"Authorization": {h}})
		judge(t, "GET /v1/orgs/acme", code, out)
		if code != 200 && code != 401 {
			t.Fatalf("Authorization %q: %d %s", h, code, out)
		}
		if code == 200 && !strings.Contains(h, s.owner) && !strings.Contains(h, s.key) {
			t.Fatalf("Authorization %q was accepted", h)
		}
	})
}

// FuzzPathAndQuery: fuzzed path segments and query parameters on the GET
// and DELETE routes.
func FuzzPathAndQuery(f *testing.F) {
	s := fuzzServer(f)
	routes := []string{
		"GET /v1/orgs/%s",
		"GET /v1/orgs/acme/members?limit=%s&page_token=%[1]s",
		"GET /v1/orgs/acme/members/%s",
		"GET /v1/orgs/acme/grants?subject=%s&scope=%[1]s&limit=%[1]s&page_token=%[1]s",
		"GET /v1/orgs/acme/resources?type=%s&limit=%[1]s&page_token=%[1]s",
		"GET /v1/orgs/acme/resources/dataset/%s",
		"GET /v1/orgs/acme/resources/%s/cats/access",
		"GET /v1/orgs/acme/matrix?format=%s",
		"GET /v1/orgs/acme/audit?limit=%s&page_token=%[1]s",
		"GET /v1/orgs/acme/invitations?page_token=%s",
		"GET /v1/orgs/acme/keys?limit=%s",
		"DELETE /v1/orgs/acme/grants/%s",
		"DELETE /v1/orgs/acme/invitations/%s",
		"DELETE /v1/orgs/acme/roles/%s",
		"DELETE /v1/orgs/acme/groups/%s/members/%[1]s",
		"DELETE /v1/orgs/acme/resources/%s/%[1]s",
	}
	for i := range routes {
		for _, v := range []string{"acme", "-1", "99999999999999999999", "..%2F..%2Fetc", "%00", "dataset:*", "b3A6MTA", "ZmFrZQ", "md", "x%20y", "{owner}"} {
			f.Add(uint8(i), s.fill(v))
		}
	}
	f.Fuzz(func(t *testing.T, i uint8, v string) {
		route := routes[int(i)%len(routes)]
		method, tmpl, _ := strings.Cut(route, " ")
		path := strings.ReplaceAll(fmt.Sprintf(tmpl, v), "%!", "")
		if strings.ContainsAny(path, " \t\r\n#?") && !strings.Contains(tmpl, "?") || strings.ContainsAny(path, " \t\r\n#") {
			t.Skip("not a request target")
		}
		defer func() {
			// httptest.NewRequest panics on targets net/http would never
			// hand a handler; those are not the server's to survive.
			if r := recover(); r != nil && strings.Contains(fmt.Sprint(r), "invalid NewRequest arguments") {
				t.Skip("not a request target")
			} else if r != nil {
				panic(r)
			}
		}()
		code, out := s.serve(method, path, s.key, nil, nil)
		judge(t, method+" "+path, code, out)
	})
}
