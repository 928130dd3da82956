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

// node holds what a check's walk reads, packed small so the walk up a
// million-node tree touches one cache line per step; the rest of a node
// lives in nodeData at the same index.
type node struct {
	parent  uint32 // resource nodes: parent resource node, or orgNode
	team    uint32 // resource nodes: attached team node, or none
	owner   uint32 // resource nodes: owner subject, or none
	ngrants uint32 // len(nodeData.grants): most nodes hold none
	kind    uint8
	typ     uint8 // resource type index, for resource and type nodes
	alive   bool  // false once deleted; indexes are never reused
}

type nodeData struct {
	ref      string // "org", "dataset:*", "dataset:cats", "team:t_1"
	id       string // resource or team id
	attrs    map[string]string
	children []uint32    // resource nodes: child resources; team nodes: attached resources
	grants   []nodeGrant // reverse index: who holds what here
	size     uint32      // resources in the subtree (team nodes: in the attached subtrees)
}

// nodeKey finds a node without building its "TYPE:ID" string.
type nodeKey struct {
	typ uint8 // resource type index, or one of the key kinds below
	id  string
}

const (
	keyOrg  uint8 = 254
	keyTeam uint8 = 255
)

type nodeGrant struct {
	subject uint32
	role    uint16
}

type subject struct {
	ref     string // "user:u_1"
	kind    domain.SubjectKind
	active  bool   // a member, a live key, an existing group
	orgRole uint16 // users: membership role, or noRole
	expires int64  // keys: unix nanoseconds, 0 for never
	// owner is a key's owning user (none: no owner, so the key holds
	// nothing). A key's power is its own grants intersected with its
	// owner's current power (PRODUCT.md rule 10).
	owner   uint32
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

	ids      []map[string]uint32 // per resource type: id -> node (the wildcard "*" too)
	teams    map[string]uint32
	node     []node
	data     []nodeData           // same index as node
	subjects [4]map[string]uint32 // per SubjectKind: id -> subject
	subj     []subject
	grantOf  map[string]uint32 // grant id -> subject holding it

	members int
}

func newOrg(id string, s *scheme.Scheme) *Org {
	o := &Org{
		id: id, scheme: s,
		typeIndex: map[string]uint8{},
		roleIndex: map[string]uint16{},
		teams:     map[string]uint32{},
		ids:       make([]map[string]uint32, len(s.Types)),
		grantOf:   map[string]uint32{},
	}
	for k := range o.subjects {
		o.subjects[k] = map[string]uint32{}
	}
	for t := range o.ids {
		o.ids[t] = map[string]uint32{}
	}
	o.addNode(nodeKey{typ: keyOrg}, node{kind: nodeOrg, parent: none, team: none, owner: none, alive: true}, nodeData{ref: "org"})
	for i, t := range s.Types {
		o.typeIndex[t.ID] = uint8(i)
		o.typeNodes = append(o.typeNodes, o.addNode(nodeKey{typ: uint8(i), id: "*"},
			node{kind: nodeType, typ: uint8(i), parent: orgNode, team: none, owner: none, alive: true}, nodeData{ref: t.ID + ":*", id: "*"}))
	}
	o.byType = make([][]uint32, len(s.Types))
	for _, r := range s.Roles {
		o.addRole(r)
	}
	return o
}

func (o *Org) addNode(k nodeKey, n node, d nodeData) uint32 {
	i := uint32(len(o.node))
	o.node = append(o.node, n)
	o.data = append(o.data, d)
	o.setNode(k, i)
	return i
}

// nodeIndex finds a node by key: one map per resource type and one for
// teams, all keyed by plain id strings.
func (o *Org) nodeIndex(k nodeKey) (uint32, bool) {
	switch k.typ {
	case keyOrg:
		return orgNode, true
	case keyTeam:
		i, ok := o.teams[k.id]
		return i, ok
	}
	i, ok := o.ids[k.typ][k.id]
	return i, ok
}

func (o *Org) setNode(k nodeKey, i uint32) {
	switch k.typ {
	case keyOrg:
	case keyTeam:
		o.teams[k.id] = i
	default:
		o.ids[k.typ][k.id] = i
	}
}

