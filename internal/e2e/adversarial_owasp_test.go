package e2e

// TestOWASPAPITop10 is a pass of the OWASP API Security Top 10 (2023) over
// every operation of the OpenAPI document:
//
//   - API1 broken object-level authorization: the other org's id in the
//     path, and the other org's object ids in this org's path, with the
//     most powerful credential of this org: 404, never 403 or 2xx;
//   - API5 broken function-level authorization: every operation with every
//     kind of caller (Owner, Admin, Member, a Member with one dataset, an
//     admin key, a dataset-scoped key, a member of the other org, a removed
//     member, nobody): the expected callers succeed, members and keys that
//     may not get 403, outsiders and removed members 404, nobody 401;
//   - API3 broken object property level authorization (mass assignment):
//     every body with extra fields (role, org, owner, id, scheme,
//     created_by, revision, builtin, secret, hash, ...) is refused (400),
//     and the sensitive fields an operation does take are checked;
//   - API4 unrestricted resource consumption: body size, list limits, batch
//     limits, invitation and attribute limits, deep JSON, login rate
//     limiting, slow bodies, at_least_revision waits;
//   - API8 security misconfiguration: security headers on every answer
//     (inspect), no CORS grant, no TRACE, no stack traces.
//
// With GATEHOUSE_OWASP_TABLE=FILE it writes the endpoint × attack table of
// docs/reliability.md.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// owaspFix is the world of the pass: org acme (vi) with every kind of
// caller, org bravo with one object of every kind.
type owaspFix struct {
	s      *inproc
	roles  []string          // caller names, in table order
	tokens map[string]string // caller -> credential
	people map[string]person
	n      int
	// acme's objects
	ds string
	// bravo's objects
	b map[string]string
}

var owaspRoles = []string{"owner", "admin", "member", "viewer", "key:admin", "key:viewer", "outsider", "removed", "anonymous"}

