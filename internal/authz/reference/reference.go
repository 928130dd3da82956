// Package reference is a deliberately naive model of the decision engine,
// written straight from the definitions so that tests can compare the real
// engine (package authz: index, bitsets, sorted lists, candidate pruning)
// against something too simple to be wrong in the same way.
//
// Nothing here is fast. A check walks plain maps and slices; a lookup checks
// every resource or every subject one by one. Only the scheme's parsed roles
// are shared with the engine; conditions are evaluated here by reading their
// clauses, not by calling the scheme's evaluator.
//
// It is one file, longer than the others, on purpose: the model is read
// whole against the spec, top to bottom.
//
// The semantics modelled (see authz/check.go and authz/lookup.go):
//
//   - A subject is active when it is a member whose membership has not
//     ended (users; ended when now >= its end), an existing group (groups),
//     or a put, unrevoked, unexpired key whose owner is such a member
//     (keys). Inactive subjects are denied everything; their grants stay
//     but give nothing.
//   - A key holds a permission only where its owner holds it too.
//   - The scopes that reach a resource are: the resource, its type's wildcard
//     TYPE:*, its team (if attached), then the same for its parent, and so on
//     up to the organization. A check at the organization sees only "org".
//   - At "org" the user's membership role counts. At every scope, grants of
//     the subject and of every existing group the user belongs to count,
//     unless expired (expired when now >= expiry).
//   - A permission of a role holds when it carries no condition, or when its
//     condition holds on the target: own = the target's owner is the
//     requesting subject; channel = the request's channel is listed; any
//     other name tests an attribute of the target.
//   - A permission marked anywhere in the scheme holds at the organization
//     (resource omitted) when any unexpired grant of the subject or its groups
//     gives it, at any scope, with its condition holding on the request.
//   - A gated permission holds only where all of the above allow it and an
//     approval window names the subject itself, the permission, and the
//     organization, the resource or one of its ancestor resources (by
//     reference), with from <= now < until and not ended early.
package reference

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// Errors, matched by tests only on whether an error happened.
var (
	ErrUnknownPermission = errors.New("unknown permission")
	ErrUnknownResource   = errors.New("resource not found")
	ErrUnknownType       = errors.New("unknown resource type")
)

// Key is a secret key as a subject.
type Key struct {
	Expires time.Time // zero: never
	Revoked bool
	Owner   string // user id; "" holds nothing
}

// State is an organization's access state, as plain data.
type State struct {
	Scheme       *scheme.Scheme
	Members      map[string]string          // user id -> membership role
	MemberEnds   map[string]time.Time       // user id -> end of a membership that ends
	Defaults     map[string]string          // user id -> default role, for grants made with it
	Grants       map[string]domain.Grant    // grant id -> grant
	Groups       map[string]bool            // existing groups
	GroupMembers map[string]map[string]bool // group id -> user ids
	Teams        map[string]bool            // teams put (bookkeeping only)
	Resources    map[string]domain.Resource // "TYPE:ID" -> resource
	Keys         map[string]Key             // key id -> key
	Custom       map[string]*scheme.Role    // custom roles by id
	Gates        map[string]string          // gated permission -> approver role
	Approvals    map[string]domain.Approval // approval id -> window not ended early
}

// New returns an empty organization of a scheme.
func New(s *scheme.Scheme) *State {
	return &State{
		Scheme:       s,
		Members:      map[string]string{},
		MemberEnds:   map[string]time.Time{},
		Defaults:     map[string]string{},
		Grants:       map[string]domain.Grant{},
		Groups:       map[string]bool{},
		GroupMembers: map[string]map[string]bool{},
		Teams:        map[string]bool{},
		Resources:    map[string]domain.Resource{},
		Keys:         map[string]Key{},
		Custom:       map[string]*scheme.Role{},
		Gates:        map[string]string{},
		Approvals:    map[string]domain.Approval{},
	}
}

