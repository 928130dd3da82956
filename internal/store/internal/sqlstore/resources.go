package sqlstore

import (
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// maxDepth bounds every walk of the resource tree. Schemes nest a few levels
// at most; the bound only keeps a corrupted (cyclic) tree from looping.
const maxDepth = 64

const resourceCols = `r.org, r.type, r.id, r.name, COALESCE(r.parent_type, ''), COALESCE(r.parent_id, ''),
	r.team, r.owner, r.attributes, r.created_at`

func scanResource(s scanner) (domain.Resource, error) {
	var r domain.Resource
	var attrs []byte
	if err := s.Scan(&r.Org, &r.Type, &r.ID, &r.Name, &r.Parent.Type, &r.Parent.ID,
		&r.Team, &r.Owner, &attrs, ts(&r.CreatedAt)); err != nil {
		return r, err
	}
	return r, fromJSON(attrs, &r.Attributes)
}

func (t *Tx) PutResource(r domain.Resource) error {
	what := fmt.Sprintf("put resource %s of org %q", r.Ref(), r.Org)
	if !r.Parent.IsZero() {
		if err := t.checkNoCycle(r); err != nil {
			return fmt.Errorf("store: %s: %w", what, err)
		}
	}
	attrs, err := jsonText(r.Attributes)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	// A replacement keeps created_at and the row's position: the position
	// is what orders parents before children in a snapshot.
	_, err = t.exec(`INSERT INTO resources (org, type, id, name, parent_type, parent_id, team, owner, attributes, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (org, type, id) DO UPDATE SET name = excluded.name, parent_type = excluded.parent_type,
			parent_id = excluded.parent_id, team = excluded.team, owner = excluded.owner,
			attributes = excluded.attributes`,
		r.Org, r.Type, r.ID, r.Name, nullable(r.Parent.Type), nullable(r.Parent.ID),
		r.Team, r.Owner, attrs, t.tm(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

// checkNoCycle refuses a parent that is r itself or one of r's descendants:
// such a resource would hang off no root, and a snapshot, which walks down
// from the roots, would silently lose it.
func (t *Tx) checkNoCycle(r domain.Resource) error {
	var n int
	err := t.one("check ancestry", `WITH RECURSIVE up(type, id, depth) AS (
			SELECT CAST($2 AS TEXT), CAST($3 AS TEXT), 0
			UNION ALL
			SELECT p.parent_type, p.parent_id, up.depth + 1 FROM up CROSS JOIN resources p
			WHERE p.org = $1 AND p.type = up.type AND p.id = up.id
				AND p.parent_type IS NOT NULL AND up.depth < $6
		) SELECT COUNT(*) FROM up WHERE type = $4 AND id = $5`,
		[]any{r.Org, r.Parent.Type, r.Parent.ID, r.Type, r.ID, maxDepth}, &n)
	if err != nil {
		return err
	}
	if n > 0 {
		return fmt.Errorf("%w: parent %s is the resource or one of its descendants", store.ErrConflict, r.Parent)
	}
	return nil
}

func (t *Tx) DeleteResource(org string, ref domain.Ref) ([]domain.Ref, error) {
	what := fmt.Sprintf("delete resource %s of org %q", ref, org)
	refs, err := list(t, what, func(s scanner) (domain.Ref, error) {
		var r domain.Ref
		return r, s.Scan(&r.Type, &r.ID)
	}, `WITH RECURSIVE sub(type, id, depth) AS (
			SELECT type, id, 0 FROM resources WHERE org = $1 AND type = $2 AND id = $3
			UNION ALL
			SELECT c.type, c.id, sub.depth + 1 FROM sub CROSS JOIN resources c
			WHERE c.org = $1 AND c.parent_type = sub.type AND c.parent_id = sub.id AND sub.depth < $4
		) SELECT type, id FROM sub ORDER BY depth, type, id`, org, ref.Type, ref.ID, maxDepth)
	if err != nil {
		return nil, err
	}
	if len(refs) == 0 {
		return nil, fmt.Errorf("store: %s: %w", what, store.ErrNotFound)
	}
	// The descendants go with it through ON DELETE CASCADE.
	if err := t.execOne(what, `DELETE FROM resources WHERE org = $1 AND type = $2 AND id = $3`,
		org, ref.Type, ref.ID); err != nil {
		return nil, err
	}
	return refs, nil
}

func (t *Tx) GetResource(org string, ref domain.Ref) (domain.Resource, error) {
	return get(t, fmt.Sprintf("resource %s of org %q", ref, org), scanResource,
		`SELECT `+resourceCols+` FROM resources r WHERE r.org = $1 AND r.type = $2 AND r.id = $3`,
		org, ref.Type, ref.ID)
}

func (t *Tx) ListResources(org, typ, after string, limit int) ([]domain.Resource, string, error) {
	var q string
	var args []any
	var key func(domain.Resource) string
	if typ != "" {
		q = `SELECT ` + resourceCols + ` FROM resources r WHERE r.org = $1 AND r.type = $2 AND r.id > $3 ORDER BY r.id`
		args = []any{org, typ, after}
		key = func(r domain.Resource) string { return r.ID }
	} else {
		// Across types the token is "TYPE:ID"; type names never hold a
		// colon, so the first one splits it.
		afterType, afterID, _ := strings.Cut(after, ":")
		q = `SELECT ` + resourceCols + ` FROM resources r WHERE r.org = $1
			AND (r.type > $2 OR (r.type = $2 AND r.id > $3)) ORDER BY r.type, r.id`
		args = []any{org, afterType, afterID}
		key = func(r domain.Resource) string { return r.Ref().String() }
	}
	if limit > 0 {
		q += limitClause(limit, 4)
		args = append(args, fetch(limit))
	}
	items, err := list(t, fmt.Sprintf("list resources of org %q", org), scanResource, q, args...)
	if err != nil {
		return nil, "", err
	}
	items, next := page(items, limit, key)
	return items, next, nil
}

func (t *Tx) CountResources(org string) (map[string]int, error) {
	type count struct {
		typ string
		n   int
	}
	rows, err := list(t, fmt.Sprintf("count resources of org %q", org), func(s scanner) (count, error) {
		var c count
		return c, s.Scan(&c.typ, &c.n)
	}, `SELECT type, COUNT(*) FROM resources WHERE org = $1 GROUP BY type`, org)
	if err != nil {
		return nil, err
	}
	out := make(map[string]int, len(rows))
	for _, c := range rows {
		out[c.typ] = c.n
	}
	return out, nil
}
