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
