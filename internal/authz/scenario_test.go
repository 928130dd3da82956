package authz_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
)

// A scenario is an org state and what the engine must answer about it. See
// testdata/scenarios/README.md for the format.
type scenario struct {
	Name     string         `yaml:"name"`
	Scheme   string         `yaml:"scheme"`
	Now      time.Time      `yaml:"now"`
	State    scenarioState  `yaml:",inline"`
	Checks   []scCheck      `yaml:"checks"`
	Lookups  []scLookup     `yaml:"lookup_resources"`
	Subjects []scSubjects   `yaml:"lookup_subjects"`
	CanGrant []scCanGrant   `yaml:"can_grant"`
	Access   []scAccess     `yaml:"access"`
	Steps    []scenarioStep `yaml:"steps"`
}

// A step changes the state and asserts again.
type scenarioStep struct {
	Name     string        `yaml:"name"`
	Remove   scRemove      `yaml:"remove"`
	State    scenarioState `yaml:",inline"`
	Checks   []scCheck     `yaml:"checks"`
	Lookups  []scLookup    `yaml:"lookup_resources"`
	Subjects []scSubjects  `yaml:"lookup_subjects"`
	CanGrant []scCanGrant  `yaml:"can_grant"`
	Access   []scAccess    `yaml:"access"`
}

type scenarioState struct {
	Members []struct{ User, Role string } `yaml:"members"`
	Roles   []domain.Role                 `yaml:"custom_roles"`
	Teams   []string                      `yaml:"teams"`
	Groups  []struct {
		ID      string   `yaml:"id"`
		Members []string `yaml:"members"`
	} `yaml:"groups"`
	Keys []struct {
		ID      string    `yaml:"id"`
		Expires time.Time `yaml:"expires"`
		Owner   string    `yaml:"owner"` // user id whose power bounds the key's
	} `yaml:"keys"`
	Resources []struct {
		Ref    string            `yaml:"ref"`
		Parent string            `yaml:"parent"`
		Team   string            `yaml:"team"`
		Owner  string            `yaml:"owner"`
		Attrs  map[string]string `yaml:"attrs"`
	} `yaml:"resources"`
	Grants []struct {
		ID      string    `yaml:"id"`
		Subject string    `yaml:"subject"`
		Role    string    `yaml:"role"`
		Scope   string    `yaml:"scope"`
		Expires time.Time `yaml:"expires"`
	} `yaml:"grants"`
}

type scRemove struct {
	Members      []string                       `yaml:"members"`
	Grants       []string                       `yaml:"grants"`
	Resources    []string                       `yaml:"resources"`
	Keys         []string                       `yaml:"keys"`
	Groups       []string                       `yaml:"groups"`
	Teams        []string                       `yaml:"teams"`
	GroupMembers []struct{ Group, User string } `yaml:"group_members"`
	Roles        []string                       `yaml:"roles"` // custom roles
}

type scCheck struct {
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

type scLookup struct {
	Subject    string    `yaml:"subject"`
	Permission string    `yaml:"permission"`
	Type       string    `yaml:"type"`
	Channel    string    `yaml:"channel"`
	PageSize   int       `yaml:"page_size"`
	Now        time.Time `yaml:"now"` // zero: the scenario's now
	Want       []string  `yaml:"want"`
}

type scSubjects struct {
	Permission string    `yaml:"permission"`
	Resource   string    `yaml:"resource"`
	Channel    string    `yaml:"channel"`
	Now        time.Time `yaml:"now"` // zero: the scenario's now
	Want       []string  `yaml:"want"`
}

type scCanGrant struct {
	Actor string `yaml:"actor"`
	Role  string `yaml:"role"`
	Scope string `yaml:"scope"`
	Allow bool   `yaml:"allow"`
	Error string `yaml:"error"`
}

type scAccess struct {
	Subject string   `yaml:"subject"`
	Type    string   `yaml:"type"`
	Want    []string `yaml:"want"` // "ID=ROLE"
}

func TestScenarios(t *testing.T) {
	files, err := filepath.Glob("../../testdata/scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	total := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sc scenario
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&sc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) {
			total += runScenario(t, &sc)
		})
	}
	t.Logf("%d scenario cases in %d files", total, len(files))
}

