package authz

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// none marks an absent node or subject index.
const none = ^uint32(0)

// noRole marks a user without a membership role.
const noRole = ^uint16(0)

// Node kinds. Every scope a grant can name is a node: the organization, one
// wildcard node per resource type (TYPE:*), each resource, each team.
const (
	nodeOrg uint8 = iota
	nodeType
	nodeResource
	nodeTeam
)

const orgNode uint32 = 0

type node struct {
	ref      string // "org", "dataset:*", "dataset:cats", "team:t_1"; also the key of Org.nodes
	id       string // resource or team id
	kind     uint8
	typ      uint8  // resource type index, for resource and type nodes
	alive    bool   // false once deleted; indexes are never reused
	parent   uint32 // resource nodes: parent resource node, or orgNode
	team     uint32 // resource nodes: attached team node, or none
	owner    uint32 // resource nodes: owner subject, or none
	attrs    map[string]string
	children []uint32    // resource nodes: child resources; team nodes: attached resources
	grants   []nodeGrant // reverse index: who holds what here
}

type nodeGrant struct {
	subject uint32
	role    uint16
}

type subject struct {
	ref     string // "user:u_1"
	kind    domain.SubjectKind
	active  bool     // a member, a live key, an existing group
	orgRole uint16   // users: membership role, or noRole
	expires int64    // keys: unix nanoseconds, 0 for never
	groups  []uint32 // users: the groups they belong to
	members []uint32 // groups: their users
	grants  []grant  // sorted by node, then role
	owned   []uint32 // resource nodes this subject owns
	// holds is every permission of every role the subject holds anywhere, by
	// membership or grant, conditional or not: a check for a permission
	// outside it (and outside its groups') is denied without a walk.
	holds PermSet
}

type grant struct {
	node    uint32
	role    uint16
	expires int64 // unix nanoseconds, 0 for never
	id      string
}

type role struct {
	id    string
	def   *scheme.Role
	perms PermSet // every permission, conditional or not
	conds PermSet // the conditional ones
	alive bool
}

// cond returns the condition on permission p, or nil.
func (r *role) cond(p int) *scheme.Cond {
	for _, rp := range r.def.Perms {
		if rp.Perm.Index == p {
			return rp.Cond
		}
	}
	return nil
}

// Org is the in-memory index of one organization's access state. Readers
// share it under a read lock; a change takes the write lock briefly.
type Org struct {
	mu     sync.RWMutex
	id     string
	scheme *scheme.Scheme
	rev    int64

	typeIndex map[string]uint8 // resource type id -> index into scheme.Types
	typeNodes []uint32         // type index -> its wildcard node
	byType    [][]uint32       // type index -> live resource nodes, sorted by id

	roles     []role
	roleIndex map[string]uint16
	roleUsers [][]uint32 // role -> users holding it as membership role

	nodes    map[string]uint32
	node     []node
	subjects map[string]uint32
	subj     []subject
	grantOf  map[string]uint32 // grant id -> subject holding it

	members int
}

func newOrg(id string, s *scheme.Scheme) *Org {
	o := &Org{
		id: id, scheme: s,
		typeIndex: map[string]uint8{},
		roleIndex: map[string]uint16{},
		nodes:     map[string]uint32{},
		subjects:  map[string]uint32{},
		grantOf:   map[string]uint32{},
	}
	o.addNode(node{ref: "org", kind: nodeOrg, parent: none, team: none, owner: none, alive: true})
	for i, t := range s.Types {
		o.typeIndex[t.ID] = uint8(i)
		o.typeNodes = append(o.typeNodes, o.addNode(node{ref: t.ID + ":*", kind: nodeType, typ: uint8(i), parent: orgNode, team: none, owner: none, alive: true}))
	}
	o.byType = make([][]uint32, len(s.Types))
	for _, r := range s.Roles {
		o.addRole(r)
	}
	return o
}

func (o *Org) addNode(n node) uint32 {
	i := uint32(len(o.node))
	o.node = append(o.node, n)
	o.nodes[n.ref] = i
	return i
}

func (o *Org) addRole(r *scheme.Role) uint16 {
	ro := role{id: r.ID, def: r, alive: true}
	for _, rp := range r.Perms {
		ro.perms.Add(rp.Perm.Index)
		if rp.Cond != nil {
			ro.conds.Add(rp.Perm.Index)
		}
	}
	if i, ok := o.roleIndex[r.ID]; ok {
		o.roles[i] = ro
		return i
	}
	i := uint16(len(o.roles))
	o.roles = append(o.roles, ro)
	o.roleUsers = append(o.roleUsers, nil)
	o.roleIndex[r.ID] = i
	return i
}

