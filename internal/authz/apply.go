package authz

import (
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/internal/domain"
)

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
	case domain.OpPutGate:
		return o.putGate(c.Gate)
	case domain.OpDeleteGate:
		return o.deleteGate(c.Gate)
	case domain.OpPutApproval:
		return o.putApproval(c.Approval)
	case domain.OpDeleteKey:
		if k, ok := o.findSubject(domain.KeySubject(c.Key.ID)); ok {
			o.subj[k].active = false
		}
		return nil
	case domain.OpPutAlias:
		return o.putAlias(c.Alias)
	case domain.OpDeleteAlias:
		o.deleteAlias(c.Alias)
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
	s.defaultRole = noRole
	if m.DefaultRole != "" {
		// An unknown default role gives nothing rather than refusing the
		// membership: the store may hold one a deleted custom role named.
		if dr, ok := o.roleIndex[m.DefaultRole]; ok {
			s.defaultRole = dr
		}
	}
	s.expires = 0
	if !m.ExpiresAt.IsZero() {
		s.expires = m.ExpiresAt.UnixNano()
	}
	o.roleUsers[r] = append(o.roleUsers[r], u)
	o.refreshSubject(u)
	return nil
}

func (o *Org) deleteMember(m *domain.Member) error {
	o.dropAliases(m.UserID)
	u, ok := o.findSubject(domain.UserSubject(m.UserID))
	if !ok || o.subj[u].orgRole == noRole {
		return nil
	}
	s := &o.subj[u]
	o.roleUsers[s.orgRole] = remove(o.roleUsers[s.orgRole], u)
	s.orgRole, s.active, s.expires, s.defaultRole = noRole, false, 0, noRole
	o.members--
	o.refreshSubject(u)
	return nil
}

func (o *Org) putGrant(g *domain.Grant) error {
	r, ok := o.grantRoleIndex(g.Role)
	if !ok {
		return fmt.Errorf("grant %s: unknown role %q", g.ID, g.Role)
	}
	n, err := o.grantNode(g.Scope)
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
	o.holdGrant(sub, r)
	o.addNodeGrant(n, nodeGrant{subject: s, role: r})
	o.grantOf[g.ID] = s
	return nil
}

// grantNode is the node a grant is held at. A grant may name a team the
// index has not seen, or has deleted: it makes the team's node, as
// putResource does for an attached resource.
func (o *Org) grantNode(sc domain.Scope) (uint32, error) {
	if sc.Kind == domain.ScopeTeam {
		o.teamNode(sc.ID)
	}
	if n, ok := o.resolve(sc); ok {
		return n, nil
	}
	return none, fmt.Errorf("scope %s: not found", sc)
}

func (o *Org) addNodeGrant(n uint32, g nodeGrant) {
	o.data[n].grants = append(o.data[n].grants, g)
	o.node[n].ngrants = uint32(len(o.data[n].grants))
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
	sub.holds, sub.defaults = PermSet{}, 0
	if sub.orgRole != noRole {
		sub.holds.Union(&o.roles[sub.orgRole].perms)
	}
	for _, g := range sub.grants {
		o.holdGrant(sub, g.role)
	}
}

// holdGrant adds what a grant of role ri gives to what sub holds anywhere.
func (o *Org) holdGrant(sub *subject, ri uint16) {
	if ri == defaultRole {
		sub.defaults++
		return
	}
	sub.holds.Union(&o.roles[ri].perms)
}

// grantRoleIndex is the index of a grant's role, defaultRole for a grant
// made with the default role.
func (o *Org) grantRoleIndex(id string) (uint16, bool) {
	if id == domain.DefaultRole {
		return defaultRole, true
	}
	r, ok := o.roleIndex[id]
	return r, ok
}

func (o *Org) refreshHolds() {
	for i := range o.subj {
		o.refreshSubject(uint32(i))
	}
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
