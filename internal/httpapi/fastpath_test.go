package httpapi_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpapi"
)

// twins are two servers over one service: one as shipped, with the
// decision fast paths, and one where every request takes the generic path.
type twins struct {
	fast, generic *httptest.Server
	hits          atomic.Int64 // answers of a fast path
}

func newTwins(t *testing.T, e *env) *twins {
	tw := &twins{}
	cfg := httpapi.Config{Service: e.svc, Registry: e.reg,
		Logger: slog.New(slog.NewJSONHandler(e.logs, nil))}
	tw.fast = httptest.NewServer(httpapi.NewCountingFast(cfg, func() { tw.hits.Add(1) }))
	tw.generic = httptest.NewServer(httpapi.NewGenericOnly(cfg))
	t.Cleanup(tw.fast.Close)
	t.Cleanup(tw.generic.Close)
	return tw
}

type rawAnswer struct {
	status int
	header http.Header
	body   []byte
}

func (tw *twins) send(t *testing.T, srv *httptest.Server, path, token string, hdr map[string]string, body string) rawAnswer {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return rawAnswer{res.StatusCode, res.Header, b}
}

// fastCase is one request; fast says whether the fast path must answer it
// (false: it must hand it to the generic path).
type fastCase struct {
	name string
	path string // under /v1/orgs/acme/
	hdr  map[string]string
	body string
	fast bool
}

// compare sends every case to both servers and wants the same status,
// headers that matter and body bytes, and the fast path taken exactly
// where the case says.
func (tw *twins) compare(t *testing.T, token string, cases []fastCase) {
	t.Helper()
	for _, c := range cases {
		path := "/v1/orgs/acme/" + c.path
		before := tw.hits.Load()
		f := tw.send(t, tw.fast, path, token, c.hdr, c.body)
		took := tw.hits.Load() - before
		g := tw.send(t, tw.generic, path, token, c.hdr, c.body)
		if took != 0 && !c.fast || took == 0 && c.fast {
			t.Errorf("%s: fast path answered %d times, want it to answer: %v (status %d %s)", c.name, took, c.fast, f.status, f.body)
		}
		if f.status != g.status || !bytes.Equal(f.body, g.body) {
			t.Errorf("%s: fast path answered %d %q, generic path %d %q", c.name, f.status, f.body, g.status, g.body)
		}
		for _, h := range []string{"Content-Type", "Retry-After", "WWW-Authenticate", "Gatehouse-Revision", "Cache-Control",
			"X-Content-Type-Options", "Content-Security-Policy"} {
			if f.header.Get(h) != g.header.Get(h) {
				t.Errorf("%s: %s: fast %q, generic %q", c.name, h, f.header.Get(h), g.header.Get(h))
			}
		}
		if f.status == 200 && f.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: Content-Type %q", c.name, f.header.Get("Content-Type"))
		}
	}
}

