package scheme

import (
	"strings"
	"testing"
)

// builtinConditions lists every condition written in the built-in schemes.
func builtinConditions() []string {
	var out []string
	for _, id := range Names() {
		s, _ := Get(id)
		for _, r := range s.Roles {
			for _, rp := range r.Perms {
				if rp.Cond != nil {
					out = append(out, rp.Cond.String())
				}
			}
		}
	}
	return out
}

// FuzzParseCond: the parser never panics; what it accepts prints in a
// canonical form that it reads back to the same form, and evaluates
// without panicking.
func FuzzParseCond(f *testing.F) {
	for _, c := range builtinConditions() {
		f.Add(c)
	}
	for _, c := range []string{"own", "task not in (rework, done)", "own and channel in (web, api) or x in (1)",
		"channel not in (web)", "task in (a,", "((", "own own", "", "in in in", "a in (b) and a not in (b)"} {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseCond(src)
		if err != nil {
			if c != nil {
				t.Fatalf("%q: error %v with a condition", src, err)
			}
			return
		}
		text := c.String()
		again, err := ParseCond(text)
		if err != nil {
			t.Fatalf("%q printed as %q, which does not parse: %v", src, text, err)
		}
		if again.String() != text {
			t.Fatalf("%q printed as %q, then as %q", src, text, again.String())
		}
		for _, in := range []Input{{}, {Subject: "user:a", Owner: "user:a", Channel: "web", Attrs: map[string]string{"task": "rework"}}} {
			if c.Eval(&in) != again.Eval(&in) {
				t.Fatalf("%q and its canonical form %q evaluate differently on %+v", src, text, in)
			}
		}
		_ = c.OwnOnly()
		_ = c.NeedsResource()
	})
}

// FuzzParse: Parse never panics on any input; what it accepts is
// consistent (indexes, lookups, ancestors ending at the org, matrices).
// The seeds are the built-in files (up to 16 KB), which the fuzzer is slow
// to minimize: run it with -fuzzminimizetime=0, e.g.
//
//	go test ./internal/scheme -run '^$' -fuzz '^FuzzParse$' -fuzzminimizetime=0 -fuzztime=5m
func FuzzParse(f *testing.F) {
	for _, id := range Names() {
		if !Builtin(id) {
			continue
		}
		src, err := Source(id)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Add([]byte(tinyYAML))
	f.Add([]byte(strings.Replace(tinyYAML, "  - {id: box, owned: true, attributes: [state]}", "  - {id: box, parent: item}", 1)))
	f.Add([]byte("id: x\nroles: [{id: a, permissions: [{id: '*', condition: own}]}]\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse("fuzz.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.yaml") {
				t.Fatalf("error without the file name: %v", err)
			}
			return
		}
		for i, p := range s.Permissions {
			if p.Index != i {
				t.Fatalf("permission %s: index %d at %d", p.ID, p.Index, i)
			}
			if q, ok := s.Permission(p.ID); !ok || q != p {
				t.Fatalf("permission %s: lookup", p.ID)
			}
		}
		for _, typ := range s.Types {
			anc := s.Ancestors(typ.ID)
			if len(anc) == 0 || anc[len(anc)-1] != OrgType || len(anc) > len(s.Types)+1 {
				t.Fatalf("ancestors of %s: %v", typ.ID, anc)
			}
		}
		for _, r := range s.Roles {
			if q, ok := s.Role(r.ID); !ok || q != r {
				t.Fatalf("role %s: lookup", r.ID)
			}
		}
		if _, ok := s.Role(s.TopRole); !ok {
			t.Fatalf("top role %q missing", s.TopRole)
		}
		for _, format := range Formats {
			if err := NewMatrix(s).Write(&strings.Builder{}, format); err != nil {
				t.Fatalf("matrix %s: %v", format, err)
			}
		}
	})
}
