package team

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// CollectionView is a team or group.
type CollectionView struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Members  []string `json:"members"`
	Revision int64    `json:"revision,omitempty"`
}

// collection abstracts what teams and groups share: both are named sets of
// users created by user managers.
type collection struct {
	kind                          string // "team" or "group"
	prefix                        string
	create, rename, del, add, rem Action
}

var (
	teams  = collection{"team", "t_", ActTeamCreate, ActTeamRename, ActTeamDelete, ActTeamMemberAdd, ActTeamMemberRemove}
	groups = collection{"group", "g_", ActGroupCreate, ActGroupRename, ActGroupDelete, ActGroupMemberAdd, ActGroupMemberRemove}
)

// CreateTeam creates an operation team (user management at the org).
func (s *Service) CreateTeam(ctx context.Context, a Actor, org, name string) (CollectionView, error) {
	return s.createCollection(ctx, a, org, name, teams)
}

// CreateGroup creates a group (user management at the org).
func (s *Service) CreateGroup(ctx context.Context, a Actor, org, name string) (CollectionView, error) {
	return s.createCollection(ctx, a, org, name, groups)
}

func (s *Service) createCollection(ctx context.Context, a Actor, org, name string, c collection) (CollectionView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return CollectionView{}, err
	}
	if err := s.authorize(o, sc, a, c.create, nil); err != nil {
		return CollectionView{}, fault.E(fault.Forbidden, "creating a %s needs user management at the organization", c.kind)
	}
	if err := validName(c.kind+" name", name); err != nil {
		return CollectionView{}, err
	}
	id := credential.NewID(c.prefix)
	name = strings.TrimSpace(name)
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := nameFree(tx, org, c, "", name); err != nil {
			return nil, err
		}
		var ch domain.Change
		if c == teams {
			t := domain.Team{Org: org, ID: id, Name: name}
			if err := tx.CreateTeam(t); err != nil {
				return nil, err
			}
			ch = domain.Change{Op: domain.OpPutTeam, Team: &t}
		} else {
			g := domain.Group{Org: org, ID: id, Name: name}
			if err := tx.CreateGroup(g); err != nil {
				return nil, err
			}
			ch = domain.Change{Op: domain.OpPutGroup, Group: &g}
		}
		return &change{org: org, action: string(c.create), target: c.kind + ":" + id,
			after: map[string]string{"id": id, "name": name}, changes: []domain.Change{ch}}, nil
	})
	return CollectionView{ID: id, Name: name, Members: []string{}, Revision: rev}, err
}

// nameFree refuses a name another team (or group) of the org has, whatever
// its case: two "QA" groups cannot be told apart on a page or in a grant.
// The store's unique index is the backstop for writes that race past this.
func nameFree(r store.Reader, org string, c collection, self, name string) error {
	ids, names, err := listNamed(r, org, c)
	if err != nil {
		return err
	}
	for i, n := range names {
		if ids[i] != self && strings.EqualFold(strings.TrimSpace(n), name) {
			e := fault.E(fault.Conflict, "a %s named %q already exists in this organization; choose another name", c.kind, n)
			e.ExistingID = ids[i]
			return e
		}
	}
	return nil
}

// listNamed reads the org's teams or groups, in creation order, as ids
// and names.
func listNamed(r store.Reader, org string, c collection) (ids, names []string, err error) {
	if c == teams {
		ts, err := r.ListTeams(org)
		for _, t := range ts {
			ids, names = append(ids, t.ID), append(names, t.Name)
		}
		return ids, names, err
	}
	gs, err := r.ListGroups(org)
	for _, g := range gs {
		ids, names = append(ids, g.ID), append(names, g.Name)
	}
	return ids, names, err
}

// ListTeams and ListGroups need members.view.
func (s *Service) ListTeams(ctx context.Context, a Actor, org string) ([]CollectionView, error) {
	return s.listCollections(ctx, a, org, teams)
}

// ListGroups lists the org's groups with their members.
func (s *Service) ListGroups(ctx context.Context, a Actor, org string) ([]CollectionView, error) {
	return s.listCollections(ctx, a, org, groups)
}

