package authz

import (
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// EffectiveAccess lists, for each resource type of the scheme, the roles a
// subject holds that act on that type (the Vi "Member Access" dialog):
// its membership role, its own grants and its groups' grants, unexpired.
func (o *Org) EffectiveAccess(subjectRef string, now int64) map[string][]domain.Access {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := map[string][]domain.Access{}
	for _, t := range o.scheme.Types {
		out[t.ID] = []domain.Access{}
	}
	s, ok := o.lookupSubject(subjectRef)
	if !ok || !o.activeAt(&o.subj[s], now) {
		return out
	}
	o.holdings(s, anyNode, anyPermission, now, func(r *role, g *grant, from uint32) bool {
		n, via, grantID := orgNode, domain.ViaMembership, ""
		if g != nil {
			n, via, grantID = g.node, domain.ViaDirect, g.id
			if from != s {
				via = domain.Via(o.subj[from].ref)
			}
		}
		nd, data := &o.node[n], &o.data[n]
		for ti, t := range o.scheme.Types {
			if !o.roleActsOn(r, t.ID) {
				continue
			}
			a := domain.Access{Role: r.id, Scope: data.ref, Via: via, Grant: grantID, ID: data.ref}
			switch {
			case nd.kind == nodeOrg:
				a.ID = "*"
			case nd.kind == nodeType && int(nd.typ) == ti:
				a.ID = "*"
			case nd.kind == nodeType && !o.scheme.Within(t.ID, o.scheme.Types[nd.typ].ID):
				continue
			case nd.kind == nodeResource && int(nd.typ) == ti:
				a.ID = data.id
			case nd.kind == nodeResource && !o.scheme.Within(t.ID, o.scheme.Types[nd.typ].ID):
				continue
			}
			out[t.ID] = append(out[t.ID], a)
		}
		return false
	})
	for t := range out {
		slices.SortStableFunc(out[t], func(a, b domain.Access) int { return strings.Compare(a.ID, b.ID) })
	}
	return out
}

// roleActsOn reports whether a role holds any permission on resources of a type.
func (o *Org) roleActsOn(r *role, typ string) bool {
	for _, rp := range r.def.Perms {
		if rp.Perm.Type == typ {
			return true
		}
	}
	return false
}

// Scheme returns the org's scheme.
func (o *Org) SchemeID() string { return o.scheme.ID }

// Revision is the newest revision applied to this org.
func (o *Org) Revision() int64 {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.rev
}

// Members counts the org's members.
func (o *Org) Members() int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return o.members
}

// Active reports whether a subject is an active member, a live unexpired key
// or an existing group.
func (o *Org) Active(ref string, now int64) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	s, ok := o.lookupSubject(ref)
	return ok && o.activeAt(&o.subj[s], now)
}

// KeyOwner returns the user id of a key's owner, if the key has one.
func (o *Org) KeyOwner(keyID string) (string, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	k, ok := o.findSubject(domain.KeySubject(keyID))
	if !ok || o.subj[k].owner == none {
		return "", false
	}
	return strings.TrimPrefix(o.subj[o.subj[k].owner].ref, "user:"), true
}

// MemberRole returns a user's membership role, if a member.
func (o *Org) MemberRole(userID string) (string, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	s, ok := o.findSubject(domain.UserSubject(userID))
	if !ok || o.subj[s].orgRole == noRole {
		return "", false
	}
	return o.roles[o.subj[s].orgRole].id, true
}

// DefaultRoles lists the default roles a grant made with the default role
// would give, sorted: a user's own, or every distinct one among a group's
// members. Users without one add nothing.
func (o *Org) DefaultRoles(subj domain.Subject) []string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	s, ok := o.findSubject(subj)
	if !ok {
		return nil
	}
	users := []uint32{s}
	if o.subj[s].kind == domain.SubjectGroup {
		users = o.subj[s].members
	}
	var out []string
	for _, u := range users {
		if dr := o.subj[u].defaultRole; o.subj[u].kind == domain.SubjectUser && dr != noRole && !slices.Contains(out, o.roles[dr].id) {
			out = append(out, o.roles[dr].id)
		}
	}
	slices.Sort(out)
	return out
}

// DefaultRoleOf returns a user's default role, "" for none.
func (o *Org) DefaultRoleOf(userID string) string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	s, ok := o.findSubject(domain.UserSubject(userID))
	if !ok || o.subj[s].defaultRole == noRole {
		return ""
	}
	return o.roles[o.subj[s].defaultRole].id
}

// RoleHolders counts the members whose membership role is roleID.
func (o *Org) RoleHolders(roleID string) int {
	o.mu.RLock()
	defer o.mu.RUnlock()
	r, ok := o.roleIndex[roleID]
	if !ok {
		return 0
	}
	return len(o.roleUsers[r])
}

// Role returns a role of the org (built-in or custom) by id.
func (o *Org) Role(id string) (*scheme.Role, bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	r, ok := o.roleIndex[id]
	if !ok || !o.roles[r].alive {
		return nil, false
	}
	return o.roles[r].def, true
}

// CustomRoles lists the org's live custom roles.
func (o *Org) CustomRoles() []*scheme.Role {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []*scheme.Role
	for _, r := range o.roles {
		if r.alive && !r.def.Builtin {
			out = append(out, r.def)
		}
	}
	return out
}

// HasResource reports whether "TYPE:ID" is a live resource of the org.
func (o *Org) HasResource(ref string) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	_, ok := o.refNode(ref)
	return ok
}

// HasTeam reports whether the team exists.
func (o *Org) HasTeam(id string) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	_, ok := o.resolve(domain.TeamScope(id))
	return ok
}
