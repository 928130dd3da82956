package authz

import "github.com/gatehouse/gatehouse/internal/domain"

// Sentinels of holdings: every node, every role.
const (
	anyNode       = none - 1
	anyPermission = -1
)

// holdings is the one walk over what a subject holds: its membership role,
// which acts at the org; then its own unexpired grants; then those of each
// active group it belongs to. Checks, lookups, the escalation rule and the
// effective-access view all read access through it, so they cannot
// disagree on what counts, and the order is the one a check's reason
// follows.
//
// It visits only roles giving permission pi (anyPermission: every role)
// held at node n (anyNode: everywhere, one principal after the other).
// visit gets the role, the grant (nil for the membership role) and the
// principal holding it, s or one of its groups; it returns true to stop
// the walk, and holdings reports whether it stopped.
func (o *Org) holdings(s, n uint32, pi int, now int64, visit func(r *role, g *grant, from uint32) bool) bool {
	sub := &o.subj[s]
	if (n == orgNode || n == anyNode) && sub.orgRole != noRole {
		if r := &o.roles[sub.orgRole]; (pi == anyPermission || r.perms.Has(pi)) && visit(r, nil, s) {
			return true
		}
	}
	if n != anyNode && o.node[n].ngrants == 0 {
		return false // most nodes hold no grant at all
	}
	if o.grantsOf(s, s, n, pi, now, visit) {
		return true
	}
	for _, g := range sub.groups {
		if o.subj[g].active && o.grantsOf(s, g, n, pi, now, visit) {
			return true
		}
	}
	return false
}

// grantsOf is holdings for the grants of one principal, ps: s itself or
// one of its groups. A grant made with the default role gives s's own.
func (o *Org) grantsOf(s, ps, n uint32, pi int, now int64, visit func(r *role, g *grant, from uint32) bool) bool {
	principal := &o.subj[ps]
	if pi != anyPermission && principal.defaults == 0 && !principal.holds.Has(pi) {
		return false
	}
	list := principal.grants
	if n != anyNode {
		if !o.mayHoldAt(ps, n) {
			return false
		}
		list = grantsAt(list, n)
	}
	for i := range list {
		g := &list[i]
		if g.expires != 0 && now >= g.expires {
			continue
		}
		r := o.grantRole(g.role, s)
		if r == nil || pi != anyPermission && !r.perms.Has(pi) {
			continue
		}
		if visit(r, g, ps) {
			return true
		}
	}
	return false
}

// grantRole is the role a grant gives subject s: its own, or for a grant
// made with the default role, s's default role (nil: s has none).
func (o *Org) grantRole(ri uint16, s uint32) *role {
	if ri != defaultRole {
		return &o.roles[ri]
	}
	if dr := o.subj[s].defaultRole; dr != noRole {
		return &o.roles[dr]
	}
	return nil
}

// mayHoldAt is false when principal ps certainly holds no grant at node n.
// A short reverse list answers faster than a search through the
// principal's own grants.
func (o *Org) mayHoldAt(ps, n uint32) bool {
	if o.node[n].ngrants > 8 {
		return true
	}
	for _, x := range o.data[n].grants {
		if x.subject == ps {
			return true
		}
	}
	return false
}

// reason names what holdings visited, for subject s.
func (o *Org) reason(s uint32, r *role, g *grant, from uint32) domain.Reason {
	if g == nil {
		return domain.Reason{Role: r.id, Scope: "org", Via: domain.ViaMembership}
	}
	reason := domain.Reason{Grant: g.id, Role: r.id, Scope: o.data[g.node].ref, Via: domain.ViaDirect}
	if from != s {
		reason.Via = domain.Via(o.subj[from].ref)
	}
	return reason
}

// activeAt reports whether a subject may hold access at all: a member, a
// live unexpired key, an existing group.
//
// A user is active from joining until the membership's end, if it has one.
// A key is active only while its owner is an active member: removing the
// owner, or the end of the owner's membership, ends the key at once.
func (o *Org) activeAt(s *subject, now int64) bool {
	if !s.active || (s.expires != 0 && now >= s.expires) {
		return false
	}
	if s.kind != domain.SubjectKey {
		return true
	}
	if s.owner == none {
		return false
	}
	owner := &o.subj[s.owner]
	return owner.active && (owner.expires == 0 || now < owner.expires)
}

// grantsAt returns the run of grants at node n in a list sorted by node.
func grantsAt(list []grant, n uint32) []grant {
	lo, hi := 0, len(list)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if list[m].node < n {
			lo = m + 1
		} else {
			hi = m
		}
	}
	end := lo
	for end < len(list) && list[end].node == n {
		end++
	}
	return list[lo:end]
}