func runScenario(t *testing.T, sc *scenario) int {
	now := sc.Now
	if now.IsZero() {
		now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	}
	e := authz.New()
	rev := int64(1)
	if err := e.Apply("org1", sc.Scheme, rev, nil); err != nil {
		t.Fatal(err)
	}
	apply := func(changes []domain.Change) {
		rev++
		if err := e.Apply("org1", sc.Scheme, rev, changes); err != nil {
			t.Fatalf("apply: %v", err)
		}
	}
	n := 0
	apply(stateChanges(t, &sc.State))
	n += assertAll(t, e, now, sc.Checks, sc.Lookups, sc.Subjects, sc.CanGrant, sc.Access)
	for i, st := range sc.Steps {
		t.Run(fmt.Sprintf("step%d_%s", i+1, st.Name), func(t *testing.T) {
			apply(removeChanges(t, &st.Remove))
			apply(stateChanges(t, &st.State))
			n += assertAll(t, e, now, st.Checks, st.Lookups, st.Subjects, st.CanGrant, st.Access)
		})
	}
	return n
}

func stateChanges(t *testing.T, st *scenarioState) []domain.Change {
	var cs []domain.Change
	for i := range st.Roles {
		cs = append(cs, domain.Change{Op: domain.OpPutRole, Role: &st.Roles[i]})
	}
	for _, m := range st.Members {
		cs = append(cs, domain.Change{Op: domain.OpPutMember, Member: &domain.Member{UserID: m.User, Role: m.Role}})
	}
	for _, id := range st.Teams {
		cs = append(cs, domain.Change{Op: domain.OpPutTeam, Team: &domain.Team{ID: id}})
	}
	for _, g := range st.Groups {
		cs = append(cs, domain.Change{Op: domain.OpPutGroup, Group: &domain.Group{ID: g.ID}})
		for _, u := range g.Members {
			cs = append(cs, domain.Change{Op: domain.OpPutGroupMember, Membership: &domain.Membership{Parent: g.ID, UserID: u}})
		}
	}
	for _, k := range st.Keys {
		cs = append(cs, domain.Change{Op: domain.OpPutKey, Key: &domain.KeyRecord{ID: k.ID, ExpiresAt: k.Expires, Owner: k.Owner}})
	}
	for _, r := range st.Resources {
		ref, err := domain.ParseRef(r.Ref)
		if err != nil {
			t.Fatal(err)
		}
		res := &domain.Resource{Type: ref.Type, ID: ref.ID, Team: r.Team, Owner: r.Owner, Attributes: r.Attrs}
		if r.Parent != "" {
			if res.Parent, err = domain.ParseRef(r.Parent); err != nil {
				t.Fatal(err)
			}
		}
		cs = append(cs, domain.Change{Op: domain.OpPutResource, Resource: res})
	}
	for _, g := range st.Grants {
		subj, err := domain.ParseSubject(g.Subject)
		if err != nil {
			t.Fatal(err)
		}
		scope, err := domain.ParseScope(g.Scope)
		if err != nil {
			t.Fatal(err)
		}
		cs = append(cs, domain.Change{Op: domain.OpPutGrant, Grant: &domain.Grant{ID: g.ID, Subject: subj, Role: g.Role, Scope: scope, ExpiresAt: g.Expires}})
	}
	return cs
}