// subjectIndex returns the index of a subject, creating an inactive entry
// when it is new: grants may name a subject before it becomes active.
func (o *Org) subjectIndex(s domain.Subject) uint32 {
	ref := s.String()
	if i, ok := o.subjects[ref]; ok {
		return i
	}
	i := uint32(len(o.subj))
	o.subj = append(o.subj, subject{ref: ref, kind: s.Kind, orgRole: noRole})
	o.subjects[ref] = i
	return i
}

func (o *Org) userIndex(id string) uint32 { return o.subjectIndex(domain.UserSubject(id)) }

// scopeNode resolves a scope to its node, creating team nodes on demand.
func (o *Org) scopeNode(sc domain.Scope) (uint32, error) {
	switch sc.Kind {
	case domain.ScopeOrg:
		return orgNode, nil
	case domain.ScopeTeam:
		return o.teamNode(sc.ID), nil
	}
	if i, ok := o.nodes[sc.String()]; ok && o.node[i].alive {
		return i, nil
	}
	return none, fmt.Errorf("scope %s: not found", sc)
}

func (o *Org) teamNode(id string) uint32 {
	ref := "team:" + id
	if i, ok := o.nodes[ref]; ok {
		o.node[i].alive = true
		return i
	}
	return o.addNode(node{ref: ref, id: id, kind: nodeTeam, parent: orgNode, team: none, owner: none, alive: true})
}

// apply performs one change. Callers hold the write lock.
func (o *Org) apply(c domain.Change) error {
	switch c.Op {
	case domain.OpPutMember:
		return o.putMember(c.Member)
	case domain.OpDeleteMember:
		return o.deleteMember(c.Member)
	case domain.OpPutGrant:
		return o.putGrant(c.Grant)
	case domain.OpDeleteGrant:
		return o.deleteGrant(c.Grant)
	case domain.OpPutResource:
		return o.putResource(c.Resource, true)
	case domain.OpDeleteResource:
		return o.deleteResource(c.Resource)
	case domain.OpPutTeam:
		o.teamNode(c.Team.ID)
		return nil
	case domain.OpDeleteTeam:
		return o.deleteTeam(c.Team)
	case domain.OpPutTeamMember, domain.OpDeleteTeamMember:
		// Team membership is bookkeeping for the team layer: access comes
		// from grants at team scope, so the index has nothing to change.
		return nil
	case domain.OpPutGroup:
		g := o.subjectIndex(domain.GroupSubject(c.Group.ID))
		o.subj[g].active = true
		return nil
	case domain.OpDeleteGroup:
		return o.deleteGroup(c.Group)
	case domain.OpPutGroupMember:
		return o.putGroupMember(c.Membership)
	case domain.OpDeleteGroupMember:
		return o.deleteGroupMember(c.Membership)
	case domain.OpPutRole:
		r, err := o.scheme.CompileRole(*c.Role)
		if err != nil {
			return err
		}
		o.addRole(r)
		o.refreshHolds()
		return nil
	case domain.OpDeleteRole:
		if i, ok := o.roleIndex[c.Role.ID]; ok && !o.roles[i].def.Builtin {
			o.roles[i].alive = false
			o.roles[i].perms, o.roles[i].conds = PermSet{}, PermSet{}
		}
		return nil
	case domain.OpPutKey:
		k := o.subjectIndex(domain.KeySubject(c.Key.ID))
		live := c.Key.RevokedAt.IsZero()
		o.subj[k].active = live
		o.subj[k].expires = unixNano(c.Key.ExpiresAt)
		return nil
	case domain.OpDeleteKey:
		if k, ok := o.subjects[domain.KeySubject(c.Key.ID).String()]; ok {
			o.subj[k].active = false
		}
		return nil
	}
	return fmt.Errorf("unknown change %q", c.Op)
}

func (o *Org) putMember(m *domain.Member) error {
	r, ok := o.roleIndex[m.Role]
	if !ok {
		return fmt.Errorf("member %s: unknown role %q", m.UserID, m.Role)
	}
	u := o.userIndex(m.UserID)
	s := &o.subj[u]
	if s.orgRole != noRole {
		o.roleUsers[s.orgRole] = remove(o.roleUsers[s.orgRole], u)
	} else {
		o.members++
	}
	s.orgRole, s.active = r, true
	o.roleUsers[r] = append(o.roleUsers[r], u)
	o.refreshSubject(u)
	return nil
}