func TestFastPathMatchesGenericPath(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		_, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		e.owner.resource(t, "acme", "dataset:cats", nil)
		e.owner.resource(t, "acme", "dataset:dogs", nil)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.editor", "scope": "dataset:cats"}).want(t, 201)
		samTok := e.login("sam@acme.test", memberPassword("sam@acme.test")).token
		// The last write, applied at once: answers carry the revision, so
		// none may come in between the two paths' answers (a login's
		// session would reach the engine only at the follower's next poll).
		rev := e.owner.patch("/v1/orgs/acme", map[string]any{"name": "Acme 2"}).want(t, 200).num(t, "revision")
		tw := newTwins(t, e)
		sam := `"user:` + samID + `"`
		many := strings.Repeat(`{"permission":"org.view"},`, 1000)
		cases := []fastCase{
			{name: "allowed, reason", path: "check", body: `{"subject":` + sam + `,"permission":"dataset.upload","resource":"dataset:cats"}`, fast: true},
			{name: "denied", path: "check", body: `{"subject":` + sam + `,"permission":"dataset.delete","resource":"dataset:dogs"}`, fast: true},
			{name: "the caller itself", path: "check", body: `{"permission":"org.view"}`, fast: true},
			{name: "white space", path: "check", body: " \n{ \"permission\" :\t\"org.view\" , \"resource\":\"dataset:cats\"\r\n}\n", fast: true},
			{name: "empty context", path: "check", body: `{"permission":"org.view","context":{}}`, fast: true},
			{name: "channel", path: "check", body: `{"permission":"org.view","context":{"channel":"web"}}`, fast: true},
			{name: "at_least_revision reached", path: "check", body: fmt.Sprintf(`{"permission":"org.view","at_least_revision":%d}`, rev), fast: true},
			{name: "at_least_revision 0", path: "check", body: `{"permission":"org.view","at_least_revision":0}`, fast: true},
			{name: "no Content-Type", path: "check", hdr: map[string]string{"Content-Type": ""}, body: `{"permission":"org.view"}`, fast: true},
			{name: "Accept */*", path: "check", hdr: map[string]string{"Accept": "*/*"}, body: `{"permission":"org.view"}`, fast: true},
			{name: "stranger", path: "check", body: `{"subject":"user:u_nobody","permission":"org.view"}`, fast: true},

			// Errors of the use case, written by the fast path itself.
			{name: "unknown permission", path: "check", body: `{"permission":"dataset.fly","resource":"dataset:cats"}`, fast: false},
			{name: "unknown resource", path: "check", body: `{"permission":"dataset.view","resource":"dataset:<nope>&"}`, fast: false},
			{name: "no permission", path: "check", body: `{}`, fast: false},
			{name: "revision not reached", path: "check", body: fmt.Sprintf(`{"permission":"org.view","at_least_revision":%d}`, rev+1000), fast: false},

			// Shapes the fast path leaves to the generic one.
			{name: "unknown member", path: "check", body: `{"permission":"org.view","extra":1}`},
			{name: "repeated member", path: "check", body: `{"permission":"org.view","permission":"members.view"}`},
			{name: "escape", path: "check", body: `{"permission":"org\u002eview"}`},
			{name: "non-ASCII", path: "check", body: `{"permission":"org.view","resource":"dataset:chats-é"}`},
			{name: "null", path: "check", body: `{"permission":null}`},
			{name: "number as string", path: "check", body: `{"permission":"org.view","at_least_revision":"3"}`},
			{name: "negative revision", path: "check", body: `{"permission":"org.view","at_least_revision":-1}`},
			{name: "fractional revision", path: "check", body: `{"permission":"org.view","at_least_revision":1.5}`},
			{name: "exponent", path: "check", body: `{"permission":"org.view","at_least_revision":1e2}`},
			{name: "huge revision", path: "check", body: `{"permission":"org.view","at_least_revision":99999999999999999999}`},
			{name: "trailing garbage", path: "check", body: `{"permission":"org.view"} x`},
			{name: "two objects", path: "check", body: `{"permission":"org.view"}{}`},
			{name: "truncated", path: "check", body: `{"permission":"org.view"`},
			{name: "empty body", path: "check", body: ``},
			{name: "array", path: "check", body: `[]`},
			{name: "unknown context member", path: "check", body: `{"permission":"org.view","context":{"place":"x"}}`},
			{name: "other content type", path: "check", hdr: map[string]string{"Content-Type": "text/plain"}, body: `{"permission":"org.view"}`},
			{name: "cbor wanted", path: "check", hdr: map[string]string{"Accept": "application/cbor"}, body: `{"permission":"org.view"}`},
			{name: "trailing comma", path: "check", body: `{"permission":"org.view",}`},
			{name: "one byte over the limit", path: "check", body: `{"permission":"org.view"}` + strings.Repeat(" ", httpapi.DefaultMaxBodyBytes+1-len(`{"permission":"org.view"}`))},

			// Batches.
			{name: "batch", path: "check/batch", body: `{"checks":[{"subject":` + sam + `,"permission":"dataset.view","resource":"dataset:cats"},` +
				`{"subject":` + sam + `,"permission":"dataset.view","resource":"dataset:dogs"},{"permission":"billing.view"}]}`, fast: true},
			{name: "batch with revision", path: "check/batch", body: fmt.Sprintf(`{"at_least_revision":%d,"checks":[{"permission":"org.view"}]}`, rev), fast: true},
			{name: "batch of 1000", path: "check/batch", body: `{"checks":[` + strings.TrimSuffix(many, ",") + `]}`, fast: true},
			{name: "batch of 1001", path: "check/batch", body: `{"checks":[` + many + `{"permission":"org.view"}]}`},
			{name: "empty batch", path: "check/batch", body: `{"checks":[]}`},
			{name: "batch without checks", path: "check/batch", body: `{"at_least_revision":1}`},
			{name: "batch, revision not reached", path: "check/batch", body: fmt.Sprintf(`{"at_least_revision":%d,"checks":[{"permission":"org.view"}]}`, rev+1000), fast: false},
			{name: "batch, unknown permission", path: "check/batch", body: `{"checks":[{"permission":"org.view"},{"permission":"nope"}]}`, fast: false},
			{name: "batch, other subject needs audit", path: "check/batch", body: `{"checks":[{"subject":"user:u_x","permission":"org.view"}]}`, fast: true},
			{name: "batch, bad item", path: "check/batch", body: `{"checks":[{"permission":"org.view"},{"permission":7}]}`},
			{name: "batch, trailing comma", path: "check/batch", body: `{"checks":[{"permission":"org.view"},]}`},
		}
		tw.compare(t, e.boot.SecretKey, cases)

		// A member asking about another subject: 403 from the use case.
		tw.compare(t, samTok, []fastCase{
			{name: "member about the Owner", path: "check", body: `{"subject":"user:` + e.boot.UserID + `","permission":"org.view"}`, fast: false},
			{name: "member about themself", path: "check", body: `{"permission":"dataset.upload","resource":"dataset:cats"}`, fast: true},
		})
		// No or a bad credential never reaches either path's handler.
		tw.compare(t, "gsk_not_a_key", []fastCase{{name: "bad key", path: "check", body: `{"permission":"org.view"}`}})
	})
}

