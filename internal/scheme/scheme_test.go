package scheme

import (
	"slices"
	"strings"
	"testing"
)

func TestBuiltinsLoad(t *testing.T) {
	for _, n := range []string{"vi", "deepomatic", "labelbox"} {
		s, ok := Get(n)
		if !ok {
			t.Fatalf("scheme %s missing", n)
		}
		t.Logf("%s: %d types, %d permissions, %d roles", n, len(s.Types), len(s.Permissions), len(s.Roles))
	}
}

// Resource types read as people say them, in the singular and the plural.
func TestTypeNames(t *testing.T) {
	for _, c := range []struct{ scheme, typ, name, plural string }{
		{"vi", "dataset", "Dataset", "Datasets"},
		{"labelbox", "batch", "Batch", "Batches"},
		{"labelbox", "ontology", "Ontology", "Ontologies"},
		{"deepomatic", "ai_review", "AI review", "AI reviews"},
		{"deepomatic", "work_order", "Work-order", "Work-orders"},
		{"deepomatic", "app_config", "App configuration", "App configurations"},
	} {
		sc, _ := Get(c.scheme)
		ty, ok := sc.Type(c.typ)
		if !ok {
			t.Errorf("%s has no type %s", c.scheme, c.typ)
			continue
		}
		if ty.Name != c.name || ty.Plural != c.plural {
			t.Errorf("%s %s: %q / %q, want %q / %q", c.scheme, c.typ, ty.Name, ty.Plural, c.name, c.plural)
		}
	}
}

func TestRegister(t *testing.T) {
	vi, _ := Get("vi")
	data, err := Source("vi")
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(vi); err == nil {
		t.Error("a built-in scheme's id must not be registered again")
	}
	own := strings.Replace(string(data), "id: vi\n", "id: registertest\n", 1)
	s, err := Parse("a/registertest.yaml", []byte(own))
	if err != nil {
		t.Fatal(err)
	}
	if err := Register(s); err != nil {
		t.Fatal(err)
	}
	if got, ok := Get("registertest"); !ok || got != s {
		t.Fatalf("Get after Register = %v %v", got, ok)
	}
	if !slices.Contains(Names(), "registertest") || Builtin("registertest") || !Builtin("vi") {
		t.Errorf("Names() = %v", Names())
	}
	again, _ := Parse("a/registertest.yaml", []byte(own))
	if err := Register(again); err != nil {
		t.Errorf("the same file registered again: %v", err)
	}
	other, _ := Parse("b/registertest.yaml", []byte(own))
	if err := Register(other); err == nil || !strings.Contains(err.Error(), "a/registertest.yaml") {
		t.Errorf("another file with a registered id: %v", err)
	}
}