// GrantRole is the role grant g gives subject: its own, or for a grant made
// with the default role, the subject's default role when it is a user with
// one.
func (st *State) GrantRole(g domain.Grant, subject string) (*scheme.Role, bool) {
	if g.Role != domain.DefaultRole {
		return st.Role(g.Role)
	}
	s, _ := domain.ParseSubject(subject)
	if s.Kind != domain.SubjectUser || st.Defaults[s.ID] == "" {
		return nil, false
	}
	return st.Role(st.Defaults[s.ID])
}

// Role returns a built-in or custom role.
func (st *State) Role(id string) (*scheme.Role, bool) {
	if r, ok := st.Scheme.Role(id); ok {
		return r, true
	}
	r, ok := st.Custom[id]
	return r, ok
}

// Apply performs one change, with the meaning the engine gives it.
func (st *State) Apply(c domain.Change) error {
	switch c.Op {
	case domain.OpPutMember:
		if _, ok := st.Role(c.Member.Role); !ok {
			return fmt.Errorf("member %s: unknown role %q", c.Member.UserID, c.Member.Role)
		}
		st.Members[c.Member.UserID] = c.Member.Role
		delete(st.Defaults, c.Member.UserID)
		if c.Member.DefaultRole != "" {
			st.Defaults[c.Member.UserID] = c.Member.DefaultRole
		}
		delete(st.MemberEnds, c.Member.UserID)
		if !c.Member.ExpiresAt.IsZero() {
			st.MemberEnds[c.Member.UserID] = c.Member.ExpiresAt
		}
	case domain.OpDeleteMember:
		delete(st.Members, c.Member.UserID)
		delete(st.MemberEnds, c.Member.UserID)
		delete(st.Defaults, c.Member.UserID)
	case domain.OpPutGrant:
		g := *c.Grant
		if _, ok := st.Role(g.Role); !ok && g.Role != domain.DefaultRole {
			return fmt.Errorf("grant %s: unknown role %q", g.ID, g.Role)
		}
		switch g.Scope.Kind {
		case domain.ScopeOrg, domain.ScopeTeam:
		case domain.ScopeType:
			if _, ok := st.Scheme.Type(g.Scope.Type); !ok {
				return fmt.Errorf("grant %s: scope %s not found", g.ID, g.Scope)
			}
		case domain.ScopeResource:
			if _, ok := st.Resources[g.Scope.String()]; !ok {
				return fmt.Errorf("grant %s: scope %s not found", g.ID, g.Scope)
			}
		default:
			return fmt.Errorf("grant %s: invalid scope", g.ID)
		}
		st.Grants[g.ID] = g
	case domain.OpDeleteGrant:
		delete(st.Grants, c.Grant.ID)
	case domain.OpPutResource:
		return st.putResource(*c.Resource)
	case domain.OpDeleteResource:
		st.deleteResource(c.Resource.Type + ":" + c.Resource.ID)
	case domain.OpPutTeam:
		st.Teams[c.Team.ID] = true
	case domain.OpDeleteTeam:
		delete(st.Teams, c.Team.ID)
		for ref, r := range st.Resources {
			if r.Team == c.Team.ID {
				r.Team = ""
				st.Resources[ref] = r
			}
		}
		for id, g := range st.Grants {
			if g.Scope == domain.TeamScope(c.Team.ID) {
				delete(st.Grants, id)
			}
		}
	case domain.OpPutTeamMember, domain.OpDeleteTeamMember:
		// Access comes from grants at team scope; membership is bookkeeping.
	case domain.OpPutAlias, domain.OpDeleteAlias:
		// Aliases name members; they decide nothing.
	case domain.OpPutGroup:
		st.Groups[c.Group.ID] = true
	case domain.OpDeleteGroup:
		delete(st.Groups, c.Group.ID)
		delete(st.GroupMembers, c.Group.ID)
	case domain.OpPutGroupMember:
		m := c.Membership
		if st.GroupMembers[m.Parent] == nil {
			st.GroupMembers[m.Parent] = map[string]bool{}
		}
		st.GroupMembers[m.Parent][m.UserID] = true
	case domain.OpDeleteGroupMember:
		delete(st.GroupMembers[c.Membership.Parent], c.Membership.UserID)
	case domain.OpPutRole:
		r, err := st.Scheme.CompileRole(*c.Role)
		if err != nil {
			return err
		}
		st.Custom[r.ID] = r
	case domain.OpDeleteRole:
		delete(st.Custom, c.Role.ID)
	case domain.OpPutKey:
		st.Keys[c.Key.ID] = Key{Expires: c.Key.ExpiresAt, Revoked: !c.Key.RevokedAt.IsZero(), Owner: c.Key.Owner}
	case domain.OpDeleteKey:
		delete(st.Keys, c.Key.ID)
	case domain.OpPutGate:
		st.Gates[c.Gate.Permission] = c.Gate.ApproverRole
	case domain.OpDeleteGate:
		delete(st.Gates, c.Gate.Permission)
	case domain.OpPutApproval:
		if c.Approval.EndedAt.IsZero() {
			st.Approvals[c.Approval.ID] = *c.Approval
		} else {
			delete(st.Approvals, c.Approval.ID)
		}
	default:
		return fmt.Errorf("unknown change %q", c.Op)
	}
	return nil
}

