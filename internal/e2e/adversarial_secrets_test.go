package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// TestNoSecretInAnswersLogsOrAudit walks every flow that handles a secret
// (login right and wrong, invitations made, resent and accepted by a new
// and an existing account, keys made, used, rotated and revoked, logout,
// requests with dead or malformed credentials, bodies carrying passwords
// that fail validation) on each backend. inspect checks every answer as it
// comes; then the whole server log, the audit log and the changelog are
// scanned for every password, session token, invitation token and key
// secret the test saw, for their SHA-256 (hex and base64), and for
// password hashes.
func TestNoSecretInAnswersLogsOrAudit(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *inproc) {
		owner := s.newPerson(t, "owner")
		s.newOrg(t, owner, "acme", "vi")
		s.do(t, owner.token, "PUT", "/v1/orgs/acme/resources/dataset/cats", map[string]any{}).want(t, 200)

		// Logins: right, wrong (twice, the same answer), malformed.
		s.login(t, owner.email, owner.password)
		for range 2 {
			s.do(t, "", "POST", "/v1/auth/login", map[string]any{"email": owner.email, "password": "wrong-" + owner.password}).want(t, 401)
		}
		s.remember("wrong-" + owner.password)
		s.do(t, "", "POST", "/v1/auth/login", `{"email":"`+owner.email+`","password":"`+owner.password+`","extra":1}`).want(t, 400)
		s.do(t, "", "POST", "/v1/auth/login", `{"email":"`+owner.email+`","password":`+`12345678}`).want(t, 400)

		// An invitation to a new account: resent, the old token dead,
		// accepted with a password (the production hash, once).
		inv := s.do(t, owner.token, "POST", "/v1/orgs/acme/invitations", map[string]any{"email": "newbie@acme.test", "role": "member",
			"grants": []map[string]any{grantOf("dataset.viewer", "dataset:cats")}}).want(t, 201)
		old := inv.str(t, "token")
		res := s.do(t, owner.token, "POST", "/v1/orgs/acme/invitations/"+inv.str(t, "id")+"/resend", nil).want(t, 200)
		s.do(t, "", "POST", "/v1/invitations/accept", map[string]any{"token": old, "name": "Newbie", "password": "tangerine ladder 41"}).want(t, 404)
		s.remember("tangerine ladder 41")
		s.do(t, "", "POST", "/v1/invitations/accept", map[string]any{"token": res.str(t, "token"), "name": "Newbie", "password": "short"}).want(t, 422)
		acc := s.do(t, "", "POST", "/v1/invitations/accept", map[string]any{"token": res.str(t, "token"), "name": "Newbie",
			"password": "tangerine ladder 41"}).want(t, 200)
		newbie := acc.str(t, "token")
		s.do(t, newbie, "GET", "/v1/orgs/acme/members/"+acc.str(t, "user_id"), nil).want(t, 200)
		s.do(t, owner.token, "GET", "/v1/orgs/acme/invitations", nil).want(t, 200)

		// An existing account accepts with a wrong, then the right password.
		bob := s.newPerson(t, "bob")
		inv = s.do(t, owner.token, "POST", "/v1/orgs/acme/invitations", map[string]any{"email": bob.email, "role": "admin"}).want(t, 201)
		s.do(t, "", "POST", "/v1/invitations/accept", map[string]any{"token": inv.str(t, "token"), "email": bob.email, "password": "not-" + bob.password}).want(t, 401)
		s.remember("not-" + bob.password)
		s.do(t, "", "POST", "/v1/invitations/accept", map[string]any{"token": inv.str(t, "token"), "email": bob.email, "password": bob.password}).want(t, 200)

		// Keys: made, used, listed, rotated with overlap, revoked.
		id, secret := s.newKey(t, owner.token, "acme", "dataset.viewer", "dataset:cats")
		s.do(t, secret, "POST", "/v1/orgs/acme/check", map[string]any{"permission": "dataset.view", "resource": "dataset:cats"}).want(t, 200)
		s.do(t, owner.token, "GET", "/v1/orgs/acme/keys", nil).want(t, 200)
		rot := s.do(t, owner.token, "POST", "/v1/orgs/acme/keys/"+id+"/rotate", map[string]any{"overlap_seconds": 600}).want(t, 200)
		s.do(t, secret, "GET", "/v1/orgs/acme", nil).want(t, 200)
		s.do(t, rot.str(t, "secret"), "GET", "/v1/orgs/acme", nil).want(t, 200)
		s.do(t, owner.token, "DELETE", "/v1/orgs/acme/keys/"+id, nil).want(t, 204)
		for _, dead := range []string{secret, rot.str(t, "secret"), secret[:len(secret)-1] + "x", "gss_" + strings.Repeat("A", 43)} {
			s.do(t, dead, "GET", "/v1/orgs/acme", nil).want(t, 401)
		}
		s.do(t, "", "GET", "/v1/orgs/acme", nil, "Authorization", "Basic "+owner.password).want(t, 401)

		// Personal access tokens: made, used, listed, revoked.
		pat := s.do(t, owner.token, "POST", "/v1/me/tokens", map[string]any{"name": "script", "org": "acme"}).want(t, 201)
		patSecret := pat.str(t, "secret")
		s.do(t, patSecret, "POST", "/v1/orgs/acme/check", map[string]any{"permission": "dataset.view", "resource": "dataset:cats"}).want(t, 200)
		s.do(t, owner.token, "GET", "/v1/me/tokens", nil).want(t, 200)
		s.do(t, owner.token, "DELETE", "/v1/me/tokens/"+pat.str(t, "id"), nil).want(t, 204)
		for _, dead := range []string{patSecret, patSecret[:len(patSecret)-1] + "x", "gsp_" + strings.Repeat("A", 43)} {
			s.do(t, dead, "GET", "/v1/orgs/acme", nil).want(t, 401)
		}

		// Sessions: ended.
		s.do(t, newbie, "POST", "/v1/auth/logout", nil).want(t, 204)
		s.do(t, newbie, "GET", "/v1/me", nil).want(t, 401)

		// The audit log over the API, then everything at rest.
		s.do(t, owner.token, "GET", "/v1/orgs/acme/audit?limit=1000", nil).want(t, 200)
		secrets := s.knownSecrets()
		if len(secrets) < 10 {
			t.Fatalf("only %d secrets seen", len(secrets))
		}
		log, _ := s.logs.Since(0)
		scanForSecrets(t, "the server log", log, secrets)
		var audit, changes bytes.Buffer
		for _, e := range s.auditOf(t, "acme") {
			b, _ := json.Marshal(e)
			audit.Write(b)
		}
		scanForSecrets(t, "the audit log", audit.String(), secrets)
		if err := s.st.View(context.Background(), func(r store.Reader) error {
			sets, err := r.ChangesSince(0, 0)
			b, _ := json.Marshal(sets)
			changes.Write(b)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		scanForSecrets(t, "the changelog", changes.String(), secrets)
		t.Logf("%s: %d secrets, tokens and passwords; %d answers, %d bytes of log, %d of audit, %d of changelog scanned: none found, nor any hash of them or password hash",
			s.backend, len(secrets), s.requests.Load(), len(log), audit.Len(), changes.Len())
	})
}

