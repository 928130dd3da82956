package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// apiPaths are every method and path of API.md, plus the endpoints the
// console and CLI need, as they must appear in the OpenAPI document.
var apiPaths = []string{
	"POST /v1/auth/login", "POST /v1/auth/logout", "GET /v1/me",
	"POST /v1/me/password", "GET /v1/me/sessions", "DELETE /v1/me/sessions", "DELETE /v1/me/sessions/{id}",
	"POST /v1/me/tokens", "GET /v1/me/tokens", "DELETE /v1/me/tokens/{id}",
	"POST /v1/orgs/{org}/scim-tokens", "GET /v1/orgs/{org}/scim-tokens", "DELETE /v1/orgs/{org}/scim-tokens/{id}",
	"GET /v1/orgs/{org}/scim/v2/ServiceProviderConfig", "GET /v1/orgs/{org}/scim/v2/ResourceTypes", "GET /v1/orgs/{org}/scim/v2/ResourceTypes/{id}",
	"GET /v1/orgs/{org}/scim/v2/Schemas", "GET /v1/orgs/{org}/scim/v2/Schemas/{id}",
	"POST /v1/orgs/{org}/scim/v2/.search", "POST /v1/orgs/{org}/scim/v2/Users/.search", "POST /v1/orgs/{org}/scim/v2/Groups/.search",
	"GET /v1/orgs/{org}/scim/v2/Users", "POST /v1/orgs/{org}/scim/v2/Users", "GET /v1/orgs/{org}/scim/v2/Users/{id}",
	"PUT /v1/orgs/{org}/scim/v2/Users/{id}", "PATCH /v1/orgs/{org}/scim/v2/Users/{id}", "DELETE /v1/orgs/{org}/scim/v2/Users/{id}",
	"GET /v1/orgs/{org}/scim/v2/Groups", "POST /v1/orgs/{org}/scim/v2/Groups", "GET /v1/orgs/{org}/scim/v2/Groups/{id}",
	"PUT /v1/orgs/{org}/scim/v2/Groups/{id}", "PATCH /v1/orgs/{org}/scim/v2/Groups/{id}", "DELETE /v1/orgs/{org}/scim/v2/Groups/{id}",
	"POST /v1/auth/password-reset", "POST /v1/auth/password-reset/confirm",
	"GET /v1/auth/sso/start", "GET /v1/auth/sso/callback", "GET /v1/orgs/{org}/sso", "PUT /v1/orgs/{org}/sso", "DELETE /v1/orgs/{org}/sso",
	"POST /v1/orgs", "GET /v1/orgs/{org}", "PATCH /v1/orgs/{org}",
	"GET /v1/orgs/{org}/members", "GET /v1/orgs/{org}/members/{user_id}",
	"PATCH /v1/orgs/{org}/members/{user_id}", "DELETE /v1/orgs/{org}/members/{user_id}",
	"GET /v1/orgs/{org}/members/{user_id}/aliases", "PUT /v1/orgs/{org}/members/{user_id}/aliases/{alias}",
	"DELETE /v1/orgs/{org}/members/{user_id}/aliases/{alias}",
	"POST /v1/orgs/{org}/invitations", "GET /v1/orgs/{org}/invitations", "DELETE /v1/orgs/{org}/invitations/{id}",
	"POST /v1/orgs/{org}/invitations/{id}/resend", "POST /v1/invitations/accept",
	"POST /v1/orgs/{org}/transfer-ownership", "GET /v1/orgs/{org}/billing", "PATCH /v1/orgs/{org}/billing",
	"GET /v1/orgs/{org}/roles", "POST /v1/orgs/{org}/roles", "PATCH /v1/orgs/{org}/roles/{id}", "DELETE /v1/orgs/{org}/roles/{id}",
	"GET /v1/orgs/{org}/permissions", "GET /v1/orgs/{org}/matrix",
	"POST /v1/orgs/{org}/grants", "GET /v1/orgs/{org}/grants", "DELETE /v1/orgs/{org}/grants/{id}",
	"POST /v1/orgs/{org}/teams", "GET /v1/orgs/{org}/teams", "PATCH /v1/orgs/{org}/teams/{id}", "DELETE /v1/orgs/{org}/teams/{id}",
	"PUT /v1/orgs/{org}/teams/{id}/members/{user_id}", "DELETE /v1/orgs/{org}/teams/{id}/members/{user_id}",
	"POST /v1/orgs/{org}/groups", "GET /v1/orgs/{org}/groups", "PATCH /v1/orgs/{org}/groups/{id}", "DELETE /v1/orgs/{org}/groups/{id}",
	"PUT /v1/orgs/{org}/groups/{id}/members/{user_id}", "DELETE /v1/orgs/{org}/groups/{id}/members/{user_id}",
	"PUT /v1/orgs/{org}/resources/{type}/{id}", "GET /v1/orgs/{org}/resources/{type}/{id}",
	"DELETE /v1/orgs/{org}/resources/{type}/{id}", "GET /v1/orgs/{org}/resources",
	"GET /v1/orgs/{org}/resources/{type}/{id}/access",
	"POST /v1/orgs/{org}/check", "POST /v1/orgs/{org}/check/batch",
	"POST /v1/orgs/{org}/lookup/resources", "POST /v1/orgs/{org}/lookup/subjects",
	"POST /v1/orgs/{org}/keys", "GET /v1/orgs/{org}/keys", "POST /v1/orgs/{org}/keys/{id}/rotate", "POST /v1/orgs/{org}/keys/{id}/transfer", "DELETE /v1/orgs/{org}/keys/{id}",
	"GET /v1/orgs/{org}/audit", "GET /v1/orgs/{org}/audit/verify",
	"GET /v1/orgs/{org}/usage", "GET /v1/plans", "GET /v1/orgs/{org}/reports/stale-access",
	"GET /v1/orgs/{org}/reports/raci", "GET /v1/orgs/{org}/assignments", "PUT /v1/orgs/{org}/assignments/{name}",
	"DELETE /v1/orgs/{org}/assignments/{name}",
	"POST /v1/orgs/{org}/access-reviews", "GET /v1/orgs/{org}/access-reviews", "GET /v1/orgs/{org}/access-reviews/{id}",
	"GET /v1/orgs/{org}/access-reviews/{id}/items", "POST /v1/orgs/{org}/access-reviews/{id}/items/{item}/decision",
	"POST /v1/orgs/{org}/access-reviews/{id}/close", "GET /v1/orgs/{org}/access-reviews/{id}/evidence",
	"POST /v1/orgs/{org}/access-requests", "GET /v1/orgs/{org}/access-requests", "GET /v1/orgs/{org}/access-requests/{id}",
	"POST /v1/orgs/{org}/access-requests/{id}/approve", "POST /v1/orgs/{org}/access-requests/{id}/deny",
	"POST /v1/orgs/{org}/access-requests/{id}/withdraw",
	"GET /v1/orgs/{org}/approval-gates", "PUT /v1/orgs/{org}/approval-gates/{permission}",
	"DELETE /v1/orgs/{org}/approval-gates/{permission}",
	"POST /v1/orgs/{org}/approvals", "GET /v1/orgs/{org}/approvals", "DELETE /v1/orgs/{org}/approvals/{id}",
	"POST /v1/orgs/{org}/access/v1/evaluation", "POST /v1/orgs/{org}/access/v1/evaluations",
	"POST /v1/orgs/{org}/access/v1/search/subject", "POST /v1/orgs/{org}/access/v1/search/resource",
	"POST /v1/orgs/{org}/access/v1/search/action", "GET /.well-known/authzen-configuration/v1/orgs/{org}",
}

