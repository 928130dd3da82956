package team_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

// docs/matrices/SCHEME.md is each built-in scheme's rights matrix, marked
// with what Gatehouse's own endpoints use each permission for; it may not
// drift from the scheme files or the policy.
func TestMatrixDocs(t *testing.T) {
	for _, id := range scheme.Names() {
		if !scheme.Builtin(id) {
			continue // a test's own scheme
		}
		sc, _ := scheme.Get(id)
		var b bytes.Buffer
		b.WriteString("<!-- Generated from internal/scheme/schemes/" + id + ".yaml and internal/team/policy.go by `go test ./internal/team -run TestMatrixDocs -update`; do not edit by hand. -->\n\n")
		if err := team.MatrixOf(sc).Write(&b, "md"); err != nil {
			t.Fatal(err)
		}
		b.WriteString("\nThe Gatehouse column says what Gatehouse's own endpoints use a permission for (see\n" +
			"[permissions.md](../permissions.md)); *platform only* marks one that only the platform\n" +
			"enforces, by asking `POST /check`.\n")
		path := filepath.Join("..", "..", "docs", "matrices", id+".md")
		if *update {
			if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != b.String() {
			t.Errorf("docs/matrices/%s.md is stale: go test ./internal/team -run TestMatrixDocs -update", id)
		}
	}
}

// Labelbox's fine-grained catalog: the entries that name a Gatehouse action
// say which, the rest are platform only.
func TestLabelboxCatalogUses(t *testing.T) {
	sc, _ := scheme.Get("labelbox")
	uses := team.Uses(sc)
	for p, want := range map[string]string{
		"admin.members.view":              "member.list",
		"admin.members.add":               "invite",
		"admin.membership.modify":         "user management",
		"admin.api_keys.create":           "key.create",
		"admin.org_profile.modify":        "org.rename",
		"admin.membership_details.modify": "member.default_role",
		"members.invite":                  "invite",
		"audit.view":                      "audit",
		"org.view":                        "membership",
	} {
		if !strings.Contains(uses[p], want) {
			t.Errorf("%s: Gatehouse use %q, want it to name %q", p, uses[p], want)
		}
	}
	m := team.MatrixOf(sc)
	for _, p := range []string{"admin.webhooks.manage", "admin.tasks.cancel", "annotate.labels.create", "catalog.iam.create", "model.diagnostics.view", "label.write", "batch.rename"} {
		if got := m.UseOf(p); got != scheme.PlatformOnly {
			t.Errorf("%s: %q, want %q", p, got, scheme.PlatformOnly)
		}
	}
	// Every category-admin entry is marked one way or the other, and the
	// Gatehouse ones are few: the matrix says which is which.
	marked := 0
	for _, p := range sc.Permissions {
		if p.Category == "admin" && m.UseOf(p.ID) != scheme.PlatformOnly {
			marked++
		}
	}
	if marked != 6 {
		t.Errorf("%d admin.* entries act on Gatehouse, want 6", marked)
	}
}