func (st *State) putResource(r domain.Resource) error {
	t, ok := st.Scheme.Type(r.Type)
	if !ok {
		return fmt.Errorf("resource %s:%s: unknown type", r.Type, r.ID)
	}
	if t.Parent == scheme.OrgType {
		if !r.Parent.IsZero() {
			return fmt.Errorf("resource %s:%s: type has no parent type", r.Type, r.ID)
		}
	} else {
		if r.Parent.Type != t.Parent {
			return fmt.Errorf("resource %s:%s: parent must be a %s", r.Type, r.ID, t.Parent)
		}
		if _, ok := st.Resources[r.Parent.String()]; !ok {
			return fmt.Errorf("resource %s:%s: parent %s not found", r.Type, r.ID, r.Parent)
		}
	}
	st.Resources[r.Type+":"+r.ID] = r
	return nil
}

func (st *State) deleteResource(ref string) {
	if _, ok := st.Resources[ref]; !ok {
		return
	}
	// The resource and every resource whose parent is going, until none is
	// added: one pass per level of the tree.
	gone := map[string]bool{ref: true}
	for grew := true; grew; {
		grew = false
		for child, r := range st.Resources {
			if !gone[child] && gone[r.Parent.String()] {
				gone[child], grew = true, true
			}
		}
	}
	for ref := range gone {
		delete(st.Resources, ref)
	}
	for id, g := range st.Grants {
		if g.Scope.Kind == domain.ScopeResource && gone[g.Scope.String()] {
			delete(st.Grants, id)
		}
	}
}

// Active reports whether a subject may hold access at all at now.
func (st *State) Active(subject string, now time.Time) bool {
	s, err := domain.ParseSubject(subject)
	if err != nil {
		return false
	}
	switch s.Kind {
	case domain.SubjectUser:
		return st.memberAt(s.ID, now)
	case domain.SubjectGroup:
		return st.Groups[s.ID]
	case domain.SubjectKey:
		k, ok := st.Keys[s.ID]
		return ok && st.memberAt(k.Owner, now) && !k.Revoked && (k.Expires.IsZero() || now.Before(k.Expires))
	}
	return false
}

// memberAt reports whether a user is a member whose membership runs at now.
func (st *State) memberAt(user string, now time.Time) bool {
	_, ok := st.Members[user]
	end, ends := st.MemberEnds[user]
	return ok && (!ends || now.Before(end))
}