func TestOpenAPI(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		r := e.anon().get("/openapi.json").want(t, 200)
		var doc struct {
			OpenAPI string                               `json:"openapi"`
			Paths   map[string]map[string]map[string]any `json:"paths"`
		}
		if err := json.Unmarshal(r.body, &doc); err != nil {
			t.Fatalf("openapi.json does not parse: %v", err)
		}
		if !strings.HasPrefix(doc.OpenAPI, "3.1") {
			t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
		}
		var got []string
		for p, ops := range doc.Paths {
			for m := range ops {
				got = append(got, strings.ToUpper(m)+" "+p)
			}
		}
		for _, want := range apiPaths {
			if !slices.Contains(got, want) {
				t.Errorf("openapi.json lacks %s", want)
			}
		}
		for _, g := range got {
			if strings.HasPrefix(strings.SplitN(g, " ", 2)[1], "/v1/") && !slices.Contains(apiPaths, g) {
				t.Errorf("openapi.json has %s, which this test does not know", g)
			}
		}
		// Every parameter of a path template is declared: a document that
		// leaves one out cannot be called by a generated client.
		for p, ops := range doc.Paths {
			for m, op := range ops {
				params, _ := op["parameters"].([]any)
				for _, seg := range strings.Split(p, "/") {
					name, ok := strings.CutPrefix(seg, "{")
					if !ok {
						continue
					}
					name = strings.TrimSuffix(name, "}")
					declared := false
					for _, x := range params {
						if pm, _ := x.(map[string]any); pm["in"] == "path" && pm["name"] == name {
							declared = true
						}
					}
					if !declared {
						t.Errorf("%s %s: path parameter %q is not declared", strings.ToUpper(m), p, name)
					}
				}
			}
		}
		// Public operations say so; the rest need the bearer scheme.
		login := doc.Paths["/v1/auth/login"]["post"]
		if sec, ok := login["security"].([]any); !ok || len(sec) != 0 {
			t.Errorf("login security = %v, want []", login["security"])
		}
		if !strings.Contains(string(r.body), `"bearer"`) {
			t.Errorf("no bearer security scheme")
		}
		if !strings.Contains(string(r.body), "application/problem+json") {
			t.Errorf("errors are not documented as problem+json")
		}
		if strings.Contains(string(r.body), "$schema") {
			t.Errorf("the document links schemas that are not served")
		}
	})
}

