package domain

import "testing"

// FuzzParse: the parsers of subjects, scopes and resource refs, which read
// every id a client sends. They never panic; whatever they accept prints
// back to a string that parses to the same value (one canonical form, so
// a grant written two ways is one grant), and a team is never a resource.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"user:u_abc", "group:g_1", "key:k_1", "org", "dataset:*", "dataset:cats", "team:t_1", "team:*",
		"user:", ":x", "user:a:b", "dataset:.hidden", "Dataset:x", "x:" + string(make([]byte, 300)), "label:a@b.c", "user:\x00",
		"team:team:x", "org:x", "*:*", "dataset:cats ", "d:ééé"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if sub, err := ParseSubject(s); err == nil {
			if again, err := ParseSubject(sub.String()); err != nil || again != sub || sub.String() != s {
				t.Fatalf("subject %q: parsed %+v, printed %q, parsed again %+v (%v)", s, sub, sub.String(), again, err)
			}
		}
		if sc, err := ParseScope(s); err == nil {
			if again, err := ParseScope(sc.String()); err != nil || again != sc || sc.String() != s {
				t.Fatalf("scope %q: parsed %+v, printed %q, parsed again %+v (%v)", s, sc, sc.String(), again, err)
			}
		}
		if ref, err := ParseRef(s); err == nil {
			if ref.Type == "team" || ref.IsZero() {
				t.Fatalf("ref %q parsed to %+v", s, ref)
			}
			if again, err := ParseRef(ref.String()); err != nil || again != ref || ref.String() != s {
				t.Fatalf("ref %q: parsed %+v, printed %q, parsed again %+v (%v)", s, ref, ref.String(), again, err)
			}
			if sc, err := ParseScope(s); err != nil || sc != ResourceScope(ref.Type, ref.ID) {
				t.Fatalf("ref %q is not the resource scope of the same name: %+v %v", s, sc, err)
			}
		}
	})
}