// principals is the subject itself followed by the existing groups a user
// belongs to.
func (st *State) principals(subject string) []domain.Subject {
	s, err := domain.ParseSubject(subject)
	if err != nil {
		return nil
	}
	out := []domain.Subject{s}
	if s.Kind != domain.SubjectUser {
		return out
	}
	for g, members := range st.GroupMembers {
		if st.Groups[g] && members[s.ID] {
			out = append(out, domain.GroupSubject(g))
		}
	}
	return out
}

// Scopes lists the scopes whose grants reach a resource, nearest first,
// ending with the organization; for "" (the organization) just "org".
func (st *State) Scopes(ref string) []domain.Scope {
	var out []domain.Scope
	for ref != "" {
		r := st.Resources[ref]
		out = append(out, domain.ResourceScope(r.Type, r.ID), domain.TypeScope(r.Type))
		if r.Team != "" {
			out = append(out, domain.TeamScope(r.Team))
		}
		ref = r.Parent.String()
	}
	return append(out, domain.OrgScope())
}

// ScopesOfScope lists the scopes that reach a scope itself (where a grant
// would be made): for a resource its Scopes; for TYPE:* the wildcards of the
// type and of its parent types, then the org; for a team the team and the
// org; for the org the org.
func (st *State) ScopesOfScope(sc domain.Scope) []domain.Scope {
	switch sc.Kind {
	case domain.ScopeResource:
		return st.Scopes(sc.String())
	case domain.ScopeTeam:
		return []domain.Scope{sc, domain.OrgScope()}
	case domain.ScopeType:
		var out []domain.Scope
		for typ := sc.Type; typ != scheme.OrgType; {
			out = append(out, domain.TypeScope(typ))
			t, ok := st.Scheme.Type(typ)
			if !ok {
				break
			}
			typ = t.Parent
		}
		return append(out, domain.OrgScope())
	}
	return []domain.Scope{domain.OrgScope()}
}

// target is what a condition may look at.
type target struct {
	owner string // "user:ID" or ""
	attrs map[string]string
}

// holds evaluates a role's entry for a permission: is the permission in the
// role, and does its condition (if any) hold?
func holds(r *scheme.Role, perm, subject, channel string, t target) bool {
	for _, rp := range r.Perms {
		if rp.Perm.ID != perm {
			continue
		}
		if rp.Cond == nil {
			return true
		}
		for _, cl := range rp.Cond.Any {
			if clauseHolds(cl, subject, channel, t) {
				return true
			}
		}
		return false
	}
	return false
}

func clauseHolds(cl scheme.Clause, subject, channel string, t target) bool {
	if cl.Own && (t.owner == "" || t.owner != subject) {
		return false
	}
	if cl.Channels != nil && !slices.Contains(cl.Channels, channel) {
		return false
	}
	for _, a := range cl.Attrs {
		v, present := t.attrs[a.Name]
		if a.Me {
			// The attribute names a user, as an owner does.
			if !present || v == "" || "user:"+v != subject && v != subject {
				return false
			}
			continue
		}
		in := present && slices.Contains(a.Values, v)
		if a.Negate && in || !a.Negate && !in {
			return false
		}
	}
	return true
}

// Request is one check.
type Request struct {
	Subject    string
	Permission string
	Resource   string // "" for the organization
	Channel    string
	Now        time.Time
}

// Check answers a request. A key holds a permission only where both the
// key and its owner hold it.
func (st *State) Check(req Request) (bool, error) {
	ok, err := st.checkRules(req)
	if !ok || err != nil {
		return ok, err
	}
	if _, gated := st.Gates[req.Permission]; gated {
		return st.approved(req), nil
	}
	return true, nil
}

// checkRules is Check by the roles held alone, gates aside.
func (st *State) checkRules(req Request) (bool, error) {
	ok, err := st.checkOne(req)
	if !ok || err != nil {
		return ok, err
	}
	if s, _ := domain.ParseSubject(req.Subject); s.Kind == domain.SubjectKey {
		req.Subject = "user:" + st.Keys[s.ID].Owner
		return st.checkOne(req)
	}
	return true, nil
}

