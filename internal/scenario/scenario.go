// Package scenario runs the decision scenarios of testdata/scenarios (see
// its README for the format) against anything that decides: the engine,
// the naive reference model, the use cases over a real store, the HTTP API
// through the SDK. Each is a Decider; one runner asserts the same
// expectations on all of them, so a scenario written once holds at every
// layer.
package scenario

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/seed"
)

// DefaultNow is a scenario's clock when it names none.
var DefaultNow = seed.DefaultNow

// Org is the organization every scenario describes.
const Org = "org1"

// A Scenario is an org state and what must be answered about it.
type Scenario struct {
	File   string    `yaml:"-"`
	Name   string    `yaml:"name"`
	Scheme string    `yaml:"scheme"`
	Now    time.Time `yaml:"now"`
	State  State     `yaml:",inline"`
	Expect `yaml:",inline"`
	Steps  []Step `yaml:"steps"`
}

// A Step changes the state and asserts again.
type Step struct {
	Name   string `yaml:"name"`
	Remove Remove `yaml:"remove"`
	State  State  `yaml:",inline"`
	Expect `yaml:",inline"`
}

// Expect is what is asserted after a state is applied.
type Expect struct {
	Checks   []Check    `yaml:"checks"`
	Lookups  []Lookup   `yaml:"lookup_resources"`
	Subjects []Subjects `yaml:"lookup_subjects"`
	CanGrant []CanGrant `yaml:"can_grant"`
	Access   []Access   `yaml:"access"`
}

// State is records to put, in the seed format (package seed).
type State = seed.State

// Remove is records to delete.
type Remove struct {
	Members      []string                       `yaml:"members"`
	Grants       []string                       `yaml:"grants"`
	Resources    []string                       `yaml:"resources"`
	Keys         []string                       `yaml:"keys"`
	Groups       []string                       `yaml:"groups"`
	Teams        []string                       `yaml:"teams"`
	GroupMembers []struct{ Group, User string } `yaml:"group_members"`
	Roles        []string                       `yaml:"roles"` // custom roles
}

// Check is one decision and its expected answer.
type Check struct {
	Subject    string    `yaml:"subject"`
	Permission string    `yaml:"permission"`
	Resource   string    `yaml:"resource"`
	Channel    string    `yaml:"channel"`
	Now        time.Time `yaml:"now"`
	Allow      *bool     `yaml:"allow"`
	Via        string    `yaml:"via"`   // expected reason.via
	Grant      string    `yaml:"grant"` // expected reason.grant
	Role       string    `yaml:"role"`  // expected reason.role
	Error      string    `yaml:"error"` // expected error text (substring)
}

// Lookup asks for the resources of a type a subject may act on.
type Lookup struct {
	Subject    string    `yaml:"subject"`
	Permission string    `yaml:"permission"`
	Type       string    `yaml:"type"`
	Channel    string    `yaml:"channel"`
	PageSize   int       `yaml:"page_size"`
	Now        time.Time `yaml:"now"` // zero: the scenario's now
	Want       []string  `yaml:"want"`
}

// Subjects asks who may exercise a permission on a resource.
type Subjects struct {
	Permission string    `yaml:"permission"`
	Resource   string    `yaml:"resource"`
	Channel    string    `yaml:"channel"`
	Now        time.Time `yaml:"now"` // zero: the scenario's now
	Want       []string  `yaml:"want"`
}

// CanGrant asks whether an actor may hand out a role at a scope.
type CanGrant struct {
	Actor string `yaml:"actor"`
	Role  string `yaml:"role"`
	Scope string `yaml:"scope"`
	Allow bool   `yaml:"allow"`
	Error string `yaml:"error"`
}

// Access asks for a subject's effective roles on one type.
type Access struct {
	Subject string   `yaml:"subject"`
	Type    string   `yaml:"type"`
	Want    []string `yaml:"want"` // "ID=ROLE"
}

