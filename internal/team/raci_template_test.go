package team

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/scheme"
)

// Every permission a RACI template names is one of its scheme's, and every
// table reads resources of a type the scheme has: a renamed permission
// would otherwise leave a row empty without a word.
func TestRACITemplatesNameTheirScheme(t *testing.T) {
	if raciTemplates["vi"] == nil || len(raciTemplates["vi"].Tables) != 4 {
		t.Fatalf("vi template: %+v, want seed 000's four tables", raciTemplates["vi"])
	}
	for id, tpl := range raciTemplates {
		sc, ok := scheme.Get(id)
		if !ok {
			t.Fatalf("template for unknown scheme %q", id)
		}
		for _, tb := range tpl.Tables {
			if tb.Per != "" && !hasType(sc, tb.Per) {
				t.Errorf("%s/%s: scheme has no resource type %q", id, tb.ID, tb.Per)
			}
			if len(tb.Rows) != 4 {
				t.Errorf("%s/%s: %d rows, want R, A, C and I", id, tb.ID, len(tb.Rows))
			}
			for i, r := range tb.Rows {
				if want := string("RACI"[i]); r.Letter != want {
					t.Errorf("%s/%s row %d: letter %q, want %q", id, tb.ID, i, r.Letter, want)
				}
				for _, p := range append(append([]string{}, r.Permissions...), r.Without) {
					if _, ok := sc.Permission(p); p != "" && !ok {
						t.Errorf("%s/%s %s: permission %q not in the scheme", id, tb.ID, r.Letter, p)
					}
				}
				if len(r.Permissions) == 0 && len(r.Assignments) == 0 && !r.KeyOwners {
					t.Errorf("%s/%s %s: nothing puts anyone in the row", id, tb.ID, r.Letter)
				}
			}
		}
	}
}

func hasType(sc *scheme.Scheme, typ string) bool {
	for _, x := range sc.Types {
		if x.ID == typ {
			return true
		}
	}
	return false
}