// approved reports whether a window covers the request.
func (st *State) approved(req Request) bool {
	var covered []string
	for _, sc := range st.Scopes(req.Resource) {
		if sc.Kind == domain.ScopeResource {
			covered = append(covered, sc.String())
		}
	}
	for _, a := range st.Approvals {
		if a.Subject.String() != req.Subject || a.Permission != req.Permission {
			continue
		}
		if req.Now.Before(a.From) || !req.Now.Before(a.Until) {
			continue
		}
		if a.Resource == "" || slices.Contains(covered, a.Resource) {
			return true
		}
	}
	return false
}

func (st *State) checkOne(req Request) (bool, error) {
	p, ok := st.Scheme.Permission(req.Permission)
	if !ok {
		return false, ErrUnknownPermission
	}
	var t target
	if req.Resource != "" {
		r, ok := st.Resources[req.Resource]
		if !ok {
			return false, ErrUnknownResource
		}
		if r.Owner != "" {
			t.owner = "user:" + r.Owner
		}
		t.attrs = r.Attributes
	}
	if !st.Active(req.Subject, req.Now) {
		return false, nil
	}
	principals := st.principals(req.Subject)
	for _, sc := range st.Scopes(req.Resource) {
		if sc.Kind == domain.ScopeOrg {
			if s, _ := domain.ParseSubject(req.Subject); s.Kind == domain.SubjectUser {
				if r, ok := st.Role(st.Members[s.ID]); ok && holds(r, p.ID, req.Subject, req.Channel, t) {
					return true, nil
				}
			}
		}
		for _, g := range st.Grants {
			if g.Scope != sc || !slices.Contains(principals, g.Subject) || g.Expired(req.Now) {
				continue
			}
			if r, ok := st.GrantRole(g, req.Subject); ok && holds(r, p.ID, req.Subject, req.Channel, t) {
				return true, nil
			}
		}
	}
	if p.Anywhere && req.Resource == "" {
		for _, g := range st.Grants {
			if !slices.Contains(principals, g.Subject) || g.Expired(req.Now) {
				continue
			}
			if r, ok := st.GrantRole(g, req.Subject); ok && holds(r, p.ID, req.Subject, req.Channel, t) {
				return true, nil
			}
		}
	}
	return false, nil
}

// LookupResources lists the ids of every resource of a type on which the
// subject has the permission, sorted.
func (st *State) LookupResources(subject, perm, typ, channel string, now time.Time) ([]string, error) {
	if _, ok := st.Scheme.Permission(perm); !ok {
		return nil, ErrUnknownPermission
	}
	if _, ok := st.Scheme.Type(typ); !ok {
		return nil, ErrUnknownType
	}
	var out []string
	for ref, r := range st.Resources {
		if r.Type != typ {
			continue
		}
		ok, err := st.Check(Request{Subject: subject, Permission: perm, Resource: ref, Channel: channel, Now: now})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r.ID)
		}
	}
	sort.Strings(out)
	return out, nil
}

