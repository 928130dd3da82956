package schemesuite

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

func TestSchemeFile(t *testing.T) {
	for _, c := range []struct{ suite, scheme, want string }{
		{"suites/a_test.yaml", "vi", ""},
		{"suites/a_test.yaml", "radiology.yaml", "suites/radiology.yaml"},
		{"suites/a_test.yaml", "../schemes/r.yml", "schemes/r.yml"},
		{"suites/a_test.yaml", "/etc/gatehouse/r.yaml", "/etc/gatehouse/r.yaml"},
	} {
		if got := (&Suite{File: c.suite, Scheme: c.scheme}).SchemeFile(); got != c.want {
			t.Errorf("%s names %s: %q, want %q", c.suite, c.scheme, got, c.want)
		}
	}
}

func TestExplain(t *testing.T) {
	for _, c := range []struct {
		d    authz.Decision
		want string
	}{
		{authz.Decision{Allowed: true, Reason: domain.Reason{Role: "owner", Via: domain.ViaMembership}}, "org role owner"},
		{authz.Decision{Allowed: true, Reason: domain.Reason{Role: "annotator", Scope: "study:s1", Grant: "gr_1", Via: "group:g1", Condition: "own"}},
			"role annotator at study:s1 (grant gr_1, group:g1), when own"},
		{authz.Decision{Reason: domain.Reason{Role: "annotator", Scope: "study:s1", Condition: "own"}}, "role annotator at study:s1 holds it only when own"},
		{authz.Decision{}, "no role the subject holds here gives it"},
		{authz.Decision{Reason: domain.Reason{Approval: "needs approval"}}, "needs approval"},
	} {
		if got := Explain(c.d); got != c.want {
			t.Errorf("Explain(%+v) = %q, want %q", c.d, got, c.want)
		}
	}
}

// A state the scheme refuses is Invalid, every refusal listed; a check
// that errors is a failure, not invalid input.
func TestRunInvalidAndErrors(t *testing.T) {
	vi, _ := scheme.Get("vi")
	path := filepath.Join(t.TempDir(), "s_test.yaml")
	write := func(body string) *Suite {
		t.Helper()
		if err := os.WriteFile(path, []byte("scheme: vi\n"+body), 0o600); err != nil {
			t.Fatal(err)
		}
		s, err := Load(path)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := write(`members: [{user: a, role: chief}, {user: b, role: pilot}]
checks: [{subject: "user:a", permission: org.view, want: allow}]
`)
	_, err := Run(s, vi)
	var inv *Invalid
	if !errors.As(err, &inv) {
		t.Fatalf("want Invalid, got %v", err)
	}
	for _, role := range []string{`"chief"`, `"pilot"`} {
		if !strings.Contains(err.Error(), role) {
			t.Errorf("refusal lacks %s: %v", role, err)
		}
	}
	s = write(`members: [{user: a, role: owner}]
checks: [{subject: "user:a", permission: org.fly, want: deny}, {subject: "user:a", permission: org.view, want: allow}]
`)
	rep, err := Run(s, vi)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Passed != 1 || rep.Failed != 1 || rep.Results[0].Got != "error" || rep.Results[0].Line != 3 {
		t.Errorf("report: %+v", rep)
	}
}