// A condition in the reason (the deepomatic operators' channel rule), on an
// allowed and on a denied decision.
func TestFastPathMatchesGenericPathWithConditions(t *testing.T) {
	runWith(t, envOptions{scheme: "deepomatic"}, func(t *testing.T, e *env) {
		_, opID := e.member(e.owner, "acme", "otto@acme.test", "operator")
		// The last write, applied at once, as in TestFastPathMatchesGenericPath:
		// otto's sign-in would otherwise reach the engine between the two
		// paths' answers, which carry the revision.
		e.owner.patch("/v1/orgs/acme", map[string]any{"name": "Acme 2"}).want(t, 200)
		tw := newTwins(t, e)
		otto := `"user:` + opID + `"`
		tw.compare(t, e.boot.SecretKey, []fastCase{
			{name: "mobile", path: "check", body: `{"subject":` + otto + `,"permission":"work_order.read","context":{"channel":"mobile"}}`, fast: true},
			{name: "web", path: "check", body: `{"subject":` + otto + `,"permission":"work_order.read","context":{"channel":"web"}}`, fast: true},
			{name: "batch", path: "check/batch", body: `{"checks":[{"subject":` + otto + `,"permission":"work_order.read","context":{"channel":"mobile"}},` +
				`{"subject":` + otto + `,"permission":"work_order.write","context":{"channel":"backoffice"}}]}`, fast: true},
		})
	})
}

// A body that stalls midway is cut after the body read timeout with the
// same 408 on both paths, of /check and of AuthZEN's evaluation (whose
// generic path is not huma's).
func TestFastPathStalledBody(t *testing.T) {
	runWith(t, envOptions{}, func(t *testing.T, e *env) {
		if e.backend != "sqlite" {
			t.Skip("HTTP only; one backend is enough")
		}
		tw := newTwins(t, e)
		for _, path := range []string{"check", "access/v1/evaluation"} {
			stalledBody(t, tw, path, e.boot.SecretKey)
		}
	})
}

func stalledBody(t *testing.T, tw *twins, path, key string) {
	answers := make([]string, 2)
	var wg sync.WaitGroup
	for i, srv := range []*httptest.Server{tw.fast, tw.generic} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i] = stalledRequest(t, srv.URL, "/v1/orgs/acme/"+path, key, "application/json")
		}()
	}
	wg.Wait()
	if !strings.HasPrefix(answers[0], "408 application/problem+json") || answers[0] != answers[1] {
		t.Errorf("%s, stalled body: fast path %q, generic path %q", path, answers[0], answers[1])
	}
}