func TestHealthAndReadiness(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.anon().get("/healthz").want(t, 200)
		r := e.anon().get("/readyz").want(t, 200)
		if r.num(t, "revision") < 1 {
			t.Errorf("readyz revision: %s", r.body)
		}
		e.ready.broken.Store(true)
		r = e.anon().get("/readyz").want(t, 503)
		if r.header.Get("Retry-After") == "" {
			t.Errorf("503 without Retry-After")
		}
		e.anon().get("/healthz").want(t, 200)
	})
}

func TestMetrics(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.get("/v1/orgs/acme").want(t, 200)
		e.owner.get("/v1/orgs/nope").want(t, 404)
		e.owner.allowed(t, "acme", "", "billing.view", "")
		e.owner.allowed(t, "acme", "", "org.view", "")
		e.key.allowed(t, "acme", "", "billing.view", "")
		e.owner.post("/v1/orgs/acme/check/batch", map[string]any{"checks": []any{
			map[string]any{"permission": "org.view"}, map[string]any{"permission": "org.view"}, map[string]any{"permission": "billing.manage", "subject": "user:nobody"},
		}}).want(t, 200)
		r := e.anon().get("/metrics").want(t, 200)
		if !strings.HasPrefix(r.header.Get("Content-Type"), "text/plain") {
			t.Errorf("metrics Content-Type %q", r.header.Get("Content-Type"))
		}
		body := string(r.body)
		for _, want := range []string{
			`gatehouse_http_requests_total{route="GET /v1/orgs/{org}",status="200"} 1`,
			`gatehouse_http_requests_total{route="GET /v1/orgs/{org}",status="404"} 1`,
			`gatehouse_http_requests_total{route="POST /v1/auth/login",status="200"} 1`,
			`gatehouse_http_request_duration_seconds_bucket{route="POST /v1/orgs/{org}/check",status="200",le="+Inf"} 3`,
			`gatehouse_decisions_total{endpoint="check",result="allowed"} 2`,
			`gatehouse_decisions_total{endpoint="check",result="denied"} 1`,
			`gatehouse_decisions_total{endpoint="batch",result="allowed"} 2`,
			`gatehouse_decisions_total{endpoint="batch",result="denied"} 1`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
		if strings.Contains(body, `route="GET /v1/orgs/acme"`) {
			t.Errorf("metrics label raw paths")
		}
	})
}

func TestRequestIDs(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		r := e.owner.with("X-Request-Id", "trace-42.a:b").get("/v1/me").want(t, 200)
		if got := r.header.Get("X-Request-Id"); got != "trace-42.a:b" {
			t.Errorf("sane request id not echoed: %q", got)
		}
		r = e.owner.with("X-Request-Id", "bad id <script>").get("/v1/me").want(t, 200)
		if got := r.header.Get("X-Request-Id"); got == "" || strings.ContainsAny(got, " <>") {
			t.Errorf("insane request id kept: %q", got)
		}
		// The request id reaches the audit log.
		e.owner.with("X-Request-Id", "rename-1").patch("/v1/orgs/acme", map[string]any{"name": "Acme Inc"}).want(t, 200)
		items := e.owner.get("/v1/orgs/acme/audit?action=org.rename").want(t, 200).items(t)
		if len(items) != 1 || items[0]["request_id"] != "rename-1" {
			t.Errorf("audit request id: %v", items)
		}
	})
}

