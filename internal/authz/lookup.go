package authz

import (
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// ErrBadCursor: a page token that this engine did not make.
var ErrBadCursor = errors.New("invalid page token")

// enumerateLimit bounds how many candidates LookupResources collects from a
// subject's grants before it switches to walking the type's sorted list and
// checking each resource, which costs the same per page whatever the size.
const enumerateLimit = 16384

// ResourceQuery asks for the resources of Type on which Subject has
// Permission, in id order, after the cursor.
type ResourceQuery struct {
	Subject    string
	Permission string
	Type       string
	Channel    string
	Props      *scheme.Props // stated by the caller, for conditions on them
	Limit      int           // at most this many ids; <= 0 means 100
	PageToken  string        // from the previous page; empty for the first
	Now        int64         // unix nanoseconds
}

// ResourcePage is one page of a lookup. Next is empty on the last page.
type ResourcePage struct {
	IDs      []string
	Next     string
	Revision int64
}

// LookupResources lists every resource of a type the subject may act on,
// complete across pages: nothing is ever cut silently.
func (o *Org) LookupResources(q *ResourceQuery) (ResourcePage, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	page := ResourcePage{Revision: o.rev}
	p, ok := o.scheme.Permission(q.Permission)
	if !ok {
		return page, ErrUnknownPermission
	}
	ti, ok := o.typeIndex[q.Type]
	if !ok {
		return page, ErrUnknownType
	}
	after, err := decodeCursor(q.PageToken)
	if err != nil {
		return page, err
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	s, ok := o.lookupSubject(q.Subject)
	if !ok || !o.activeAt(&o.subj[s], q.Now) {
		return page, nil
	}
	l := lookup{o: o, s: s, p: p, typ: ti, channel: q.Channel, props: q.Props, now: q.Now, bound: none}
	if o.subj[s].kind == domain.SubjectKey {
		l.bound = o.subj[s].owner
	}
	var ids []uint32
	switch cands, m := l.candidates(); m {
	case modeAll:
		ids = l.scan(after, limit+1, false)
	case modeScan:
		ids = l.scan(after, limit+1, true)
	default:
		ids = l.filter(cands, after, limit+1)
	}
	if len(ids) > limit {
		ids = ids[:limit]
		page.Next = encodeCursor(o.data[ids[limit-1]].id)
	}
	page.IDs = make([]string, len(ids))
	for i, n := range ids {
		page.IDs[i] = o.data[n].id
	}
	return page, nil
}

type lookup struct {
	o       *Org
	s       uint32
	p       *scheme.Permission
	typ     uint8
	channel string
	props   *scheme.Props
	now     int64
	// bound is a key's owner, whose power bounds every answer (none for
	// other subjects): the fast paths below see only the key's grants.
	bound uint32
	// reach holds the resource and team nodes where the subject (or a
	// group of it) holds the permission unconditionally; conditional tells
	// whether any conditional grant of it exists, which only a full check
	// can judge.
	reach       map[uint32]struct{}
	conditional bool
}

// allowedFast answers from reach by walking n's ancestors when it can, and
// falls back to a full check only when a conditional grant might decide.
func (l *lookup) allowedFast(n uint32) bool {
	o := l.o
	for x := n; x != orgNode && x != none; x = o.node[x].parent {
		if _, ok := l.reach[x]; ok {
			return true
		}
		if t := o.node[x].team; t != none {
			if _, ok := l.reach[t]; ok {
				return true
			}
		}
	}
	return l.conditional && l.allowed(n)
}

// How a lookup finds its answer.
type mode uint8

const (
	modeList mode = iota // check the candidates the grants reach
	modeAll              // the subject holds the permission on the whole type
	modeScan             // walk the whole type, checking each resource
)

// cand is a candidate resource; sure when an unconditional, unexpired grant
// reaches it, so it needs no check.
type cand struct {
	n    uint32
	sure bool
}

// candidates gathers the resources of the type that the subject's grants
// could reach: a superset of the answer. Grants over the whole type (or over
// too much of it to list) switch to walking the type's sorted list instead.
func (l *lookup) candidates() ([]cand, mode) {
	o := l.o
	pi := l.p.Index
	var cands []cand
	wide := func(r *role) (mode, bool) {
		if !r.conds.Has(pi) {
			return modeAll, true
		}
		c := r.cond(pi)
		switch {
		case !c.NeedsResource():
			if c.Eval(&scheme.Input{Channel: l.channel, Props: l.props}) {
				return modeAll, true
			}
		case c.OwnOnly():
			l.conditional = true
			for _, n := range l.owned() {
				cands = append(cands, cand{n: n})
			}
		default:
			l.conditional = true
			return modeScan, true
		}
		return 0, false
	}
	seen := map[uint32]bool{}
	best, stop := modeList, false
	estimate := 0
	o.holdings(l.s, anyNode, pi, l.now, func(r *role, g *grant, _ uint32) bool {
		if g == nil {
			m, ok := wide(r)
			best, stop = m, ok
			return ok
		}
		if l.reach == nil {
			l.reach = map[uint32]struct{}{}
		}
		n := &o.node[g.node]
		switch n.kind {
		case nodeOrg, nodeType:
			if n.kind == nodeType && !o.scheme.Within(o.scheme.Types[l.typ].ID, o.scheme.Types[n.typ].ID) {
				return false
			}
			if m, ok := wide(r); ok {
				if m == modeAll {
					best, stop = modeAll, true
					return true
				}
				best = modeScan // keep looking: an unconditional grant may still come
			}
		case nodeResource, nodeTeam:
			sure := !r.conds.Has(pi)
			if sure {
				l.reach[g.node] = struct{}{}
			} else {
				l.conditional = true
			}
			if seen[g.node] || best == modeScan {
				return false
			}
			seen[g.node] = true
			// Past the limit, listing costs more than walking the type.
			if estimate += int(o.data[g.node].size); estimate > enumerateLimit {
				best = modeScan
				return false
			}
			cands = l.descend(g.node, sure, cands)
		}
		return false
	})
	if stop {
		return nil, best
	}
	return cands, best
}

// owned lists the live resources of the type the subject owns.
func (l *lookup) owned() []uint32 {
	var out []uint32
	for _, n := range l.o.subj[l.s].owned {
		if nd := &l.o.node[n]; nd.alive && nd.typ == l.typ {
			out = append(out, n)
		}
	}
	return out
}

// descend adds n and the nodes below it that are of the looked-up type.
// A team node's children are its attached resources.
func (l *lookup) descend(n uint32, sure bool, out []cand) []cand {
	nd := &l.o.node[n]
	if nd.kind == nodeResource && nd.typ == l.typ {
		out = append(out, cand{n: n, sure: sure})
	}
	for _, c := range l.o.data[n].children {
		if len(out) > enumerateLimit {
			return out
		}
		if cn := &l.o.node[c]; cn.alive && l.o.scheme.Within(l.o.scheme.Types[l.typ].ID, l.o.scheme.Types[cn.typ].ID) {
			out = l.descend(c, sure, out)
		}
	}
	return out
}

// ownerAllows applies a key's owner bound to a resource the key reaches.
func (l *lookup) ownerAllows(n uint32) bool {
	if l.bound == none {
		return true
	}
	var buf [32]uint32
	_, ok := l.o.decideOne(l.bound, l.p, l.o.chain(n, buf[:0]), l.facts(n), l.channel, l.now)
	return ok
}

// gateAllows holds a gated permission's lookup to what a check answers:
// the fast paths above see grants, not approval windows.
func (l *lookup) gateAllows(n uint32) bool {
	if !l.o.gated.Has(l.p.Index) {
		return true
	}
	var buf [32]uint32
	_, ok := l.o.approved(l.s, l.p.Index, l.o.chain(n, buf[:0]), domain.Reason{}, l.now)
	return ok
}

func (l *lookup) allowed(n uint32) bool {
	var buf [32]uint32
	_, ok := l.o.decide(l.s, l.p, l.o.chain(n, buf[:0]), l.facts(n), l.channel, l.now)
	return ok
}

func (l *lookup) facts(n uint32) facts {
	f := l.o.targetOf(n)
	f.props = l.props
	return f
}

// scan walks the type's resources in id order from the cursor, keeping the
// allowed ones (all of them when check is false).
func (l *lookup) scan(after string, want int, check bool) []uint32 {
	list := l.o.byType[l.typ]
	start, _ := slices.BinarySearchFunc(list, after, func(n uint32, id string) int { return strings.Compare(l.o.data[n].id, id) })
	if after != "" && start < len(list) && l.o.data[list[start]].id == after {
		start++
	}
	var out []uint32
	for _, n := range list[start:] {
		if (!check || l.allowedFast(n)) && l.ownerAllows(n) && l.gateAllows(n) {
			if out = append(out, n); len(out) == want {
				break
			}
		}
	}
	return out
}

// filter sorts candidates by id, merges duplicates, drops those at or
// before the cursor, and keeps the allowed ones.
func (l *lookup) filter(cands []cand, after string, want int) []uint32 {
	o := l.o
	slices.SortFunc(cands, func(a, b cand) int {
		if c := strings.Compare(o.data[a.n].id, o.data[b.n].id); c != 0 {
			return c
		}
		if a.sure == b.sure {
			return 0
		}
		if a.sure {
			return -1 // the sure copy first, so merging keeps it
		}
		return 1
	})
	var out []uint32
	for i, c := range cands {
		if i > 0 && cands[i-1].n == c.n {
			continue
		}
		if after != "" && o.data[c.n].id <= after {
			continue
		}
		if (c.sure || l.allowedFast(c.n)) && l.ownerAllows(c.n) && l.gateAllows(c.n) {
			if out = append(out, c.n); len(out) == want {
				break
			}
		}
	}
	return out
}

func encodeCursor(id string) string { return base64.RawURLEncoding.EncodeToString([]byte("r:" + id)) }

func decodeCursor(tok string) (string, error) {
	if tok == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "r:") || len(b) < 3 {
		return "", ErrBadCursor
	}
	return string(b[2:]), nil
}

// SubjectQuery asks who may exercise Permission on Resource.
type SubjectQuery struct {
	Permission string
	Resource   string // empty: the org
	Channel    string
	Props      *scheme.Props
	Owner      string // a stateless resource's owner, as in Request
	Now        int64
	// Ungated lists who holds the permission by role, gates aside (a
	// report of who is responsible, not of who may act now).
	Ungated bool
}

// LookupSubjects lists every active user and key that may exercise the
// permission on the resource, each with the path that allows it, sorted by
// subject. Groups are expanded to their members.
func (o *Org) LookupSubjects(q *SubjectQuery) ([]domain.SubjectAccess, int64, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	p, ok := o.scheme.Permission(q.Permission)
	if !ok {
		return nil, o.rev, ErrUnknownPermission
	}
	var buf [32]uint32
	chain, f, ok := o.target(q.Resource, q.Owner, buf[:0])
	if !ok {
		return nil, o.rev, ErrUnknownResource
	}
	f.props = q.Props
	target := chain[0]
	cands := o.candidates(p, chain, target)
	out := make([]domain.SubjectAccess, 0, len(cands))
	for s := range cands {
		if o.subj[s].kind == domain.SubjectGroup {
			continue
		}
		decide := o.decide
		if q.Ungated {
			decide = o.decideRules
		}
		if reason, ok := decide(s, p, chain, f, q.Channel, q.Now); ok {
			out = append(out, domain.SubjectAccess{Subject: o.subj[s].ref, Reason: reason})
		}
	}
	slices.SortFunc(out, func(a, b domain.SubjectAccess) int { return strings.Compare(a.Subject, b.Subject) })
	return out, o.rev, nil
}

// candidates gathers everyone who holds p somewhere along the chain (and,
// for an anywhere permission asked at the org, anywhere at all); decide
// confirms each.
func (o *Org) candidates(p *scheme.Permission, chain []uint32, target uint32) map[uint32]struct{} {
	cands := map[uint32]struct{}{}
	addUser := func(u uint32) { cands[u] = struct{}{} }
	for _, n := range chain {
		if n == orgNode {
			for ri := range o.roles {
				if o.roles[ri].perms.Has(p.Index) {
					for _, u := range o.roleUsers[ri] {
						addUser(u)
					}
				}
			}
		}
		for _, ng := range o.data[n].grants {
			if ng.role != defaultRole && !o.roles[ng.role].perms.Has(p.Index) {
				continue // with the default role, each member is decided in turn
			}
			if s := &o.subj[ng.subject]; s.kind == domain.SubjectGroup {
				for _, u := range s.members {
					addUser(u)
				}
			} else {
				addUser(ng.subject)
			}
		}
	}
	if p.Anywhere && target == orgNode {
		for i := range o.subj {
			switch s := &o.subj[i]; {
			case s.defaults == 0 && !s.holds.Has(p.Index):
			case s.kind == domain.SubjectGroup:
				// A group's grant anywhere counts for its members.
				for _, u := range s.members {
					addUser(u)
				}
			default:
				addUser(uint32(i))
			}
		}
	}
	return cands
}

// SubjectsWithin lists every active user and key holding the permission
// somewhere along the resource's chain, with the path, conditions named in
// the reason but not judged: the permission acts on what the resource
// contains (a label of a project), whose own facts decide the condition.
// It answers "who reaches into this resource, and through what".
func (o *Org) SubjectsWithin(q *SubjectQuery) ([]domain.SubjectAccess, error) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	p, ok := o.scheme.Permission(q.Permission)
	if !ok {
		return nil, ErrUnknownPermission
	}
	target, ok := o.refNode(q.Resource)
	if !ok {
		return nil, ErrUnknownResource
	}
	var buf [32]uint32
	chain := o.chain(target, buf[:0])
	out := []domain.SubjectAccess{}
	for s := range o.candidates(p, chain, target) {
		if o.subj[s].kind == domain.SubjectGroup {
			continue
		}
		reason, ok := o.reaches(s, p, chain, q.Now)
		if ok && o.subj[s].kind == domain.SubjectKey {
			_, ok = o.reaches(o.subj[s].owner, p, chain, q.Now)
		}
		if ok {
			out = append(out, domain.SubjectAccess{Subject: o.subj[s].ref, Reason: reason})
		}
	}
	slices.SortFunc(out, func(a, b domain.SubjectAccess) int { return strings.Compare(a.Subject, b.Subject) })
	return out, nil
}

// reaches is decideOne without judging conditions: the first path that
// holds p unconditionally, else the first that holds it under a condition
// (named in the reason).
func (o *Org) reaches(s uint32, p *scheme.Permission, chain []uint32, now int64) (domain.Reason, bool) {
	if !o.activeAt(&o.subj[s], now) {
		return domain.Reason{}, false
	}
	pi := p.Index
	var found, cond domain.Reason
	var hasCond bool
	for _, n := range chain {
		if o.holdings(s, n, pi, now, func(r *role, g *grant, from uint32) bool {
			reason := o.reason(s, r, g, from)
			if !r.conds.Has(pi) {
				found = reason
				return true
			}
			if !hasCond {
				reason.Condition = r.cond(pi).String()
				cond, hasCond = reason, true
			}
			return false
		}) {
			return found, true
		}
	}
	return cond, hasCond
}