// TestCredentialsExpire: sessions end after their TTL, keys at their
// expiry, a rotated key's old secret at the end of its overlap, grants at
// their expiry and invitations after theirs, on the next request.
func TestCredentialsExpire(t *testing.T) {
	s := startInproc(t, "sqlite", inprocOptions{sessionTTL: 2 * time.Hour})
	owner := s.newPerson(t, "owner")
	s.newOrg(t, owner, "acme", "vi")
	s.do(t, owner.token, "PUT", "/v1/orgs/acme/resources/dataset/cats", map[string]any{}).want(t, 200)
	soon := s.clock.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	k := s.do(t, owner.token, "POST", "/v1/orgs/acme/keys", map[string]any{"name": "temp", "role": "member", "expires_at": soon}).want(t, 201)
	_, rotating := s.newKey(t, owner.token, "acme", "member", "org")
	rid := s.do(t, owner.token, "GET", "/v1/orgs/acme/keys", nil).want(t, 200).obj(t)["items"].([]any)
	var rotID string
	for _, it := range rid {
		if m := it.(map[string]any); strings.HasPrefix(rotating, m["prefix"].(string)) {
			rotID = m["id"].(string)
		}
	}
	rot := s.do(t, owner.token, "POST", "/v1/orgs/acme/keys/"+rotID+"/rotate", map[string]any{"overlap_seconds": 1800}).want(t, 200)
	m := s.newPerson(t, "contractor")
	s.join(t, owner.token, "acme", m, "member")
	s.do(t, owner.token, "POST", "/v1/orgs/acme/grants", map[string]any{"subject": "user:" + m.id, "role": "dataset.viewer",
		"scope": "dataset:cats", "expires_at": soon}).want(t, 201)
	inv := s.do(t, owner.token, "POST", "/v1/orgs/acme/invitations", map[string]any{"email": "late@acme.test", "expires_in_hours": 1}).want(t, 201)
	view := func() bool {
		r := s.do(t, m.token, "POST", "/v1/orgs/acme/check", map[string]any{"permission": "dataset.view", "resource": "dataset:cats"}).want(t, 200)
		return r.obj(t)["allowed"].(bool)
	}
	if !view() {
		t.Fatal("grant not effective before expiry")
	}
	s.do(t, k.str(t, "secret"), "GET", "/v1/orgs/acme", nil).want(t, 200)
	s.do(t, rotating, "GET", "/v1/orgs/acme", nil).want(t, 200)

	s.clock.Advance(31 * time.Minute) // the rotation overlap is over
	s.do(t, rotating, "GET", "/v1/orgs/acme", nil).want(t, 401)
	s.do(t, rot.str(t, "secret"), "GET", "/v1/orgs/acme", nil).want(t, 200)
	s.do(t, k.str(t, "secret"), "GET", "/v1/orgs/acme", nil).want(t, 200)

	s.clock.Advance(30 * time.Minute) // an hour and a minute: key, grant and invitation expired
	s.do(t, k.str(t, "secret"), "GET", "/v1/orgs/acme", nil).want(t, 401)
	if view() {
		t.Fatal("an expired grant still gives access")
	}
	s.do(t, "", "POST", "/v1/invitations/accept", map[string]any{"token": inv.str(t, "token"), "name": "Late", "password": "late-password"}).want(t, 404)
	s.do(t, owner.token, "GET", "/v1/me", nil).want(t, 200)

	s.clock.Advance(time.Hour) // past the session TTL of two hours
	s.do(t, owner.token, "GET", "/v1/me", nil).want(t, 401)
	s.do(t, m.token, "GET", "/v1/me", nil).want(t, 401)
}

