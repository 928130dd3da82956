package client_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/team"
)

// testAuditKey seals and verifies the audit chains of this package's tests.
var testAuditKey = audit.NewKey()

// gatehouse is a real server (API over the use cases on SQLite) with one
// vi org "acme", its bootstrap key (org role admin) and the Owner's id.
type gatehouse struct {
	url   string
	key   string
	owner string
	admin *client.Client
}

func newGatehouse(t *testing.T) *gatehouse {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.New(ctx, filepath.Join(t.TempDir(), "g.db"), store.Options{Sealer: testAuditKey.Seal})
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := team.New(team.Config{AuditKey: testAuditKey, Store: st, Engine: authz.New(), Logger: quiet})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	boot, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "tidal granite thirty")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(httpapi.New(httpapi.Config{Service: svc, Store: st, Logger: quiet}))
	t.Cleanup(func() { srv.Close(); svc.Close(); st.Close() })
	return &gatehouse{url: srv.URL, key: boot.SecretKey, owner: boot.UserID, admin: client.New(srv.URL, boot.SecretKey)}
}

// member invites email as a plain member and returns its user id and a
// client logged in as it.
func (g *gatehouse) member(t *testing.T, email string) (string, *client.Client) {
	t.Helper()
	ctx := context.Background()
	inv, err := g.admin.CreateInvitation(ctx, "acme", client.InvitationRequest{Email: email, Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := client.New(g.url, "").AcceptInvitation(ctx, client.AcceptRequest{Token: inv.Token, Name: email, Password: "violet anchor meadow"})
	if err != nil {
		t.Fatal(err)
	}
	return acc.UserID, client.New(g.url, acc.Token)
}

func TestCallsAndErrors(t *testing.T) {
	g := newGatehouse(t)
	ctx := context.Background()

	s, err := client.New(g.url, "").Login(ctx, "owner@acme.test", "tidal granite thirty")
	if err != nil || s.Token == "" || s.User.ID != g.owner {
		t.Fatalf("login: %+v %v", s, err)
	}
	owner := client.New(g.url, "").WithToken(s.Token)
	me, err := owner.Me(ctx)
	if err != nil || len(me.Orgs) != 1 || me.Orgs[0].Role != "owner" {
		t.Fatalf("me: %+v %v", me, err)
	}

	// a wrong password: 401 problem details, parsed
	_, err = client.New(g.url, "").Login(ctx, "owner@acme.test", "wrong-password")
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != http.StatusUnauthorized || ce.Title == "" {
		t.Fatalf("wrong password: %#v", err)
	}
	// another org: 404, never 403
	if _, err := g.admin.GetOrg(ctx, "other"); !client.IsNotFound(err) {
		t.Fatalf("other org: %v", err)
	}
	// invalid values: 422 with a detail
	_, err = g.admin.CreateGrant(ctx, "acme", client.GrantRequest{Subject: "nobody", Role: "dataset.viewer", Scope: "org"})
	if !errors.As(err, &ce) || ce.Status != http.StatusUnprocessableEntity || ce.Detail == "" || !strings.Contains(err.Error(), "422") {
		t.Fatalf("bad subject: %#v", err)
	}

	// writes carry revisions, 204s included (from the header)
	r, err := g.admin.PutResource(ctx, "acme", "dataset", "cats", client.ResourceRequest{Name: "Cats", Owner: g.owner})
	if err != nil || r.Revision == 0 || r.Ref() != "dataset:cats" {
		t.Fatalf("put resource: %+v %v", r, err)
	}
	uid, mc := g.member(t, "ann@acme.test")
	gr, err := g.admin.CreateGrant(ctx, "acme", client.GrantRequest{Subject: "user:" + uid, Role: "dataset.editor", Scope: "dataset:cats"})
	if err != nil || gr.Revision <= r.Revision {
		t.Fatalf("grant: %+v %v", gr, err)
	}
	d, err := mc.Check(ctx, "acme", client.CheckRequest{Permission: "dataset.annotate", Resource: "dataset:cats", AtLeastRevision: gr.Revision})
	if err != nil || !d.Allowed || d.Reason == nil || d.Reason.Grant != gr.ID {
		t.Fatalf("check: %+v %v", d, err)
	}
	grp, err := g.admin.CreateGroup(ctx, "acme", "Reviewers")
	if err != nil {
		t.Fatal(err)
	}
	rev, err := g.admin.AddGroupMember(ctx, "acme", grp.ID, uid)
	if err != nil || rev <= gr.Revision {
		t.Fatalf("add group member: rev %d %v", rev, err)
	}
	batch, err := g.admin.CheckBatch(ctx, "acme", []client.CheckRequest{
		{Subject: "user:" + uid, Permission: "dataset.upload", Resource: "dataset:cats"},
		{Subject: "user:" + uid, Permission: "dataset.delete", Resource: "dataset:cats"},
	})
	if err != nil || len(batch.Results) != 2 || !batch.Results[0].Allowed || batch.Results[1].Allowed {
		t.Fatalf("batch: %+v %v", batch, err)
	}
	subs, err := g.admin.LookupSubjects(ctx, "acme", client.LookupSubjectsRequest{Permission: "dataset.annotate", Resource: "dataset:cats"})
	if err != nil || len(subs) < 2 {
		t.Fatalf("lookup subjects: %+v %v", subs, err)
	}

	// every page: three members, pages of one
	g.member(t, "bob@acme.test")
	members, err := client.All(ctx, 1, func(ctx context.Context, o *client.ListOptions) (*client.Page[client.Member], error) {
		return g.admin.ListMembers(ctx, "acme", o)
	})
	if err != nil || len(members) != 3 {
		t.Fatalf("all members: %+v %v", members, err)
	}
	for range 3 {
		if _, err := g.admin.PutResource(ctx, "acme", "dataset", "d"+time.Now().Format("150405.000000"), client.ResourceRequest{}); err != nil {
			t.Fatal(err)
		}
	}
	ids, _, err := mc.LookupAllResources(ctx, "acme", client.LookupResourcesRequest{Permission: "dataset.view", Type: "dataset", Limit: 1})
	if err != nil || strings.Join(ids, ",") != "cats" {
		t.Fatalf("lookup all: %v %v", ids, err)
	}
	ids, _, err = g.admin.LookupAllResources(ctx, "acme", client.LookupResourcesRequest{Subject: "user:" + g.owner, Permission: "dataset.view", Type: "dataset", Limit: 2})
	if err != nil || len(ids) != 4 {
		t.Fatalf("lookup all for the owner, pages of 2: %v %v", ids, err)
	}
	matrix, err := g.admin.Matrix(ctx, "acme", "csv")
	if err != nil || !strings.Contains(string(matrix), "dataset.annotate") {
		t.Fatalf("matrix: %q %v", matrix, err)
	}
	v, err := g.admin.VerifyAudit(ctx, "acme")
	if err != nil || !v.OK || v.Events < 5 {
		t.Fatalf("verify: %+v %v", v, err)
	}
	if err := owner.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Me(ctx); client.StatusOf(err) != http.StatusUnauthorized {
		t.Fatalf("after logout: %v", err)
	}
}

// A server that answers errors without problem details, and pages by hand.
func TestErrorsWithoutProblemDetailsAndPaging(t *testing.T) {
	calls := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/orgs/acme/keys":
			calls++
			w.Header().Set("Content-Type", "application/json")
			if r.URL.Query().Get("page_token") == "" {
				json.NewEncoder(w).Encode(map[string]any{"items": []map[string]string{{"id": "k_1"}}, "next_page_token": "p2"})
			} else {
				json.NewEncoder(w).Encode(map[string]any{"items": []map[string]string{{"id": "k_2"}}, "next_page_token": ""})
			}
		case "/v1/me":
			w.Header().Set("Retry-After", "7")
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c := client.New(srv.URL, "t")
	keys, err := c.ListKeys(context.Background(), "acme")
	if err != nil || len(keys) != 2 || keys[1].ID != "k_2" || calls != 2 {
		t.Fatalf("keys: %+v %v (%d calls)", keys, err, calls)
	}
	_, err = c.Me(context.Background())
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 503 || ce.Detail != "upstream unavailable" || ce.RetryAfter != 7*time.Second {
		t.Fatalf("plain-text error: %#v", err)
	}
	if _, err := client.New("", "").Me(context.Background()); err == nil {
		t.Fatal("no BaseURL accepted")
	}
}

func TestMiddleware(t *testing.T) {
	g := newGatehouse(t)
	ctx := context.Background()
	if _, err := g.admin.PutResource(ctx, "acme", "dataset", "cats", client.ResourceRequest{Owner: g.owner}); err != nil {
		t.Fatal(err)
	}
	uid, _ := g.member(t, "ann@acme.test")
	if _, err := g.admin.CreateGrant(ctx, "acme", client.GrantRequest{Subject: "user:" + uid, Role: "dataset.editor", Scope: "dataset:cats"}); err != nil {
		t.Fatal(err)
	}
	// The platform service: users named by a header, datasets by the path.
	var failures []error
	guard := client.Middleware(g.admin, "acme", func(r *http.Request) (string, string, string) {
		user := r.Header.Get("X-User")
		if user == "" {
			return "", "", ""
		}
		perm := "dataset.annotate"
		if r.Method == http.MethodDelete {
			perm = "dataset.delete"
		}
		if r.URL.Query().Has("noperm") {
			perm = ""
		}
		return "user:" + user, perm, "dataset:" + r.PathValue("dataset")
	}, client.WithErrorHandler(func(_ *http.Request, err error) { failures = append(failures, err) }))
	mux := http.NewServeMux()
	mux.Handle("/datasets/{dataset}", guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := client.DecisionFrom(r.Context())
		io.WriteString(w, "ok via "+d.Reason.Role)
	})))
	svc := httptest.NewServer(mux)
	defer svc.Close()

	do := func(method, path, user string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, svc.URL+path, nil)
		if user != "" {
			req.Header.Set("X-User", user)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s %s: %d without problem details", method, path, resp.StatusCode)
		}
		return resp.StatusCode, string(b)
	}
	if code, body := do("POST", "/datasets/cats", uid); code != 200 || body != "ok via dataset.editor" {
		t.Fatalf("allowed: %d %s", code, body)
	}
	if code, _ := do("DELETE", "/datasets/cats", uid); code != 403 {
		t.Fatalf("denied: %d", code)
	}
	if code, _ := do("POST", "/datasets/cats", ""); code != 401 {
		t.Fatalf("anonymous: %d", code)
	}
	if code, _ := do("POST", "/datasets/nope", uid); code != 403 {
		t.Fatalf("unknown resource: %d", code)
	}
	if code, _ := do("POST", "/datasets/cats?noperm", uid); code != 403 {
		t.Fatalf("no permission named: %d", code)
	}
	if code, _ := do("POST", "/datasets/cats", "u_stranger"); code != 403 {
		t.Fatalf("not a member: %d", code)
	}
	if len(failures) != 0 {
		t.Fatalf("errors reported: %v", failures)
	}
	// Gatehouse unreachable: fail closed with 503 and report it.
	g.admin.BaseURL = "http://127.0.0.1:1"
	if code, _ := do("POST", "/datasets/cats", uid); code != 503 || len(failures) != 1 {
		t.Fatalf("gatehouse down: %d, %v", code, failures)
	}
}