// Load reads every scenario file of dir, refusing unknown fields.
func Load(dir string) ([]*Scenario, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no scenario files in %s: %v", dir, err)
	}
	var out []*Scenario
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sc := &Scenario{File: filepath.Base(f)}
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(sc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		if sc.Now.IsZero() {
			sc.Now = DefaultNow
		}
		out = append(out, sc)
	}
	return out, nil
}

// Decision is a check's answer, as far as a scenario asserts it.
type Decision struct {
	Allowed          bool
	Via, Grant, Role string
}

// A Decider answers a scenario's questions about Org. Apply puts one
// revision of changes; every question after it sees them. A Decider that
// cannot answer a kind of question (the reference has no reasons, the API
// no can_grant) says so in Caps, and the runner skips those assertions.
type Decider interface {
	Caps() Caps
	Apply(t testing.TB, changes []domain.Change)
	Check(t testing.TB, c Check, now time.Time) (Decision, error)
	// LookupResources follows every page, of pageSize when it is set.
	LookupResources(t testing.TB, l Lookup, now time.Time) ([]string, error)
	LookupSubjects(t testing.TB, s Subjects, now time.Time) ([]string, error)
	CanGrant(t testing.TB, actor domain.Subject, role string, scope domain.Scope) error
	// Access is "ID=ROLE" for each effective role of subject on typ.
	Access(t testing.TB, subject, typ string, now time.Time) ([]string, error)
}

// Caps are what a Decider can answer beyond allow or deny.
type Caps struct {
	Reasons   bool // via, grant and role of a decision
	ErrorText bool // errors carry the engine's words
	CanGrant  bool
	// Access answers for users only (the API's member details) when
	// UsersOnly; otherwise for every subject.
	Access, AccessUsersOnly bool
}

// Run plays sc against d: its state, its expectations, then each step.
// It returns how many cases it asserted.
func Run(t *testing.T, sc *Scenario, d Decider) int {
	t.Helper()
	d.Apply(t, StateChanges(t, &sc.State))
	n := assert(t, d, sc.Now, &sc.Expect)
	for i := range sc.Steps {
		st := &sc.Steps[i]
		t.Run(fmt.Sprintf("step%d_%s", i+1, st.Name), func(t *testing.T) {
			d.Apply(t, RemoveChanges(t, &st.Remove))
			d.Apply(t, StateChanges(t, &st.State))
			n += assert(t, d, sc.Now, &st.Expect)
		})
	}
	return n
}

// sortedEqual: the same strings in any order.
func sortedEqual(got, want []string) bool {
	return inOrder(slices.Sorted(slices.Values(got)), want)
}

// inOrder: got is want in sorted order, as lookups answer.
func inOrder(got, want []string) bool {
	return slices.Equal(got, slices.Sorted(slices.Values(want)))
}

