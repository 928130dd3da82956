package sqlstore

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store"
)

func (t *Tx) CurrentRevision() (int64, error) {
	var rev int64
	err := t.one("current revision", `SELECT value FROM revision_counter WHERE id = 1`, nil, &rev)
	return rev, err
}

// ChangesSince limits revisions, not rows: a revision that touched several
// orgs has one row per org, and cutting between them would let a follower
// believe it had applied a revision it had only half seen.
func (t *Tx) ChangesSince(afterRevision int64, limit int) ([]store.ChangeSet, error) {
	args := []any{afterRevision}
	revs := `SELECT DISTINCT revision FROM changelog WHERE revision > $1 ORDER BY revision`
	if limit > 0 {
		args = append(args, limit)
		revs += limitClause(limit, 2)
	}
	return list(t, "read changelog", func(s scanner) (store.ChangeSet, error) {
		var cs store.ChangeSet
		var doc []byte
		if err := s.Scan(&cs.Revision, &cs.Org, &doc); err != nil {
			return cs, err
		}
		return cs, fromJSON(doc, &cs.Changes)
	}, `WITH revs AS (`+revs+`)
		SELECT c.revision, c.org, c.changes FROM changelog c JOIN revs ON revs.revision = c.revision
		ORDER BY c.revision, c.org`, args...)
}

// PrunedBefore is the changelog's low-water mark: changes of revisions
// below it may be gone.
func (t *Tx) PrunedBefore() (int64, error) {
	var rev int64
	err := t.one("pruned revision", `SELECT pruned_before FROM revision_counter WHERE id = 1`, nil, &rev)
	return rev, err
}

// PruneChanges deletes changelog rows older than beforeRevision and raises
// the low-water mark, which never moves down.
func (t *Tx) PruneChanges(beforeRevision int64) error {
	if _, err := t.exec(`UPDATE revision_counter SET pruned_before = $1 WHERE id = 1 AND pruned_before < $1`, beforeRevision); err != nil {
		return fmt.Errorf("store: prune changelog: %w", err)
	}
	if _, err := t.exec(`DELETE FROM changelog WHERE revision < $1`, beforeRevision); err != nil {
		return fmt.Errorf("store: prune changelog: %w", err)
	}
	return nil
}