func (s *Service) listCollections(ctx context.Context, a Actor, org string, c collection) ([]CollectionView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	// Without members.view, a team's manager still sees the teams she
	// manages (team.view); anyone else is refused as before.
	denied := s.authorize(o, sc, a, ActMemberList, nil)
	if denied != nil && c != teams {
		return nil, denied
	}
	out := []CollectionView{}
	err = s.view(ctx, func(r store.Reader) error {
		ids, names, err := listNamed(r, org, c)
		if err != nil {
			return err
		}
		for i, id := range ids {
			v := CollectionView{ID: id, Name: names[i], Members: []string{}}
			var ms []domain.Membership
			var err error
			if c == teams {
				ms, err = r.ListTeamMembers(org, id)
			} else {
				ms, err = r.ListGroupMembers(org, id)
			}
			if err != nil {
				return err
			}
			for _, m := range ms {
				v.Members = append(v.Members, m.UserID)
			}
			out = append(out, v)
		}
		return nil
	})
	if err != nil || denied == nil {
		return out, err
	}
	seen := out[:0]
	for _, v := range out {
		if s.authorize(o, sc, a, ActTeamView, &Target{Team: v.ID}) == nil {
			seen = append(seen, v)
		}
	}
	if len(seen) == 0 {
		return nil, denied
	}
	return seen, nil
}

// TeamNames names the teams a user may see (team.view) and those on whose
// roster she is: her own team roles name them, as her own grants do, so a
// Team Operator reads "team Night shift" where she would read an id.
func (s *Service) TeamNames(ctx context.Context, a Actor, org string) (map[string]string, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	err = s.view(ctx, func(r store.Reader) error {
		mine := map[string]bool{}
		if !a.IsKey() {
			ms, err := r.ListTeamsOfUser(org, a.UserID())
			if err != nil {
				return err
			}
			for _, m := range ms {
				mine[m.Parent] = true
			}
		}
		ts, err := r.ListTeams(org)
		if err != nil {
			return err
		}
		for _, t := range ts {
			if mine[t.ID] || s.authorize(o, sc, a, ActTeamView, &Target{Team: t.ID}) == nil {
				out[t.ID] = t.Name
			}
		}
		return nil
	})
	return out, err
}

// TeamDetail is a team's page: its roster by name and the roles held at
// it.
type TeamDetail struct {
	CollectionView
	Roster []MemberView `json:"roster"`
	Grants []GrantView  `json:"grants"`
}

// GetTeam shows a team to those who may see it (team.view): members.view,
// or managing the team.
func (s *Service) GetTeam(ctx context.Context, a Actor, org, id string) (TeamDetail, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return TeamDetail{}, err
	}
	if err := s.authorize(o, sc, a, ActTeamView, &Target{Team: id}); err != nil {
		if s.collectionExists(o, teams, id) != nil {
			return TeamDetail{}, notFound("team", id)
		}
		return TeamDetail{}, fault.E(fault.Forbidden, "seeing team %s needs members.view, or to manage the team", id)
	}
	if err := s.collectionExists(o, teams, id); err != nil {
		return TeamDetail{}, err
	}
	d := TeamDetail{Roster: []MemberView{}, Grants: []GrantView{}}
	err = s.view(ctx, func(r store.Reader) error {
		t, err := r.GetTeam(org, id)
		if err != nil {
			return notFound("team", id)
		}
		d.CollectionView = CollectionView{ID: t.ID, Name: t.Name, Members: []string{}}
		ms, err := r.ListTeamMembers(org, id)
		if err != nil {
			return err
		}
		for _, m := range ms {
			mem, err := r.GetMember(org, m.UserID)
			if err != nil {
				continue // left the org meanwhile
			}
			u, err := r.GetUser(m.UserID)
			if err != nil {
				return err
			}
			d.Members = append(d.Members, m.UserID)
			d.Roster = append(d.Roster, s.memberView(mem, u))
		}
		gs, err := collectionGrants(r, org, teams, id)
		for _, g := range gs {
			d.Grants = append(d.Grants, grantView(g))
		}
		return err
	})
	return d, err
}

// ManagesTeam answers whether the actor manages a team's roster and roles
// (the policy's "user management at the org or at the team"), for the
// console to offer those forms; each action still judges its target.
func (s *Service) ManagesTeam(a Actor, org, id string) bool {
	o, sc, err := s.org(a, org)
	if err != nil {
		return false
	}
	j := &judge{s: s, o: o, sc: sc, a: a}
	return teamManager.check(j, &Target{Team: id}) == nil
}

