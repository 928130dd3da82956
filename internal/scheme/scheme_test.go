package scheme

import "testing"

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
