package scheme

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// The file format. Each element remembers its line so errors can point at it.
type fileScheme struct {
	ID              string         `yaml:"id"`
	Name            string         `yaml:"name"`
	Description     string         `yaml:"description"`
	TopRole         string         `yaml:"top_role"`
	UniqueTop       bool           `yaml:"unique_top"`
	TransferRole    string         `yaml:"transfer_role"`
	BaseRole        string         `yaml:"base_role"`
	AuditPermission string         `yaml:"audit_permission"`
	Channels        []string       `yaml:"channels"`
	ResourceTypes   []fileType     `yaml:"resource_types"`
	Permissions     []filePerm     `yaml:"permissions"`
	Roles           []fileRole     `yaml:"roles"`
	UserManagement  []fileUserMgmt `yaml:"user_management"`
	// InvitePermissions invite new people into the org; absent, every
	// user-management permission does.
	InvitePermissions []string `yaml:"invite_permissions"`
	// ScopedRolesNeedBase: roles bound below the org go only to members
	// whose org role is the base role (Labelbox: a workspace-wide role
	// cannot be overridden at the project level).
	ScopedRolesNeedBase bool `yaml:"scoped_roles_need_base_role"`
	// PropertiesPermission is what a caller must hold at the org for the
	// properties it states in a request to count.
	PropertiesPermission string `yaml:"properties_permission"`
	// AuthZENActions names the AuthZEN action names that are not the id of
	// the permission they ask about (can_read_todos: todo.read).
	AuthZENActions map[string]string `yaml:"authzen_actions"`
	// AuthZENSubjectTypes are the AuthZEN subject types that name a
	// person (a gateway may send "identity"); absent: user.
	AuthZENSubjectTypes []string `yaml:"authzen_subject_types"`
}

type fileType struct {
	ID               string   `yaml:"id"`
	Name             string   `yaml:"name"`
	Plural           string   `yaml:"plural"`
	Parent           string   `yaml:"parent"`
	Description      string   `yaml:"description"`
	CreatePermission string   `yaml:"create_permission"`
	Owned            bool     `yaml:"owned"`
	Attributes       []string `yaml:"attributes"`
	Teams            bool     `yaml:"teams"`
	ViewPermission   string   `yaml:"view_permission"`
	Stateless        bool     `yaml:"stateless"`
	OwnerProperty    string   `yaml:"owner_property"`
	Line             int      `yaml:"-"`
}

type filePerm struct {
	ID          string `yaml:"id"`
	Type        string `yaml:"type"`
	Description string `yaml:"description"`
	Category    string `yaml:"category"`
	Anywhere    bool   `yaml:"anywhere"`
	Reads       bool   `yaml:"reads"`
	Line        int    `yaml:"-"`
}

type fileRole struct {
	ID          string         `yaml:"id"`
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	ScopeType   string         `yaml:"scope_type"`
	AlsoAt      []string       `yaml:"also_at"`
	Permissions []fileRolePerm `yaml:"permissions"`
	Except      []string       `yaml:"except"`
	Line        int            `yaml:"-"`
}

// fileRolePerm is either a bare id or pattern ("dataset.*", "*") or a mapping
// {id, condition}.
type fileRolePerm struct {
	ID        string
	Condition string
	Line      int
}

type fileUserMgmt struct {
	Permission string   `yaml:"permission"`
	Roles      []string `yaml:"roles"`
	ScopeTypes []string `yaml:"scope_types"`
	Line       int      `yaml:"-"`
}

func (t *fileType) UnmarshalYAML(n *yaml.Node) error {
	type plain fileType
	t.Line = n.Line
	return decodeStrict(n, (*plain)(t))
}

func (p *filePerm) UnmarshalYAML(n *yaml.Node) error {
	type plain filePerm
	p.Line = n.Line
	return decodeStrict(n, (*plain)(p))
}