// TeamCandidate finds, by exact email, a member to put on a team's roster.
// It answers only a caller who may roster that member (team.member.add), so
// a team's manager without members.view adds people she knows without
// browsing the org's member list.
func (s *Service) TeamCandidate(ctx context.Context, a Actor, org, teamID, email string) (MemberView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return MemberView{}, err
	}
	if err := s.authorize(o, sc, a, ActTeamView, &Target{Team: teamID}); err != nil {
		return MemberView{}, fault.E(fault.Forbidden, "managing team %s needs user management there", teamID)
	}
	if err := s.collectionExists(o, teams, teamID); err != nil {
		return MemberView{}, err
	}
	var v MemberView
	err = s.view(ctx, func(r store.Reader) error {
		u, err := r.GetUserByEmail(strings.TrimSpace(email))
		if err != nil {
			return fault.E(fault.NotFound, "nobody with the email %s is a member of this organization; invite them first", strings.TrimSpace(email))
		}
		m, err := r.GetMember(org, u.ID)
		if err != nil {
			return fault.E(fault.NotFound, "nobody with the email %s is a member of this organization; invite them first", strings.TrimSpace(email))
		}
		v = s.memberView(m, u)
		return nil
	})
	if err != nil {
		return MemberView{}, err
	}
	if err := s.authorize(o, sc, a, ActTeamMemberAdd, &Target{Team: teamID, Member: v.UserID}); err != nil {
		return MemberView{}, err
	}
	return v, nil
}

// collectionExists: 404 for a team or group the org does not have.
func (s *Service) collectionExists(o *authz.Org, c collection, id string) error {
	if c == teams && !o.HasTeam(id) {
		return notFound("team", id)
	}
	if c == groups && !o.Active(domain.GroupSubject(id).String(), s.now().UnixNano()) {
		return notFound("group", id)
	}
	return nil
}

// collectionGrants are the grants that go with a collection: those at a
// team, those a group holds.
func collectionGrants(r store.GrantReader, org string, c collection, id string) ([]domain.Grant, error) {
	f := store.GrantFilter{Subject: domain.GroupSubject(id)}
	if c == teams {
		f = store.GrantFilter{Scope: domain.TeamScope(id)}
	}
	gs, _, err := r.ListGrants(org, f, "", 0)
	return gs, err
}

// memberChange is the action and target of adding (or removing) a member
// of collection id, whose grants are gs. A group's members hold its
// grants: joining hands them out, leaving takes them away. Leaving a
// team's roster ends the member's grants at the team. Either takes the
// power to make each of them (rule 2).
func memberChange(c collection, id, userID string, remove bool, gs []domain.Grant) (Action, *Target) {
	var ends []domain.Grant
	for _, g := range gs {
		if c == groups || (remove && g.Subject == domain.UserSubject(userID)) {
			ends = append(ends, g)
		}
	}
	act := c.add
	if remove {
		act = c.rem
	}
	t := &Target{Member: userID, Ends: ends}
	if c == teams {
		t.Team = id
	}
	return act, t
}

// grantsOfCollection reads collectionGrants in a view of its own.
func (s *Service) grantsOfCollection(ctx context.Context, org string, c collection, id string) ([]domain.Grant, error) {
	var gs []domain.Grant
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		gs, err = collectionGrants(r, org, c, id)
		return err
	})
	return gs, err
}

// SetTeamMember adds (or with remove, removes) a member to a team.
func (s *Service) SetTeamMember(ctx context.Context, a Actor, org, teamID, userID string, remove bool) (int64, error) {
	return s.setMember(ctx, a, org, teamID, userID, remove, teams)
}

// SetGroupMember adds (or removes) a member to a group.
func (s *Service) SetGroupMember(ctx context.Context, a Actor, org, groupID, userID string, remove bool) (int64, error) {
	return s.setMember(ctx, a, org, groupID, userID, remove, groups)
}

