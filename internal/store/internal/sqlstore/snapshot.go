package sqlstore

import (
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Snapshot reads an org's whole access state. The backend runs it in a
// transaction that sees one consistent state, so the revision read here is
// exactly the one the records reflect.
func (t *Tx) Snapshot(org string) (domain.Snapshot, error) {
	s, n, err := t.SnapshotHead(org)
	if err != nil {
		return domain.Snapshot{}, err
	}
	s.Grants = make([]domain.Grant, 0, n)
	err = t.SnapshotGrants(org, func(gs []domain.Grant) error {
		s.Grants = append(s.Grants, gs...)
		return nil
	})
	if err != nil {
		return domain.Snapshot{}, err
	}
	return s, nil
}

// snapshotBatch is how many grants SnapshotGrants hands over at a time.
const snapshotBatch = 4096

// SnapshotHead is an org's snapshot without its grants, and how many
// grants it has (store.Reader).
//
// With SnapshotGrants it is the start-up read of every org, so both are
// written for a million grants: rows come in creation order from the (org,
// pos) indexes without a sort, slices are sized by a count first, and the
// resource tree is ordered here rather than by a recursive query.
func (t *Tx) SnapshotHead(org string) (domain.Snapshot, int, error) {
	var s domain.Snapshot
	var err error
	if s.Org, err = t.GetOrg(org); err != nil {
		return s, 0, err
	}
	if s.Revision, err = t.CurrentRevision(); err != nil {
		return s, 0, err
	}
	var n int
	steps := []func() error{
		func() (err error) {
			s.Members, err = appendSized(t, "snapshot members", "members", org, scanMember,
				`SELECT `+memberCols+` FROM members WHERE org = $1 ORDER BY org, pos`)
			return err
		},
		func() (err error) { s.Resources, err = t.resourceTree(org); return err },
		func() (err error) { s.Teams, err = t.ListTeams(org); return err },
		func() (err error) { s.TeamMembers, err = t.allUnitMembers(teamUnit, org); return err },
		func() (err error) { s.Groups, err = t.ListGroups(org); return err },
		func() (err error) { s.GroupMembers, err = t.allUnitMembers(groupUnit, org); return err },
		func() (err error) { s.Roles, err = t.ListRoles(org); return err },
		func() (err error) { s.Keys, _, err = t.ListKeys(org, store.KeyFilter{}, "", 0); return err },
		func() (err error) { s.Gates, err = t.ListGates(org); return err },
		func() (err error) { s.Approvals, err = t.openApprovals(org); return err },
		func() (err error) { s.Aliases, err = t.allAliases(org); return err },
		func() (err error) { n, err = t.countGrants(org); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return domain.Snapshot{}, 0, fmt.Errorf("snapshot of org %q: %w", org, err)
		}
	}
	return s, n, nil
}

func (t *Tx) countGrants(org string) (int, error) {
	var n int
	err := t.one("count grants", `SELECT count(*) FROM grants WHERE org = $1`, []any{org}, &n)
	return n, err
}

// SnapshotGrants hands fn an org's grants in creation order, in batches
// (store.Reader).
func (t *Tx) SnapshotGrants(org string, fn func([]domain.Grant) error) error {
	if _, err := t.GetOrg(org); err != nil {
		return err
	}
	rows, err := t.query(`SELECT id, subject_kind, subject_id, role, scope_kind, scope_type, scope_id, expires_at, created_by, created_at
		FROM grants WHERE org = $1 ORDER BY org, pos`, org)
	if err != nil {
		return fmt.Errorf("store: snapshot grants of org %q: %w", org, err)
	}
	defer rows.Close()
	batch := make([]domain.Grant, 0, snapshotBatch)
	for rows.Next() {
		// The org column is known; not reading it saves a string a row.
		g := domain.Grant{Org: org}
		var subjectKind, scopeKind int
		if err := rows.Scan(&g.ID, &subjectKind, &g.Subject.ID, &g.Role, &scopeKind, &g.Scope.Type, &g.Scope.ID,
			ts(&g.ExpiresAt), &g.CreatedBy, ts(&g.CreatedAt)); err != nil {
			return fmt.Errorf("store: snapshot grants of org %q: %w", org, t.mapErr(err))
		}
		g.Subject.Kind, g.Scope.Kind = domain.SubjectKind(subjectKind), domain.ScopeKind(scopeKind)
		batch = append(batch, g)
		if len(batch) == snapshotBatch {
			if err := fn(batch); err != nil {
				return err
			}
			// A new batch: fn may keep the last one, or hand it on.
			batch = make([]domain.Grant, 0, snapshotBatch)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: snapshot grants of org %q: %w", org, t.mapErr(err))
	}
	if len(batch) > 0 {
		return fn(batch)
	}
	return nil
}

// appendSized lists the rows of an org's table into a slice sized by a
// count taken in the same transaction.
func appendSized[T any](t *Tx, what, table, org string, scan func(scanner) (T, error), query string) ([]T, error) {
	var n int
	if err := t.one(what, `SELECT count(*) FROM `+table+` WHERE org = $1`, []any{org}, &n); err != nil {
		return nil, err
	}
	return appendRows(t, make([]T, 0, n), what, scan, query, org)
}

// resourceTree lists an org's resources level by level from the roots, so
// every parent comes before its children even when a replacement moved a
// resource under one created after it; within a level, creation order. A
// resource no root leads to (only a corrupted, cyclic tree has one) or
// deeper than maxDepth is left out, as every walk of the tree does.
func (t *Tx) resourceTree(org string) ([]domain.Resource, error) {
	all, err := appendSized(t, "snapshot resources", "resources", org, scanResource,
		`SELECT `+resourceCols+` FROM resources r WHERE r.org = $1 ORDER BY r.org, r.pos`)
	if err != nil {
		return nil, err
	}
	at := make(map[domain.Ref]int32, len(all))
	for i := range all {
		at[all[i].Ref()] = int32(i)
	}
	// Children lists, in creation order, as linked lists over indexes.
	var roots []int32
	first := make([]int32, len(all)) // first child + 1, 0 for none
	next := make([]int32, len(all))  // next sibling + 1
	last := make([]int32, len(all))
	for i := range all {
		p := all[i].Parent
		if p.IsZero() {
			roots = append(roots, int32(i))
			continue
		}
		pi, ok := at[p]
		if !ok {
			continue // a parent that does not exist: unreachable
		}
		if last[pi] == 0 {
			first[pi] = int32(i) + 1
		} else {
			next[last[pi]-1] = int32(i) + 1
		}
		last[pi] = int32(i) + 1
	}
	level := roots
	var byDepth [][]int32
	for d := 0; d <= maxDepth && len(level) > 0; d++ {
		byDepth = append(byDepth, level)
		var below []int32
		for _, i := range level {
			for c := first[i]; c != 0; c = next[c-1] {
				below = append(below, c-1)
			}
		}
		slices.Sort(below) // creation order within the level
		level = below
	}
	out := make([]domain.Resource, 0, len(all))
	for _, lv := range byDepth {
		for _, i := range lv {
			out = append(out, all[i])
		}
	}
	return out, nil
}