func (r *fileRole) UnmarshalYAML(n *yaml.Node) error {
	type plain fileRole
	r.Line = n.Line
	return decodeStrict(n, (*plain)(r))
}

func (m *fileUserMgmt) UnmarshalYAML(n *yaml.Node) error {
	type plain fileUserMgmt
	m.Line = n.Line
	return decodeStrict(n, (*plain)(m))
}

func (rp *fileRolePerm) UnmarshalYAML(n *yaml.Node) error {
	rp.Line = n.Line
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&rp.ID)
	}
	var m struct {
		ID        string `yaml:"id"`
		Condition string `yaml:"condition"`
	}
	if err := decodeStrict(n, &m); err != nil {
		return err
	}
	rp.ID, rp.Condition = m.ID, m.Condition
	return nil
}

// ownOnly reports whether a condition holds only on what the member owns:
// every alternative tests own.
func ownOnly(c *Cond) bool {
	if c == nil || len(c.Any) == 0 {
		return false
	}
	for _, cl := range c.Any {
		if !cl.Own {
			return false
		}
	}
	return true
}

// decodeStrict decodes a mapping into v and refuses keys v has no field
// for: the decoder's own strictness does not reach custom unmarshalers.
// An unquoted comma in a flow mapping ({description: see plan, seats})
// makes such a key, and would otherwise cut the text silently.
func decodeStrict(n *yaml.Node, v any) error {
	if n.Kind == yaml.MappingNode {
		known := map[string]bool{}
		t := reflect.TypeOf(v).Elem()
		for i := range t.NumField() {
			if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
				known[name] = true
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !known[k.Value] {
				hint := ""
				if n.Style&yaml.FlowStyle != 0 {
					hint = " (a value with a comma needs quotes)"
				}
				return fmt.Errorf("line %d: unknown field %q%s", k.Line, k.Value, hint)
			}
		}
	}
	return n.Decode(v)
}

// errs collects validation errors, each prefixed with file and line.
type errs struct {
	file string
	list []string
}

func (e *errs) add(line int, format string, args ...any) {
	e.list = append(e.list, fmt.Sprintf("%s:%d: %s", e.file, line, fmt.Sprintf(format, args...)))
}

func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	return errors.New(strings.Join(e.list, "\n"))
}

// decodeYAML decodes a scheme file strictly. yaml.v3 panics on some
// malformed documents (a merge key "<<" whose value is a sequence of
// unhashable nodes, found by FuzzParse): that is an error, not a crash.
func decodeYAML(data []byte, f *fileScheme) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed YAML: %v", r)
		}
	}()
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	return dec.Decode(f)
}

