package sqlstore

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// Teams and groups are the same shape — a named set of users in an org — so
// one implementation serves both, parameterized by its tables.
type unit struct {
	kind    string // "team" or "group", for messages
	table   string
	members string // membership table
	parent  string // membership column naming the team or group
}

var (
	teamUnit  = unit{kind: "team", table: "teams", members: "team_members", parent: "team_id"}
	groupUnit = unit{kind: "group", table: "user_groups", members: "group_members", parent: "group_id"}
)

type named struct{ Org, ID, Name string }

func scanNamed(s scanner) (named, error) {
	var n named
	return n, s.Scan(&n.Org, &n.ID, &n.Name)
}

func scanMembership(s scanner) (domain.Membership, error) {
	var m domain.Membership
	return m, s.Scan(&m.Org, &m.Parent, &m.UserID)
}

func (t *Tx) createUnit(u unit, n named) error {
	if _, err := t.exec(`INSERT INTO `+u.table+` (org, id, name) VALUES ($1, $2, $3)`, n.Org, n.ID, n.Name); err != nil {
		return fmt.Errorf("store: create %s %q of org %q: %w", u.kind, n.ID, n.Org, err)
	}
	return nil
}

func (t *Tx) updateUnit(u unit, n named) error {
	return t.execOne(fmt.Sprintf("update %s %q of org %q", u.kind, n.ID, n.Org),
		`UPDATE `+u.table+` SET name = $3 WHERE org = $1 AND id = $2`, n.Org, n.ID, n.Name)
}

// deleteUnit removes the memberships too, through ON DELETE CASCADE.
func (t *Tx) deleteUnit(u unit, org, id string) error {
	return t.execOne(fmt.Sprintf("delete %s %q of org %q", u.kind, id, org),
		`DELETE FROM `+u.table+` WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) getUnit(u unit, org, id string) (named, error) {
	return get(t, fmt.Sprintf("%s %q of org %q", u.kind, id, org), scanNamed,
		`SELECT org, id, name FROM `+u.table+` WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) listUnits(u unit, org string) ([]named, error) {
	return list(t, fmt.Sprintf("list %ss of org %q", u.kind, org), scanNamed,
		`SELECT org, id, name FROM `+u.table+` WHERE org = $1 ORDER BY pos`, org)
}

func (t *Tx) putUnitMember(u unit, m domain.Membership) error {
	_, err := t.exec(`INSERT INTO `+u.members+` (org, `+u.parent+`, user_id) VALUES ($1, $2, $3)
		ON CONFLICT (org, `+u.parent+`, user_id) DO NOTHING`, m.Org, m.Parent, m.UserID)
	if err != nil {
		return fmt.Errorf("store: put %s member %q of %q in org %q: %w", u.kind, m.UserID, m.Parent, m.Org, err)
	}
	return nil
}

func (t *Tx) deleteUnitMember(u unit, org, parent, userID string) error {
	return t.execOne(fmt.Sprintf("delete %s member %q of %q in org %q", u.kind, userID, parent, org),
		`DELETE FROM `+u.members+` WHERE org = $1 AND `+u.parent+` = $2 AND user_id = $3`, org, parent, userID)
}

func (t *Tx) listUnitMembers(u unit, org, parent string) ([]domain.Membership, error) {
	return list(t, fmt.Sprintf("list members of %s %q in org %q", u.kind, parent, org), scanMembership,
		`SELECT org, `+u.parent+`, user_id FROM `+u.members+` WHERE org = $1 AND `+u.parent+` = $2 ORDER BY user_id`,
		org, parent)
}

func (t *Tx) listUnitsOfUser(u unit, org, userID string) ([]domain.Membership, error) {
	return list(t, fmt.Sprintf("list %ss of user %q in org %q", u.kind, userID, org), scanMembership,
		`SELECT org, `+u.parent+`, user_id FROM `+u.members+` WHERE org = $1 AND user_id = $2 ORDER BY `+u.parent,
		org, userID)
}

// allUnitMembers is every membership of an org in creation order, for
// snapshots.
func (t *Tx) allUnitMembers(u unit, org string) ([]domain.Membership, error) {
	return list(t, fmt.Sprintf("list %s members of org %q", u.kind, org), scanMembership,
		`SELECT org, `+u.parent+`, user_id FROM `+u.members+` WHERE org = $1 ORDER BY pos`, org)
}

func (t *Tx) CreateTeam(v domain.Team) error  { return t.createUnit(teamUnit, named(v)) }
func (t *Tx) UpdateTeam(v domain.Team) error  { return t.updateUnit(teamUnit, named(v)) }
func (t *Tx) DeleteTeam(org, id string) error { return t.deleteUnit(teamUnit, org, id) }
func (t *Tx) GetTeam(org, id string) (domain.Team, error) {
	n, err := t.getUnit(teamUnit, org, id)
	return domain.Team(n), err
}
func (t *Tx) ListTeams(org string) ([]domain.Team, error) {
	ns, err := t.listUnits(teamUnit, org)
	return convert(ns, func(n named) domain.Team { return domain.Team(n) }), err
}
func (t *Tx) PutTeamMember(m domain.Membership) error { return t.putUnitMember(teamUnit, m) }
func (t *Tx) DeleteTeamMember(org, teamID, userID string) error {
	return t.deleteUnitMember(teamUnit, org, teamID, userID)
}
func (t *Tx) ListTeamMembers(org, teamID string) ([]domain.Membership, error) {
	return t.listUnitMembers(teamUnit, org, teamID)
}
func (t *Tx) ListTeamsOfUser(org, userID string) ([]domain.Membership, error) {
	return t.listUnitsOfUser(teamUnit, org, userID)
}

func (t *Tx) CreateGroup(v domain.Group) error { return t.createUnit(groupUnit, named(v)) }
func (t *Tx) UpdateGroup(v domain.Group) error { return t.updateUnit(groupUnit, named(v)) }
func (t *Tx) DeleteGroup(org, id string) error { return t.deleteUnit(groupUnit, org, id) }
func (t *Tx) GetGroup(org, id string) (domain.Group, error) {
	n, err := t.getUnit(groupUnit, org, id)
	return domain.Group(n), err
}
func (t *Tx) ListGroups(org string) ([]domain.Group, error) {
	ns, err := t.listUnits(groupUnit, org)
	return convert(ns, func(n named) domain.Group { return domain.Group(n) }), err
}
func (t *Tx) PutGroupMember(m domain.Membership) error { return t.putUnitMember(groupUnit, m) }
func (t *Tx) DeleteGroupMember(org, groupID, userID string) error {
	return t.deleteUnitMember(groupUnit, org, groupID, userID)
}
func (t *Tx) ListGroupMembers(org, groupID string) ([]domain.Membership, error) {
	return t.listUnitMembers(groupUnit, org, groupID)
}
func (t *Tx) ListGroupsOfUser(org, userID string) ([]domain.Membership, error) {
	return t.listUnitsOfUser(groupUnit, org, userID)
}

func convert[A, B any](as []A, f func(A) B) []B {
	if as == nil {
		return nil
	}
	bs := make([]B, len(as))
	for i, a := range as {
		bs[i] = f(a)
	}
	return bs
}
