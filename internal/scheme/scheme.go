// Package scheme loads and validates role models ("schemes"): resource types,
// the permission catalog, built-in roles and the rules of user management.
//
// Schemes are data. The three built-in ones (vi, deepomatic, labelbox) are YAML
// files embedded in the binary; custom roles composed at run time go through
// the same validation as the roles of a file.
package scheme

import (
	"embed"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// MaxPermissions bounds a scheme's catalog so the engine can keep a role's
// permissions in a fixed-size bitset.
const MaxPermissions = 256

// OrgType is the implicit resource type of the organization itself.
const OrgType = "org"

// TeamType is the scope type of team-level roles.
const TeamType = "team"

// Scheme is a validated role model.
type Scheme struct {
	ID              string
	Name            string
	Description     string
	TopRole         string // the role an org's creator gets; never granted, only transferred
	BaseRole        string // the membership role that gives nothing but seeing the org
	UniqueTop       bool   // exactly one holder of TopRole (vi)
	TransferRole    string // with UniqueTop: the role a new owner must hold and the old one gets
	AuditPermission string // lets its holder ask about other subjects and read access reports
	Channels        []string
	Types           []*ResourceType
	Permissions     []*Permission // Permissions[i].Index == i
	Roles           []*Role       // built-in roles in file order
	UserManagement  []UserManagement
	// InvitePermissions are those that invite new people into the org
	// (Labelbox: only members.invite); by default every user-management
	// permission.
	InvitePermissions []string
	// ScopedRolesNeedBase: roles bound below the org go only to members
	// whose org role is BaseRole (Labelbox's project-based roles).
	ScopedRolesNeedBase bool
	// PropertiesPermission, held at the org, lets a caller's stated
	// request properties count; without it they are ignored. Empty: no
	// caller's do.
	PropertiesPermission string
	// AuthZENActions maps AuthZEN action names to permission ids where
	// they differ; any other action name is the permission id itself.
	AuthZENActions map[string]string
	// AuthZENSubjectTypes are the AuthZEN subject types that name a
	// member (empty: user); subject search answers with the type it was
	// asked for.
	AuthZENSubjectTypes []string
	File                string

	source []byte // the file as read, for Source
	types  map[string]*ResourceType
	perms  map[string]*Permission
	roles  map[string]*Role
}

// ResourceType is a kind of protected resource.
type ResourceType struct {
	ID               string
	Name, Plural     string // as people read them: "Work order", "Work orders"
	Parent           string // "org" or another type
	Description      string
	CreatePermission string // needed at the parent (or the team) to register one
	Owned            bool   // resources record an owner, so "own" can be tested
	Attributes       []string
	Teams            bool // may be attached to a team
	// ViewPermission is the permission that shows a resource of the type:
	// every role acting on the type otherwise must hold it, under a
	// condition its action's condition implies (write never without view).
	ViewPermission string
	// Stateless: a resource of the type need not be registered; an id
	// Gatehouse does not know is decided at the type's wildcard, with the
	// owner read from the request's OwnerProperty (a member's id or alias).
	Stateless     bool
	OwnerProperty string
	line          int
}

// Permission is one entry of the catalog.
type Permission struct {
	Index       int
	ID          string
	Type        string // resource type it acts on, or "org"
	Description string
	Category    string
	// Anywhere: a check at the organization holds when the subject holds the
	// permission at any scope (Deepomatic's "use mobile app" for team roles).
	Anywhere bool
	// Reads marks a permission that only shows something (a view of the
	// fine-grained catalog), so it needs no ViewPermission beside it.
	Reads bool
}

// Role is a validated role, built-in or custom.
type Role struct {
	ID          string
	Name        string
	Description string
	ScopeType   string   // "org", "team" or a resource type
	AlsoAt      []string // further scope types it may be granted at
	Perms       []RolePerm
	Builtin     bool
}

// RolePerm is one permission of a role, possibly conditional.
type RolePerm struct {
	Perm *Permission
	Cond *Cond // nil: unconditional
}

// UserManagement names a permission that lets its holder grant roles, and
// which roles at which scope types it covers.
type UserManagement struct {
	Permission string
	Roles      []string // nil: every role but the top role
	ScopeTypes []string // nil: any scope
}

// NamesPerson reports whether an AuthZEN subject of type typ is a member:
// one of AuthZENSubjectTypes, or user when the scheme names none.
func (s *Scheme) NamesPerson(typ string) bool {
	if len(s.AuthZENSubjectTypes) == 0 {
		return typ == "user"
	}
	return slices.Contains(s.AuthZENSubjectTypes, typ)
}

// Type returns the resource type with that id.
func (s *Scheme) Type(id string) (*ResourceType, bool) { t, ok := s.types[id]; return t, ok }

// Permission returns the catalog entry with that id.
func (s *Scheme) Permission(id string) (*Permission, bool) { p, ok := s.perms[id]; return p, ok }

// Role returns the built-in role with that id.
func (s *Scheme) Role(id string) (*Role, bool) { r, ok := s.roles[id]; return r, ok }

// Ancestors returns the chain of types above typ, nearest first, ending with
// "org".
func (s *Scheme) Ancestors(typ string) []string {
	var out []string
	for t, ok := s.types[typ]; ok; t, ok = s.types[t.Parent] {
		out = append(out, t.Parent)
	}
	if len(out) == 0 || out[len(out)-1] != OrgType {
		out = append(out, OrgType)
	}
	return out
}

// Within reports whether type typ is scope or lies below it.
func (s *Scheme) Within(typ, scope string) bool {
	if typ == scope || scope == OrgType {
		return true
	}
	for t, ok := s.types[typ]; ok; t, ok = s.types[t.Parent] {
		if t.Parent == scope {
			return true
		}
	}
	return false
}

// GrantableAt reports whether role r may be bound at a scope.
func (s *Scheme) GrantableAt(r *Role, sc domain.Scope) error {
	var typ string
	switch sc.Kind {
	case domain.ScopeOrg:
		typ = OrgType
	case domain.ScopeTeam:
		typ = TeamType
	case domain.ScopeType, domain.ScopeResource:
		if _, ok := s.types[sc.Type]; !ok {
			return fmt.Errorf("scope %s: scheme %s has no resource type %q", sc, s.ID, sc.Type)
		}
		typ = sc.Type
	default:
		return fmt.Errorf("invalid scope")
	}
	if typ == r.ScopeType || slices.Contains(r.AlsoAt, typ) {
		return nil
	}
	where := append([]string{r.ScopeType}, r.AlsoAt...)
	return fmt.Errorf("role %s is granted at %s scope, not at %s", r.ID, strings.Join(where, " or "), sc)
}

// Manages reports whether holding management permission perm lets its holder
// hand out role at a scope of kind scopeType.
func (m UserManagement) Manages(role, scopeType string) bool {
	if m.Roles != nil && !slices.Contains(m.Roles, role) {
		return false
	}
	return m.ScopeTypes == nil || slices.Contains(m.ScopeTypes, scopeType)
}

// ScopeTypeOf names the kind of scope for UserManagement.ScopeTypes.
func ScopeTypeOf(sc domain.Scope) string {
	switch sc.Kind {
	case domain.ScopeOrg:
		return OrgType
	case domain.ScopeTeam:
		return TeamType
	}
	return sc.Type
}

// CheckViews refuses a role that acts on a type without seeing it there:
// for every permission on a type with a view permission (other than the
// view permission and those marked reads), the role must hold the view
// permission without a condition, or under one the action's condition
// implies. A Labeler who may rewrite any label in rework must also see it.
func (s *Scheme) CheckViews(r *Role) error {
	for _, rp := range r.Perms {
		t, ok := s.types[rp.Perm.Type]
		if !ok || t.ViewPermission == "" || rp.Perm.ID == t.ViewPermission || rp.Perm.Reads {
			continue
		}
		var view *RolePerm
		for i := range r.Perms {
			if r.Perms[i].Perm.ID == t.ViewPermission {
				view = &r.Perms[i]
			}
		}
		switch {
		case view == nil:
			return fmt.Errorf("role %s holds %s but not %s: a role that acts on a %s must see it", r.ID, rp.Perm.ID, t.ViewPermission, t.ID)
		case !Implies(rp.Cond, view.Cond):
			return fmt.Errorf("role %s holds %s%s but %s only under %q: it would act on a %s it cannot see", r.ID, rp.Perm.ID, condText(rp.Cond), t.ViewPermission, view.Cond.String(), t.ID)
		}
	}
	return nil
}

func condText(c *Cond) string {
	if c == nil {
		return ""
	}
	return fmt.Sprintf(" under %q", c.String())
}

// PermissionIDs lists the catalog in order.
func (s *Scheme) PermissionIDs() []string {
	ids := make([]string, len(s.Permissions))
	for i, p := range s.Permissions {
		ids[i] = p.ID
	}
	return ids
}

//go:embed schemes/*.yaml
var builtinFS embed.FS

var builtins = map[string]*Scheme{}

func init() {
	entries, err := builtinFS.ReadDir("schemes")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		data, err := builtinFS.ReadFile("schemes/" + e.Name())
		if err != nil {
			panic(err)
		}
		s, err := Parse(e.Name(), data)
		if err != nil {
			// A broken built-in scheme is a build defect; the tests catch it first.
			panic(err)
		}
		builtins[s.ID] = s
	}
}

