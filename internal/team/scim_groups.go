package team

import (
	"context"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// SCIM groups are Gatehouse groups: a member added through SCIM holds the
// group's grants, so each change is the group action it is (group.create,
// group.member.add...), judged for the token's maker. The IdP's externalId
// and other attributes are the org's SCIM record of the group.

// SCIMGroup is one group with its members.
type SCIMGroup struct {
	ID      string
	Name    string
	Members []SCIMRef
	Record  domain.SCIMRecord
}

// SCIMGroups lists the org's groups (or only id), by creation.
func (s *Service) SCIMGroups(ctx context.Context, a Actor, org, id string) ([]SCIMGroup, error) {
	if err := scimActor(a); err != nil {
		return nil, err
	}
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActMemberList, nil); err != nil {
		return nil, err
	}
	var out []SCIMGroup
	err = s.view(ctx, func(r store.Reader) error {
		gs, err := r.ListGroups(org)
		if err != nil {
			return err
		}
		recs, err := r.SCIMGroups(org)
		if err != nil {
			return err
		}
		for _, g := range gs {
			if id != "" && g.ID != id {
				continue
			}
			ms, err := r.ListGroupMembers(org, g.ID)
			if err != nil {
				return err
			}
			sg := SCIMGroup{ID: g.ID, Name: g.Name, Record: recs[g.ID], Members: []SCIMRef{}}
			for _, m := range ms {
				sg.Members = append(sg.Members, SCIMRef{ID: m.UserID})
			}
			out = append(out, sg)
		}
		return nil
	})
	if err == nil && id != "" && len(out) == 0 {
		err = notFound("group", id)
	}
	return out, err
}

// SCIMCreateGroup creates a group with its record and members.
func (s *Service) SCIMCreateGroup(ctx context.Context, a Actor, org, name string, rec domain.SCIMRecord, members []string) (SCIMGroup, error) {
	if err := scimActor(a); err != nil {
		return SCIMGroup{}, err
	}
	// A new group holds no grants, so joining it is refused only for a
	// member who is not one; refuse her before the group is made.
	o, _, err := s.org(a, org)
	if err != nil {
		return SCIMGroup{}, err
	}
	for _, m := range members {
		if _, ok := o.MemberRole(m); !ok {
			return SCIMGroup{}, notFound("member", m)
		}
	}
	g, err := s.CreateGroup(ctx, a, org, name)
	if err != nil {
		return SCIMGroup{}, err
	}
	return s.SCIMReplaceGroup(ctx, a, org, g.ID, name, rec, members, nil)
}

// SCIMReplaceGroup sets a group's name, record and members: each member
// added or removed is its own judged action, every step audited. All of
// them are judged before the first is written, so a replacement refused
// for one member (or for the rename) changes nothing; each write judges
// again, so a change made meanwhile by someone else cannot slip past.
//
// Members added and removed are counted against base, the members the
// caller's change started from (a PATCH's group as read); nil base is the
// group as it is now (a PUT sets the members whole). So a PATCH adding one
// member never removes another that a concurrent PATCH added meanwhile.
func (s *Service) SCIMReplaceGroup(ctx context.Context, a Actor, org, id, name string, rec domain.SCIMRecord, members, base []string) (SCIMGroup, error) {
	cur, err := s.SCIMGroups(ctx, a, org, id)
	if err != nil {
		return SCIMGroup{}, err
	}
	g := cur[0]
	name = strings.TrimSpace(name)
	rename := name != "" && name != g.Name
	if base == nil {
		base = []string{}
		for _, m := range g.Members {
			base = append(base, m.ID)
		}
	}
	var gone []string
	for _, m := range base {
		if members != nil && !slices.Contains(members, m) {
			gone = append(gone, m)
		}
	}
	var added []string
	for _, m := range members {
		if !slices.Contains(base, m) && !slices.Contains(added, m) {
			added = append(added, m)
		}
	}
	if err := s.judgeGroupChanges(ctx, a, org, id, rename, added, gone); err != nil {
		return SCIMGroup{}, err
	}
	if rename {
		if _, err := s.RenameGroup(ctx, a, org, id, name); err != nil {
			return SCIMGroup{}, err
		}
	}
	if string(rec.Attributes) != string(g.Record.Attributes) || rec.ExternalID != g.Record.ExternalID {
		if _, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
			if err := tx.SetSCIMGroup(org, id, rec); err != nil {
				return nil, err
			}
			return &change{org: org, action: "scim.group.update", target: "group:" + id,
				before: map[string]any{"external_id": g.Record.ExternalID}, after: map[string]any{"external_id": rec.ExternalID, "scim_token": a.SCIMTokenID}}, nil
		}); err != nil {
			return SCIMGroup{}, err
		}
	}
	if err := s.scimGroupMembers(ctx, a, org, id, added, false); err != nil {
		return SCIMGroup{}, err
	}
	if err := s.scimGroupMembers(ctx, a, org, id, gone, true); err != nil {
		return SCIMGroup{}, err
	}
	out, err := s.SCIMGroups(ctx, a, org, id)
	if err != nil {
		return SCIMGroup{}, err
	}
	return out[0], nil
}

// judgeGroupChanges judges a replacement's steps as their writes will, so
// that one refused refuses the whole before anything is written: the
// rename, then each member added or removed (an unknown one is 404), each
// handing out or ending the group's grants.
func (s *Service) judgeGroupChanges(ctx context.Context, a Actor, org, id string, rename bool, added, gone []string) error {
	o, sc, err := s.org(a, org)
	if err != nil {
		return err
	}
	if rename {
		if err := s.mayRename(o, sc, a, groups); err != nil {
			return err
		}
	}
	if len(added)+len(gone) == 0 {
		return nil
	}
	grants, err := s.grantsOfCollection(ctx, org, groups, id)
	if err != nil {
		return err
	}
	for _, step := range []struct {
		users  []string
		remove bool
	}{{added, false}, {gone, true}} {
		for _, u := range step.users {
			if _, ok := o.MemberRole(u); !ok {
				return notFound("member", u)
			}
			act, t := memberChange(groups, id, u, step.remove, grants)
			if err := s.authorize(o, sc, a, act, t); err != nil {
				return err
			}
		}
	}
	return nil
}

// scimGroupMembers adds (or removes) members of a group; one already in
// (or already out) is no change, as SCIM's PATCH asks.
func (s *Service) scimGroupMembers(ctx context.Context, a Actor, org, id string, users []string, remove bool) error {
	cur, err := s.SCIMGroups(ctx, a, org, id)
	if err != nil {
		return err
	}
	in := map[string]bool{}
	for _, m := range cur[0].Members {
		in[m.ID] = true
	}
	for _, u := range users {
		if in[u] != remove {
			continue
		}
		if _, err := s.SetGroupMember(ctx, a, org, id, u, remove); err != nil {
			return err
		}
		in[u] = !remove
	}
	return nil
}