func (s *Service) setMember(ctx context.Context, a Actor, org, id, userID string, remove bool, c collection) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if err := s.collectionExists(o, c, id); err != nil {
		return 0, err
	}
	if _, ok := o.MemberRole(userID); !ok {
		return 0, notFound("member", userID)
	}
	gs, err := s.grantsOfCollection(ctx, org, c, id)
	if err != nil {
		return 0, err
	}
	act, t := memberChange(c, id, userID, remove, gs)
	if err := s.authorize(o, sc, a, act, t); err != nil {
		return 0, err
	}
	ends := t.Ends
	m := domain.Membership{Org: org, Parent: id, UserID: userID}
	op := domain.OpPutTeamMember
	switch {
	case remove && c == teams:
		op = domain.OpDeleteTeamMember
	case remove:
		op = domain.OpDeleteGroupMember
	case c == groups:
		op = domain.OpPutGroupMember
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		var err error
		var changes []domain.Change
		switch op {
		case domain.OpPutTeamMember:
			err = tx.PutTeamMember(m)
		case domain.OpDeleteTeamMember:
			// The grants judged above must be all there are now.
			cur, lerr := collectionGrants(tx, org, c, id)
			if lerr != nil {
				return nil, lerr
			}
			n := 0
			for _, g := range cur {
				if g.Subject == domain.UserSubject(userID) {
					n++
				}
			}
			if n != len(ends) {
				return nil, fault.E(fault.Conflict, "the grants of %s at team %s changed meanwhile; retry", userID, id)
			}
			for i, g := range ends {
				if err := tx.DeleteGrant(org, g.ID); err != nil {
					return nil, err
				}
				changes = append(changes, domain.Change{Op: domain.OpDeleteGrant, Grant: &ends[i]})
			}
			err = tx.DeleteTeamMember(org, id, userID)
		case domain.OpPutGroupMember:
			err = tx.PutGroupMember(m)
		case domain.OpDeleteGroupMember:
			err = tx.DeleteGroupMember(org, id, userID)
		}
		if err != nil {
			return nil, err
		}
		changes = append(changes, domain.Change{Op: op, Membership: &m})
		after := map[string]any{"user_id": userID}
		if op == domain.OpDeleteTeamMember && len(ends) > 0 {
			views := make([]GrantView, len(ends))
			for i, g := range ends {
				views[i] = grantView(g)
			}
			after["ended_grants"] = views
		}
		return &change{org: org, action: string(act), target: c.kind + ":" + id, after: after, changes: changes}, nil
	})
}

// DeleteTeam removes a team; its grants go, its resources stay unattached.
func (s *Service) DeleteTeam(ctx context.Context, a Actor, org, id string) (int64, error) {
	return s.deleteCollection(ctx, a, org, id, teams)
}

// DeleteGroup removes a group and the grants it held.
func (s *Service) DeleteGroup(ctx context.Context, a Actor, org, id string) (int64, error) {
	return s.deleteCollection(ctx, a, org, id, groups)
}

func (s *Service) deleteCollection(ctx context.Context, a Actor, org, id string, c collection) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if err := s.collectionExists(o, c, id); err != nil {
		return 0, err
	}
	// Deleting it revokes its grants, which takes the power to make them.
	ends, err := s.grantsOfCollection(ctx, org, c, id)
	if err != nil {
		return 0, err
	}
	if err := s.authorize(o, sc, a, c.del, &Target{Ends: ends}); err != nil {
		return 0, err
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		var changes []domain.Change
		var filter store.GrantFilter
		if c == teams {
			filter.Scope = domain.TeamScope(id)
		} else {
			filter.Subject = domain.GroupSubject(id)
		}
		gs, _, err := tx.ListGrants(org, filter, "", 0)
		if err != nil {
			return nil, err
		}
		for i := range gs {
			if err := tx.DeleteGrant(org, gs[i].ID); err != nil {
				return nil, err
			}
			changes = append(changes, domain.Change{Op: domain.OpDeleteGrant, Grant: &gs[i]})
		}
		if c == teams {
			if err := tx.DeleteTeam(org, id); err != nil {
				return nil, err
			}
			changes = append(changes, domain.Change{Op: domain.OpDeleteTeam, Team: &domain.Team{Org: org, ID: id}})
		} else {
			if err := tx.DeleteGroup(org, id); err != nil {
				return nil, err
			}
			changes = append(changes, domain.Change{Op: domain.OpDeleteGroup, Group: &domain.Group{Org: org, ID: id}})
		}
		return &change{org: org, action: string(c.del), target: c.kind + ":" + id, changes: changes}, nil
	})
}

