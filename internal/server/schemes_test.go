package server_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/team"
)

// clinicV1 is a small scheme of --scheme-dir, in its first version.
const clinicV1 = `id: clinic
name: Clinic
top_role: owner
base_role: member
audit_permission: audit.view
resource_types:
  - {id: study, owned: true, create_permission: studies.create}
  - {id: note, parent: study, owned: true, create_permission: note.write}
permissions:
  - {id: org.view, type: org}
  - {id: org.rename, type: org}
  - {id: members.view, type: org}
  - {id: members.manage, type: org}
  - {id: keys.manage, type: org}
  - {id: billing.view, type: org}
  - {id: billing.manage, type: org}
  - {id: audit.view, type: org}
  - {id: studies.create, type: org}
  - {id: study.view, type: study}
  - {id: study.annotate, type: study}
  - {id: note.write, type: note}
roles:
  - {id: owner, name: Owner, scope_type: org, permissions: ["*"]}
  - {id: admin, name: Admin, scope_type: org, permissions: ["*"], except: [billing.manage]}
  - {id: member, name: Member, scope_type: org, permissions: [org.view, members.view]}
  - {id: radiologist, name: Radiologist, scope_type: org, permissions: [org.view, study.view, study.annotate]}
  - {id: annotator, name: Annotator, scope_type: study, permissions: [study.view, study.annotate]}
user_management:
  - permission: members.manage
`

// edit applies old→new replacements to a scheme text, each of which must
// apply.
func edit(t *testing.T, src string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if !strings.Contains(src, pairs[i]) {
			t.Fatalf("edit: %q not in the scheme", pairs[i])
		}
		src = strings.ReplaceAll(src, pairs[i], pairs[i+1])
	}
	return src
}

// TestSchemeEvolves restarts a server on one SQLite file with a scheme
// file changed in between: what a new version adds applies at the
// restart; what it drops while records still use it refuses the start,
// listing every use.
func TestSchemeEvolves(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "schemes")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "clinic.yaml")
	write := func(src string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := server.Config{DB: filepath.Join(tmp, "g.db"), SchemeDir: dir, NoConsole: true, RevealInvitationTokens: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	stop := func(srv *server.Server) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// Version 1, and records that use each part of it.
	write(clinicV1)
	srv, err := server.Start(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	svc := srv.Service()
	boot, err := svc.Bootstrap(ctx, "imaging", "Imaging", "clinic", "olga@imaging.test", "a long passphrase, picked well")
	if err != nil {
		t.Fatal(err)
	}
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = svc.PutResource(ctx, owner, "imaging", team.ResourceRequest{Type: "study", ID: "s1"})
	must(err)
	_, err = svc.PutResource(ctx, owner, "imaging", team.ResourceRequest{Type: "note", ID: "n1", Parent: "study:s1"})
	must(err)
	inv, _, err := svc.Invite(ctx, owner, "imaging", team.InviteRequest{Email: "r.m@imaging.test", Role: "radiologist"})
	must(err)
	rita, _, err := svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: "Rita", Password: "rita reads the scans"})
	must(err)
	grp, err := svc.CreateGroup(ctx, owner, "imaging", "Annotators")
	must(err)
	gr, _, err := svc.CreateGrant(ctx, owner, "imaging", team.GrantRequest{Subject: "group:" + grp.ID, Role: "annotator", Scope: "study:s1"})
	must(err)
	_, _, err = svc.CreateRole(ctx, owner, "imaging", domain.Role{ID: "qa", Name: "QA", ScopeType: "study",
		Permissions: []domain.RolePermission{{ID: "study.view"}, {ID: "study.annotate"}}})
	must(err)
	stop(srv)

	// Version 2 drops a permission, two roles and a resource type, all in use.
	write(edit(t, clinicV1,
		"  - {id: study.annotate, type: study}\n", "",
		"[org.view, study.view, study.annotate]", "[org.view, study.view]",
		"  - {id: radiologist, name: Radiologist, scope_type: org, permissions: [org.view, study.view]}\n", "",
		"  - {id: annotator, name: Annotator, scope_type: study, permissions: [study.view, study.annotate]}\n", "",
		"  - {id: note, parent: study, owned: true, create_permission: note.write}\n", "",
		"  - {id: note.write, type: note}\n", ""))
	_, err = server.Start(ctx, cfg)
	if err == nil {
		t.Fatal("a scheme that drops what records use: the server started")
	}
	t.Logf("the refusal:\n%v", err)
	for _, want := range []string{
		"org imaging: 4 record(s) use what scheme clinic (" + file + ") no longer has",
		`custom role qa: unknown permission "study.annotate"`,
		`member ` + rita.UserID + ` holds org role "radiologist", which the scheme no longer has`,
		`grant ` + gr.ID + ` gives role "annotator" to group:` + grp.ID + ` at study:s1`,
		`resource note:n1 is of resource type "note"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal lacks %q:\n%v", want, err)
		}
	}

	// Version 2 instead adds a permission and a role: the start takes them.
	write(edit(t, clinicV1,
		"  - {id: note.write, type: note}\n", "  - {id: note.write, type: note}\n  - {id: study.export, type: study}\n",
		"user_management:", "  - {id: exporter, name: Exporter, scope_type: study, permissions: [study.view, study.export]}\nuser_management:",
		"[org.view, study.view, study.annotate]", "[org.view, study.view, study.annotate, study.export]"))
	srv, err = server.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("a scheme that only adds: %v", err)
	}
	defer stop(srv)
	svc = srv.Service()
	for _, c := range []struct {
		subject, permission string
		allowed             bool
	}{
		{"user:" + rita.UserID, "study.export", true}, // the new permission, in an old role
		{"user:" + rita.UserID, "study.annotate", true},
		{"group:" + grp.ID, "study.export", false},
		{"group:" + grp.ID, "study.annotate", true}, // the old grant still holds
	} {
		d, err := svc.Check(ctx, owner, "imaging", team.CheckRequest{Subject: c.subject, Permission: c.permission, Resource: "study:s1"})
		if err != nil || d.Allowed != c.allowed {
			t.Errorf("%s %s: allowed=%v err=%v, want %v", c.subject, c.permission, d.Allowed, err, c.allowed)
		}
	}
	if _, _, err := svc.CreateGrant(ctx, owner, "imaging", team.GrantRequest{Subject: "group:" + grp.ID, Role: "exporter", Scope: "study:s1"}); err != nil {
		t.Errorf("grant the new role: %v", err)
	}
}

// A scheme directory that does not load refuses the start, naming the
// file and the line.
func TestSchemeDirRefusesTheStart(t *testing.T) {
	for _, c := range []struct{ name, src, want string }{
		{"a reference", edit(t, clinicV1, "base_role: member", "base_role: guest"), `bad.yaml:4: base_role: unknown role "guest"`},
		{"the policy", edit(t, clinicV1, "  - {id: keys.manage, type: org}\n", ""), "bad.yaml:9: scheme clinic lacks permissions the management policy names: keys.manage"},
		{"a built-in id", edit(t, clinicV1, "id: clinic", "id: labelbox"), `bad.yaml:1: scheme id "labelbox" is a built-in scheme's`},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte(c.src), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := server.Start(context.Background(), server.Config{DB: filepath.Join(t.TempDir(), "g.db"), SchemeDir: dir, NoConsole: true,
				Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("start: %v\nwant %q", err, c.want)
			}
		})
	}
}
