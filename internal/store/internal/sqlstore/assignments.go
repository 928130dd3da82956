package sqlstore

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
)

type assignmentRow struct {
	pos int64
	a   domain.Assignment
}

func scanAssignment(s scanner) (assignmentRow, error) {
	var r assignmentRow
	return r, s.Scan(&r.pos, &r.a.Org, &r.a.Name, &r.a.Scope, ts(&r.a.UpdatedAt))
}

const assignmentCols = `pos, org, name, scope, updated_at`

func (t *Tx) GetAssignment(org, name, scope string) (domain.Assignment, error) {
	r, err := get(t, fmt.Sprintf("assignment %q at %q of org %q", name, scope, org), scanAssignment,
		`SELECT `+assignmentCols+` FROM named_assignments WHERE org = $1 AND lower(name) = lower($2) AND scope = $3`, org, name, scope)
	if err != nil {
		return domain.Assignment{}, err
	}
	out, err := t.withHolders(org, []assignmentRow{r})
	if err != nil {
		return domain.Assignment{}, err
	}
	return out[0], nil
}

func (t *Tx) ListAssignments(org string) ([]domain.Assignment, error) {
	rs, err := list(t, fmt.Sprintf("list assignments of org %q", org), scanAssignment,
		`SELECT `+assignmentCols+` FROM named_assignments WHERE org = $1 ORDER BY lower(name), scope, pos`, org)
	if err != nil {
		return nil, err
	}
	return t.withHolders(org, rs)
}

// withHolders reads the holders of the org's assignments in one query.
func (t *Tx) withHolders(org string, rs []assignmentRow) ([]domain.Assignment, error) {
	type holder struct {
		pos  int64
		user string
	}
	hs, err := list(t, fmt.Sprintf("list assignment holders of org %q", org),
		func(s scanner) (holder, error) { var h holder; return h, s.Scan(&h.pos, &h.user) },
		`SELECT h.assignment, h.user_id FROM named_assignment_holders h
			JOIN named_assignments a ON a.pos = h.assignment WHERE a.org = $1 ORDER BY h.user_id`, org)
	if err != nil {
		return nil, err
	}
	byPos := map[int64][]string{}
	for _, h := range hs {
		byPos[h.pos] = append(byPos[h.pos], h.user)
	}
	out := make([]domain.Assignment, len(rs))
	for i, r := range rs {
		out[i] = r.a
		out[i].Users = byPos[r.pos]
		if out[i].Users == nil {
			out[i].Users = []string{}
		}
	}
	return out, nil
}

// PutAssignment replaces the row, so the holders go with it (ON DELETE
// CASCADE) and the new ones are written fresh.
func (t *Tx) PutAssignment(a domain.Assignment) error {
	if _, err := t.exec(`DELETE FROM named_assignments WHERE org = $1 AND lower(name) = lower($2) AND scope = $3`, a.Org, a.Name, a.Scope); err != nil {
		return fmt.Errorf("store: put assignment %q of org %q: %w", a.Name, a.Org, err)
	}
	var pos int64
	if err := t.one(fmt.Sprintf("put assignment %q of org %q", a.Name, a.Org),
		`INSERT INTO named_assignments (org, name, scope, updated_at) VALUES ($1, $2, $3, $4) RETURNING pos`,
		[]any{a.Org, strings.TrimSpace(a.Name), a.Scope, t.tm(a.UpdatedAt)}, &pos); err != nil {
		return err
	}
	users := slices.Clone(a.Users)
	slices.Sort(users)
	for _, u := range slices.Compact(users) {
		if _, err := t.exec(`INSERT INTO named_assignment_holders (assignment, user_id) VALUES ($1, $2)`, pos, u); err != nil {
			return fmt.Errorf("store: put holder %q of assignment %q in org %q: %w", u, a.Name, a.Org, err)
		}
	}
	return nil
}

func (t *Tx) DeleteAssignment(org, name, scope string) error {
	return t.execOne(fmt.Sprintf("delete assignment %q at %q of org %q", name, scope, org),
		`DELETE FROM named_assignments WHERE org = $1 AND lower(name) = lower($2) AND scope = $3`, org, name, scope)
}
