package authz

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// resourceKey resolves "TYPE:ID" to a key without allocating.
func (o *Org) resourceKey(ref string) (nodeKey, bool) {
	typ, id, ok := strings.Cut(ref, ":")
	if !ok {
		return nodeKey{}, false
	}
	t, ok := o.typeIndex[typ]
	return nodeKey{typ: t, id: id}, ok
}

// lookupNode finds a live resource node by "TYPE:ID".
func (o *Org) lookupNode(ref string) (uint32, bool) {
	k, ok := o.resourceKey(ref)
	if !ok || k.id == "*" {
		return none, false
	}
	n, ok := o.nodeIndex(k)
	return n, ok && o.node[n].alive && o.node[n].kind == nodeResource
}

// scopeNode resolves a scope to its node, creating team nodes on demand.
func (o *Org) scopeNode(sc domain.Scope) (uint32, error) {
	switch sc.Kind {
	case domain.ScopeOrg:
		return orgNode, nil
	case domain.ScopeTeam:
		return o.teamNode(sc.ID), nil
	}
	if n, ok := o.findScope(sc); ok {
		return n, nil
	}
	return none, fmt.Errorf("scope %s: not found", sc)
}

// findScope resolves a scope to a live node without creating anything.
func (o *Org) findScope(sc domain.Scope) (uint32, bool) {
	var k nodeKey
	switch sc.Kind {
	case domain.ScopeOrg:
		return orgNode, true
	case domain.ScopeTeam:
		k = nodeKey{typ: keyTeam, id: sc.ID}
	case domain.ScopeType:
		t, ok := o.typeIndex[sc.Type]
		if !ok {
			return none, false
		}
		k = nodeKey{typ: t, id: "*"}
	case domain.ScopeResource:
		t, ok := o.typeIndex[sc.Type]
		if !ok {
			return none, false
		}
		k = nodeKey{typ: t, id: sc.ID}
	default:
		return none, false
	}
	n, ok := o.nodeIndex(k)
	return n, ok && o.node[n].alive
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

// typeOf returns the resource type of a resource or wildcard node.
func (o *Org) typeOf(n uint32) *scheme.ResourceType { return o.scheme.Types[o.node[n].typ] }