func newOwaspFix(t *testing.T) *owaspFix {
	s := startInproc(t, "sqlite", inprocOptions{})
	f := &owaspFix{s: s, roles: owaspRoles, tokens: map[string]string{}, people: map[string]person{}, b: map[string]string{}}
	for _, r := range []string{"owner", "admin", "member", "viewer", "outsider", "removed", "bravo", "target"} {
		f.people[r] = s.newPerson(t, strings.ReplaceAll(r, ":", ""))
		f.tokens[r] = f.people[r].token
	}
	owner := f.tokens["owner"]
	s.newOrg(t, f.people["owner"], "acme", "vi")
	s.newOrg(t, f.people["bravo"], "bravo", "vi")
	f.ds = "cats"
	s.do(t, owner, "PUT", "/v1/orgs/acme/resources/dataset/cats", map[string]any{"name": "Cats"}).want(t, 200)
	s.join(t, owner, "acme", f.people["admin"], "admin")
	s.join(t, owner, "acme", f.people["member"], "member")
	s.join(t, owner, "acme", f.people["viewer"], "member", grantOf("dataset.viewer", "dataset:cats"))
	s.join(t, owner, "acme", f.people["removed"], "member", grantOf("dataset.viewer", "dataset:cats"))
	s.join(t, owner, "acme", f.people["target"], "member") // what grants and memberships are about
	s.do(t, owner, "DELETE", "/v1/orgs/acme/members/"+f.people["removed"].id, nil).want(t, 200)
	_, f.tokens["key:admin"] = s.newKey(t, owner, "acme", "admin", "org")
	_, f.tokens["key:viewer"] = s.newKey(t, owner, "acme", "dataset.viewer", "dataset:cats")
	// bravo: an object of every kind; the outsider is a member there.
	bo := f.tokens["bravo"]
	s.join(t, bo, "bravo", f.people["outsider"], "member")
	s.do(t, bo, "PUT", "/v1/orgs/bravo/resources/dataset/secret-plans", map[string]any{}).want(t, 200)
	f.b["user_id"] = f.people["bravo"].id
	f.b["grant"] = s.do(t, bo, "POST", "/v1/orgs/bravo/grants", map[string]any{"subject": "user:" + f.people["outsider"].id,
		"role": "dataset.viewer", "scope": "dataset:secret-plans"}).want(t, 201).str(t, "id")
	f.b["key"], _ = s.newKey(t, bo, "bravo", "member", "org")
	f.b["invitation"] = s.do(t, bo, "POST", "/v1/orgs/bravo/invitations", map[string]any{"email": "x@bravo.test"}).want(t, 201).str(t, "id")
	f.b["role"] = s.do(t, bo, "POST", "/v1/orgs/bravo/roles", map[string]any{"id": "bravo.secret", "name": "B", "scope_type": "dataset",
		"permissions": []map[string]any{{"id": "dataset.view"}}}).want(t, 201).str(t, "id")
	f.b["group"] = s.do(t, bo, "POST", "/v1/orgs/bravo/groups", map[string]any{"name": "g"}).want(t, 201).str(t, "id")
	f.b["team"] = s.do(t, bo, "POST", "/v1/orgs/bravo/teams", map[string]any{"name": "t"}).want(t, 201).str(t, "id")
	f.b["resource"] = "secret-plans"
	f.b["scim_token"] = s.do(t, bo, "POST", "/v1/orgs/bravo/scim-tokens", map[string]any{"name": "idp"}).want(t, 201).str(t, "id")
	s.do(t, bo, "PUT", "/v1/orgs/bravo/assignments/bravo-lead", map[string]any{"users": []string{f.people["outsider"].id}}).want(t, 200)
	f.b["assignment"] = "bravo-lead"
	f.b["review"] = s.do(t, bo, "POST", "/v1/orgs/bravo/access-reviews", map[string]any{"name": "q", "due_at": "2030-01-01T00:00:00Z"}).want(t, 201).str(t, "id")
	f.b["review_item"] = firstItem(t, s, bo, "bravo", f.b["review"])
	f.b["request"] = s.do(t, f.tokens["outsider"], "POST", "/v1/orgs/bravo/access-requests",
		map[string]any{"role": "dataset.viewer", "resource": "dataset:secret-plans"}).want(t, 201).str(t, "id")
	s.do(t, bo, "PUT", "/v1/orgs/bravo/approval-gates/training.deploy", map[string]any{"approver_role": "owner"}).want(t, 200)
	f.b["approval"] = s.do(t, bo, "POST", "/v1/orgs/bravo/approvals", map[string]any{"subject": f.people["outsider"].id,
		"permission": "training.deploy", "until": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "reason": "b"}).want(t, 201).str(t, "id")
	// Room for the members and invitations the pass makes.
	if _, err := s.st.Update(context.Background(), func(tx store.Tx) error {
		o, err := tx.GetOrg("acme")
		if err != nil {
			return err
		}
		// The enterprise plan: no plan limit on the roles and keys either.
		o.Plan = domain.Plan{Name: "enterprise", SeatLimit: 100000}
		return tx.UpdateOrg(o)
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *owaspFix) uniq(prefix string) string { f.n++; return fmt.Sprintf("%s%d", prefix, f.n) }

// Fresh objects of acme, made by the Owner, for one call to consume.
func (f *owaspFix) member(t *testing.T) string {
	p := f.s.newPerson(t, "fresh")
	f.s.join(t, f.tokens["owner"], "acme", p, "member")
	return p.id
}

func (f *owaspFix) create(t *testing.T, path string, body any) string {
	// Team and group names are unique in an org: each call makes its own.
	if m, ok := body.(map[string]any); ok && (strings.HasSuffix(path, "/teams") || strings.HasSuffix(path, "/groups")) {
		m["name"] = f.uniq(fmt.Sprint(m["name"]))
	}
	return f.s.do(t, f.tokens["owner"], "POST", path, body).want(t, 201).str(t, "id")
}

// review opens an access review of acme, as its Owner.
func (f *owaspFix) review(t *testing.T) string {
	return f.create(t, "/v1/orgs/acme/access-reviews", map[string]any{"name": "q", "due_at": "2030-01-01T00:00:00Z"})
}

// dataset registers a fresh dataset of acme, as its Owner.
func (f *owaspFix) dataset(t *testing.T) string {
	id := f.uniq("ds-")
	f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/resources/dataset/"+id, map[string]any{}).want(t, 200)
	return "dataset:" + id
}

// request is a fresh pending access request of acme's Member, for a
// Viewer's role on a fresh dataset.
func (f *owaspFix) request(t *testing.T) string {
	return f.s.do(t, f.tokens["member"], "POST", "/v1/orgs/acme/access-requests",
		map[string]any{"role": "dataset.viewer", "resource": f.dataset(t)}).want(t, 201).str(t, "id")
}

// approvalGate gates training.deploy in acme, approved by its Owner.
func (f *owaspFix) approvalGate(t *testing.T) {
	f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/approval-gates/training.deploy", map[string]any{"approver_role": "owner"}).want(t, 200)
}

// firstItem is the id of a review's first item.
func firstItem(t *testing.T, s *inproc, token, org, review string) string {
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	r := s.do(t, token, "GET", "/v1/orgs/"+org+"/access-reviews/"+review+"/items", nil).want(t, 200)
	if err := json.Unmarshal(r.body, &page); err != nil || len(page.Items) == 0 {
		t.Fatalf("review %s of %s has no items: %s", review, org, r.body)
	}
	return page.Items[0].ID
}

// owaspOp is one operation of the API: how to call it on acme with fresh
// targets, who may, and where the other org's ids go.
type owaspOp struct {
	allowed []string
	// call returns the path values for one call and its body.
	call func(t *testing.T, f *owaspFix) (map[string]string, any)
	// foreign names, for each path parameter but org, bravo's object.
	foreign map[string]string
	denied  int // the status of a member or key that may not (default 403)
	// keyDenied, when set, is the status of a key that may not (the
	// account operations: a key has no password or sessions).
	keyDenied int
	// account marks operations on the caller's own account, not an org:
	// outsiders and removed members are users like any other there.
	account bool
	// extensible marks AuthZEN operations: the protocol ignores members it
	// does not know (a PDP must accept the fields of later versions), so
	// extra fields are read as nothing, never refused; the pass checks
	// they change nothing instead.
	extensible bool
	after      func(t *testing.T, f *owaspFix, caller string)
}

var (
	allOfAcme = []string{"owner", "admin", "member", "viewer", "key:admin", "key:viewer"}
	managers  = []string{"owner", "admin", "key:admin"}
	viewers   = []string{"owner", "admin", "member", "viewer", "key:admin"} // members.view
	users     = []string{"owner", "admin", "member", "viewer", "outsider", "removed"}
)

func owaspOps() map[string]owaspOp {
	none := func(t *testing.T, f *owaspFix) (map[string]string, any) { return nil, nil }
	body := func(b any) func(t *testing.T, f *owaspFix) (map[string]string, any) {
		return func(t *testing.T, f *owaspFix) (map[string]string, any) { return nil, b }
	}
	return map[string]owaspOp{
		"GET /v1/me": {allowed: append(slices.Clone(users), "key:admin", "key:viewer"), call: none},
		"POST /v1/orgs": {allowed: users, call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
			return nil, map[string]any{"id": f.uniq("new-org-"), "name": "New"}
		}},
		"POST /v1/auth/logout": {allowed: users, denied: 422, call: none},
		"GET /v1/me/sessions":  {allowed: users, denied: 422, account: true, call: none},
		// The caller's other sessions; the one it calls with stays.
		"DELETE /v1/me/sessions": {allowed: users, denied: 422, account: true, call: none},
		// Nobody's session: 404 for every user, never another user's ended.
		"DELETE /v1/me/sessions/{id}": {denied: 404, keyDenied: 422, account: true,
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": "ses_" + f.uniq("nobody")}, nil
			}},
		// A member's token for acme; a key has no tokens, an outsider no acme.
		"POST /v1/me/tokens": {allowed: []string{"owner", "admin", "member", "viewer"},
			call: body(map[string]any{"name": "script", "org": "acme"})},
		"GET /v1/me/tokens": {allowed: users, denied: 422, account: true, call: none},
		// Nobody's token: 404 for every user, never another user's revoked.
		"DELETE /v1/me/tokens/{id}": {denied: 404, keyDenied: 422, account: true,
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": "pat_" + f.uniq("nobody")}, nil
			}},
		// A weak new password: the policy refuses it (422) before any
		// password is checked, so the pass spends no sign-in attempts.
		"POST /v1/me/password": {denied: 422, account: true,
			call: body(map[string]any{"current_password": "whatever it is", "new_password": "password"})},
		"GET /v1/orgs/{org}":   {allowed: allOfAcme, call: none},
		"PATCH /v1/orgs/{org}": {allowed: managers, call: body(map[string]any{"name": "Acme"})},
		"POST /v1/orgs/{org}/transfer-ownership": {allowed: []string{"owner"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				p := f.s.newPerson(t, "heir")
				f.s.join(t, f.tokens["owner"], "acme", p, "admin")
				f.people["heir"] = p
				return nil, map[string]any{"user_id": p.id}
			},
			after: func(t *testing.T, f *owaspFix, caller string) {
				if caller == "owner" { // hand it back
					f.s.do(t, f.people["heir"].token, "POST", "/v1/orgs/acme/transfer-ownership", map[string]any{"user_id": f.people["owner"].id}).want(t, 200)
				}
			}},
		"GET /v1/orgs/{org}/billing":              {allowed: []string{"owner"}, call: none},
		"GET /v1/orgs/{org}/usage":                {allowed: managers, call: none},
		"GET /v1/plans":                           {allowed: append(slices.Clone(users), "key:admin", "key:viewer"), call: none},
		"GET /v1/orgs/{org}/reports/stale-access": {allowed: managers, call: none},
		"GET /v1/orgs/{org}/reports/raci":         {allowed: managers, call: none},
		"GET /v1/orgs/{org}/assignments":          {allowed: managers, call: none},
		"PUT /v1/orgs/{org}/assignments/{name}": {allowed: managers,
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"name": f.uniq("lead")}, map[string]any{"users": []string{f.people["member"].id}}
			}},
		"DELETE /v1/orgs/{org}/assignments/{name}": {allowed: managers, foreign: map[string]string{"name": "assignment"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				name := f.uniq("doomed-lead")
				f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/assignments/"+name, map[string]any{"users": []string{f.people["member"].id}}).want(t, 200)
				return map[string]string{"name": name}, nil
			}},
		"POST /v1/orgs/{org}/access-reviews": {allowed: managers,
			call: body(map[string]any{"name": "Quarterly", "due_at": "2030-01-01T00:00:00Z"})},
		"GET /v1/orgs/{org}/access-reviews": {allowed: allOfAcme, call: none},
		"GET /v1/orgs/{org}/access-reviews/{id}": {allowed: managers, foreign: map[string]string{"id": "review"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.review(t)}, nil
			}},
		"GET /v1/orgs/{org}/access-reviews/{id}/items": {allowed: managers, foreign: map[string]string{"id": "review"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.review(t)}, nil
			}},
		"GET /v1/orgs/{org}/access-reviews/{id}/evidence": {allowed: managers, foreign: map[string]string{"id": "review"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.review(t)}, nil
			}},
		// The reviewers default to the user managers and the creator; a
		// key is neither a user nor a reviewer.
		"POST /v1/orgs/{org}/access-reviews/{id}/items/{item}/decision": {allowed: []string{"owner", "admin"},
			foreign: map[string]string{"id": "review", "item": "review_item"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				id := f.review(t)
				return map[string]string{"id": id, "item": firstItem(t, f.s, f.tokens["owner"], "acme", id)}, map[string]any{"decision": "keep"}
			}},
		"POST /v1/orgs/{org}/access-reviews/{id}/close": {allowed: managers, foreign: map[string]string{"id": "review"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.review(t)}, nil
			}},
		// Members ask for themselves; a key asks for nothing.
		"POST /v1/orgs/{org}/access-requests": {allowed: []string{"owner", "admin", "member", "viewer"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return nil, map[string]any{"role": "dataset.viewer", "resource": f.dataset(t)}
			}},
		"GET /v1/orgs/{org}/access-requests": {allowed: allOfAcme, call: none},
		"GET /v1/orgs/{org}/access-requests/{id}": {allowed: append(slices.Clone(managers), "member"), foreign: map[string]string{"id": "request"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.request(t)}, nil
			}},
		// The Member is the requester: she may not approve or deny her own.
		"POST /v1/orgs/{org}/access-requests/{id}/approve": {allowed: managers, foreign: map[string]string{"id": "request"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.request(t)}, nil
			}},
		"POST /v1/orgs/{org}/access-requests/{id}/deny": {allowed: managers, foreign: map[string]string{"id": "request"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.request(t)}, map[string]any{"note": "no"}
			}},
		"POST /v1/orgs/{org}/access-requests/{id}/withdraw": {allowed: []string{"member"}, foreign: map[string]string{"id": "request"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.request(t)}, nil
			}},
		"GET /v1/orgs/{org}/approval-gates": {allowed: viewers, call: none},
		"PUT /v1/orgs/{org}/approval-gates/{permission}": {allowed: managers,
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"permission": "training.deploy"}, map[string]any{"approver_role": "owner"}
			}},
		"DELETE /v1/orgs/{org}/approval-gates/{permission}": {allowed: managers,
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/approval-gates/training.delete", map[string]any{"approver_role": "owner"}).want(t, 200)
				return map[string]string{"permission": "training.delete"}, nil
			}},
		"GET /v1/orgs/{org}/approvals": {allowed: viewers, call: none},
		// The gate's approver role is the Owner's: an Admin does not hold
		// it, and a key approves nothing.
		"POST /v1/orgs/{org}/approvals": {allowed: []string{"owner"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				f.approvalGate(t)
				return nil, map[string]any{"subject": f.people["target"].id, "permission": "training.deploy",
					"until": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "reason": "release"}
			}},
		"DELETE /v1/orgs/{org}/approvals/{id}": {allowed: managers, foreign: map[string]string{"id": "approval"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				f.approvalGate(t)
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/approvals", map[string]any{"subject": f.people["target"].id,
					"permission": "training.deploy", "until": time.Now().Add(time.Hour).UTC().Format(time.RFC3339), "reason": "release"})}, nil
			}},
		// AuthZEN: a key holding audit.view asks about anyone; sessions
		// and keys without it get 403.
		"POST /v1/orgs/{org}/access/v1/evaluation": {allowed: []string{"key:admin"}, extensible: true,
			call: body(map[string]any{"subject": map[string]any{"type": "user", "id": "someone"}, "action": map[string]any{"name": "dataset.view"},
				"resource": map[string]any{"type": "dataset", "id": "cats"}})},
		"POST /v1/orgs/{org}/access/v1/evaluations": {allowed: []string{"key:admin"}, extensible: true,
			call: body(map[string]any{"subject": map[string]any{"type": "user", "id": "someone"}, "action": map[string]any{"name": "dataset.view"},
				"evaluations": []any{map[string]any{"resource": map[string]any{"type": "dataset", "id": "cats"}}}})},
		"POST /v1/orgs/{org}/access/v1/search/subject": {allowed: []string{"key:admin"}, extensible: true,
			call: body(map[string]any{"subject": map[string]any{"type": "user"}, "action": map[string]any{"name": "dataset.view"},
				"resource": map[string]any{"type": "dataset", "id": "cats"}})},
		"POST /v1/orgs/{org}/access/v1/search/resource": {allowed: []string{"key:admin"}, extensible: true,
			call: body(map[string]any{"subject": map[string]any{"type": "user", "id": "someone"}, "action": map[string]any{"name": "dataset.view"},
				"resource": map[string]any{"type": "dataset"}})},
		"POST /v1/orgs/{org}/access/v1/search/action": {allowed: []string{"key:admin"}, extensible: true,
			call: body(map[string]any{"subject": map[string]any{"type": "user", "id": "someone"}, "resource": map[string]any{"type": "dataset", "id": "cats"}})},
		"PATCH /v1/orgs/{org}/billing": {allowed: []string{"owner"}, call: body(map[string]any{"billing_email": "pay@acme.test"})},
		"GET /v1/orgs/{org}/members":   {allowed: viewers, call: none},
		"GET /v1/orgs/{org}/members/{user_id}": {allowed: managers, foreign: map[string]string{"user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"user_id": f.people["target"].id}, nil
			}},
		"GET /v1/orgs/{org}/members/{user_id}/aliases": {allowed: managers, foreign: map[string]string{"user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"user_id": f.people["target"].id}, nil
			}},
		"PUT /v1/orgs/{org}/members/{user_id}/aliases/{alias}": {allowed: managers, foreign: map[string]string{"user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"user_id": f.people["target"].id, "alias": f.uniq("idp-sub-")}, nil
			}},
		"DELETE /v1/orgs/{org}/members/{user_id}/aliases/{alias}": {allowed: managers, foreign: map[string]string{"user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				alias := f.uniq("doomed-sub-")
				f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/members/"+f.people["target"].id+"/aliases/"+alias, nil).want(t, 204)
				return map[string]string{"user_id": f.people["target"].id, "alias": alias}, nil
			}},
		"PATCH /v1/orgs/{org}/members/{user_id}": {allowed: managers, foreign: map[string]string{"user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"user_id": f.member(t)}, map[string]any{"role": "admin"}
			}},
		"DELETE /v1/orgs/{org}/members/{user_id}": {allowed: managers, foreign: map[string]string{"user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"user_id": f.member(t)}, nil
			}},
		"POST /v1/orgs/{org}/invitations": {allowed: managers, call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
			return nil, map[string]any{"email": f.uniq("invitee") + "@acme.test", "role": "member"}
		}},
		"GET /v1/orgs/{org}/invitations": {allowed: managers, call: none},
		"DELETE /v1/orgs/{org}/invitations/{id}": {allowed: managers, foreign: map[string]string{"id": "invitation"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/invitations", map[string]any{"email": f.uniq("i") + "@acme.test"})}, nil
			}},
		"POST /v1/orgs/{org}/invitations/{id}/resend": {allowed: managers, foreign: map[string]string{"id": "invitation"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/invitations", map[string]any{"email": f.uniq("r") + "@acme.test"})}, nil
			}},
		"GET /v1/orgs/{org}/roles":       {allowed: allOfAcme, call: none},
		"GET /v1/orgs/{org}/permissions": {allowed: allOfAcme, call: none},
		"GET /v1/orgs/{org}/matrix":      {allowed: allOfAcme, call: none},
		"POST /v1/orgs/{org}/roles": {allowed: managers, call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
			return nil, map[string]any{"id": f.uniq("custom.r"), "name": "C", "scope_type": "dataset", "permissions": []map[string]any{{"id": "dataset.view"}}}
		}},
		"PATCH /v1/orgs/{org}/roles/{id}": {allowed: managers, foreign: map[string]string{"id": "role"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/roles", map[string]any{"id": f.uniq("edited.r"), "name": "E",
					"scope_type": "dataset", "permissions": []map[string]any{{"id": "dataset.view"}}})}, map[string]any{"name": "Edited"}
			}},
		"DELETE /v1/orgs/{org}/roles/{id}": {allowed: managers, foreign: map[string]string{"id": "role"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/roles", map[string]any{"id": f.uniq("doomed.r"), "name": "D",
					"scope_type": "dataset", "permissions": []map[string]any{{"id": "dataset.view"}}})}, nil
			}},
		"POST /v1/orgs/{org}/grants": {allowed: managers, call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
			// A fresh subject for each call: the same grant twice is a 409.
			return nil, map[string]any{"subject": "user:" + f.member(t), "role": "dataset.viewer", "scope": "dataset:cats"}
		}},
		"GET /v1/orgs/{org}/grants": {allowed: managers, call: none},
		"DELETE /v1/orgs/{org}/grants/{id}": {allowed: managers, foreign: map[string]string{"id": "grant"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/grants", map[string]any{"subject": "user:" + f.member(t),
					"role": "dataset.viewer", "scope": "dataset:cats"})}, nil
			}},
		"POST /v1/orgs/{org}/teams": {allowed: managers, call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
			return nil, map[string]any{"name": f.uniq("t")}
		}},
		"POST /v1/orgs/{org}/groups": {allowed: managers, call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
			return nil, map[string]any{"name": f.uniq("g")}
		}},
		"GET /v1/orgs/{org}/teams":  {allowed: viewers, call: none},
		"GET /v1/orgs/{org}/groups": {allowed: viewers, call: none},
		"PATCH /v1/orgs/{org}/teams/{id}": {allowed: managers, foreign: map[string]string{"id": "team"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/teams", map[string]any{"name": "t"})}, map[string]any{"name": f.uniq("t2-")}
			}},
		"PATCH /v1/orgs/{org}/groups/{id}": {allowed: managers, foreign: map[string]string{"id": "group"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/groups", map[string]any{"name": "g"})}, map[string]any{"name": f.uniq("g2-")}
			}},
		"DELETE /v1/orgs/{org}/teams/{id}": {allowed: managers, foreign: map[string]string{"id": "team"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/teams", map[string]any{"name": "t"})}, nil
			}},
		"DELETE /v1/orgs/{org}/groups/{id}": {allowed: managers, foreign: map[string]string{"id": "group"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/groups", map[string]any{"name": "g"})}, nil
			}},
		"PUT /v1/orgs/{org}/teams/{id}/members/{user_id}": {allowed: managers, foreign: map[string]string{"id": "team", "user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/teams", map[string]any{"name": "t"}), "user_id": f.people["target"].id}, nil
			}},
		"PUT /v1/orgs/{org}/groups/{id}/members/{user_id}": {allowed: managers, foreign: map[string]string{"id": "group", "user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/groups", map[string]any{"name": "g"}), "user_id": f.people["target"].id}, nil
			}},
		"DELETE /v1/orgs/{org}/teams/{id}/members/{user_id}": {allowed: managers, foreign: map[string]string{"id": "team", "user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				id := f.create(t, "/v1/orgs/acme/teams", map[string]any{"name": "t"})
				f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/teams/"+id+"/members/"+f.people["target"].id, nil).want(t, 204)
				return map[string]string{"id": id, "user_id": f.people["target"].id}, nil
			}},
		"DELETE /v1/orgs/{org}/groups/{id}/members/{user_id}": {allowed: managers, foreign: map[string]string{"id": "group", "user_id": "user_id"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				id := f.create(t, "/v1/orgs/acme/groups", map[string]any{"name": "g"})
				f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/groups/"+id+"/members/"+f.people["target"].id, nil).want(t, 204)
				return map[string]string{"id": id, "user_id": f.people["target"].id}, nil
			}},
		"PUT /v1/orgs/{org}/resources/{type}/{id}": {allowed: managers, call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
			return map[string]string{"type": "dataset", "id": f.uniq("ds")}, map[string]any{"name": "New"}
		}},
		"GET /v1/orgs/{org}/resources/{type}/{id}": {allowed: []string{"owner", "admin", "viewer", "key:admin", "key:viewer"}, denied: 404,
			foreign: map[string]string{"id": "resource"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"type": "dataset", "id": "cats"}, nil
			}},
		"DELETE /v1/orgs/{org}/resources/{type}/{id}": {allowed: managers, denied: 404, foreign: map[string]string{"id": "resource"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				id := f.uniq("doomed")
				f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/resources/dataset/"+id, map[string]any{}).want(t, 200)
				return map[string]string{"type": "dataset", "id": id}, nil
			}},
		"GET /v1/orgs/{org}/resources": {allowed: managers, call: none},
		"GET /v1/orgs/{org}/resources/{type}/{id}/access": {allowed: managers, foreign: map[string]string{"id": "resource"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"type": "dataset", "id": "cats"}, nil
			}},
		"POST /v1/orgs/{org}/check":            {allowed: allOfAcme, call: body(map[string]any{"permission": "dataset.view", "resource": "dataset:cats"})},
		"POST /v1/orgs/{org}/check/batch":      {allowed: allOfAcme, call: body(map[string]any{"checks": []map[string]any{{"permission": "org.view"}}})},
		"POST /v1/orgs/{org}/lookup/resources": {allowed: allOfAcme, call: body(map[string]any{"permission": "dataset.view", "type": "dataset"})},
		"POST /v1/orgs/{org}/lookup/subjects":  {allowed: managers, call: body(map[string]any{"permission": "dataset.view", "resource": "dataset:cats"})},
		"POST /v1/orgs/{org}/keys":             {allowed: managers, call: body(map[string]any{"name": "k", "role": "member"})},
		"GET /v1/orgs/{org}/keys":              {allowed: managers, call: none},
		"POST /v1/orgs/{org}/keys/{id}/rotate": {allowed: managers, foreign: map[string]string{"id": "key"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/keys", map[string]any{"name": "k", "role": "member"})}, map[string]any{"overlap_seconds": 0}
			}},
		"POST /v1/orgs/{org}/keys/{id}/transfer": {allowed: managers, foreign: map[string]string{"id": "key"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/keys", map[string]any{"name": "k", "role": "member"})}, map[string]any{"owner": f.member(t)}
			}},
		"DELETE /v1/orgs/{org}/keys/{id}": {allowed: managers, foreign: map[string]string{"id": "key"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/keys", map[string]any{"name": "k", "role": "member"})}, nil
			}},
		// SSO: the configuration is set first by the Owner, so seeing and
		// deleting it have something to act on; no IdP is reached by either.
		"GET /v1/orgs/{org}/sso": {allowed: managers, call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
			f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/sso", owaspSSO).want(t, 200)
			return nil, nil
		}},
		"PUT /v1/orgs/{org}/sso": {allowed: managers, call: body(owaspSSO)},
		"DELETE /v1/orgs/{org}/sso": {allowed: managers, call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
			f.s.do(t, f.tokens["owner"], "PUT", "/v1/orgs/acme/sso", owaspSSO).want(t, 200)
			return nil, nil
		}},
		// SCIM tokens: a person who manages users makes one; a key is no person.
		"POST /v1/orgs/{org}/scim-tokens": {allowed: []string{"owner", "admin"}, call: body(map[string]any{"name": "idp"})},
		"GET /v1/orgs/{org}/scim-tokens":  {allowed: managers, call: none},
		"DELETE /v1/orgs/{org}/scim-tokens/{id}": {allowed: managers, foreign: map[string]string{"id": "scim_token"},
			call: func(t *testing.T, f *owaspFix) (map[string]string, any) {
				return map[string]string{"id": f.create(t, "/v1/orgs/acme/scim-tokens", map[string]any{"name": "idp"})}, nil
			}},
		"GET /v1/orgs/{org}/audit":        {allowed: managers, call: none},
		"GET /v1/orgs/{org}/audit/verify": {allowed: managers, call: none},
	}
}

