package authz

import (
	"slices"
	"strings"
)

// Access is one entry of a member's effective access to a resource type:
// the role held, where, and through what.
type Access struct {
	ID    string `json:"id"` // resource id, "*" for every resource of the type, else the scope
	Role  string `json:"role"`
	Scope string `json:"scope"`
	Via   string `json:"via"` // "membership", "direct" or "group:ID"
	Grant string `json:"grant,omitempty"`
}

// EffectiveAccess lists, for each resource type of the scheme, the roles a
// subject holds that act on that type (the Vi "Member Access" dialog):
// its membership role, its own grants and its groups' grants, unexpired.
func (o *Org) EffectiveAccess(subjectRef string, now int64) map[string][]Access {
	o.mu.RLock()
	defer o.mu.RUnlock()
	out := map[string][]Access{}
	for _, t := range o.scheme.Types {
		out[t.ID] = []Access{}
	}
	s, ok := o.subjects[subjectRef]
	if !ok || !o.activeAt(&o.subj[s], now) {
		return out
	}
	sub := &o.subj[s]
	add := func(ri uint16, n uint32, via, grantID string) {
		r := &o.roles[ri]
		nd := &o.node[n]
		for ti, t := range o.scheme.Types {
			if !o.roleActsOn(r, t.ID) {
				continue
			}
			a := Access{Role: r.id, Scope: nd.ref, Via: via, Grant: grantID, ID: nd.ref}
			switch {
			case nd.kind == nodeOrg:
				a.ID = "*"
			case nd.kind == nodeType && int(nd.typ) == ti:
				a.ID = "*"
			case nd.kind == nodeType && !o.scheme.Within(t.ID, o.scheme.Types[nd.typ].ID):
				continue
			case nd.kind == nodeResource && int(nd.typ) == ti:
				a.ID = nd.id
			case nd.kind == nodeResource && !o.scheme.Within(t.ID, o.scheme.Types[nd.typ].ID):
				continue
			}
			out[t.ID] = append(out[t.ID], a)
		}
	}
	if sub.orgRole != noRole {
		add(sub.orgRole, orgNode, ViaMembership, "")
	}
	principals := append([]uint32{s}, sub.groups...)
	for _, ps := range principals {
		principal := &o.subj[ps]
		if ps != s && !principal.active {
			continue
		}
		via := ViaDirect
		if ps != s {
			via = principal.ref
		}
		for _, g := range principal.grants {
			if g.expires == 0 || now < g.expires {
				add(g.role, g.node, via, g.id)
			}
		}
	}
	for t := range out {
		slices.SortStableFunc(out[t], func(a, b Access) int { return strings.Compare(a.ID, b.ID) })
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