func TestMiddlewareChannel(t *testing.T) {
	var got client.CheckRequest
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		json.NewDecoder(r.Body).Decode(&got)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"allowed":true,"revision":3,"reason":{"role":"field_engineer"}}`)
	}))
	defer gh.Close()
	h := client.Middleware(client.New(gh.URL, "gsk_x"), "acme",
		func(r *http.Request) (string, string, string) { return "user:u_1", "work_order.read", "work_order:wo1" },
		client.WithChannel(func(r *http.Request) string { return r.Header.Get("X-Channel") }),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("X-Channel", "mobile")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != 200 || got.Context == nil || got.Context.Channel != "mobile" || got.Subject != "user:u_1" {
		t.Fatalf("%d %+v", rec.Code, got)
	}
}

// A key goes to a member who holds what it holds; its owner shows.
func TestTransferKey(t *testing.T) {
	g := newGatehouse(t)
	ctx := context.Background()
	k, err := g.admin.CreateKey(ctx, "acme", client.KeyRequest{Name: "ci", Role: "member"})
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := g.member(t, "kim@acme.test")
	moved, err := g.admin.TransferKey(ctx, "acme", k.ID, uid)
	if err != nil || moved.Owner != uid || len(moved.Grants) != 1 || moved.Grants[0].Role != "member" {
		t.Fatalf("transfer: %+v %v", moved, err)
	}
	_, err = g.admin.TransferKey(ctx, "acme", k.ID, "u_nobody")
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 404 {
		t.Fatalf("transfer to a stranger: %v, want 404", err)
	}
}
