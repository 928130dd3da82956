package team_test

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

var update = flag.Bool("update", false, "rewrite docs/permissions.md from the policy")

// docs/permissions.md is the policy table, rendered; it may not drift.
func TestPermissionsDoc(t *testing.T) {
	path := filepath.Join("..", "..", "docs", "permissions.md")
	want := team.PermissionsDoc()
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Fatal("docs/permissions.md is stale: go test ./internal/team -run TestPermissionsDoc -update")
	}
}

// Every built-in scheme has what the policy names, and a scheme missing
// one is refused by name.
func TestValidateScheme(t *testing.T) {
	for _, id := range scheme.Names() {
		if !scheme.Builtin(id) {
			continue // a test's own scheme
		}
		sc, _ := scheme.Get(id)
		if err := team.ValidateScheme(sc); err != nil {
			t.Errorf("%s: %v", id, err)
		}
	}
	vi, _ := scheme.Source("vi")
	src := strings.Replace(string(vi), "id: keys.manage,", "id: keys.handle,", 1)
	src = strings.ReplaceAll(src, "keys.manage", "keys.handle")
	sc, err := scheme.Parse("vi-renamed.yaml", []byte(src))
	if err != nil {
		t.Fatalf("parse the edited scheme: %v", err)
	}
	if err := team.ValidateScheme(sc); err == nil || !strings.Contains(err.Error(), "keys.manage") {
		t.Errorf("a scheme without keys.manage: got %v, want an error naming it", err)
	}
}

// No file of the management surface but the policy names a management
// permission: the console, the handlers and the use cases ask the policy.
func TestNoPermissionNamesOutsidePolicy(t *testing.T) {
	perms := map[string]bool{}
	for _, id := range scheme.Names() {
		if !scheme.Builtin(id) {
			continue // a test's own scheme
		}
		sc, _ := scheme.Get(id)
		for _, p := range sc.Permissions {
			if p.Type == scheme.OrgType {
				perms[p.ID] = true
			}
		}
	}
	for _, dir := range []string{".", filepath.Join("..", "console"), filepath.Join("..", "httpapi")} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") || strings.HasPrefix(filepath.Base(f), "policy") && dir == "." {
				continue
			}
			file, err := parser.ParseFile(token.NewFileSet(), f, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				lit, ok := n.(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				if v, err := strconv.Unquote(lit.Value); err == nil && perms[v] {
					t.Errorf("%s names the management permission %q; ask the policy (internal/team/policy.go and policy_needs.go)", f, v)
				}
				return true
			})
		}
	}
}