func (o *Org) deleteMember(m *domain.Member) error {
	u, ok := o.subjects[domain.UserSubject(m.UserID).String()]
	if !ok || o.subj[u].orgRole == noRole {
		return nil
	}
	s := &o.subj[u]
	o.roleUsers[s.orgRole] = remove(o.roleUsers[s.orgRole], u)
	s.orgRole, s.active = noRole, false
	o.members--
	o.refreshSubject(u)
	return nil
}

func (o *Org) putGrant(g *domain.Grant) error {
	r, ok := o.roleIndex[g.Role]
	if !ok {
		return fmt.Errorf("grant %s: unknown role %q", g.ID, g.Role)
	}
	n, err := o.scopeNode(g.Scope)
	if err != nil {
		return fmt.Errorf("grant %s: %w", g.ID, err)
	}
	if _, dup := o.grantOf[g.ID]; dup {
		o.deleteGrant(g)
	}
	s := o.subjectIndex(g.Subject)
	gr := grant{node: n, role: r, expires: unixNano(g.ExpiresAt), id: g.ID}
	sub := &o.subj[s]
	at, _ := slices.BinarySearchFunc(sub.grants, gr, cmpGrant)
	sub.grants = slices.Insert(sub.grants, at, gr)
	sub.holds.Union(&o.roles[r].perms)
	o.node[n].grants = append(o.node[n].grants, nodeGrant{subject: s, role: r})
	o.grantOf[g.ID] = s
	return nil
}