// registered holds the schemes added at run time (an operator's scheme
// files, a test's fixtures), copied on write so that Get, on every request's
// path, takes no lock.
var (
	registered atomic.Pointer[map[string]*Scheme]
	registerMu sync.Mutex
)

// Register makes a scheme available to organizations loaded afterwards. An
// id may name neither a built-in scheme nor one registered before with
// from another file; the same file registered again replaces its scheme, so
// a process that reloads its scheme directory need not track what it loaded.
func Register(s *Scheme) error {
	if _, ok := builtins[s.ID]; ok {
		return fmt.Errorf("%s: scheme id %q is a built-in scheme's; choose another id", s.File, s.ID)
	}
	registerMu.Lock()
	defer registerMu.Unlock()
	old := map[string]*Scheme{}
	if m := registered.Load(); m != nil {
		old = *m
	}
	if prev, ok := old[s.ID]; ok && prev.File != s.File {
		return fmt.Errorf("%s: scheme id %q is already registered from %s", s.File, s.ID, prev.File)
	}
	next := make(map[string]*Scheme, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[s.ID] = s
	registered.Store(&next)
	return nil
}

// Get returns a built-in or registered scheme.
func Get(id string) (*Scheme, bool) {
	if s, ok := builtins[id]; ok {
		return s, true
	}
	if m := registered.Load(); m != nil {
		s, ok := (*m)[id]
		return s, ok
	}
	return nil, false
}

// Builtin reports whether id names a scheme shipped in the binary.
func Builtin(id string) bool { _, ok := builtins[id]; return ok }

// Names lists the built-in and registered schemes, sorted.
func Names() []string {
	names := make([]string, 0, len(builtins))
	for n := range builtins {
		names = append(names, n)
	}
	if m := registered.Load(); m != nil {
		for n := range *m {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

// Source returns the YAML a built-in or registered scheme was parsed from.
func Source(id string) ([]byte, error) {
	if s, ok := Get(id); ok && s.source != nil {
		return s.source, nil
	}
	return builtinFS.ReadFile("schemes/" + id + ".yaml")
}