// Parse reads and validates a scheme file. The error lists every problem
// found, one per line, as "FILE:LINE: what is wrong".
func Parse(file string, data []byte) (*Scheme, error) {
	var f fileScheme
	if err := decodeYAML(data, &f); err != nil {
		return nil, Located(file, err)
	}
	e := &errs{file: file}
	s := &Scheme{
		ID: f.ID, Name: f.Name, Description: f.Description,
		TopRole: f.TopRole, BaseRole: f.BaseRole, UniqueTop: f.UniqueTop, TransferRole: f.TransferRole,
		AuditPermission: f.AuditPermission, Channels: f.Channels, File: file, InvitePermissions: f.InvitePermissions,
		ScopedRolesNeedBase: f.ScopedRolesNeedBase, PropertiesPermission: f.PropertiesPermission, source: bytes.Clone(data),
		types: map[string]*ResourceType{}, perms: map[string]*Permission{}, roles: map[string]*Role{},
	}
	if !domain.ValidTypeName(s.ID) {
		e.add(keyLine(data, "id"), "scheme id %q: want a lowercase name", s.ID)
	}
	s.parseTypes(f.ResourceTypes, e)
	s.parsePerms(f.Permissions, e)
	for _, ft := range f.ResourceTypes {
		if t, ok := s.types[ft.ID]; ok && t.CreatePermission != "" {
			if _, ok := s.perms[t.CreatePermission]; !ok {
				e.add(ft.Line, "resource type %q: unknown create permission %q", ft.ID, t.CreatePermission)
			}
		}
	}
	for _, fr := range f.Roles {
		if _, dup := s.roles[fr.ID]; dup {
			e.add(fr.Line, "duplicate role id %q", fr.ID)
			continue
		}
		r, problems := s.compileFileRole(fr)
		for _, p := range problems {
			e.add(p.line, "role %q: %s", fr.ID, p.msg)
		}
		if r != nil {
			r.Builtin = true
			s.roles[r.ID] = r
			s.Roles = append(s.Roles, r)
		}
	}
	for _, name := range []struct{ field, id string }{{"top_role", s.TopRole}, {"base_role", s.BaseRole}} {
		if _, ok := s.roles[name.id]; !ok {
			e.add(keyLine(data, name.field), "%s: unknown role %q", name.field, name.id)
		}
	}
	// Anyone who invites hands out the base role, unjudged: it must give
	// nothing but seeing the organization and acting on what the member
	// comes to own (which someone with the power to give it hands her).
	if b, ok := s.roles[s.BaseRole]; ok {
		if s.BaseRole == s.TopRole {
			e.add(keyLine(data, "base_role"), "base_role: the top role %q cannot be the base role, which every inviter hands out", s.TopRole)
		}
		for _, rp := range b.Perms {
			if id := rp.Perm.ID; id != "org.view" && id != "members.view" && !ownOnly(rp.Cond) {
				e.add(keyLine(data, "base_role"), "base_role %q holds %s: the base role, which every inviter hands out, may hold only org.view, members.view and permissions on what the member owns (condition own)", s.BaseRole, id)
				break
			}
		}
	}
	if s.UniqueTop {
		if _, ok := s.roles[s.TransferRole]; !ok {
			e.add(keyLine(data, "transfer_role"), "transfer_role: a scheme with a unique top role needs the role ownership passes to and from, got %q", s.TransferRole)
		}
	}
	if _, ok := s.perms[s.AuditPermission]; !ok {
		e.add(keyLine(data, "audit_permission"), "audit_permission: unknown permission %q", s.AuditPermission)
	}
	for _, fm := range f.UserManagement {
		if _, ok := s.perms[fm.Permission]; !ok {
			e.add(fm.Line, "user_management: unknown permission %q", fm.Permission)
		}
		for _, r := range fm.Roles {
			if _, ok := s.roles[r]; !ok {
				e.add(fm.Line, "user_management %q: unknown role %q", fm.Permission, r)
			}
		}
		for _, st := range fm.ScopeTypes {
			if !s.knownScopeType(st) {
				e.add(fm.Line, "user_management %q: unknown scope type %q", fm.Permission, st)
			}
		}
		s.UserManagement = append(s.UserManagement, UserManagement{Permission: fm.Permission, Roles: fm.Roles, ScopeTypes: fm.ScopeTypes})
	}
	if len(s.UserManagement) == 0 {
		e.add(keyLine(data, "user_management"), "user_management: at least one permission must manage users")
	}
	if s.PropertiesPermission != "" {
		if _, ok := s.perms[s.PropertiesPermission]; !ok {
			e.add(keyLine(data, "properties_permission"), "properties_permission: unknown permission %q", s.PropertiesPermission)
		}
	}
	for _, p := range s.InvitePermissions {
		if _, ok := s.perms[p]; !ok {
			e.add(keyLine(data, "invite_permissions"), "invite_permissions: unknown permission %q", p)
		}
	}
	if s.InvitePermissions == nil {
		for _, um := range s.UserManagement {
			s.InvitePermissions = append(s.InvitePermissions, um.Permission)
		}
	}
	for _, ft := range f.ResourceTypes {
		t, ok := s.types[ft.ID]
		if !ok || t.ViewPermission == "" {
			continue
		}
		if p, ok := s.perms[t.ViewPermission]; !ok || p.Type != t.ID {
			e.add(ft.Line, "resource type %q: view_permission %q is not a permission on %s", t.ID, t.ViewPermission, t.ID)
		}
	}
	if len(e.list) == 0 {
		for _, fr := range f.Roles {
			if err := s.CheckViews(s.roles[fr.ID]); err != nil {
				e.add(fr.Line, "%v", err)
			}
		}
	}
	for name, p := range f.AuthZENActions {
		if _, ok := s.perms[p]; !ok || name == "" {
			e.add(keyLine(data, "authzen_actions"), "authzen_actions: %q names unknown permission %q", name, p)
		}
	}
	s.AuthZENActions = f.AuthZENActions
	for _, st := range f.AuthZENSubjectTypes {
		if st == "" {
			e.add(keyLine(data, "authzen_subject_types"), "authzen_subject_types: a subject type may not be empty")
		}
	}
	s.AuthZENSubjectTypes = f.AuthZENSubjectTypes
	if err := e.err(); err != nil {
		return nil, err
	}
	return s, nil
}