func removeChanges(t *testing.T, r *scRemove) []domain.Change {
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

func assertAll(t *testing.T, e *authz.Engine, now time.Time, checks []scCheck, lookups []scLookup, subjects []scSubjects, grants []scCanGrant, access []scAccess) int {
	t.Helper()
	o, _ := e.Org("org1")
	for _, c := range checks {
		name := fmt.Sprintf("check %s %s %s ch=%q", c.Subject, c.Permission, c.Resource, c.Channel)
		at := now
		if !c.Now.IsZero() {
			at = c.Now
		}
		d, err := o.Check(&authz.Request{Subject: c.Subject, Permission: c.Permission, Resource: c.Resource, Channel: c.Channel, Now: at.UnixNano()})
		switch {
		case c.Error != "":
			if err == nil || !strings.Contains(err.Error(), c.Error) {
				t.Errorf("%s: want error %q, got %v", name, c.Error, err)
			}
			continue
		case err != nil:
			t.Errorf("%s: %v", name, err)
			continue
		case c.Allow == nil:
			t.Errorf("%s: case has neither allow nor error", name)
		case d.Allowed != *c.Allow:
			t.Errorf("%s: allowed=%v, want %v (reason %+v)", name, d.Allowed, *c.Allow, d.Reason)
		}
		if c.Via != "" && string(d.Reason.Via) != c.Via {
			t.Errorf("%s: via %q, want %q", name, d.Reason.Via, c.Via)
		}
		if c.Grant != "" && d.Reason.Grant != c.Grant {
			t.Errorf("%s: grant %q, want %q", name, d.Reason.Grant, c.Grant)
		}
		if c.Role != "" && d.Reason.Role != c.Role {
			t.Errorf("%s: role %q, want %q", name, d.Reason.Role, c.Role)
		}
	}
	for _, l := range lookups {
		at := now
		if !l.Now.IsZero() {
			at = l.Now
		}
		var got []string
		token := ""
		for pages := 0; ; pages++ {
			p, err := o.LookupResources(&authz.ResourceQuery{Subject: l.Subject, Permission: l.Permission, Type: l.Type,
				Channel: l.Channel, Limit: l.PageSize, PageToken: token, Now: at.UnixNano()})
			if err != nil {
				t.Fatalf("lookup %+v: %v", l, err)
			}
			got = append(got, p.IDs...)
			if token = p.Next; token == "" || pages > 10000 {
				break
			}
		}
		want := append([]string{}, l.Want...)
		slices.Sort(want)
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("lookup_resources %s %s %s: got %v, want %v", l.Subject, l.Permission, l.Type, got, want)
		}
	}
	for _, s := range subjects {
		at := now
		if !s.Now.IsZero() {
			at = s.Now
		}
		res, _, err := o.LookupSubjects(&authz.SubjectQuery{Permission: s.Permission, Resource: s.Resource, Channel: s.Channel, Now: at.UnixNano()})
		if err != nil {
			t.Fatalf("lookup_subjects %+v: %v", s, err)
		}
		var got []string
		for _, r := range res {
			got = append(got, r.Subject)
		}
		want := append([]string{}, s.Want...)
		slices.Sort(want)
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("lookup_subjects %s %s: got %v, want %v", s.Permission, s.Resource, got, want)
		}
	}
	for _, g := range grants {
		actor, err := domain.ParseSubject(g.Actor)
		if err != nil {
			t.Fatal(err)
		}
		scope, err := domain.ParseScope(g.Scope)
		if err != nil {
			t.Fatal(err)
		}
		err = o.CanGrant(actor, g.Role, scope, now.UnixNano())
		if (err == nil) != g.Allow {
			t.Errorf("can_grant %s %s at %s: err=%v, want allow=%v", g.Actor, g.Role, g.Scope, err, g.Allow)
		}
		if g.Error != "" && (err == nil || !strings.Contains(err.Error(), g.Error)) {
			t.Errorf("can_grant %s %s at %s: error %v, want it to contain %q", g.Actor, g.Role, g.Scope, err, g.Error)
		}
	}
	for _, a := range access {
		acc := o.EffectiveAccess(a.Subject, now.UnixNano())
		var got []string
		for _, x := range acc[a.Type] {
			got = append(got, x.ID+"="+x.Role)
		}
		slices.Sort(got)
		want := append([]string{}, a.Want...)
		slices.Sort(want)
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("access %s %s: got %v, want %v", a.Subject, a.Type, got, want)
		}
	}
	return len(checks) + len(lookups) + len(subjects) + len(grants) + len(access)
}