func TestRoutingErrors(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.get("/v1/nothing/here").want(t, 404)
		e.anon().get("/v1/nothing").want(t, 404)
		r := e.owner.do("PUT", "/v1/me", nil).want(t, 405)
		if r.header.Get("Allow") != "GET" {
			t.Errorf("Allow = %q", r.header.Get("Allow"))
		}
		e.anon().get("/").want(t, 404) // no console configured
	})
}

func TestConsoleMountAndPanics(t *testing.T) {
	console := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/boom" {
			panic("console exploded: secret detail")
		}
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<p>console</p>"))
	})
	runWith(t, envOptions{console: console}, func(t *testing.T, e *env) {
		r := e.anon().get("/members").want(t, 200)
		if string(r.body) != "<p>console</p>" {
			t.Errorf("console body %q", r.body)
		}
		e.anon().get("/healthz").want(t, 200)
		e.anon().get("/openapi.json").want(t, 200)
		e.owner.get("/v1/nothing").want(t, 404) // /v1 never reaches the console
		e.allow500.Store(true)
		r = e.anon().get("/boom").want(t, 500)
		if strings.Contains(string(r.body), "secret detail") || strings.Contains(string(r.body), "goroutine") {
			t.Errorf("panic leaked: %s", r.body)
		}
		checkProblem(t, r)
		if !strings.Contains(e.logs.String(), "console exploded") {
			t.Errorf("panic not logged")
		}
	})
}

// TestNoServerErrorOnJunk sends every endpoint odd parameters and bodies:
// a client mistake is never a 5xx (the harness fails any but 503).
func TestNoServerErrorOnJunk(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		e.owner.resource(t, "acme", "dataset:cats", nil)
		params := []string{"", "cats", "a b", "%00", "😀", strings.Repeat("x", 300), "user:u_1", "dataset:*"}
		bodies := []any{nil, "", "null", "[]", `"x"`, "{}", `{"name": {"a": 1}}`, `{"id": 1e400}`, "\x00\xff",
			`{"subject": "user:", "permission": "", "resource": ":", "scope": "team:", "role": "", "checks": [{}], "type": "", "limit": -1}`,
			`{"email": "a@b", "password": "", "token": "gsi_", "overlap_seconds": 99999999999, "expires_at": "0000-01-01T00:00:00Z"}`,
			`{"seat_limit": 9223372036854775807, "grants": [{"role": "admin", "scope": "org"}], "expires_in_hours": -1}`,
			`{"permissions": [{"id": "", "condition": "(("}], "scope_type": "", "attributes": {"": ""}, "parent": "x:y"}`}
		for _, route := range apiPaths {
			method, pattern, _ := strings.Cut(route, " ")
			if pattern == "/v1/auth/logout" {
				continue // would end the session the loop uses
			}
			for i, p := range params {
				path := pattern
				for _, name := range []string{"{user_id}", "{id}", "{type}"} {
					path = strings.ReplaceAll(path, name, url.PathEscape(p))
				}
				org := "acme"
				if i%3 == 2 {
					org = url.PathEscape(p)
				}
				path = strings.ReplaceAll(path, "{org}", org)
				for j, b := range bodies {
					if (i+j)%3 != 0 { // a spread, not the whole product
						continue
					}
					e.owner.do(method, path+"?limit=-3&page_token="+url.QueryEscape(p)+"&format="+url.QueryEscape(p), b)
				}
			}
		}
		// The server still works.
		e.owner.get("/v1/orgs/acme").want(t, 200)
	})
}

// TestRequestTimeout: work past the per-request deadline answers 503 with
// Retry-After, never 500.
func TestRequestTimeout(t *testing.T) {
	runWith(t, envOptions{timeout: time.Nanosecond}, func(t *testing.T, e *env) {
		r := e.key.get("/v1/orgs/acme/members").want(t, 503)
		if r.header.Get("Retry-After") == "" {
			t.Errorf("503 without Retry-After")
		}
		e.anon().post("/v1/auth/login", map[string]any{"email": ownerEmail, "password": ownerPassword}).want(t, 503)
		e.anon().get("/healthz").want(t, 200)
	})
}