// stalledRequest sends a POST whose body stops a few bytes into the 100
// it announced, and returns the answer as "status content-type body"; the
// answer must come within the body read timeout, not when the client
// gives up.
func stalledRequest(t *testing.T, url, path, key, contentType string) string {
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Error(err)
		return ""
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"+
		"Content-Type: %s\r\nContent-Length: 100\r\n\r\n{\"perm", path, key, contentType)
	began := time.Now()
	conn.SetReadDeadline(began.Add(20 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Errorf("%s: no answer to a stalled body after %v: %v", path, time.Since(began), err)
		return ""
	}
	body, _ := io.ReadAll(res.Body)
	if waited := time.Since(began); waited > 10*time.Second {
		t.Errorf("%s: a stalled body held the request for %v", path, waited)
	}
	return fmt.Sprintf("%d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
}

// AuthZEN's evaluation has a fast path too, held to the generic one the
// same way: AuthZEN's own error rules (400 for a wrong content type or a
// missing member, 200 false for a stranger) come out the same on both.
func TestFastPathMatchesGenericPathAuthZEN(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		sam, samID := e.member(e.owner, "acme", "sam@acme.test", "member")
		e.owner.resource(t, "acme", "dataset:cats", nil)
		e.owner.resource(t, "acme", "dataset:dogs", nil)
		e.owner.post("/v1/orgs/acme/grants", map[string]any{"subject": "user:" + samID, "role": "dataset.editor", "scope": "dataset:cats"}).want(t, 201)
		e.owner.put("/v1/orgs/acme/members/"+samID+"/aliases/sam-idp", nil).want(t, 204)
		tw := newTwins(t, e)
		eval := func(subject, action, resource string) string {
			return `{"subject":{"type":"user","id":"` + subject + `"},"action":{"name":"` + action + `"},"resource":{"type":"dataset","id":"` + resource + `"}}`
		}
		plain := eval(samID, "dataset.upload", "cats")
		oversized := plain + strings.Repeat(" ", httpapi.DefaultMaxBodyBytes+1-len(plain))
		cases := []fastCase{
			{name: "allowed", path: "access/v1/evaluation", body: plain, fast: true},
			{name: "denied", path: "access/v1/evaluation", body: eval(samID, "dataset.delete", "dogs"), fast: true},
			{name: "through an alias", path: "access/v1/evaluation", body: eval("sam-idp", "dataset.upload", "cats"), fast: true},
			{name: "stranger", path: "access/v1/evaluation", body: eval("u_nobody", "dataset.view", "cats"), fast: true},
			{name: "unknown resource", path: "access/v1/evaluation", body: eval(samID, "dataset.view", "nope"), fast: true},
			{name: "unknown action", path: "access/v1/evaluation", body: eval(samID, "dataset.fly", "cats"), fast: true},
			{name: "the org", path: "access/v1/evaluation", body: `{"subject":{"type":"user","id":"` + samID + `"},"action":{"name":"org.view"},"resource":{"type":"org","id":"acme"}}`, fast: true},
			{name: "members in any order, empty context", path: "access/v1/evaluation",
				body: ` {"context":{}, "resource":{"id":"cats","type":"dataset"},"action":{ "name":"dataset.view"},"subject":{"id":"` + samID + `","type":"user"}}` + "\n", fast: true},

			// Shapes the fast path leaves to the generic one.
			{name: "stated properties", path: "access/v1/evaluation", body: `{"subject":{"type":"user","id":"` + samID + `","properties":{"department":"x"}},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats"}}`},
			{name: "context with members", path: "access/v1/evaluation", body: `{"subject":{"type":"user","id":"` + samID + `"},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats"},"context":{"time":"now"}}`},
			{name: "no action", path: "access/v1/evaluation", body: `{"subject":{"type":"user","id":"` + samID + `"},"resource":{"type":"dataset","id":"cats"}}`},
			{name: "empty id", path: "access/v1/evaluation", body: eval("", "dataset.view", "cats")},
			{name: "id not a string", path: "access/v1/evaluation", body: `{"subject":{"type":"user","id":7},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats"}}`},
			{name: "member named in capitals", path: "access/v1/evaluation", body: `{"Subject":{"type":"user","id":"` + samID + `"},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats"}}`},
			{name: "repeated member", path: "access/v1/evaluation", body: `{"subject":{"type":"user","id":"u_x","id":"` + samID + `"},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats"}}`},
			{name: "unknown member", path: "access/v1/evaluation", body: `{"subject":{"type":"user","id":"` + samID + `"},"action":{"name":"dataset.view"},"resource":{"type":"dataset","id":"cats"},"extra":1}`},
			{name: "escape", path: "access/v1/evaluation", body: eval(samID, `dataset\u002eview`, "cats")},
			{name: "non-ASCII", path: "access/v1/evaluation", body: eval(samID, "dataset.view", "chats-é")},
			{name: "trailing garbage", path: "access/v1/evaluation", body: plain + "x"},
			{name: "truncated", path: "access/v1/evaluation", body: plain[:len(plain)-1]},
			{name: "no Content-Type", path: "access/v1/evaluation", hdr: map[string]string{"Content-Type": ""}, body: plain},
			{name: "Content-Type with charset", path: "access/v1/evaluation", hdr: map[string]string{"Content-Type": "application/json; charset=utf-8"}, body: plain},
			{name: "other content type", path: "access/v1/evaluation", hdr: map[string]string{"Content-Type": "text/plain"}, body: plain},
			{name: "one byte over the limit", path: "access/v1/evaluation", body: oversized},
		}
		tw.compare(t, e.boot.SecretKey, cases)
		// A caller that is not a key holding the audit permission is
		// refused by the PDP, on both paths alike.
		tw.compare(t, sam.token, []fastCase{{name: "a member's session", path: "access/v1/evaluation", body: plain}})
	})
}