// TestSecretComparisonsAreConstantTime reads the server's source (every
// non-test Go file under internal/ and client/) and fails on == or != or
// bytes.Equal between values whose expressions name a hash, secret, token
// or password, other than a comparison with "" or nil: those must go
// through crypto/subtle (credential.Equal). Lookups of a key or session by
// the SHA-256 of its secret happen in the database's index, on a hash of
// 256 random bits that an attacker cannot steer prefix by prefix.
func TestSecretComparisonsAreConstantTime(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	sensitive := func(s string) bool {
		s = strings.ToLower(s)
		for _, w := range []string{"hash", "secret", "token", "password", "passwd"} {
			if strings.Contains(s, w) {
				return true
			}
		}
		return false
	}
	trivial := func(e ast.Expr) bool {
		switch v := e.(type) {
		case *ast.BasicLit:
			return true
		case *ast.Ident:
			return v.Name == "nil" || v.Name == "true" || v.Name == "false"
		case *ast.CallExpr: // len(token) == 43 and the like
			if id, ok := v.Fun.(*ast.Ident); ok && id.Name == "len" {
				return true
			}
		}
		return false
	}
	fset := token.NewFileSet()
	files := 0
	var found []string
	for _, dir := range []string{"internal", "client"} {
		filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			files++
			text := func(e ast.Expr) string {
				var b bytes.Buffer
				printer.Fprint(&b, fset, e)
				return b.String()
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch v := n.(type) {
				case *ast.BinaryExpr:
					if (v.Op == token.EQL || v.Op == token.NEQ) && !trivial(v.X) && !trivial(v.Y) &&
						(sensitive(text(v.X)) || sensitive(text(v.Y))) {
						found = append(found, fset.Position(v.Pos()).String()+": "+text(v))
					}
				case *ast.CallExpr:
					if sel, ok := v.Fun.(*ast.SelectorExpr); ok && len(v.Args) == 2 {
						if pkg, ok := sel.X.(*ast.Ident); ok && (pkg.Name == "bytes" && sel.Sel.Name == "Equal" ||
							pkg.Name == "strings" && sel.Sel.Name == "EqualFold" || pkg.Name == "reflect" && sel.Sel.Name == "DeepEqual") {
							if sensitive(text(v.Args[0])) || sensitive(text(v.Args[1])) {
								found = append(found, fset.Position(v.Pos()).String()+": "+text(v))
							}
						}
					}
				}
				return true
			})
			return nil
		})
	}
	// Comparisons of values that only look like secrets by name.
	allowed := map[string]string{
		"ev.PrevHash != prev":                    "store conformance suite: audit chain digests",
		"ev.Hash != want":                        "store conformance suite: audit chain digests",
		`r.URL.Query().Get("v") == f.hash`:       "console asset version for cache busting, public",
		"p2 != req.Password":                     "a password and its confirmation from the same form",
		`pw != r.PostFormValue("password2")`:     "a password and its confirmation from the same form",
		"p.NextPageToken == req.PageToken":       "page tokens are cursors, not credentials",
		`p.NextPageToken == q.Get("page_token")`: "page tokens are cursors, not credentials",
		"p.NextPageToken == opts.PageToken":      "page tokens are cursors, not credentials",
	}
	bad := 0
	for _, f := range found {
		_, expr, _ := strings.Cut(f, ": ")
		if reason, ok := allowed[expr]; ok {
			t.Logf("allowed: %s (%s)", f, reason)
			continue
		}
		bad++
		t.Errorf("secret compared in variable time: %s", f)
	}
	t.Logf("%d source files read; %d comparisons named like secrets, %d of them of secrets in variable time", files, len(found), bad)
}
