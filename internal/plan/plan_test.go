package plan

import (
	"strings"
	"testing"
)

func TestBuiltinIsValid(t *testing.T) {
	c := Builtin()
	if err := c.validate(); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"free", "team", "business", "enterprise"} {
		if _, ok := c.Get(id); !ok {
			t.Errorf("built-in plan %q missing", id)
		}
	}
	if _, ok := c.Get("platinum-ultra"); ok {
		t.Error("an unknown plan was found")
	}
	team, _ := c.Get("team")
	if n, ok := team.Limit(Seats); !ok || n != 50 {
		t.Errorf("team seats = %d, %v", n, ok)
	}
	if n, ok := team.ResourceTypeLimit("dataset", true); !ok || n != 100 {
		t.Errorf("team datasets = %d, %v", n, ok)
	}
	if _, ok := team.ResourceTypeLimit("image", false); ok {
		t.Error("a child type took the top-level limit")
	}
	ent, _ := c.Get("enterprise")
	if _, ok := ent.Limit(Keys); ok {
		t.Error("enterprise limits keys")
	}
}

func TestParse(t *testing.T) {
	good := `
default: starter
plans:
  - id: starter
    name: Starter
    limits: {seats: 5, keys: 1, resources.dataset: 3, resources.*: 2}
  - id: unlimited
    name: Unlimited
`
	c, err := Parse("plans.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := c.Get("starter")
	if n, _ := p.ResourceTypeLimit("dataset", true); n != 3 {
		t.Errorf("dataset limit %d, want its own 3", n)
	}
	if n, _ := p.ResourceTypeLimit("training", true); n != 2 {
		t.Errorf("training limit %d, want resources.* 2", n)
	}
	if c.Default != "starter" || len(c.IDs()) != 2 {
		t.Errorf("catalog %+v", c)
	}
	if c, err := Parse("p.yaml", []byte("plans: [{id: one, name: One}]")); err != nil || c.Default != "one" {
		t.Errorf("default of a catalog without one = %v, %v", c, err)
	}

	for _, tc := range []struct{ name, doc, want string }{
		{"empty", "plans: []", "no plans"},
		{"unknown field", "plans: [{id: a, name: A, price: 3}]", "field price not found"},
		{"bad id", "plans: [{id: A!, name: A}]", "id must be"},
		{"twice", "plans: [{id: a, name: A}, {id: a, name: B}]", `plan "a": listed twice`},
		{"no name", "plans: [{id: a}]", "name must be"},
		{"unknown limit", "plans: [{id: a, name: A, limits: {projects: 3}}]", `unknown limit "projects"`},
		{"bad type", "plans: [{id: a, name: A, limits: {resources.Data Set: 3}}]", "does not name a resource type"},
		{"negative", "plans: [{id: a, name: A, limits: {keys: -1}}]", "negative"},
		{"no seats", "plans: [{id: a, name: A, limits: {seats: 0}}]", "at least one seat"},
		{"default missing", "default: b\nplans: [{id: a, name: A}]", `default plan "b"`},
		{"not yaml", "plans: [", "plans.yaml"},
		{"merge panic", "<<: [[], {}]", "plans.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("plans.yaml", []byte(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "plans.yaml") {
				t.Errorf("error %v, want one naming the file and %q", err, tc.want)
			}
		})
	}
}
