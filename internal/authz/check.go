package authz

import (
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

var (
	// ErrUnknownOrg: the engine holds no index of this organization.
	ErrUnknownOrg = errors.New("unknown organization")
	// ErrUnknownPermission: the permission is not in the org's scheme.
	ErrUnknownPermission = errors.New("unknown permission")
	// ErrUnknownResource: no such resource in this organization.
	ErrUnknownResource = errors.New("resource not found")
	// ErrUnknownType: no such resource type in the org's scheme.
	ErrUnknownType = errors.New("unknown resource type")
)

// Request asks whether Subject may exercise Permission on Resource.
type Request struct {
	Subject    string // "user:ID", "group:ID" or "key:ID"
	Permission string
	Resource   string // "TYPE:ID"; empty for the organization itself
	Channel    string // the request's channel, for channel conditions
	Now        int64  // unix nanoseconds, as in every query of the engine
	// Ungated judges by the roles held alone, as if no gate existed: what
	// the subject could hand out or approve, not what it may do now.
	Ungated bool
	// Props are what the caller states about subject, resource and action,
	// for conditions that test them; nil states nothing.
	Props *scheme.Props
	// Owner is the owner (a subject string) of a resource of a stateless
	// type that Gatehouse does not hold, as the caller resolved it from the
	// type's owner property. It is never read for a registered resource.
	Owner string
}

// Decision is the answer to a Request.
type Decision struct {
	Allowed  bool
	Revision int64
	Reason   domain.Reason
}

// Check decides a request. A subject that is not (or no longer) active in
// the org is denied; an unknown permission or resource is an error.
func (o *Org) Check(req *Request) (Decision, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	p, ok := o.scheme.Permission(req.Permission)
	if !ok {
		return Decision{Revision: o.rev}, ErrUnknownPermission
	}
	var buf [32]uint32
	chain, f, ok := o.target(req.Resource, req.Owner, buf[:0])
	if !ok {
		return Decision{Revision: o.rev}, ErrUnknownResource
	}
	f.props = req.Props
	d := Decision{Revision: o.rev}
	s, ok := o.lookupSubject(req.Subject)
	if !ok {
		return d, nil
	}
	if req.Ungated {
		d.Reason, d.Allowed = o.decideRules(s, p, chain, f, req.Channel, req.Now)
	} else {
		d.Reason, d.Allowed = o.decide(s, p, chain, f, req.Channel, req.Now)
	}
	return d, nil
}

// target is the chain of scopes and the facts of the resource a question
// names ("" for the org). A resource of a stateless type that is not
// registered is decided at its type's wildcard, owned by owner.
func (o *Org) target(ref, owner string, buf []uint32) ([]uint32, facts, bool) {
	if ref == "" {
		return o.chain(orgNode, buf), o.targetOf(orgNode), true
	}
	if n, ok := o.refNode(ref); ok {
		return o.chain(n, buf), o.targetOf(n), true
	}
	typ, id, ok := strings.Cut(ref, ":")
	if !ok || id == "" || id == "*" {
		return nil, facts{}, false
	}
	ti, ok := o.typeIndex[typ]
	if !ok || !o.scheme.Types[ti].Stateless {
		return nil, facts{}, false
	}
	f := facts{}
	if o.scheme.Types[ti].Owned {
		f.owner = owner
	}
	return o.chain(o.typeNodes[ti], buf), f, true
}

// facts is what conditions may test about the resource of a check.
type facts struct {
	owner  string // owner subject ref, or empty
	attrs  map[string]string
	hidden []string // fields conditions may not read (CheckNew)
	props  *scheme.Props
}

func (o *Org) targetOf(n uint32) facts {
	nd := &o.node[n]
	f := facts{attrs: o.data[n].attrs}
	if nd.kind == nodeResource && nd.owner != none {
		f.owner = o.subj[nd.owner].ref
	}
	return f
}

// decide is decideRules, and for a gated permission also an approval
// window covering the subject there (approval.go). Every answer about what
// a subject may do now (check, lookups) comes through it, so they agree.
func (o *Org) decide(s uint32, p *scheme.Permission, chain []uint32, f facts, channel string, now int64) (domain.Reason, bool) {
	reason, ok := o.decideRules(s, p, chain, f, channel, now)
	if !ok || !o.gated.Has(p.Index) {
		return reason, ok
	}
	return o.approved(s, p.Index, chain, reason, now)
}

// decideRules walks the chain for subject s and its groups. It returns the first
// grant (or the membership role) that gives p and whose condition holds; on
// a denial the reason carries the last condition that failed, if any.
//
// A key holds a permission only where its owner holds it too: the key's
// own grants name the reason, and the owner's decision bounds it.
func (o *Org) decideRules(s uint32, p *scheme.Permission, chain []uint32, f facts, channel string, now int64) (domain.Reason, bool) {
	reason, ok := o.decideOne(s, p, chain, f, channel, now)
	if !ok || o.subj[s].kind != domain.SubjectKey {
		return reason, ok
	}
	if bound, ok := o.decideOne(o.subj[s].owner, p, chain, f, channel, now); !ok {
		return bound, false
	}
	return reason, true
}

// decideOne is decide for one subject, without a key's owner bound.
func (o *Org) decideOne(s uint32, p *scheme.Permission, chain []uint32, f facts, channel string, now int64) (domain.Reason, bool) {
	sub := &o.subj[s]
	if !o.activeAt(sub, now) {
		return domain.Reason{}, false
	}
	in := scheme.Input{Subject: sub.ref, Owner: f.owner, Channel: channel, Attrs: f.attrs, Hidden: f.hidden, Props: f.props}
	pi := p.Index
	var found, failed domain.Reason
	judge := func(r *role, g *grant, from uint32) bool {
		reason := o.reason(s, r, g, from)
		if !r.conds.Has(pi) {
			found = reason
			return true
		}
		c := r.cond(pi)
		reason.Condition = c.String()
		if c.Eval(&in) {
			found = reason
			return true
		}
		failed = reason
		return false
	}
	for _, n := range chain {
		if o.holdings(s, n, pi, now, judge) {
			return found, true
		}
	}
	if p.Anywhere && len(chain) == 1 {
		// Only a check at the org itself: holding p at any scope counts.
		// The membership role was judged at the org already.
		if o.holdings(s, anyNode, pi, now, func(r *role, g *grant, from uint32) bool {
			return g != nil && judge(r, g, from)
		}) {
			return found, true
		}
	}
	return failed, false
}

// CheckNew decides a permission on a resource as it will be once registered:
// the walk starts at its parent (with its type's wildcard and its team), and
// conditions see its owner and attributes. It answers "may the subject
// register (or remove) this resource".
//
// hidden names fields (scheme.OwnerField or attribute names) that may not
// decide: a condition clause reading one does not hold. A change to those
// fields is judged by what the subject holds without them (rule 11).
func (o *Org) CheckNew(subjectRef, permission string, r domain.Resource, channel string, hidden []string, now int64) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	p, ok := o.scheme.Permission(permission)
	if !ok {
		return false
	}
	s, ok := o.lookupSubject(subjectRef)
	if !ok {
		return false
	}
	ti, ok := o.typeIndex[r.Type]
	if !ok {
		return false
	}
	var buf [32]uint32
	chain := append(buf[:0], o.typeNodes[ti])
	if r.Team != "" {
		if t, ok := o.resolve(domain.TeamScope(r.Team)); ok {
			chain = append(chain, t)
		}
	}
	start := orgNode
	if !r.Parent.IsZero() {
		n, ok := o.resolve(domain.ResourceScope(r.Parent.Type, r.Parent.ID))
		if !ok {
			return false
		}
		start = n
	}
	chain = o.chain(start, chain)
	f := facts{attrs: r.Attributes, hidden: hidden}
	if r.Owner != "" {
		f.owner = domain.UserSubject(r.Owner).String()
	}
	_, allowed := o.decide(s, p, chain, f, channel, now)
	return allowed
}
