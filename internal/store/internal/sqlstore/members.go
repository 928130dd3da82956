package sqlstore

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
)

const memberCols = `org, user_id, role, joined_at`

func scanMember(s scanner) (domain.Member, error) {
	var m domain.Member
	return m, s.Scan(&m.Org, &m.UserID, &m.Role, ts(&m.JoinedAt))
}

// PutMember keeps joined_at (and the creation position) of an existing
// member: a role change is not a new membership.
func (t *Tx) PutMember(m domain.Member) error {
	_, err := t.exec(`INSERT INTO members (org, user_id, role, joined_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (org, user_id) DO UPDATE SET role = excluded.role`,
		m.Org, m.UserID, m.Role, t.tm(m.JoinedAt))
	if err != nil {
		return fmt.Errorf("store: put member %q of org %q: %w", m.UserID, m.Org, err)
	}
	return nil
}

func (t *Tx) DeleteMember(org, userID string) error {
	return t.execOne(fmt.Sprintf("delete member %q of org %q", userID, org),
		`DELETE FROM members WHERE org = $1 AND user_id = $2`, org, userID)
}

func (t *Tx) GetMember(org, userID string) (domain.Member, error) {
	return get(t, fmt.Sprintf("member %q of org %q", userID, org), scanMember,
		`SELECT `+memberCols+` FROM members WHERE org = $1 AND user_id = $2`, org, userID)
}

func (t *Tx) ListMembers(org, after string, limit int) ([]domain.Member, string, error) {
	args := []any{org, after}
	q := `SELECT ` + memberCols + ` FROM members WHERE org = $1 AND user_id > $2 ORDER BY user_id`
	if limit > 0 {
		q += limitClause(limit, 3)
		args = append(args, fetch(limit))
	}
	items, err := list(t, fmt.Sprintf("list members of org %q", org), scanMember, q, args...)
	if err != nil {
		return nil, "", err
	}
	items, next := page(items, limit, func(m domain.Member) string { return m.UserID })
	return items, next, nil
}

func (t *Tx) CountMembers(org string) (int, error) {
	var n int
	err := t.one(fmt.Sprintf("count members of org %q", org),
		`SELECT COUNT(*) FROM members WHERE org = $1`, []any{org}, &n)
	return n, err
}
