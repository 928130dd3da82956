package authz

import (
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// resolve finds the live node of a scope, creating nothing. It is the only
// way from a scope to a node, so "org", "TYPE:*", "TYPE:ID" and "team:ID"
// mean the same in a request, a grant and a write.
func (o *Org) resolve(sc domain.Scope) (uint32, bool) {
	var k nodeKey
	switch sc.Kind {
	case domain.ScopeOrg:
		return orgNode, true
	case domain.ScopeTeam:
		k = nodeKey{typ: keyTeam, id: sc.ID}
	case domain.ScopeType, domain.ScopeResource:
		t, ok := o.typeIndex[sc.Type]
		if !ok {
			return none, false
		}
		k = nodeKey{typ: t, id: sc.ID}
		if sc.Kind == domain.ScopeType {
			k.id = "*"
		}
	default:
		return none, false
	}
	n, ok := o.nodeIndex(k)
	return n, ok && o.node[n].alive
}

// resourceNode finds a live resource. The type's wildcard shares the
// type's id map, so the kind tells them apart.
func (o *Org) resourceNode(typ, id string) (uint32, bool) {
	n, ok := o.resolve(domain.ResourceScope(typ, id))
	return n, ok && o.node[n].kind == nodeResource
}

// refNode is resourceNode for "TYPE:ID". It cuts rather than parses: every
// check comes through here and must not allocate.
func (o *Org) refNode(ref string) (uint32, bool) {
	typ, id, ok := strings.Cut(ref, ":")
	if !ok {
		return none, false
	}
	return o.resourceNode(typ, id)
}

// lookupSubject finds a subject by "user:ID", "group:ID" or "key:ID".
func (o *Org) lookupSubject(ref string) (uint32, bool) {
	kind, id, ok := strings.Cut(ref, ":")
	if !ok {
		return none, false
	}
	var k domain.SubjectKind
	switch kind {
	case "user":
		k = domain.SubjectUser
	case "group":
		k = domain.SubjectGroup
	case "key":
		k = domain.SubjectKey
	default:
		return none, false
	}
	s, ok := o.subjects[k][id]
	return s, ok
}

// findSubject finds an existing subject.
func (o *Org) findSubject(s domain.Subject) (uint32, bool) {
	if s.Kind == 0 || int(s.Kind) >= len(o.subjects) {
		return none, false
	}
	i, ok := o.subjects[s.Kind][s.ID]
	return i, ok
}

// chain lists the scopes whose grants reach node n: n itself, its type's
// wildcard, its team, then the same for each ancestor, ending with the org.
func (o *Org) chain(n uint32, out []uint32) []uint32 {
	for {
		nd := &o.node[n]
		switch nd.kind {
		case nodeOrg:
			return append(out, orgNode)
		case nodeTeam:
			out = append(out, n)
			n = orgNode
		case nodeType:
			out = append(out, n)
			n = o.parentTypeNode(nd.typ)
		case nodeResource:
			out = append(out, n, o.typeNodes[nd.typ])
			if nd.team != none {
				out = append(out, nd.team)
			}
			n = nd.parent
		}
	}
}

// parentTypeNode is the wildcard node of a type's parent type, or the org.
func (o *Org) parentTypeNode(t uint8) uint32 {
	parent := o.scheme.Types[t].Parent
	if parent == scheme.OrgType {
		return orgNode
	}
	return o.typeNodes[o.typeIndex[parent]]
}