// grow makes room for n more nodes, subjects and grants, so a bulk load
// does not copy its tables over and over.
func (o *Org) grow(nodes, subjects, grants int) {
	o.node = slices.Grow(o.node, nodes)
	o.data = slices.Grow(o.data, nodes)
	o.subj = slices.Grow(o.subj, subjects)
	if len(o.ids) > 0 {
		// Resources spread over types; size the maps for the largest share.
		for t, m := range o.ids {
			grown := make(map[string]uint32, len(m)+nodes/len(o.ids))
			for k, v := range m {
				grown[k] = v
			}
			o.ids[t] = grown
		}
	}
	users := make(map[string]uint32, len(o.subjects[domain.SubjectUser])+subjects)
	for k, v := range o.subjects[domain.SubjectUser] {
		users[k] = v
	}
	o.subjects[domain.SubjectUser] = users
	grantMap := make(map[string]uint32, len(o.grantOf)+grants)
	for k, v := range o.grantOf {
		grantMap[k] = v
	}
	o.grantOf = grantMap
}

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
	if i, ok := o.subjects[s.Kind][s.ID]; ok {
		return i
	}
	i := uint32(len(o.subj))
	o.subj = append(o.subj, subject{ref: s.String(), kind: s.Kind, orgRole: noRole, owner: none})
	o.subjects[s.Kind][s.ID] = i
	return i
}

// findSubject finds an existing subject.
func (o *Org) findSubject(s domain.Subject) (uint32, bool) {
	if s.Kind == 0 || int(s.Kind) >= len(o.subjects) {
		return none, false
	}
	i, ok := o.subjects[s.Kind][s.ID]
	return i, ok
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

func (o *Org) teamNode(id string) uint32 {
	k := nodeKey{typ: keyTeam, id: id}
	if i, ok := o.teams[id]; ok {
		o.node[i].alive = true
		return i
	}
	return o.addNode(k, node{kind: nodeTeam, parent: orgNode, team: none, owner: none, alive: true}, nodeData{ref: "team:" + id, id: id})
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
		o.subj[k].owner = none
		if c.Key.Owner != "" {
			u := o.userIndex(c.Key.Owner)
			o.subj[k].owner = u
		}
		return nil
	case domain.OpDeleteKey:
		if k, ok := o.findSubject(domain.KeySubject(c.Key.ID)); ok {
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
	u, ok := o.findSubject(domain.UserSubject(m.UserID))
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
	o.addNodeGrant(n, nodeGrant{subject: s, role: r})
	o.grantOf[g.ID] = s
	return nil
}

func (o *Org) addNodeGrant(n uint32, g nodeGrant) {
	o.data[n].grants = append(o.data[n].grants, g)
	o.node[n].ngrants = uint32(len(o.data[n].grants))
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
	d := &o.data[gr.node]
	if j := slices.Index(d.grants, nodeGrant{subject: s, role: gr.role}); j >= 0 {
		d.grants = slices.Delete(d.grants, j, j+1)
		o.node[gr.node].ngrants = uint32(len(d.grants))
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
		p, ok := o.ids[o.typeIndex[want]][r.Parent.ID]
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
	k := nodeKey{typ: ti, id: r.ID}
	if i, ok := o.ids[ti][r.ID]; ok && o.node[i].alive {
		// Replace in place: grants at this node and its children stay.
		o.detach(i)
		n := &o.node[i]
		n.parent, n.team, n.owner = parent, team, owner
		o.data[i].attrs = r.Attributes
		o.attach(i)
		return nil
	}
	i := o.addNode(k, node{kind: nodeResource, typ: ti, alive: true, parent: parent, team: team, owner: owner},
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
	i, ok := o.lookupNode(r.Type + ":" + r.ID)
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
	i, ok := o.teams[t.ID]
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

func (o *Org) deleteGroup(g *domain.Group) error {
	gi, ok := o.findSubject(domain.GroupSubject(g.ID))
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
	g, ok := o.findSubject(domain.GroupSubject(m.Parent))
	if !ok {
		return nil
	}
	u, ok := o.findSubject(domain.UserSubject(m.UserID))
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
