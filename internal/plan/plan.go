// Package plan is the catalog of subscription plans an organization may be
// on, and the limits each plan sets. The catalog is data: the built-in one
// below, or a YAML file given to `serve --plans`.
package plan

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// The limits a plan may set. A resource type's limit is "resources.TYPE";
// "resources.*" limits each top-level type the plan does not name.
const (
	Seats              = "seats"
	Keys               = "keys"
	CustomRoles        = "custom_roles"
	PendingInvitations = "pending_invitations"
	resourcePrefix     = "resources."
	AnyTopLevelType    = resourcePrefix + "*"
)

// ResourceLimit is the limit id of a resource type.
func ResourceLimit(typ string) string { return resourcePrefix + typ }

// Plan is one entry of the catalog.
type Plan struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Limits maps a limit id to its ceiling. A limit the plan does not
	// name is not limited by the plan (the server's quotas still apply); 0
	// allows none.
	Limits map[string]int `yaml:"limits" json:"limits"`
}

// Limit is the plan's ceiling for id, and whether it sets one.
func (p Plan) Limit(id string) (int, bool) {
	n, ok := p.Limits[id]
	return n, ok
}

// ResourceTypeLimit is the ceiling for resources of a type: its own limit,
// else for a top-level type the plan's "resources.*".
func (p Plan) ResourceTypeLimit(typ string, topLevel bool) (int, bool) {
	if n, ok := p.Limits[ResourceLimit(typ)]; ok {
		return n, true
	}
	if topLevel {
		return p.Limit(AnyTopLevelType)
	}
	return 0, false
}

// Catalog is the plans a server offers; Default is the plan of a new org.
type Catalog struct {
	Default string `yaml:"default" json:"default"`
	Plans   []Plan `yaml:"plans" json:"plans"`
}

// Get finds a plan by id.
func (c *Catalog) Get(id string) (Plan, bool) {
	for _, p := range c.Plans {
		if p.ID == id {
			return p, true
		}
	}
	return Plan{}, false
}

// IDs lists the plans' ids in catalog order, for messages.
func (c *Catalog) IDs() []string {
	out := make([]string, len(c.Plans))
	for i, p := range c.Plans {
		out[i] = p.ID
	}
	return out
}

// Builtin is the catalog a server starts with. The figures follow what ML
// data platforms sell: a free tier for trying it, a team tier, a business
// tier, and an enterprise tier that the plan does not limit.
func Builtin() *Catalog {
	return &Catalog{Default: "team", Plans: []Plan{
		{ID: "free", Name: "Free", Limits: map[string]int{
			Seats: 3, Keys: 2, CustomRoles: 0, PendingInvitations: 10, AnyTopLevelType: 5}},
		{ID: "team", Name: "Team", Limits: map[string]int{
			Seats: 50, Keys: 20, CustomRoles: 10, PendingInvitations: 100, AnyTopLevelType: 100}},
		{ID: "business", Name: "Business", Limits: map[string]int{
			Seats: 250, Keys: 100, CustomRoles: 50, PendingInvitations: 500, AnyTopLevelType: 1000}},
		{ID: "enterprise", Name: "Enterprise", Limits: map[string]int{}},
	}}
}

var (
	idRE       = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,49}$`)
	typeRE     = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	fixedLimit = []string{Seats, Keys, CustomRoles, PendingInvitations}
)

// Parse reads a catalog file strictly; the error names the file and lists
// every problem.
func Parse(file string, data []byte) (c *Catalog, err error) {
	defer func() {
		// yaml.v3 panics on some malformed documents: that is bad input.
		if r := recover(); r != nil {
			c, err = nil, fmt.Errorf("%s: malformed YAML: %v", file, r)
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	var cat Catalog
	if err := dec.Decode(&cat); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if err := cat.validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return &cat, nil
}

// Load reads a catalog file from disk.
func Load(path string) (*Catalog, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	return Parse(path, data)
}

func (c *Catalog) validate() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	if len(c.Plans) == 0 {
		bad("no plans: list at least one under plans")
	}
	seen := map[string]bool{}
	for i, p := range c.Plans {
		where := fmt.Sprintf("plan %d", i+1)
		if p.ID != "" {
			where = fmt.Sprintf("plan %q", p.ID)
		}
		switch {
		case !idRE.MatchString(p.ID):
			bad("%s: id must be 1 to 50 lower-case letters, digits, '-' or '_', starting with a letter", where)
		case seen[p.ID]:
			bad("%s: listed twice", where)
		}
		seen[p.ID] = true
		if strings.TrimSpace(p.Name) == "" || len(p.Name) > 100 {
			bad("%s: name must be 1 to 100 characters", where)
		}
		for _, id := range slices.Sorted(maps.Keys(p.Limits)) {
			n := p.Limits[id]
			typ, isResource := strings.CutPrefix(id, resourcePrefix)
			switch {
			case !isResource && !slices.Contains(fixedLimit, id):
				bad("%s: unknown limit %q (want %s, resources.TYPE or resources.*)", where, id, strings.Join(fixedLimit, ", "))
			case isResource && typ != "*" && !typeRE.MatchString(typ):
				bad("%s: %q does not name a resource type", where, id)
			case n < 0:
				bad("%s: limit %s is negative (leave it out for no limit)", where, id)
			case id == Seats && n == 0:
				bad("%s: a plan needs at least one seat", where)
			}
		}
	}
	if c.Default == "" && len(c.Plans) > 0 {
		c.Default = c.Plans[0].ID
	}
	if _, ok := c.Get(c.Default); !ok && len(c.Plans) > 0 {
		bad("default plan %q is not in the catalog", c.Default)
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "\n"))
	}
	return nil
}
