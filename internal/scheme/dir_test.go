package scheme

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDir(t *testing.T) {
	tiny2 := strings.Replace(tinyYAML, "id: tiny\n", "id: tiny2\n", 1)
	for _, c := range []struct {
		name  string
		files map[string]string
		ids   []string // loaded, in file order
		errs  []string // substrings of the error, all present
	}{
		{"two schemes", map[string]string{"a.yaml": tinyYAML, "b.yaml": tiny2, "notes.txt": "not a scheme", "a_test.yaml": "checks: []"}, []string{"tiny", "tiny2"}, nil},
		{"empty directory", map[string]string{}, nil, nil},
		{"shadows a built-in", map[string]string{"vi.yaml": strings.Replace(tinyYAML, "id: tiny\n", "id: vi\n", 1)},
			nil, []string{"vi.yaml:1: scheme id \"vi\" is a built-in scheme's"}},
		{"one id, two files", map[string]string{"a.yaml": tinyYAML, "b.yaml": tinyYAML},
			nil, []string{"b.yaml:1: scheme id \"tiny\" is already the id of", "a.yaml"}},
		{"every broken file is named", map[string]string{"a.yaml": strings.Replace(tinyYAML, "top_role: boss", "top_role: chief", 1),
			"b.yaml": "id: x\nnope: 1\n", "c.yaml": tiny2},
			nil, []string{"a.yaml:3: top_role: unknown role \"chief\"", `b.yaml:2: unknown field "nope"`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeFiles(t, c.files)
			got, err := LoadDir(dir)
			if c.errs == nil {
				if err != nil {
					t.Fatal(err)
				}
				var ids []string
				for _, s := range got {
					ids = append(ids, s.ID)
				}
				if strings.Join(ids, ",") != strings.Join(c.ids, ",") {
					t.Errorf("loaded %v, want %v", ids, c.ids)
				}
				return
			}
			if err == nil {
				t.Fatalf("loaded %d schemes, want an error", len(got))
			}
			for _, want := range c.errs {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q\nlacks %q", err, want)
				}
			}
		})
	}
	if _, err := LoadDir(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing directory loads")
	}
}

// A registered scheme's source is the file it came from, as a built-in's is.
func TestRegisteredSchemeKeepsSource(t *testing.T) {
	src := strings.Replace(tinyYAML, "id: tiny\n", "id: dirtest\n", 1)
	dir := writeFiles(t, map[string]string{"dirtest.yaml": src})
	list, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(list[0]); err != nil {
		t.Fatal(err)
	}
	got, err := Source("dirtest")
	if err != nil || string(got) != src {
		t.Errorf("Source = %q, %v", got, err)
	}
	if _, ok := Get("dirtest"); !ok {
		t.Error("not registered")
	}
}