func assert(t *testing.T, d Decider, now time.Time, x *Expect) int {
	t.Helper()
	caps := d.Caps()
	at := func(v time.Time) time.Time {
		if v.IsZero() {
			return now
		}
		return v
	}
	n := 0
	for _, c := range x.Checks {
		n++
		name := fmt.Sprintf("check %s %s %s ch=%q", c.Subject, c.Permission, c.Resource, c.Channel)
		got, err := d.Check(t, c, at(c.Now))
		switch {
		case c.Error != "":
			if err == nil || (caps.ErrorText && !strings.Contains(err.Error(), c.Error)) {
				t.Errorf("%s: want error %q, got %v", name, c.Error, err)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", name, err)
			continue
		case c.Allow == nil:
			t.Errorf("%s: case has neither allow nor error", name)
		case got.Allowed != *c.Allow:
			t.Errorf("%s: allowed=%v, want %v (%+v)", name, got.Allowed, *c.Allow, got)
		}
		if !caps.Reasons {
			continue
		}
		if c.Via != "" && got.Via != c.Via {
			t.Errorf("%s: via %q, want %q", name, got.Via, c.Via)
		}
		if c.Grant != "" && got.Grant != c.Grant {
			t.Errorf("%s: grant %q, want %q", name, got.Grant, c.Grant)
		}
		if c.Role != "" && got.Role != c.Role {
			t.Errorf("%s: role %q, want %q", name, got.Role, c.Role)
		}
	}
	for _, l := range x.Lookups {
		n++
		got, err := d.LookupResources(t, l, at(l.Now))
		if err != nil {
			t.Errorf("lookup_resources %+v: %v", l, err)
		} else if !inOrder(got, l.Want) {
			t.Errorf("lookup_resources %s %s %s: got %v, want %v", l.Subject, l.Permission, l.Type, got, l.Want)
		}
	}
	for _, s := range x.Subjects {
		n++
		got, err := d.LookupSubjects(t, s, at(s.Now))
		if err != nil {
			t.Errorf("lookup_subjects %+v: %v", s, err)
		} else if !inOrder(got, s.Want) {
			t.Errorf("lookup_subjects %s %s: got %v, want %v", s.Permission, s.Resource, got, s.Want)
		}
	}
	if caps.CanGrant {
		for _, g := range x.CanGrant {
			n++
			actor, err := domain.ParseSubject(g.Actor)
			if err != nil {
				t.Fatal(err)
			}
			scope, err := domain.ParseScope(g.Scope)
			if err != nil {
				t.Fatal(err)
			}
			err = d.CanGrant(t, actor, g.Role, scope)
			if (err == nil) != g.Allow {
				t.Errorf("can_grant %s %s at %s: err=%v, want allow=%v", g.Actor, g.Role, g.Scope, err, g.Allow)
			}
			if g.Error != "" && (err == nil || !strings.Contains(err.Error(), g.Error)) {
				t.Errorf("can_grant %s %s at %s: error %v, want it to contain %q", g.Actor, g.Role, g.Scope, err, g.Error)
			}
		}
	}
	if caps.Access {
		for _, a := range x.Access {
			if caps.AccessUsersOnly && !strings.HasPrefix(a.Subject, "user:") {
				continue
			}
			n++
			got, err := d.Access(t, a.Subject, a.Type, now)
			if err != nil {
				t.Errorf("access %s %s: %v", a.Subject, a.Type, err)
			} else if !sortedEqual(got, a.Want) {
				t.Errorf("access %s %s: got %v, want %v", a.Subject, a.Type, got, a.Want)
			}
		}
	}
	return n
}

// StateChanges are the changes that put st.
func StateChanges(t testing.TB, st *State) []domain.Change {
	t.Helper()
	cs, err := st.Changes()
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// RemoveChanges are the changes that delete what r names.
func RemoveChanges(t testing.TB, r *Remove) []domain.Change {
	t.Helper()
	var cs []domain.Change
	for _, u := range r.Members {
		cs = append(cs, domain.Change{Op: domain.OpDeleteMember, Member: &domain.Member{UserID: u}})
	}
	for _, g := range r.Grants {
		cs = append(cs, domain.Change{Op: domain.OpDeleteGrant, Grant: &domain.Grant{ID: g}})
	}
	for _, s := range r.Resources {
		ref, err := domain.ParseRef(s)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, domain.Change{Op: domain.OpDeleteResource, Resource: &domain.Resource{Type: ref.Type, ID: ref.ID}})
	}
	for _, k := range r.Keys {
		cs = append(cs, domain.Change{Op: domain.OpDeleteKey, Key: &domain.KeyRecord{ID: k}})
	}
	for _, g := range r.Groups {
		cs = append(cs, domain.Change{Op: domain.OpDeleteGroup, Group: &domain.Group{ID: g}})
	}
	for _, tm := range r.Teams {
		cs = append(cs, domain.Change{Op: domain.OpDeleteTeam, Team: &domain.Team{ID: tm}})
	}
	for _, gm := range r.GroupMembers {
		cs = append(cs, domain.Change{Op: domain.OpDeleteGroupMember, Membership: &domain.Membership{Parent: gm.Group, UserID: gm.User}})
	}
	for _, id := range r.Roles {
		cs = append(cs, domain.Change{Op: domain.OpDeleteRole, Role: &domain.Role{ID: id}})
	}
	return cs
}
