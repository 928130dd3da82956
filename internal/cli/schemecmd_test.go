package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	radiologyScheme = "../../testdata/schemes/radiology.yaml"
	radiologySuite  = "../../testdata/schemes/radiology_test.yaml"
)

// writeTemp writes files into a fresh directory and returns it.
func writeTemp(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSchemeValidate(t *testing.T) {
	src, err := os.ReadFile(radiologyScheme)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeTemp(t, map[string]string{
		"broken.yaml":  strings.Replace(string(src), "base_role: member", "base_role: guest", 1),
		"shadows.yaml": strings.Replace(string(src), "id: radiology", "id: vi", 1),
		"nopolicy.yaml": strings.Replace(strings.Replace(string(src),
			`  - {id: keys.manage, type: org, description: "create, rotate, revoke secret keys"}`+"\n", "", 1),
			"\n", "\n", 1),
	})
	for _, c := range []struct {
		name   string
		files  []string
		code   int
		stdout string
		stderr []string
	}{
		{"valid", []string{radiologyScheme}, 0, "radiology.yaml: ok (scheme radiology: 4 resource types", nil},
		{"unknown role", []string{filepath.Join(dir, "broken.yaml")}, 2, "", []string{"broken.yaml:11: base_role: unknown role \"guest\""}},
		{"shadows a built-in", []string{filepath.Join(dir, "shadows.yaml")}, 2, "", []string{"shadows.yaml:7: scheme id \"vi\" is a built-in scheme's"}},
		{"lacks a policy permission", []string{filepath.Join(dir, "nopolicy.yaml")}, 2, "", []string{"nopolicy.yaml:", "lacks permissions the management policy names: keys.manage"}},
		{"every file is judged", []string{radiologyScheme, filepath.Join(dir, "broken.yaml"), filepath.Join(dir, "missing.yaml")}, 2,
			"radiology.yaml: ok", []string{"broken.yaml:11:", "missing.yaml: no such file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, nil, append([]string{"scheme", "validate"}, c.files...)...)
			if r.code != c.code || !strings.Contains(r.stdout, c.stdout) {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.code, r.stdout, r.stderr)
			}
			for _, want := range c.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
}

// TestSchemeTest runs the radiology suite, and suites that fail (exit 1)
// or cannot be run (exit 2).
func TestSchemeTest(t *testing.T) {
	abs, err := filepath.Abs(radiologyScheme)
	if err != nil {
		t.Fatal(err)
	}
	suite := func(body string) string {
		return "scheme: " + abs + "\nmembers:\n  - {user: rita, role: radiologist}\n" + body
	}
	dir := writeTemp(t, map[string]string{
		"fails.yaml": suite(`checks:
  - {subject: "user:rita", permission: study.fly, want: allow}
  - {subject: "user:rita", permission: org.view, want: allow}
`),
		"unknown_field.yaml": suite("checks:\n  - {subject: \"user:rita\", permission: org.view, want: allow, expect: yes}\n"),
		"bad_want.yaml":      suite("checks:\n  - {subject: \"user:rita\", permission: org.view, want: maybe}\n"),
		"refused.yaml":       suite("  - {user: sam, role: chief}\nchecks:\n  - {subject: \"user:rita\", permission: org.view, want: allow}\n"),
		"no_scheme.yaml":     "scheme: nowhere\nchecks:\n  - {subject: \"user:rita\", permission: org.view, want: allow}\n",
		"bad_scheme.yaml":    "scheme: broken.yaml\nchecks:\n  - {subject: \"user:rita\", permission: org.view, want: allow}\n",
		"broken.yaml":        "id: broken\nname: Broken\n",
		"by_id.yaml":         "scheme: radiology\nmembers: [{user: rita, role: radiologist}]\nchecks: [{subject: \"user:rita\", permission: study.phi, resource: \"study:ct-1\", want: allow}]\nresources: [{ref: \"study:ct-1\"}]\n",
		"builtin.yaml": `scheme: vi
members: [{user: olivia, role: owner}]
checks: [{subject: "user:olivia", permission: billing.manage, want: allow}]
`,
	})
	for _, c := range []struct {
		name   string
		suite  string
		code   int
		stdout []string
		stderr []string
	}{
		{"radiology passes", radiologySuite, 0, []string{"PASS ../../testdata/schemes/radiology_test.yaml:37 a radiologist sees who the patient is", "27 passed, 0 failed"}, nil},
		{"a built-in scheme by id", filepath.Join(dir, "builtin.yaml"), 0, []string{"1 passed, 0 failed"}, nil},
		{"a check fails", filepath.Join(dir, "fails.yaml"), 1, []string{
			"FAIL " + filepath.Join(dir, "fails.yaml") + ":5 user:rita study.fly org: want allow, got error: unknown permission",
			"PASS", "1 passed, 1 failed"}, nil},
		{"unknown field", filepath.Join(dir, "unknown_field.yaml"), 2, nil, []string{"unknown_field.yaml:5:", `unknown field "expect"`}},
		{"want neither allow nor deny", filepath.Join(dir, "bad_want.yaml"), 2, nil, []string{`bad_want.yaml:5: want: "maybe", want allow or deny`}},
		{"a state the scheme refuses", filepath.Join(dir, "refused.yaml"), 2, nil, []string{`member sam: unknown role "chief"`}},
		{"an unknown scheme", filepath.Join(dir, "no_scheme.yaml"), 2, nil, []string{`scheme "nowhere": neither a file`, "vi"}},
		{"an invalid scheme file", filepath.Join(dir, "bad_scheme.yaml"), 2, nil, []string{"broken.yaml:1: top_role: unknown role"}},
		{"an unreadable suite", filepath.Join(dir, "missing.yaml"), 2, nil, []string{"no such file"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := cli(t, nil, "scheme", "test", c.suite)
			if r.code != c.code {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, c.code, r.stdout, r.stderr)
			}
			for _, want := range c.stdout {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
			}
			for _, want := range c.stderr {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
				}
			}
		})
	}
	// A scheme of --scheme-dir is named by its id.
	if r := cli(t, nil, "scheme", "test", "--scheme-dir", filepath.Dir(radiologyScheme), filepath.Join(dir, "by_id.yaml")); r.code != 0 ||
		!strings.Contains(r.stdout, "1 passed, 0 failed") {
		t.Errorf("a suite naming a --scheme-dir scheme by id: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// With -o json the failure is data: which check, wanted, given, why.
	r := cli(t, nil, "scheme", "test", filepath.Join(dir, "fails.yaml"), "-o", "json")
	var run struct {
		Suites []struct {
			Results []struct {
				Line              int
				Want, Got, Reason string
				Pass              bool
			}
		}
		Passed, Failed int
	}
	if err := json.Unmarshal([]byte(r.stdout), &run); err != nil || r.code != 1 || r.stderr != "" {
		t.Fatalf("exit %d, %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	if got := run.Suites[0].Results[0]; got.Line != 5 || got.Want != "allow" || got.Got != "error" || got.Pass || run.Failed != 1 {
		t.Errorf("json report: %+v", run)
	}
}

// The scheme commands see the schemes of --scheme-dir, and so do their
// messages.
func TestMatrixSchemeDir(t *testing.T) {
	dir := filepath.Dir(radiologyScheme)
	out := ok(t, nil, "matrix", "--scheme-dir", dir, "--scheme", "radiology")
	if !strings.Contains(out, "Radiologist") || !strings.Contains(out, "study.phi") {
		t.Errorf("matrix of radiology:\n%s", out)
	}
	r := fails(t, nil, 1, "matrix", "--scheme-dir", dir, "--scheme", "nope")
	if !strings.Contains(r.stderr, "radiology") || !strings.Contains(r.stderr, "vi") {
		t.Errorf("unknown scheme message: %s", r.stderr)
	}
	bad := writeTemp(t, map[string]string{"x.yaml": "id: x\nbogus: 1\n"})
	r = fails(t, nil, 1, "matrix", "--scheme-dir", bad, "--scheme", "x")
	if !strings.Contains(r.stderr, `x.yaml:2: unknown field "bogus"`) {
		t.Errorf("a broken scheme dir: %s", r.stderr)
	}
}

// init creates an organization of a --scheme-dir scheme; without the
// directory the scheme is unknown, and the message lists the known ones.
func TestInitSchemeDir(t *testing.T) {
	// A scheme of its own: the registry is the process's, and other tests
	// register radiology.
	src, err := os.ReadFile(radiologyScheme)
	if err != nil {
		t.Fatal(err)
	}
	dir := writeTemp(t, map[string]string{"x.yaml": strings.Replace(string(src), "id: radiology", "id: initdir", 1)})
	db := filepath.Join(t.TempDir(), "g.db")
	args := []string{"init", "--db", db, "--org", "imaging", "--name", "Imaging", "--scheme", "initdir",
		"--owner-email", "olga@imaging.test", "--owner-password", "a long passphrase, picked well"}
	r := fails(t, nil, 1, args...)
	if !strings.Contains(r.stderr, `--scheme "initdir": known are deepomatic, `) {
		t.Errorf("init without --scheme-dir: %s", r.stderr)
	}
	var boot bootstrapped
	out := ok(t, nil, append(args, "--scheme-dir", dir)...)
	if err := json.Unmarshal([]byte(out), &boot); err != nil || boot.Org != "imaging" {
		t.Errorf("init --scheme-dir: %v %s", err, out)
	}
}
