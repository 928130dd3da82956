package authz

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// StaleError is an organization whose records use what its scheme no
// longer has: the scheme file changed between two starts and dropped a
// permission, role or resource type still in use. Loading it anyway would
// silently take access away (or fail on the first record), so the load
// refuses and lists every use, for the operator to restore the scheme or
// remove the uses under the previous one.
type StaleError struct {
	Org    string
	Scheme string
	File   string // the scheme's file, when it has one
	Uses   []string
	// Unknown: the scheme itself is gone (its file left the scheme
	// directory); Uses is empty.
	Unknown bool
}

func (e *StaleError) Error() string {
	if e.Unknown {
		return fmt.Sprintf("org %s: unknown scheme %q: neither built in nor registered from a scheme file", e.Org, e.Scheme)
	}
	from := ""
	if e.File != "" {
		from = " (" + e.File + ")"
	}
	return fmt.Sprintf("org %s: %d record(s) use what scheme %s%s no longer has; put it back in the scheme, or remove these uses under the previous version:\n  %s",
		e.Org, len(e.Uses), e.Scheme, from, strings.Join(e.Uses, "\n  "))
}

// staleCheck judges an organization's records against its scheme, the
// grants in batches as the loader receives them.
type staleCheck struct {
	s     *scheme.Scheme
	roles map[string]bool // custom role ids, valid or not: a bad one is reported once, as itself
	uses  []string
}

func newStaleCheck(head *domain.Snapshot, s *scheme.Scheme) *staleCheck {
	c := &staleCheck{s: s, roles: map[string]bool{}}
	for i := range head.Roles {
		r := &head.Roles[i]
		c.roles[r.ID] = true
		if _, err := s.CompileRole(*r); err != nil {
			c.add("custom role %s: %v", r.ID, err)
		}
	}
	for i := range head.Members {
		if m := &head.Members[i]; !c.role(m.Role) {
			c.add("member %s holds org role %q, which the scheme no longer has", m.UserID, m.Role)
		}
	}
	for i := range head.Resources {
		r := &head.Resources[i]
		t, ok := s.Type(r.Type)
		switch {
		case !ok:
			c.add("resource %s:%s is of resource type %q, which the scheme no longer has", r.Type, r.ID, r.Type)
		case t.Parent == scheme.OrgType && !r.Parent.IsZero():
			c.add("resource %s:%s has parent %s, but a %s now has none", r.Type, r.ID, r.Parent, r.Type)
		case t.Parent != scheme.OrgType && r.Parent.Type != t.Parent:
			c.add("resource %s:%s has parent %q, but a %s's parent is now a %s", r.Type, r.ID, r.Parent.String(), r.Type, t.Parent)
		}
	}
	for i := range head.Gates {
		g := &head.Gates[i]
		if _, ok := s.Permission(g.Permission); !ok {
			c.add("approval gate on %s: a permission the scheme no longer has", g.Permission)
		}
		if !c.role(g.ApproverRole) {
			c.add("approval gate on %s: approver role %q, which the scheme no longer has", g.Permission, g.ApproverRole)
		}
	}
	for i := range head.Approvals {
		if a := &head.Approvals[i]; !c.permission(a.Permission) {
			c.add("approval %s is for permission %q, which the scheme no longer has", a.ID, a.Permission)
		}
	}
	return c
}

func (c *staleCheck) add(format string, args ...any) {
	c.uses = append(c.uses, fmt.Sprintf(format, args...))
}

func (c *staleCheck) role(id string) bool {
	_, builtin := c.s.Role(id)
	return builtin || c.roles[id]
}

func (c *staleCheck) permission(id string) bool { _, ok := c.s.Permission(id); return ok }

// grant reports whether g is still in the scheme's terms, recording why
// not.
func (c *staleCheck) grant(g *domain.Grant) bool {
	ok := true
	if g.Role != domain.DefaultRole && !c.role(g.Role) {
		c.add("grant %s gives role %q to %s at %s, which the scheme no longer has", g.ID, g.Role, g.Subject, g.Scope)
		ok = false
	}
	if k := g.Scope.Kind; k == domain.ScopeType || k == domain.ScopeResource {
		if _, known := c.s.Type(g.Scope.Type); !known {
			c.add("grant %s gives %s at %s, of resource type %q, which the scheme no longer has", g.ID, g.Role, g.Scope, g.Scope.Type)
			ok = false
		}
	}
	return ok
}

func (c *staleCheck) err(org string) error {
	if len(c.uses) == 0 {
		return nil
	}
	return &StaleError{Org: org, Scheme: c.s.ID, File: c.s.File, Uses: c.uses}
}
