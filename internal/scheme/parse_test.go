package scheme

import (
	"fmt"
	"strings"
	"testing"
)

func TestTinySchemeParses(t *testing.T) {
	s := mustTiny(t)
	if got := s.Ancestors("item"); strings.Join(got, ",") != "box,org" {
		t.Errorf("ancestors of item: %v", got)
	}
	ed, _ := s.Role("editor")
	if len(ed.Perms) != 3 || ed.Perms[1].Cond.String() != "own or state in (draft)" {
		t.Errorf("editor: %+v", ed.Perms)
	}
	boss, _ := s.Role("boss")
	if len(boss.Perms) != len(s.Permissions) {
		t.Errorf("boss holds %d of %d permissions", len(boss.Perms), len(s.Permissions))
	}
	for i, p := range s.Permissions {
		if p.Index != i {
			t.Errorf("permission %s: index %d at %d", p.ID, p.Index, i)
		}
	}
}

// Each case breaks the tiny scheme in one place; the error must name the
// file, the line of the offending entry and the offending id.
func TestValidationErrors(t *testing.T) {
	cases := []struct {
		name      string
		old, repl string
		lineOf    string // the line reported is where this text starts in the result (default: repl)
		want      []string
	}{
		{name: "unknown permission in a role",
			old: "      - box.view\n", repl: "      - box.fly\n",
			want: []string{`role "editor"`, `unknown permission "box.fly"`}},
		{name: "unknown permission in a role entry with a condition",
			old: "      - {id: box.edit, condition: own or state in (draft)}", repl: "      - {id: box.burn, condition: own}",
			want: []string{`role "editor"`, `unknown permission "box.burn"`}},
		{name: "unknown permission in except",
			old: "    permissions: [\"*\"]\n", repl: "    permissions: [\"*\"]\n    except: [box.nope]\n",
			lineOf: "  - id: boss",
			want:   []string{`role "boss"`, `except: unknown permission "box.nope"`}},
		{name: "an attribute named like a stated property",
			old: "attributes: [state]", repl: "attributes: [subject.state]", lineOf: "  - {id: box,",
			want: []string{`resource type "box"`, `attribute "subject.state"`}},
		{name: "owner property on a stored type",
			old: "  - {id: item, parent: box}", repl: "  - {id: item, parent: box, owned: true, owner_property: ownerID}",
			want: []string{`resource type "item"`, "only for a stateless type"}},
		{name: "owner property on an unowned type",
			old: "  - {id: item, parent: box}", repl: "  - {id: item, parent: box, stateless: true, owner_property: ownerID}",
			want: []string{`resource type "item"`, "must be owned"}},
		{name: "unknown properties permission",
			old: "audit_permission: audit.view\n", repl: "audit_permission: audit.view\nproperties_permission: props.state\n",
			lineOf: "properties_permission",
			want:   []string{`properties_permission: unknown permission "props.state"`}},
		{name: "unknown user management permission",
			old: "  - permission: members.manage", repl: "  - permission: members.rule",
			want: []string{`user_management: unknown permission "members.rule"`}},
		{name: "unknown resource type of a permission",
			old: "  - {id: item.view, type: item}", repl: "  - {id: item.view, type: crate}",
			want: []string{`permission "item.view"`, `unknown resource type "crate"`}},
		{name: "unknown parent type",
			old: "  - {id: item, parent: box}", repl: "  - {id: item, parent: crate}",
			want: []string{`resource type "item"`, `unknown parent type "crate"`}},
		{name: "unknown scope type of a role",
			old: "    scope_type: box\n", repl: "    scope_type: crate\n",
			lineOf: "  - id: editor",
			want:   []string{`role "editor"`, `unknown scope type "crate"`}},
		{name: "duplicate resource type",
			old: "  - {id: item, parent: box}\n", repl: "  - {id: item, parent: box}\n  - {id: box}\n",
			lineOf: "  - {id: box}\n",
			want:   []string{`duplicate resource type id "box"`}},
		{name: "duplicate permission",
			old: "  - {id: item.view, type: item}\n", repl: "  - {id: item.view, type: item}\n  - {id: box.view, type: box, description: again}\n",
			lineOf: "  - {id: box.view, type: box, description: again}",
			want:   []string{`duplicate permission id "box.view"`}},
		{name: "duplicate role",
			old: "user_management:", repl: "  - id: editor\n    name: Editor again\n    scope_type: org\n    permissions: []\nuser_management:",
			want: []string{`duplicate role id "editor"`}},
		{name: "permission listed twice in a role",
			old: "      - box.view\n", repl: "      - box.view\n      - \"box.view\"\n",
			lineOf: "      - \"box.view\"",
			want:   []string{`role "editor"`, `permission "box.view" listed twice`}},
		{name: "parent cycle",
			old: "  - {id: box, owned: true, attributes: [state]}", repl: "  - {id: box, parent: item, owned: true, attributes: [state]}",
			want: []string{`resource type "box": parent cycle`}},
		{name: "own condition on a type without owner",
			old: `      - {id: item.view, condition: "channel in (web)"}`, repl: `      - {id: item.view, condition: own}`,
			want: []string{`role "editor"`, `permission "item.view"`, `tests the owner, but resource type item has no owner`}},
		{name: "own condition on an org permission",
			old: "    permissions: [org.view]", repl: "    permissions: [{id: org.view, condition: own}]",
			want: []string{`role "member"`, `permission "org.view"`, `has no owner`}},
		{name: "attribute condition on a missing attribute",
			old: `      - {id: item.view, condition: "channel in (web)"}`, repl: `      - {id: item.view, condition: "state in (draft)"}`,
			want: []string{`role "editor"`, `permission "item.view"`, `tests attribute "state", which resource type item does not have`}},
		{name: "attribute condition naming an unknown attribute",
			old: "      - {id: box.edit, condition: own or state in (draft)}", repl: "      - {id: box.edit, condition: colour in (red)}",
			want: []string{`role "editor"`, `permission "box.edit"`, `tests attribute "colour"`}},
		{name: "unknown channel",
			old: `      - {id: item.view, condition: "channel in (web)"}`, repl: `      - {id: item.view, condition: "channel in (web, fax)"}`,
			want: []string{`role "editor"`, `permission "item.view"`, `unknown channel "fax"`}},
		{name: "condition that does not parse",
			old: `      - {id: item.view, condition: "channel in (web)"}`, repl: `      - {id: item.view, condition: "channel in web"}`,
			want: []string{`role "editor"`, `permission "item.view"`, `want "("`}},
		{name: "condition on a pattern",
			old: "    permissions: [\"*\"]", repl: "    permissions: [{id: \"box.*\", condition: own}]",
			want: []string{`role "boss"`, `condition on pattern "box.*"`}},
		{name: "resource-scoped role holding a permission it cannot reach",
			old: "      - box.view\n", repl: "      - members.manage\n",
			lineOf: "      - members.manage\n",
			want:   []string{`role "editor"`, `permission "members.manage" acts on org, which a box-scoped role cannot reach`}},
		{name: "unknown top role",
			old: "top_role: boss", repl: "top_role: king",
			want: []string{`top_role: unknown role "king"`}},
		{name: "unknown audit permission",
			old: "audit_permission: audit.view", repl: "audit_permission: audit.read",
			want: []string{`audit_permission: unknown permission "audit.read"`}},
		{name: "unknown base role",
			old: "base_role: member", repl: "base_role: nobody",
			want: []string{`base_role: unknown role "nobody"`}},
		{name: "no user management",
			old: "user_management:\n  - permission: members.manage\n", repl: "user_management: []\n",
			want: []string{`user_management: at least one permission`}},
		{name: "bad permission id",
			old: "  - {id: box.edit, type: box}", repl: "  - {id: Box-Edit, type: box}",
			want: []string{`permission id "Box-Edit"`}},
		{name: "AuthZEN action naming an unknown permission",
			old: "user_management:\n", repl: "authzen_actions: {can_fly: box.fly}\nuser_management:\n",
			want: []string{`authzen_actions: "can_fly" names unknown permission "box.fly"`}},
		{name: "stateless type with attributes",
			old: "  - {id: box, owned: true, attributes: [state]}", repl: "  - {id: box, owned: true, attributes: [state], stateless: true}",
			want: []string{`a stateless type has no stored attributes`}},
		{name: "base role is the top role",
			old: "base_role: member", repl: "base_role: boss",
			want: []string{`base_role: the top role "boss" cannot be the base role`}},
		{name: "base role that manages",
			old: "base_role: member", repl: "base_role: editor",
			want: []string{`base_role "editor" holds`}},
		{name: "empty AuthZEN subject type",
			old: "user_management:\n", repl: "authzen_subject_types: [identity, \"\"]\nuser_management:\n",
			want: []string{`authzen_subject_types: a subject type may not be empty`}},
		{name: "resource type named team",
			old: "  - {id: item, parent: box}", repl: "  - {id: team}",
			want: []string{`resource type id "team"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, _ := mutate(t, c.old, c.repl)
			at := c.lineOf
			if at == "" {
				at = c.repl
			}
			line := strings.Count(src[:strings.Index(src, at)], "\n") + 1
			_, err := Parse("tiny.yaml", []byte(src))
			if err == nil {
				t.Fatalf("no error; want %q", c.want)
			}
			prefix := fmt.Sprintf("tiny.yaml:%d: ", line)
			var hit string
			for _, l := range strings.Split(err.Error(), "\n") {
				ok := strings.HasPrefix(l, prefix)
				for _, w := range c.want {
					ok = ok && strings.Contains(l, w)
				}
				if ok {
					hit = l
				}
			}
			if hit == "" {
				t.Errorf("want a line starting %q containing %q; got:\n%v", prefix, c.want, err)
			}
		})
	}
}

func TestValidationListsEveryProblem(t *testing.T) {
	src := strings.NewReplacer(
		"      - box.view\n", "      - box.fly\n",
		"  - {id: item.view, type: item}", "  - {id: item.view, type: crate}",
		`condition: "channel in (web)"`, `condition: "channel in (fax)"`,
	).Replace(tinyYAML)
	_, err := Parse("tiny.yaml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	lines := strings.Split(err.Error(), "\n")
	for _, want := range []string{`unknown permission "box.fly"`, `unknown resource type "crate"`} {
		found := false
		for _, l := range lines {
			found = found || strings.HasPrefix(l, "tiny.yaml:") && strings.Contains(l, want)
		}
		if !found {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}

func TestParseAuthZENActions(t *testing.T) {
	src, _ := mutate(t, "user_management:\n", "authzen_actions: {can_edit_box: box.edit}\nuser_management:\n")
	s, err := Parse("tiny.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := s.AuthZENActions["can_edit_box"]; got != "box.edit" {
		t.Errorf("authzen_actions can_edit_box = %q, want box.edit", got)
	}
	if mustTiny(t).AuthZENActions != nil {
		t.Errorf("a scheme without authzen_actions has a table")
	}
}

// The base role may act on what its member owns, nothing more.
func TestBaseRoleActsOnlyOnWhatItOwns(t *testing.T) {
	for perm, ok := range map[string]bool{
		"{id: box.edit, condition: own}":                      true,
		"{id: box.edit, condition: own and state in (draft)}": true,
		"{id: box.edit, condition: own or state in (draft)}":  false,
		"box.edit": false,
	} {
		src, _ := mutate(t, "    permissions: [org.view]", "    permissions: [org.view, "+perm+"]")
		_, err := Parse("tiny.yaml", []byte(src))
		if got := err == nil; got != ok {
			t.Errorf("base role holding %s: parsed %v, want %v (%v)", perm, got, ok, err)
		}
		if err != nil && !strings.Contains(err.Error(), `base_role "member" holds box.edit`) {
			t.Errorf("base role holding %s: %v", perm, err)
		}
	}
}

func TestParseAuthZENSubjectTypes(t *testing.T) {
	src, _ := mutate(t, "user_management:\n", "authzen_subject_types: [identity]\nuser_management:\n")
	s, err := Parse("tiny.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if !s.NamesPerson("identity") || s.NamesPerson("user") {
		t.Errorf("authzen_subject_types [identity]: identity %v, user %v; want only identity", s.NamesPerson("identity"), s.NamesPerson("user"))
	}
	if tiny := mustTiny(t); !tiny.NamesPerson("user") || tiny.NamesPerson("identity") {
		t.Errorf("a scheme without authzen_subject_types names people other than as user")
	}
}

func TestParseRejectsMalformedYAML(t *testing.T) {
	for name, src := range map[string]string{
		"syntax":        "id: [unclosed\n",
		"unknown field": strings.Replace(tinyYAML, "name: Tiny", "name: Tiny\nflavour: sweet", 1),
		"wrong shape":   "id: tiny\nroles: 7\n",
		"empty":         "",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("bad.yaml", []byte(src))
			if err == nil || !strings.HasPrefix(err.Error(), "bad.yaml") {
				t.Errorf("want an error starting with the file name, got %v", err)
			}
		})
	}
}

func TestCompileRoleValidatesCustomRoles(t *testing.T) {
	s := mustTiny(t)
	cases := []struct {
		name string
		perm string
		cond string
		scp  string
		want string
	}{
		{"builtin id", "box.view", "", "box", "built-in role"},
		{"unknown permission", "box.fly", "", "box", `unknown permission "box.fly"`},
		{"unknown scope type", "box.view", "", "crate", `unknown scope type "crate"`},
		{"own without owner", "item.view", "own", "box", "has no owner"},
		{"missing attribute", "item.view", "state in (x)", "box", `tests attribute "state"`},
		{"unknown channel", "box.view", "channel in (fax)", "org", `unknown channel "fax"`},
		{"unreachable", "members.manage", "", "box", "cannot reach"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := "custom"
			if c.name == "builtin id" {
				id = "editor"
			}
			_, err := s.CompileRole(domainRole(id, c.scp, c.perm, c.cond))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("got %v, want %q", err, c.want)
			}
		})
	}
	r, err := s.CompileRole(domainRole("custom", "team", "box.edit", "own and state not in (done)"))
	if err != nil || r.Perms[0].Cond.String() != "own and state not in (done)" {
		t.Errorf("valid custom role: %v %+v", err, r)
	}
}
