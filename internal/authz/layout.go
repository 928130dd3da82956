package authz

import (
	"cmp"
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

// defaultRole, as a grant's role, stands for the default role of each user
// the grant reaches (domain.DefaultRole): resolved at the walk, so a change
// of a member's default role changes every such grant at once.
const defaultRole = noRole - 1

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
	// defaultRole is a user's default role (noRole: none), what a grant
	// made with the default role gives them; defaults counts the
	// principal's grants made so, whose permissions holds cannot name.
	defaultRole uint16
	defaults    uint32
	expires     int64 // keys, and users whose membership ends: unix nanoseconds, 0 for never
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

	// gated holds the permissions that need approval, so the check of any
	// other costs one bit test; gates and windows are indexed by
	// permission index (approval.go).
	gated   PermSet
	gates   map[int]gate
	windows map[int][]window

	aliases   map[string]string   // alias -> user id (aliases.go)
	aliasesOf map[string][]string // user id -> her aliases, in the order given
}

func newOrg(id string, s *scheme.Scheme) *Org {
	o := &Org{
		id: id, scheme: s,
		typeIndex: map[string]uint8{},
		roleIndex: map[string]uint16{},
		teams:     map[string]uint32{},
		ids:       make([]map[string]uint32, len(s.Types)),
		grantOf:   map[string]uint32{},
		gates:     map[int]gate{},
		windows:   map[int][]window{},
		aliases:   map[string]string{},
		aliasesOf: map[string][]string{},
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
	o.subj = append(o.subj, subject{ref: s.String(), kind: s.Kind, orgRole: noRole, defaultRole: noRole, owner: none})
	o.subjects[s.Kind][s.ID] = i
	return i
}

func (o *Org) userIndex(id string) uint32 { return o.subjectIndex(domain.UserSubject(id)) }

func (o *Org) teamNode(id string) uint32 {
	k := nodeKey{typ: keyTeam, id: id}
	if i, ok := o.teams[id]; ok {
		o.node[i].alive = true
		return i
	}
	return o.addNode(k, node{kind: nodeTeam, parent: orgNode, team: none, owner: none, alive: true}, nodeData{ref: "team:" + id, id: id})
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

func sortGrants(list []grant) { slices.SortFunc(list, cmpGrant) }

func (o *Org) sortByID(list []uint32) {
	slices.SortFunc(list, func(a, b uint32) int { return strings.Compare(o.data[a].id, o.data[b].id) })
}

func remove(list []uint32, x uint32) []uint32 {
	if i := slices.Index(list, x); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return list
}