// yamlLine finds "line N: what" in the decoder's messages, alone
// (unmarshal errors, one per line) or after a "yaml: " prefix (syntax).
var yamlLine = regexp.MustCompile(`^\s*(?:yaml: )?line (\d+): (.*)$`)

// unknownField is the decoder's word for a key no field takes, which names
// a Go type the reader of a file has nothing to do with.
var unknownField = regexp.MustCompile(`^field (\S+) not found in type \S+$`)

// Located rewrites a YAML decoding error as the validation errors read, one
// "FILE:LINE: what" per problem, so that every error of a scheme file
// points at its line the same way.
func Located(file string, err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s:1: the file is empty", file)
	}
	var out []string
	for _, l := range strings.Split(err.Error(), "\n") {
		if m := yamlLine.FindStringSubmatch(l); m != nil {
			msg := m[2]
			if f := unknownField.FindStringSubmatch(msg); f != nil {
				msg = fmt.Sprintf("unknown field %q", f[1])
			}
			out = append(out, fmt.Sprintf("%s:%s: %s", file, m[1], msg))
		} else if l != "yaml: unmarshal errors:" {
			out = append(out, fmt.Sprintf("%s:1: %s", file, strings.TrimPrefix(l, "yaml: ")))
		}
	}
	return errors.New(strings.Join(out, "\n"))
}

// keyLine is the line of a top-level key of the file, or 1 when absent.
func keyLine(data []byte, key string) int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return 1
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i].Line
		}
	}
	return 1
}

func (s *Scheme) knownScopeType(t string) bool {
	_, ok := s.types[t]
	return ok || t == OrgType || t == TeamType
}