func cmpGrant(a, b grant) int {
	if c := cmp.Compare(a.node, b.node); c != 0 {
		return c
	}
	if c := cmp.Compare(a.role, b.role); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

func (o *Org) deleteGrant(g *domain.Grant) error {
	s, ok := o.grantOf[g.ID]
	if !ok {
		return nil
	}
	delete(o.grantOf, g.ID)
	sub := &o.subj[s]
	i := slices.IndexFunc(sub.grants, func(x grant) bool { return x.id == g.ID })
	gr := sub.grants[i]
	sub.grants = slices.Delete(sub.grants, i, i+1)
	n := &o.node[gr.node]
	if j := slices.Index(n.grants, nodeGrant{subject: s, role: gr.role}); j >= 0 {
		n.grants = slices.Delete(n.grants, j, j+1)
	}
	o.refreshSubject(s)
	return nil
}

// refreshSubject recomputes what a subject holds anywhere after it lost
// something; gaining only ever adds bits, so puts skip it.
func (o *Org) refreshSubject(s uint32) {
	sub := &o.subj[s]
	sub.holds = PermSet{}
	if sub.orgRole != noRole {
		sub.holds.Union(&o.roles[sub.orgRole].perms)
	}
	for _, g := range sub.grants {
		sub.holds.Union(&o.roles[g.role].perms)
	}
}

func (o *Org) refreshHolds() {
	for i := range o.subj {
		o.refreshSubject(uint32(i))
	}
}

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
		p, ok := o.nodes[r.Parent.String()]
		if !ok || !o.node[p].alive || o.node[p].kind != nodeResource {
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
	ref := r.Type + ":" + r.ID
	if i, ok := o.nodes[ref]; ok && o.node[i].alive {
		// Replace in place: grants at this node and its children stay.
		if parent == i || o.isAncestor(i, parent) {
			return fmt.Errorf("resource %s: parent %s would make a cycle", ref, r.Parent)
		}
		n := &o.node[i]
		o.detach(i)
		n.parent, n.team, n.owner, n.attrs = parent, team, owner, r.Attributes
		o.attach(i)
		return nil
	}
	i := o.addNode(node{ref: ref, id: r.ID, kind: nodeResource, typ: ti, alive: true,
		parent: parent, team: team, owner: owner, attrs: r.Attributes})
	o.attach(i)
	if sorted {
		list := o.byType[ti]
		at, _ := slices.BinarySearchFunc(list, r.ID, func(n uint32, id string) int { return strings.Compare(o.node[n].id, id) })
		o.byType[ti] = slices.Insert(list, at, i)
	} else {
		o.byType[ti] = append(o.byType[ti], i)
	}
	return nil
}

func (o *Org) isAncestor(anc, n uint32) bool {
	for ; n != orgNode && n != none; n = o.node[n].parent {
		if n == anc {
			return true
		}
	}
	return false
}

// attach links a resource node into its parent's and team's child lists and
// its owner's owned list.
func (o *Org) attach(i uint32) {
	n := &o.node[i]
	if n.parent != orgNode {
		o.node[n.parent].children = append(o.node[n.parent].children, i)
	}
	if n.team != none {
		o.node[n.team].children = append(o.node[n.team].children, i)
	}
	if n.owner != none {
		o.subj[n.owner].owned = append(o.subj[n.owner].owned, i)
	}
}

func (o *Org) detach(i uint32) {
	n := &o.node[i]
	if n.parent != orgNode {
		o.node[n.parent].children = remove(o.node[n.parent].children, i)
	}
	if n.team != none {
		o.node[n.team].children = remove(o.node[n.team].children, i)
	}
	if n.owner != none {
		o.subj[n.owner].owned = remove(o.subj[n.owner].owned, i)
	}
}

func (o *Org) deleteResource(r *domain.Resource) error {
	i, ok := o.nodes[r.Type+":"+r.ID]
	if !ok || !o.node[i].alive || o.node[i].kind != nodeResource {
		return nil
	}
	o.detach(i)
	o.kill(i)
	return nil
}

// kill removes a resource node and its subtree. Grants at those nodes go
// with them, as the store deletes them in the same transaction.
func (o *Org) kill(i uint32) {
	n := &o.node[i]
	for _, c := range n.children {
		o.node[c].parent = orgNode // already going; stops detach from touching us
		if o.node[c].team != none {
			o.node[o.node[c].team].children = remove(o.node[o.node[c].team].children, c)
		}
		if o.node[c].owner != none {
			o.subj[o.node[c].owner].owned = remove(o.subj[o.node[c].owner].owned, c)
		}
		o.kill(c)
	}
	for _, g := range slices.Clone(n.grants) {
		sub := &o.subj[g.subject]
		for _, gr := range sub.grants {
			if gr.node == i {
				o.deleteGrant(&domain.Grant{ID: gr.id})
				break
			}
		}
	}
	n.alive, n.children, n.grants, n.attrs = false, nil, nil, nil
	delete(o.nodes, n.ref)
	list := o.byType[n.typ]
	if at, found := slices.BinarySearchFunc(list, n.id, func(x uint32, id string) int { return strings.Compare(o.node[x].id, id) }); found {
		o.byType[n.typ] = slices.Delete(list, at, at+1)
	}
}

func (o *Org) deleteTeam(t *domain.Team) error {
	i, ok := o.nodes["team:"+t.ID]
	if !ok {
		return nil
	}
	n := &o.node[i]
	for _, c := range n.children {
		o.node[c].team = none
	}
	for _, g := range slices.Clone(n.grants) {
		for _, gr := range o.subj[g.subject].grants {
			if gr.node == i {
				o.deleteGrant(&domain.Grant{ID: gr.id})
				break
			}
		}
	}
	n.children, n.grants, n.alive = nil, nil, false
	return nil
}

func (o *Org) deleteGroup(g *domain.Group) error {
	gi, ok := o.subjects[domain.GroupSubject(g.ID).String()]
	if !ok {
		return nil
	}
	for _, u := range o.subj[gi].members {
		o.subj[u].groups = remove(o.subj[u].groups, gi)
	}
	o.subj[gi].members = nil
	o.subj[gi].active = false
	return nil
}

func (o *Org) putGroupMember(m *domain.Membership) error {
	g := o.subjectIndex(domain.GroupSubject(m.Parent))
	u := o.userIndex(m.UserID)
	if slices.Contains(o.subj[g].members, u) {
		return nil
	}
	o.subj[g].members = append(o.subj[g].members, u)
	o.subj[u].groups = append(o.subj[u].groups, g)
	return nil
}

func (o *Org) deleteGroupMember(m *domain.Membership) error {
	g, ok := o.subjects[domain.GroupSubject(m.Parent).String()]
	if !ok {
		return nil
	}
	u, ok := o.subjects[domain.UserSubject(m.UserID).String()]
	if !ok {
		return nil
	}
	o.subj[g].members = remove(o.subj[g].members, u)
	o.subj[u].groups = remove(o.subj[u].groups, g)
	return nil
}

func remove(list []uint32, x uint32) []uint32 {
	if i := slices.Index(list, x); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return list
}

// typeOf returns the resource type of a resource or wildcard node.
func (o *Org) typeOf(n uint32) *scheme.ResourceType { return o.scheme.Types[o.node[n].typ] }
