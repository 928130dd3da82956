package scheme

// Compiling roles: a role's permission patterns expand to the scheme's
// permissions, each checked against the scope types it can reach and the
// conditions its type allows; built-in roles from the file and custom
// roles from an organization go through the same steps.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
)

type problem struct {
	line int
	msg  string
}

func (s *Scheme) compileFileRole(fr fileRole) (*Role, []problem) {
	var probs []problem
	add := func(line int, format string, args ...any) {
		probs = append(probs, problem{line, fmt.Sprintf(format, args...)})
	}
	var entries []domain.RolePermission
	lines := map[string]int{}
	for _, fp := range fr.Permissions {
		ids := s.expand(fp.ID)
		if len(ids) == 0 {
			add(fp.Line, "unknown permission %q", fp.ID)
			continue
		}
		if fp.Condition != "" && len(ids) > 1 {
			add(fp.Line, "condition on pattern %q: name one permission", fp.ID)
			continue
		}
		for _, id := range ids {
			if slices.Contains(fr.Except, id) {
				continue
			}
			if _, dup := lines[id]; dup {
				add(fp.Line, "permission %q listed twice", id)
				continue
			}
			lines[id] = fp.Line
			entries = append(entries, domain.RolePermission{ID: id, Condition: fp.Condition})
		}
	}
	for _, x := range fr.Except {
		if _, ok := s.perms[x]; !ok {
			add(fr.Line, "except: unknown permission %q", x)
		}
	}
	r, err := s.compile(domain.Role{ID: fr.ID, Name: fr.Name, ScopeType: fr.ScopeType, AlsoAt: fr.AlsoAt, Permissions: entries})
	if err != nil {
		for _, re := range err.(roleErrors) {
			line := fr.Line
			if l, ok := lines[re.perm]; ok {
				line = l
			}
			add(line, "%s", re.msg)
		}
		return nil, probs
	}
	r.Description = fr.Description
	if len(probs) > 0 {
		return nil, probs
	}
	return r, nil
}

// expand turns "*" or "prefix.*" into the matching catalog ids, in catalog order.
func (s *Scheme) expand(pat string) []string {
	if !strings.HasSuffix(pat, "*") {
		if _, ok := s.perms[pat]; ok {
			return []string{pat}
		}
		return nil
	}
	prefix := strings.TrimSuffix(pat, "*")
	var ids []string
	for _, p := range s.Permissions {
		if strings.HasPrefix(p.ID, prefix) {
			ids = append(ids, p.ID)
		}
	}
	return ids
}

type roleError struct {
	perm string // the permission concerned, if any
	msg  string
}

type roleErrors []roleError

func (re roleErrors) Error() string {
	msgs := make([]string, len(re))
	for i, e := range re {
		msgs[i] = e.msg
	}
	return strings.Join(msgs, "; ")
}

// CompileRole validates a custom role against the scheme's catalog with the
// same rules as a built-in role.
func (s *Scheme) CompileRole(r domain.Role) (*Role, error) {
	if _, clash := s.roles[r.ID]; clash {
		return nil, fmt.Errorf("role id %q is a built-in role of scheme %s", r.ID, s.ID)
	}
	return s.compile(r)
}

func (s *Scheme) compile(r domain.Role) (*Role, error) {
	var errs roleErrors
	add := func(perm, format string, args ...any) {
		errs = append(errs, roleError{perm, fmt.Sprintf(format, args...)})
	}
	if !validPermID(r.ID) {
		add("", "role id %q: want lowercase words joined by dots", r.ID)
	}
	if r.ID == domain.DefaultRole {
		add("", "role id %q is reserved: a grant with it gives each member their own default role", r.ID)
	}
	if r.Name == "" {
		add("", "role %q: name is required", r.ID)
	}
	if !s.knownScopeType(r.ScopeType) {
		add("", "unknown scope type %q", r.ScopeType)
	}
	for _, a := range r.AlsoAt {
		if !s.knownScopeType(a) {
			add("", "also_at: unknown scope type %q", a)
		}
	}
	out := &Role{ID: r.ID, Name: r.Name, Description: r.Description, ScopeType: r.ScopeType, AlsoAt: r.AlsoAt, Builtin: r.Builtin}
	seen := map[string]bool{}
	for _, rp := range r.Permissions {
		p, ok := s.perms[rp.ID]
		if !ok {
			add(rp.ID, "unknown permission %q", rp.ID)
			continue
		}
		if seen[p.ID] {
			add(rp.ID, "permission %q listed twice", p.ID)
			continue
		}
		seen[p.ID] = true
		if s.knownScopeType(r.ScopeType) && !s.reaches(r.ScopeType, p.Type) {
			add(rp.ID, "permission %q acts on %s, which a %s-scoped role cannot reach", p.ID, p.Type, r.ScopeType)
			continue
		}
		entry := RolePerm{Perm: p}
		if rp.Condition != "" {
			c, err := ParseCond(rp.Condition)
			if err != nil {
				add(rp.ID, "permission %q: %v", p.ID, err)
				continue
			}
			if msg := s.checkCond(p, c); msg != "" {
				add(rp.ID, "permission %q: %s", p.ID, msg)
				continue
			}
			entry.Cond = c
		}
		out.Perms = append(out.Perms, entry)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return out, nil
}

// reaches reports whether a role bound at a scope of scopeType can act on
// resources of permType. Org and team roles reach everything (a team scope
// narrows by attachment, not by type); a resource-scoped role reaches its
// type and the types below it.
func (s *Scheme) reaches(scopeType, permType string) bool {
	if scopeType == OrgType || scopeType == TeamType {
		return true
	}
	return s.Within(permType, scopeType)
}

// checkCond explains why a condition cannot apply to permission p, or
// returns "".
func (s *Scheme) checkCond(p *Permission, c *Cond) string {
	t := s.types[p.Type] // nil for org-level permissions
	for _, cl := range c.Any {
		if cl.Own && (t == nil || !t.Owned) {
			return fmt.Sprintf("condition %q tests the owner, but resource type %s has no owner", c, p.Type)
		}
		for _, ch := range cl.Channels {
			if !slices.Contains(s.Channels, ch) {
				return fmt.Sprintf("condition %q: unknown channel %q (scheme channels: %s)", c, ch, strings.Join(s.Channels, ", "))
			}
		}
		for _, a := range cl.Attrs {
			if a.From != FromStore {
				continue // stated by the caller; any name may be stated
			}
			if t == nil || !slices.Contains(t.Attributes, a.Name) {
				return fmt.Sprintf("condition %q tests attribute %q, which resource type %s does not have", c, a.Name, p.Type)
			}
		}
	}
	return ""
}