func (s *Scheme) parseTypes(fts []fileType, e *errs) {
	for _, ft := range fts {
		switch {
		case !domain.ValidTypeName(ft.ID) || ft.ID == OrgType || ft.ID == TeamType:
			e.add(ft.Line, "resource type id %q: want a lowercase name other than org and team", ft.ID)
			continue
		case s.types[ft.ID] != nil:
			e.add(ft.Line, "duplicate resource type id %q", ft.ID)
			continue
		}
		parent := ft.Parent
		if parent == "" {
			parent = OrgType
		}
		t := &ResourceType{ID: ft.ID, Name: ft.Name, Plural: ft.Plural, Parent: parent, Description: ft.Description,
			CreatePermission: ft.CreatePermission, Owned: ft.Owned, Attributes: ft.Attributes, Teams: ft.Teams,
			ViewPermission: ft.ViewPermission, Stateless: ft.Stateless, OwnerProperty: ft.OwnerProperty, line: ft.Line}
		if t.Name == "" {
			t.Name = displayName(t.ID)
		}
		if t.Plural == "" {
			t.Plural = pluralOf(t.Name)
		}
		for _, a := range t.Attributes {
			if _, _, stated := StatedProperty(a); stated {
				e.add(ft.Line, "resource type %q: attribute %q: the prefixes subject., resource. and action. name properties a request states", t.ID, a)
			}
		}
		switch {
		case t.Stateless && len(t.Attributes) > 0:
			// An unregistered id has no stored attributes, so a test on one
			// would pass for any id a caller makes up (a `not in` most of all).
			e.add(ft.Line, "resource type %q: a stateless type has no stored attributes; test properties the request states (resource.properties.X)", t.ID)
		case t.OwnerProperty != "" && !t.Stateless:
			e.add(ft.Line, "resource type %q: owner_property is read only for a stateless type", t.ID)
		case t.OwnerProperty != "" && !t.Owned:
			e.add(ft.Line, "resource type %q: owner_property names an owner, so the type must be owned", t.ID)
		case t.OwnerProperty != "" && !isWord(t.OwnerProperty):
			e.add(ft.Line, "resource type %q: owner_property %q: want a property name", t.ID, t.OwnerProperty)
		}
		s.types[t.ID] = t
		s.Types = append(s.Types, t)
	}
	for _, t := range s.Types {
		if t.Parent != OrgType && s.types[t.Parent] == nil {
			e.add(t.line, "resource type %q: unknown parent type %q", t.ID, t.Parent)
			continue
		}
		// Walk up; more steps than there are types means a cycle.
		seen := 0
		for p := s.types[t.Parent]; p != nil; p = s.types[p.Parent] {
			if seen++; seen > len(s.Types) || p == t {
				e.add(t.line, "resource type %q: parent cycle", t.ID)
				break
			}
		}
	}
}

func (s *Scheme) parsePerms(fps []filePerm, e *errs) {
	for _, fp := range fps {
		switch {
		case !validPermID(fp.ID):
			e.add(fp.Line, "permission id %q: want lowercase words joined by dots", fp.ID)
			continue
		case s.perms[fp.ID] != nil:
			e.add(fp.Line, "duplicate permission id %q", fp.ID)
			continue
		case fp.Type != OrgType && s.types[fp.Type] == nil:
			e.add(fp.Line, "permission %q: unknown resource type %q", fp.ID, fp.Type)
			continue
		case len(s.Permissions) == MaxPermissions:
			e.add(fp.Line, "permission %q: a scheme has at most %d permissions", fp.ID, MaxPermissions)
			continue
		}
		p := &Permission{Index: len(s.Permissions), ID: fp.ID, Type: fp.Type, Description: fp.Description,
			Category: fp.Category, Anywhere: fp.Anywhere, Reads: fp.Reads}
		s.perms[p.ID] = p
		s.Permissions = append(s.Permissions, p)
	}
}

func validPermID(id string) bool {
	if id == "" || len(id) > 100 {
		return false
	}
	for _, part := range strings.Split(id, ".") {
		if !domain.ValidTypeName(part) {
			return false
		}
	}
	return true
}

// displayName is a type id as people read it: "work_order" is "Work order".
func displayName(id string) string {
	s := strings.ReplaceAll(id, "_", " ")
	return strings.ToUpper(s[:1]) + s[1:]
}

// pluralOf is the English plural of a name's last word, by the regular
// rules; a scheme names irregular ones itself (plural:).
func pluralOf(name string) string {
	l := strings.ToLower(name)
	switch {
	case strings.HasSuffix(l, "s"), strings.HasSuffix(l, "x"), strings.HasSuffix(l, "z"),
		strings.HasSuffix(l, "ch"), strings.HasSuffix(l, "sh"):
		return name + "es"
	case len(l) > 1 && strings.HasSuffix(l, "y") && !strings.ContainsRune("aeiou", rune(l[len(l)-2])):
		return name[:len(name)-1] + "ies"
	}
	return name + "s"
}
