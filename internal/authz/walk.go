package authz

import (
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// decideAt looks at principal's grants at node n (principal is the subject
// itself or one of its groups).
func (o *Org) decideAt(sub *subject, ps uint32, n uint32, pi int, in *scheme.Input, now int64, failed *Reason) (Reason, bool) {
	principal := &o.subj[ps]
	if o.node[n].ngrants <= 8 {
		ng := o.data[n].grants
		// A short reverse list answers "any grant of principal here?" faster
		// than a search through the principal's own grants.
		found := false
		for _, x := range ng {
			if x.subject == ps {
				found = true
				break
			}
		}
		if !found {
			return Reason{}, false
		}
	}
	for _, g := range grantsAt(principal.grants, n) {
		if g.expires != 0 && now >= g.expires {
			continue
		}
		r := &o.roles[g.role]
		if !r.perms.Has(pi) {
			continue
		}
		reason := Reason{Grant: g.id, Role: r.id, Scope: o.data[n].ref, Via: ViaDirect}
		if principal != sub {
			reason.Via = principal.ref
		}
		if !r.conds.Has(pi) {
			return reason, true
		}
		c := r.cond(pi)
		reason.Condition = c.String()
		if c.Eval(in) {
			return reason, true
		}
		*failed = reason
	}
	return Reason{}, false
}

func (o *Org) anywhere(sub *subject, pi int, in *scheme.Input, now int64, failed *Reason) (Reason, bool) {
	self, _ := o.lookupSubject(sub.ref)
	principals := append([]uint32{self}, sub.groups...)
	for _, ps := range principals {
		principal := &o.subj[ps]
		if !principal.active || !principal.holds.Has(pi) {
			continue
		}
		for i := 0; i < len(principal.grants); {
			n := principal.grants[i].node
			if reason, ok := o.decideAt(sub, ps, n, pi, in, now, failed); ok {
				return reason, true
			}
			for i < len(principal.grants) && principal.grants[i].node == n {
				i++
			}
		}
	}
	return Reason{}, false
}

// activeAt reports whether a subject may hold access at all: a member, a
// live unexpired key, an existing group.
//
// A key is active only while its owner is an active member: removing the
// owner ends the key at once.
func (o *Org) activeAt(s *subject, now int64) bool {
	if !s.active || (s.expires != 0 && now >= s.expires) {
		return false
	}
	return s.kind != domain.SubjectKey || (s.owner != none && o.subj[s.owner].active)
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