// LookupSubjects lists every user and key that has the permission on the
// resource ("" for the organization), sorted. Groups are not listed: their
// members are, when the group's grants reach them.
func (st *State) LookupSubjects(perm, resource, channel string, now time.Time) ([]string, error) {
	if _, ok := st.Scheme.Permission(perm); !ok {
		return nil, ErrUnknownPermission
	}
	if resource != "" {
		if _, ok := st.Resources[resource]; !ok {
			return nil, ErrUnknownResource
		}
	}
	var cands []string
	for u := range st.Members {
		cands = append(cands, "user:"+u)
	}
	for k := range st.Keys {
		cands = append(cands, "key:"+k)
	}
	var out []string
	for _, s := range cands {
		ok, err := st.Check(Request{Subject: s, Permission: perm, Resource: resource, Channel: channel, Now: now})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Holding is how a subject holds a permission at a scope: unconditionally,
// and/or under some conditions (canonical condition strings).
type Holding struct {
	Unconditional bool
	Conditions    []string
}

// Covers reports whether holding the permission this way covers a role entry
// with condition cond ("" for none): an unconditional holding covers
// anything, a conditional one a condition at least as strict as its own.
func (h Holding) Covers(cond string) bool {
	if h.Unconditional {
		return true
	}
	if cond == "" {
		return false
	}
	want, err := scheme.ParseCond(cond)
	if err != nil {
		return false
	}
	for _, c := range h.Conditions {
		if held, err := scheme.ParseCond(c); err == nil && implies(want, held) {
			return true
		}
	}
	return false
}

// implies decides "wherever c holds, d holds" by trying every input that
// can tell them apart: owner or not, each channel either names (and one
// neither does), and for each attribute either tests, each value named,
// one never named, and absence.
func implies(c, d *scheme.Cond) bool {
	channels := []string{"\x00other"}
	values := map[string][]string{}
	for _, cond := range []*scheme.Cond{c, d} {
		for _, cl := range cond.Any {
			channels = append(channels, cl.Channels...)
			for _, a := range cl.Attrs {
				values[a.Name] = append(values[a.Name], a.Values...)
				if a.Me {
					values[a.Name] = append(values[a.Name], "me") // the subject below is user:me
				}
			}
		}
	}
	var names []string
	for n := range values {
		names = append(names, n)
		values[n] = append(values[n], "\x00other", "\x00absent")
	}
	sort.Strings(names)
	holdsOn := func(cond *scheme.Cond, owner bool, channel string, attrs map[string]string) bool {
		t := target{attrs: attrs}
		if owner {
			t.owner = "user:me"
		}
		for _, cl := range cond.Any {
			if clauseHolds(cl, "user:me", channel, t) {
				return true
			}
		}
		return false
	}
	var try func(i int, attrs map[string]string) bool
	try = func(i int, attrs map[string]string) bool {
		if i == len(names) {
			for _, owner := range []bool{false, true} {
				for _, ch := range channels {
					if holdsOn(c, owner, ch, attrs) && !holdsOn(d, owner, ch, attrs) {
						return false
					}
				}
			}
			return true
		}
		for _, v := range values[names[i]] {
			next := maps.Clone(attrs)
			if v != "\x00absent" {
				next[names[i]] = v
			}
			if !try(i+1, next) {
				return false
			}
		}
		return true
	}
	return try(0, map[string]string{})
}

// Held says how subject holds perm at a scope (the scopes that reach it,
// membership role at the org, its own and its groups' unexpired grants),
// without evaluating any condition. An inactive subject holds nothing.
func (st *State) Held(subject, perm string, sc domain.Scope, now time.Time) Holding {
	var h Holding
	if !st.Active(subject, now) {
		return h
	}
	add := func(r *scheme.Role) {
		for _, rp := range r.Perms {
			if rp.Perm.ID != perm {
				continue
			}
			if rp.Cond == nil {
				h.Unconditional = true
			} else if c := rp.Cond.String(); !slices.Contains(h.Conditions, c) {
				h.Conditions = append(h.Conditions, c)
			}
		}
	}
	principals := st.principals(subject)
	for _, s := range st.ScopesOfScope(sc) {
		if s.Kind == domain.ScopeOrg {
			if sub, _ := domain.ParseSubject(subject); sub.Kind == domain.SubjectUser {
				if r, ok := st.Role(st.Members[sub.ID]); ok {
					add(r)
				}
			}
		}
		for _, g := range st.Grants {
			if g.Scope == s && slices.Contains(principals, g.Subject) && !g.Expired(now) {
				if r, ok := st.GrantRole(g, subject); ok {
					add(r)
				}
			}
		}
	}
	sort.Strings(h.Conditions)
	return h
}
