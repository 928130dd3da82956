package authz

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

func (o *Org) putResource(r *domain.Resource, sorted bool) error {
	ti, ok := o.typeIndex[r.Type]
	if !ok {
		return fmt.Errorf("resource %s:%s: unknown type", r.Type, r.ID)
	}
	// The tree follows the scheme: a type whose parent type is the org sits
	// at the top, any other names a parent of exactly its parent type. Lookups
	// rely on it ("every label lies under some project").
	parent := orgNode
	want := o.scheme.Types[ti].Parent
	switch {
	case want == scheme.OrgType && !r.Parent.IsZero():
		return fmt.Errorf("resource %s:%s: type %s has no parent type, got parent %s", r.Type, r.ID, r.Type, r.Parent)
	case want != scheme.OrgType && r.Parent.Type != want:
		return fmt.Errorf("resource %s:%s: parent must be a %s", r.Type, r.ID, want)
	case want != scheme.OrgType:
		p, ok := o.resourceNode(want, r.Parent.ID)
		if !ok {
			return fmt.Errorf("resource %s:%s: parent %s not found", r.Type, r.ID, r.Parent)
		}
		parent = p
	}
	team := none
	if r.Team != "" {
		team = o.teamNode(r.Team)
	}
	owner := none
	if r.Owner != "" {
		owner = o.userIndex(r.Owner)
	}
	if i, ok := o.resourceNode(r.Type, r.ID); ok {
		// Replace in place: grants at this node and its children stay.
		o.detach(i)
		n := &o.node[i]
		n.parent, n.team, n.owner = parent, team, owner
		o.data[i].attrs = r.Attributes
		o.attach(i)
		return nil
	}
	i := o.addNode(nodeKey{typ: ti, id: r.ID}, node{kind: nodeResource, typ: ti, alive: true, parent: parent, team: team, owner: owner},
		nodeData{ref: r.Type + ":" + r.ID, id: r.ID, attrs: r.Attributes, size: 1})
	o.attach(i)
	if sorted {
		list := o.byType[ti]
		at, _ := slices.BinarySearchFunc(list, r.ID, func(n uint32, id string) int { return strings.Compare(o.data[n].id, id) })
		o.byType[ti] = slices.Insert(list, at, i)
	} else {
		o.byType[ti] = append(o.byType[ti], i)
	}
	return nil
}

// resize adds delta to the subtree sizes above node i: its ancestors and
// the teams they (or it) are attached to. Lookups use sizes to decide
// between listing a subject's candidates and walking a whole type.
func (o *Org) resize(i uint32, delta int64) {
	if t := o.node[i].team; t != none {
		o.data[t].size = uint32(int64(o.data[t].size) + delta)
	}
	for p := o.node[i].parent; p != orgNode && p != none; p = o.node[p].parent {
		o.data[p].size = uint32(int64(o.data[p].size) + delta)
		if t := o.node[p].team; t != none {
			o.data[t].size = uint32(int64(o.data[t].size) + delta)
		}
	}
}

// attach links a resource node into its parent's and team's child lists and
// its owner's owned list.
func (o *Org) attach(i uint32) {
	o.resize(i, int64(o.data[i].size))
	n := &o.node[i]
	if n.parent != orgNode {
		o.data[n.parent].children = append(o.data[n.parent].children, i)
	}
	if n.team != none {
		o.data[n.team].children = append(o.data[n.team].children, i)
	}
	if n.owner != none {
		o.subj[n.owner].owned = append(o.subj[n.owner].owned, i)
	}
}

func (o *Org) detach(i uint32) {
	o.resize(i, -int64(o.data[i].size))
	n := &o.node[i]
	if n.parent != orgNode {
		o.data[n.parent].children = remove(o.data[n.parent].children, i)
	}
	if n.team != none {
		o.data[n.team].children = remove(o.data[n.team].children, i)
	}
	if n.owner != none {
		o.subj[n.owner].owned = remove(o.subj[n.owner].owned, i)
	}
}

func (o *Org) deleteResource(r *domain.Resource) error {
	i, ok := o.resourceNode(r.Type, r.ID)
	if !ok {
		return nil
	}
	o.detach(i)
	o.kill(i)
	return nil
}

// kill removes a resource node and its subtree. Grants at those nodes go
// with them, as the store deletes them in the same transaction.
func (o *Org) kill(i uint32) {
	d := &o.data[i]
	for _, c := range d.children {
		cn := &o.node[c]
		cn.parent = orgNode // going too; keeps detach from touching this node
		if cn.team != none {
			o.data[cn.team].children = remove(o.data[cn.team].children, c)
		}
		if cn.owner != none {
			o.subj[cn.owner].owned = remove(o.subj[cn.owner].owned, c)
		}
		o.kill(c)
	}
	o.dropGrantsAt(i)
	n := &o.node[i]
	n.alive = false
	d.children, d.attrs = nil, nil
	delete(o.ids[n.typ], d.id)
	list := o.byType[n.typ]
	if at, found := slices.BinarySearchFunc(list, d.id, func(x uint32, id string) int { return strings.Compare(o.data[x].id, id) }); found {
		o.byType[n.typ] = slices.Delete(list, at, at+1)
	}
}

// dropGrantsAt deletes every grant held at node i.
func (o *Org) dropGrantsAt(i uint32) {
	for _, g := range slices.Clone(o.data[i].grants) {
		for _, gr := range o.subj[g.subject].grants {
			if gr.node == i && gr.role == g.role {
				o.deleteGrant(&domain.Grant{ID: gr.id})
				break
			}
		}
	}
}

func (o *Org) deleteTeam(t *domain.Team) error {
	i, ok := o.resolve(domain.TeamScope(t.ID))
	if !ok {
		return nil
	}
	for _, c := range o.data[i].children {
		o.node[c].team = none
	}
	o.dropGrantsAt(i)
	o.data[i].children = nil
	o.node[i].alive = false
	return nil
}