// RenameTeam changes a team's display name (user management at the org).
func (s *Service) RenameTeam(ctx context.Context, a Actor, org, id, name string) (CollectionView, error) {
	return s.renameCollection(ctx, a, org, id, name, teams)
}

// RenameGroup changes a group's display name (user management at the org).
func (s *Service) RenameGroup(ctx context.Context, a Actor, org, id, name string) (CollectionView, error) {
	return s.renameCollection(ctx, a, org, id, name, groups)
}

// mayRename judges renaming one of c.
func (s *Service) mayRename(o *authz.Org, sc *scheme.Scheme, a Actor, c collection) error {
	if err := s.authorize(o, sc, a, c.rename, nil); err != nil {
		return fault.E(fault.Forbidden, "renaming a %s needs user management at the organization", c.kind)
	}
	return nil
}

func (s *Service) renameCollection(ctx context.Context, a Actor, org, id, name string, c collection) (CollectionView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return CollectionView{}, err
	}
	if err := s.collectionExists(o, c, id); err != nil {
		return CollectionView{}, err
	}
	if err := s.mayRename(o, sc, a, c); err != nil {
		return CollectionView{}, err
	}
	if err := validName(c.kind+" name", name); err != nil {
		return CollectionView{}, err
	}
	name = strings.TrimSpace(name)
	v := CollectionView{ID: id, Name: name}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := nameFree(tx, org, c, id, name); err != nil {
			return nil, err
		}
		var before string
		var ms []domain.Membership
		if c == teams {
			t, err := tx.GetTeam(org, id)
			if err != nil {
				return nil, notFound("team", id)
			}
			before, t.Name = t.Name, name
			if err := tx.UpdateTeam(t); err != nil {
				return nil, err
			}
			if ms, err = tx.ListTeamMembers(org, id); err != nil {
				return nil, err
			}
		} else {
			g, err := tx.GetGroup(org, id)
			if err != nil {
				return nil, notFound("group", id)
			}
			before, g.Name = g.Name, name
			if err := tx.UpdateGroup(g); err != nil {
				return nil, err
			}
			if ms, err = tx.ListGroupMembers(org, id); err != nil {
				return nil, err
			}
		}
		v.Members = []string{}
		for _, m := range ms {
			v.Members = append(v.Members, m.UserID)
		}
		return &change{org: org, action: string(c.rename), target: c.kind + ":" + id,
			before: map[string]string{"name": before}, after: map[string]string{"name": name}}, nil
	})
	if err != nil {
		return CollectionView{}, err
	}
	v.Revision = rev
	return v, nil
}

// CollectionSorts are the orders FindCollections knows.
var CollectionSorts = []string{"name", "-name", "members", "-members"}

// FindCollections keeps the teams or groups whose name contains q (in any
// case) and orders them: by name or member count, "-" for the reverse;
// empty keeps creation order. Lists of teams and groups are read whole (an
// org has tens of them), so this is done on the read list.
func FindCollections(items []CollectionView, q, sort string) ([]CollectionView, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if len(q) > 200 {
		return nil, fault.E(fault.Invalid, "q: at most 200 characters")
	}
	if sort != "" && !slices.Contains(CollectionSorts, sort) {
		return nil, fault.E(fault.Invalid, "sort: want one of %s", strings.Join(CollectionSorts, ", "))
	}
	out := make([]CollectionView, 0, len(items))
	for _, c := range items {
		if q == "" || strings.Contains(strings.ToLower(c.Name), q) {
			out = append(out, c)
		}
	}
	key, desc := strings.CutPrefix(sort, "-")
	byName := func(a, b CollectionView) int {
		return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	}
	switch key {
	case "name":
		slices.SortStableFunc(out, byName)
	case "members":
		slices.SortStableFunc(out, func(a, b CollectionView) int {
			if n := len(a.Members) - len(b.Members); n != 0 {
				return n
			}
			return byName(a, b)
		})
	}
	if desc {
		slices.Reverse(out)
	}
	return out, nil
}