// owaspSSO is an SSO configuration of acme; its IdP is never reached.
var owaspSSO = map[string]any{"issuer": "https://idp.acme.test", "client_id": "gatehouse", "client_secret": "idp-client-secret",
	"domains": []string{"acme.test"}, "default_role": "member"}

// publicOps need no credentials; they are attacked in the resource and
// authentication parts instead.
var publicOps = map[string]bool{"POST /v1/auth/login": true, "POST /v1/invitations/accept": true,
	"POST /v1/auth/password-reset": true, "POST /v1/auth/password-reset/confirm": true,
	"GET /.well-known/authzen-configuration/v1/orgs/{org}": true,
	"GET /v1/auth/sso/start":                               true, "GET /v1/auth/sso/callback": true}

func fillPath(tmpl, org string, vals map[string]string) string {
	p := strings.ReplaceAll(tmpl, "{org}", org)
	for k, v := range vals {
		p = strings.ReplaceAll(p, "{"+k+"}", v)
	}
	return p
}

type owaspRow struct {
	op                           string
	bola, bfla, mass, limits, ok string
}

func TestOWASPAPITop10(t *testing.T) {
	f := newOwaspFix(t)
	s := f.s
	ops := owaspOps()

	// API9: the inventory. Every documented operation is exercised here.
	doc := s.do(t, "", "GET", "/openapi.json", nil).want(t, 200)
	var api struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(doc.body, &api); err != nil {
		t.Fatal(err)
	}
	var documented []string
	for path, methods := range api.Paths {
		for m := range methods {
			op := strings.ToUpper(m) + " " + path
			documented = append(documented, op)
			if _, ok := ops[op]; !ok && !publicOps[op] && !strings.Contains(op, "/scim/v2/") {
				t.Errorf("%s is documented but not in this pass: add it to owaspOps", op)
			}
		}
	}
	sort.Strings(documented)
	rows := map[string]*owaspRow{}
	for _, op := range documented {
		rows[op] = &owaspRow{op: op}
	}

	for _, name := range documented {
		op, ok := ops[name]
		if !ok {
			continue
		}
		method, tmpl, _ := strings.Cut(name, " ")
		row := rows[name]

		// API5: every caller.
		got := map[int][]string{}
		for _, caller := range f.roles {
			vals, body := op.call(t, f)
			token := f.tokens[caller]
			if name == "POST /v1/auth/logout" && f.people[caller].token != "" {
				token = s.login(t, f.people[caller].email, f.people[caller].password) // its own session to end
			}
			r := s.do(t, token, method, fillPath(tmpl, "acme", vals), body)
			got[r.status] = append(got[r.status], caller)
			want := 0
			switch {
			case caller == "anonymous":
				want = 401
			case slices.Contains(op.allowed, caller):
			case (caller == "outsider" || caller == "removed") && !op.account:
				want = 404
			case strings.HasPrefix(caller, "key:") && op.keyDenied != 0:
				want = op.keyDenied
			case op.denied != 0:
				want = op.denied
			default:
				want = 403
			}
			if want == 0 && r.status >= 300 || want != 0 && r.status != want {
				t.Errorf("API5 %s as %s: %d, want %s: %s", name, caller, r.status, map[bool]string{true: "2xx", false: fmt.Sprint(want)}[want == 0], r.body)
			}
			if op.after != nil && r.status < 300 {
				op.after(t, f, caller)
			}
		}
		row.bfla = renderStatuses(got)

		// API1: another org in the path; another org's ids in this path.
		if strings.Contains(tmpl, "{org}") {
			vals, body := op.call(t, f)
			r := s.do(t, f.tokens["owner"], method, fillPath(tmpl, "bravo", vals), body)
			if r.status != 404 {
				t.Errorf("API1 %s on bravo with acme's Owner: %d, want 404", name, r.status)
			}
			row.bola = fmt.Sprintf("other org %d", r.status)
			if len(op.foreign) > 0 {
				vals, body := op.call(t, f)
				for param, obj := range op.foreign {
					vals[param] = f.b[obj]
				}
				r := s.do(t, f.tokens["owner"], method, fillPath(tmpl, "acme", vals), body)
				if r.status != 404 {
					t.Errorf("API1 %s with bravo's ids in acme: %d, want 404: %s", name, r.status, r.body)
				}
				row.bola += fmt.Sprintf("; other org's ids %d", r.status)
			}
		} else {
			row.bola = "n/a (no org)"
		}

		// API3: extra fields in the body.
		if vals, body := op.call(t, f); body != nil {
			m := body.(map[string]any)
			var added []string
			for k, v := range massFields(f) {
				if _, has := m[k]; !has {
					m[k] = v
					added = append(added, k)
				}
			}
			if op.extensible {
				// Asked with the key that may: the same answer as without them.
				plain := s.do(t, f.tokens["key:admin"], method, fillPath(tmpl, "acme", vals), body)
				_, orig := op.call(t, f)
				want := s.do(t, f.tokens["key:admin"], method, fillPath(tmpl, "acme", vals), orig)
				if plain.status != 200 || string(plain.body) != string(want.body) {
					t.Errorf("API3 %s with extra fields %v: %d %s, want 200 %s", name, added, plain.status, plain.body, want.body)
				}
				row.mass = "extra fields ignored (AuthZEN), same answer"
				continue
			}
			r := s.do(t, f.tokens["owner"], method, fillPath(tmpl, "acme", vals), m)
			if r.status != 400 {
				t.Errorf("API3 %s with extra fields %v: %d, want 400: %s", name, added, r.status, r.body)
			}
			row.mass = fmt.Sprintf("extra fields %d", r.status)
		} else {
			row.mass = "no body"
		}
	}
	massLegit(t, f, rows)
	limits(t, f, rows)
	misconfiguration(t, f)
	authentication(t, f, rows)
	authzenMetadata(t, f, rows)
	scimPass(t, f, rows)

	if out := os.Getenv("GATEHOUSE_OWASP_TABLE"); out != "" {
		var b strings.Builder
		b.WriteString("| operation | API1 object level (acme's Owner) | API5 function level (status: callers) | API3 mass assignment | API4 limits |\n|---|---|---|---|---|\n")
		for _, op := range documented {
			r := rows[op]
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", op, r.bola, r.bfla, orDash(r.mass), orDash(r.limits))
		}
		if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("OWASP pass: %d operations × %d callers, other-org ids, extra fields; %d requests", len(documented), len(f.roles), s.requests.Load())
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func renderStatuses(got map[int][]string) string {
	var codes []int
	for c := range got {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d: %s", c, strings.Join(got[c], ", ")))
	}
	return strings.Join(parts, " · ")
}

// massFields are properties an attacker adds hoping they are applied.
func massFields(f *owaspFix) map[string]any {
	return map[string]any{"role": "owner", "org": "bravo", "owner": f.people["bravo"].id, "id": "hijack", "scheme": "labelbox",
		"created_by": "user:" + f.people["bravo"].id, "revision": 999999, "builtin": true, "secret": "gsk_x", "hash": "00",
		"user_id": f.people["bravo"].id, "is_admin": true, "permissions": []string{"billing.manage"}, "plan": map[string]any{"seat_limit": 1000000}}
}

// massLegit: sensitive fields an operation does take are bounded by the
// caller's power and the rules, never applied blindly.
func massLegit(t *testing.T, f *owaspFix, rows map[string]*owaspRow) {
	s := f.s
	admin, owner := f.tokens["admin"], f.tokens["owner"]
	note := func(op, what string) {
		if r := rows[op]; r != nil {
			r.mass += "; " + what
		}
	}
	// The org id and scheme never change.
	s.do(t, owner, "PATCH", "/v1/orgs/acme", map[string]any{"id": "hijack"}).want(t, 422)
	s.do(t, owner, "PATCH", "/v1/orgs/acme", map[string]any{"scheme": "labelbox"}).want(t, 422)
	if o := s.do(t, owner, "GET", "/v1/orgs/acme", nil).want(t, 200).obj(t); o["id"] != "acme" || o["scheme"] != "vi" {
		t.Errorf("org after PATCH id/scheme: %v", o)
	}
	note("PATCH /v1/orgs/{org}", "id 422, scheme 422")
	// Roles in bodies are bounded by rule 2.
	s.do(t, admin, "POST", "/v1/orgs/acme/invitations", map[string]any{"email": "boss@acme.test", "role": "owner"}).want(t, 403)
	s.do(t, admin, "POST", "/v1/orgs/acme/invitations", map[string]any{"email": "boss@acme.test", "role": "member",
		"grants": []map[string]any{{"role": "owner", "scope": "org"}}}).want(t, 403)
	note("POST /v1/orgs/{org}/invitations", "role owner 403")
	s.do(t, admin, "PATCH", "/v1/orgs/acme/members/"+f.people["admin"].id, map[string]any{"role": "owner"}).want(t, 403)
	note("PATCH /v1/orgs/{org}/members/{user_id}", "role owner 403")
	s.do(t, admin, "POST", "/v1/orgs/acme/grants", map[string]any{"subject": "user:" + f.people["admin"].id, "role": "owner", "scope": "org"}).want(t, 403)
	note("POST /v1/orgs/{org}/grants", "role owner 403; subject of bravo 404")
	s.do(t, owner, "POST", "/v1/orgs/acme/grants", map[string]any{"subject": "user:" + f.people["bravo"].id, "role": "dataset.viewer", "scope": "dataset:cats"}).want(t, 404)
	s.do(t, admin, "POST", "/v1/orgs/acme/keys", map[string]any{"name": "k", "role": "owner"}).want(t, 403)
	note("POST /v1/orgs/{org}/keys", "role owner 403")
	s.do(t, admin, "POST", "/v1/orgs/acme/roles", map[string]any{"id": "payer.r", "name": "P", "scope_type": "org",
		"permissions": []map[string]any{{"id": "billing.manage"}}}).want(t, 403)
	note("POST /v1/orgs/{org}/roles", "permissions the caller lacks 403")
	// owner of a resource: a member of this org only.
	s.do(t, owner, "PUT", "/v1/orgs/acme/resources/dataset/owned", map[string]any{"owner": f.people["bravo"].id}).want(t, 422)
	note("PUT /v1/orgs/{org}/resources/{type}/{id}", "owner of bravo 422")
	// A check about someone else needs the audit permission.
	s.do(t, f.tokens["member"], "POST", "/v1/orgs/acme/check", map[string]any{"subject": "user:" + f.people["owner"].id, "permission": "billing.view"}).want(t, 403)
	note("POST /v1/orgs/{org}/check", "subject of another 403 without audit.view")
	// The body's org never overrides the path's: bravo's dataset named
	// as a resource or scope is unknown here.
	s.do(t, owner, "POST", "/v1/orgs/acme/check", map[string]any{"permission": "dataset.view", "resource": "dataset:secret-plans"}).want(t, 404)
	s.do(t, owner, "POST", "/v1/orgs/acme/grants", map[string]any{"subject": "user:" + f.people["target"].id, "role": "dataset.viewer",
		"scope": "dataset:secret-plans"}).want(t, 404)
}

// limits: API4 unrestricted resource consumption.
func limits(t *testing.T, f *owaspFix, rows map[string]*owaspRow) {
	s := f.s
	owner := f.tokens["owner"]
	note := func(op, what string) {
		if r := rows[op]; r != nil {
			if r.limits != "" {
				r.limits += "; "
			}
			r.limits += what
		}
	}
	// Bodies over 1 MiB: 413 on every operation that reads one.
	big := `{"name":"` + strings.Repeat("x", 1<<20) + `"}`
	for name := range owaspOps() {
		method, tmpl, _ := strings.Cut(name, " ")
		if method == "GET" || method == "DELETE" {
			continue
		}
		vals, body := owaspOps()[name].call(t, f)
		token := owner
		if name == "POST /v1/auth/logout" {
			token = s.login(t, f.people["owner"].email, f.people["owner"].password)
		}
		r := s.do(t, token, method, fillPath(tmpl, "acme", vals), big)
		switch {
		case body != nil && r.status != 413:
			t.Errorf("API4 %s with a 1 MiB body: %d, want 413", name, r.status)
		case body != nil:
			note(name, "1 MiB body 413")
		default:
			note(name, fmt.Sprintf("takes no body; a 1 MiB one is not read (%d)", r.status))
		}
	}
	for _, name := range []string{"POST /v1/auth/login", "POST /v1/invitations/accept", "POST /v1/auth/password-reset", "POST /v1/auth/password-reset/confirm"} {
		if r := s.do(t, "", "POST", strings.TrimPrefix(name, "POST "), big); r.status != 413 {
			t.Errorf("API4 %s with a 1 MiB body: %d, want 413", name, r.status)
		}
		note(name, "1 MiB body 413")
	}
	// Deeply nested JSON.
	s.do(t, owner, "POST", "/v1/orgs/acme/check", strings.Repeat(`{"a":`, 100000)).want(t, 400)
	// Lists: at most 1000 a page, whatever the limit asked.
	seedDatasets(t, s, "acme", 1100)
	r := s.do(t, owner, "GET", "/v1/orgs/acme/resources?type=dataset&limit=1000000", nil).want(t, 200)
	var page struct {
		Items []any  `json:"items"`
		Next  string `json:"next_page_token"`
	}
	json.Unmarshal(r.body, &page)
	if len(page.Items) != 1000 || page.Next == "" {
		t.Errorf("API4 list with limit=1000000: %d items, next %q; want 1000 and a next page", len(page.Items), page.Next)
	}
	note("GET /v1/orgs/{org}/resources", "limit=1000000 gives 1000 and a next page")
	r = s.do(t, owner, "POST", "/v1/orgs/acme/lookup/resources", map[string]any{"permission": "dataset.view", "type": "dataset", "limit": 1000000}).want(t, 200)
	json.Unmarshal(r.body, &page)
	if len(page.Items) != 1000 || page.Next == "" {
		t.Errorf("API4 lookup with limit=1000000: %d items, next %q", len(page.Items), page.Next)
	}
	note("POST /v1/orgs/{org}/lookup/resources", "limit=1000000 gives 1000 and a next page")
	for _, p := range []string{"members", "grants", "audit", "keys", "invitations"} {
		s.do(t, owner, "GET", "/v1/orgs/acme/"+p+"?limit=-5", nil).want(t, 200)
		s.do(t, owner, "GET", "/v1/orgs/acme/"+p+"?limit=1000000", nil).want(t, 200)
		note("GET /v1/orgs/{org}/"+p, "limit clamped to 1..1000")
	}
	// Batches: 1000 checks at most.
	checks := make([]map[string]any, 1001)
	for i := range checks {
		checks[i] = map[string]any{"permission": "dataset.view", "resource": "dataset:cats"}
	}
	s.do(t, owner, "POST", "/v1/orgs/acme/check/batch", map[string]any{"checks": checks}).want(t, 422)
	s.do(t, owner, "POST", "/v1/orgs/acme/check/batch", map[string]any{"checks": checks[:1000]}).want(t, 200)
	note("POST /v1/orgs/{org}/check/batch", "1001 checks 422, 1000 ok")
	grants := make([]map[string]any, 101)
	for i := range grants {
		grants[i] = map[string]any{"role": "dataset.viewer", "scope": "dataset:cats"}
	}
	s.do(t, owner, "POST", "/v1/orgs/acme/invitations", map[string]any{"email": "many@acme.test", "grants": grants}).want(t, 422)
	note("POST /v1/orgs/{org}/invitations", "101 grants 422")
	attrs := map[string]string{}
	for i := range 51 {
		attrs[fmt.Sprintf("a%d", i)] = "x"
	}
	s.do(t, owner, "PUT", "/v1/orgs/acme/resources/dataset/attrs", map[string]any{"attributes": attrs}).want(t, 422)
	s.do(t, owner, "PUT", "/v1/orgs/acme/resources/dataset/attrs", map[string]any{"name": strings.Repeat("n", 201)}).want(t, 422)
	note("PUT /v1/orgs/{org}/resources/{type}/{id}", "51 attributes or a 201-character name 422")
	// Seats: members and pending invitations are bounded by the plan.
	s.do(t, owner, "PATCH", "/v1/orgs/acme/billing", map[string]any{"seat_limit": 1}).want(t, 409)
	note("PATCH /v1/orgs/{org}/billing", "seat_limit below the seats in use 409")
	// at_least_revision nobody wrote: 422 at once, no wait to hold a worker.
	began := time.Now()
	r = s.do(t, owner, "POST", "/v1/orgs/acme/check", map[string]any{"permission": "org.view", "at_least_revision": 1 << 50})
	if r.status != 422 || time.Since(began) > time.Second {
		t.Errorf("API4 at_least_revision from the future: %d after %v", r.status, time.Since(began))
	}
	note("POST /v1/orgs/{org}/check", "at_least_revision from the future 422 at once")
	// A body that never finishes: the server stops reading.
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v1/orgs/acme/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"perm", owner)
	began = time.Now()
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	status, _ := bufio.NewReader(conn).ReadString('\n')
	waited := time.Since(began)
	conn.Close()
	if waited > 10*time.Second {
		t.Errorf("API4 a stalled body held the request for %v (answer %q)", waited, status)
	}
	note("POST /v1/orgs/{org}/check", fmt.Sprintf("stalled body cut after %.1fs (%s)", waited.Seconds(), strings.TrimSpace(status)))
}

// seedDatasets puts n datasets straight in the store, in one transaction.
func seedDatasets(t *testing.T, s *inproc, org string, n int) {
	var changes []domain.Change
	rev, err := s.st.Update(context.Background(), func(tx store.Tx) error {
		for i := range n {
			r := domain.Resource{Org: org, Type: "dataset", ID: fmt.Sprintf("bulk-%05d", i), CreatedAt: time.Now()}
			if err := tx.PutResource(r); err != nil {
				return err
			}
			changes = append(changes, domain.Change{Op: domain.OpPutResource, Resource: &r})
		}
		if err := tx.AppendAudit(&domain.AuditEvent{Org: org, Actor: "test:seed", Action: "test.seed", Target: "org:" + org}); err != nil {
			return err
		}
		return tx.AppendChanges(org, changes)
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.svc.Engine().WaitFor(ctx, rev); err != nil {
		t.Fatal(err)
	}
}

// misconfiguration: API8. inspect checks the security headers of every
// answer; here CORS, methods and error bodies.
func misconfiguration(t *testing.T, f *owaspFix) {
	s := f.s
	for _, path := range []string{"/v1/orgs/acme", "/v1/auth/login", "/openapi.json"} {
		r := s.do(t, "", "OPTIONS", path, nil, "Origin", "https://evil.test", "Access-Control-Request-Method", "POST")
		if acao := r.header.Get("Access-Control-Allow-Origin"); acao != "" {
			t.Errorf("API8 OPTIONS %s grants CORS to %q", path, acao)
		}
		r = s.do(t, f.tokens["owner"], "GET", path, nil, "Origin", "https://evil.test")
		if acao := r.header.Get("Access-Control-Allow-Origin"); acao != "" {
			t.Errorf("API8 GET %s with Origin grants CORS to %q", path, acao)
		}
	}
	for _, m := range []string{"TRACE", "CONNECT", "PROPFIND"} {
		req, _ := http.NewRequest(m, s.url+"/v1/orgs/acme", nil)
		res, err := s.client.Do(req)
		if err == nil {
			if res.StatusCode < 400 {
				t.Errorf("API8 %s answered %d", m, res.StatusCode)
			}
			res.Body.Close()
		}
	}
	s.do(t, "", "GET", "/v1/nothing/here", nil).want(t, 404)
	s.do(t, "", "GET", "/.env", nil).want(t, 404)
	s.do(t, "", "GET", "/v1/orgs/acme/../../etc/passwd", nil)
}

// authentication: API2 broken authentication.
func authentication(t *testing.T, f *owaspFix, rows map[string]*owaspRow) {
	s := f.s
	p := f.people["member"]
	a := s.do(t, "", "POST", "/v1/auth/login", map[string]any{"email": p.email, "password": "wrong"}).want(t, 401)
	b := s.do(t, "", "POST", "/v1/auth/login", map[string]any{"email": "nobody-" + p.email, "password": "wrong"}).want(t, 401)
	if a.str(t, "detail") != b.str(t, "detail") {
		t.Errorf("API2 wrong password and unknown email answer differently: %q, %q", a.str(t, "detail"), b.str(t, "detail"))
	}
	limited := 0
	for range 12 {
		if r := s.do(t, "", "POST", "/v1/auth/login", map[string]any{"email": p.email, "password": "wrong"}); r.status == 429 {
			limited++
			if r.header.Get("Retry-After") == "" {
				t.Error("API2 429 without Retry-After")
			}
		}
	}
	if limited == 0 {
		t.Error("API2 12 more wrong passwords were never rate limited")
	}
	// Even the right password waits out the limit.
	s.do(t, "", "POST", "/v1/auth/login", map[string]any{"email": p.email, "password": p.password}).want(t, 429)
	if r := rows["POST /v1/auth/login"]; r != nil {
		r.bfla = "public; wrong password and unknown email: same 401; 5 failures per account from one address (20 per address), then 429 with Retry-After and back-off; never a lock-out from other addresses"
		r.bola = "n/a"
		r.mass = "extra fields 400"
	}
	if r := rows["POST /v1/invitations/accept"]; r != nil {
		r.bfla = "public; unknown, used, revoked or expired token 404; existing account needs its password (401, throttled like login); the same answers for registered and unknown emails"
		r.bola = "n/a"
		r.mass = "extra fields 400"
	}
	if r := rows["POST /v1/auth/password-reset"]; r != nil {
		r.bfla = "public; 202 with one body for every email; 10 requests an hour per address, then 429; 3 links an hour per email"
		r.bola = "n/a"
		r.mass = "extra fields 400"
	}
	if r := rows["POST /v1/auth/password-reset/confirm"]; r != nil {
		r.bfla = "public; unknown, used or expired token 404; weak password 422"
		r.bola = "n/a"
		r.mass = "extra fields 400"
	}
	if r := rows["GET /v1/auth/sso/start"]; r != nil {
		r.bfla = "public; an org without SSO and one that does not exist: the same 404; 30 starts per address in 10 minutes, then 429"
		r.bola = "n/a"
	}
	if r := rows["GET /v1/auth/sso/callback"]; r != nil {
		r.bfla = "public; an unknown, used or expired state 401 (single use); no state or code 422; the ID token's issuer, audience, expiry, nonce and a verified email are checked (403, audited)"
		r.bola = "n/a"
	}
	s.do(t, "", "GET", "/v1/auth/sso/start?org=bravo", nil).want(t, 404)
	s.do(t, "", "GET", "/v1/auth/sso/start?org=no-such-org", nil).want(t, 404)
	s.do(t, "", "GET", "/v1/auth/sso/callback?state=forged&code=c", nil).want(t, 401)
	s.do(t, "", "GET", "/v1/auth/sso/callback", nil).want(t, 422)
	s.do(t, "", "POST", "/v1/auth/password-reset", map[string]any{"email": p.email, "role": "owner"}).want(t, 400)
	rt, _ := credential.NewToken(credential.ResetPrefix)
	s.do(t, "", "POST", "/v1/auth/password-reset/confirm", map[string]any{"token": rt, "new_password": "long enough phrase"}).want(t, 404)
	s.do(t, "", "POST", "/v1/auth/password-reset/confirm", map[string]any{"token": rt, "new_password": "long enough phrase", "user_id": p.id}).want(t, 400)
	s.do(t, "", "POST", "/v1/auth/login", map[string]any{"email": p.email, "password": "x", "role": "owner"}).want(t, 400)
	tok, _ := credential.NewToken(credential.InvitationPrefix)
	s.do(t, "", "POST", "/v1/invitations/accept", map[string]any{"token": tok, "name": "X", "password": "long enough phrase"}).want(t, 404)
	s.do(t, "", "POST", "/v1/invitations/accept", map[string]any{"token": tok, "name": "X", "password": "long enough phrase", "org": "acme", "role": "owner"}).want(t, 400)
}

// authzenMetadata: the AuthZEN metadata is public, and built from the path
// alone: an org that exists and one that does not answer alike.
func authzenMetadata(t *testing.T, f *owaspFix, rows map[string]*owaspRow) {
	const op = "GET /.well-known/authzen-configuration/v1/orgs/{org}"
	body := func(org string) string {
		r := f.s.do(t, "", "GET", fillPath(strings.SplitN(op, " ", 2)[1], org, nil), nil).want(t, 200)
		return strings.ReplaceAll(string(r.body), org, "ORG")
	}
	if a, b := body("bravo"), body("no-such-org"); a != b {
		t.Errorf("AuthZEN metadata tells an org that exists from one that does not: %s vs %s", a, b)
	}
	if r := rows[op]; r != nil {
		r.bola = "public; the same answer for an org that exists and one that does not"
		r.bfla = "200 for anyone (discovery)"
	}
}

// scimPass: the SCIM operations answer to the org's SCIM tokens only. Every
// caller of the pass (sessions, keys, anonymous) is 401 on each; acme's
// SCIM token works on acme and is 401 on bravo; unknown attributes are
// ignored (SCIM's extensibility), never refused.
func scimPass(t *testing.T, f *owaspFix, rows map[string]*owaspRow) {
	s := f.s
	tok := s.do(t, f.tokens["owner"], "POST", "/v1/orgs/acme/scim-tokens", map[string]any{"name": "pass"}).want(t, 201).str(t, "token")
	user := func(t *testing.T) string {
		return s.do(t, tok, "POST", "/v1/orgs/acme/scim/v2/Users", map[string]any{"userName": f.uniq("scim") + "@acme.test"}).want(t, 201).str(t, "id")
	}
	group := func(t *testing.T) string {
		return s.do(t, tok, "POST", "/v1/orgs/acme/scim/v2/Groups", map[string]any{"displayName": f.uniq("scim-g")}).want(t, 201).str(t, "id")
	}
	patch := map[string]any{"Operations": []any{map[string]any{"op": "replace", "value": map[string]any{"active": false}}}}
	search := func() map[string]any {
		return map[string]any{"schemas": []string{"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}, "count": 5}
	}
	for op, c := range map[string]func(t *testing.T) (string, any){
		"GET /ServiceProviderConfig": func(*testing.T) (string, any) { return "", nil },
		"GET /ResourceTypes":         func(*testing.T) (string, any) { return "", nil },
		"GET /ResourceTypes/{id}":    func(*testing.T) (string, any) { return "User", nil },
		"GET /Schemas":               func(*testing.T) (string, any) { return "", nil },
		"GET /Schemas/{id}":          func(*testing.T) (string, any) { return "urn:ietf:params:scim:schemas:core:2.0:User", nil },
		"GET /Users":                 func(*testing.T) (string, any) { return "", nil },
		"POST /Users": func(*testing.T) (string, any) {
			return "", map[string]any{"userName": f.uniq("scim") + "@acme.test"}
		},
		"GET /Users/{id}":    func(t *testing.T) (string, any) { return user(t), nil },
		"PUT /Users/{id}":    func(t *testing.T) (string, any) { return user(t), map[string]any{"active": true} },
		"PATCH /Users/{id}":  func(t *testing.T) (string, any) { return user(t), patch },
		"DELETE /Users/{id}": func(t *testing.T) (string, any) { return user(t), nil },
		"GET /Groups":        func(*testing.T) (string, any) { return "", nil },
		"POST /Groups":       func(*testing.T) (string, any) { return "", map[string]any{"displayName": f.uniq("scim-g")} },
		"GET /Groups/{id}":   func(t *testing.T) (string, any) { return group(t), nil },
		"PUT /Groups/{id}":   func(t *testing.T) (string, any) { return group(t), map[string]any{"displayName": f.uniq("scim-g")} },
		"PATCH /Groups/{id}": func(t *testing.T) (string, any) {
			return group(t), map[string]any{"Operations": []any{map[string]any{"op": "replace", "path": "displayName", "value": f.uniq("scim-g")}}}
		},
		"DELETE /Groups/{id}": func(t *testing.T) (string, any) { return group(t), nil },
		"POST /.search":       func(*testing.T) (string, any) { return "", search() },
		"POST /Users/.search": func(*testing.T) (string, any) { return "", search() },
		"POST /Groups/.search": func(*testing.T) (string, any) {
			return "", search()
		},
	} {
		method, rest, _ := strings.Cut(op, " ")
		name := method + " /v1/orgs/{org}/scim/v2" + rest
		row := rows[name]
		if row == nil {
			t.Errorf("%s is not documented", name)
			continue
		}
		path := func(org, id string) string {
			return "/v1/orgs/" + org + "/scim/v2" + strings.ReplaceAll(rest, "{id}", id)
		}
		for _, caller := range f.roles {
			id, body := c(t)
			if r := s.do(t, f.tokens[caller], method, path("acme", id), body); r.status != 401 {
				t.Errorf("API5 %s as %s: %d, want 401: %s", name, caller, r.status, r.body)
			}
		}
		id, body := c(t)
		if r := s.do(t, tok, method, path("bravo", id), body); r.status != 401 {
			t.Errorf("API1 %s on bravo with acme's SCIM token: %d, want 401", name, r.status)
		}
		row.bola = "other org 401 (a SCIM token is its org's)"
		row.bfla = "401: every session and key; 2xx: the org's SCIM token"
		row.mass = "no body"
		id, body = c(t)
		if m, ok := body.(map[string]any); ok {
			for k, v := range massFields(f) {
				m[k] = v
			}
			row.mass = "unknown attributes ignored or kept as the org's record (SCIM), never applied"
		}
		if r := s.do(t, tok, method, path("acme", id), body); r.status >= 300 {
			t.Errorf("%s with acme's SCIM token: %d: %s", name, r.status, r.body)
		}
		row.ok = "SCIM token"
	}
}
