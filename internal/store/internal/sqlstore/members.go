package sqlstore

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const memberCols = `org, user_id, role, joined_at, expires_at, default_role`

func scanMember(s scanner) (domain.Member, error) {
	var m domain.Member
	return m, s.Scan(&m.Org, &m.UserID, &m.Role, ts(&m.JoinedAt), ts(&m.ExpiresAt), &m.DefaultRole)
}

// PutMember keeps joined_at (and the creation position) of an existing
// member: a role change is not a new membership. Its end date is the one
// given, so a caller changing the role passes the member it read.
func (t *Tx) PutMember(m domain.Member) error {
	_, err := t.exec(`INSERT INTO members (org, user_id, role, joined_at, expires_at, default_role) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (org, user_id) DO UPDATE SET role = excluded.role, expires_at = excluded.expires_at, default_role = excluded.default_role`,
		m.Org, m.UserID, m.Role, t.tm(m.JoinedAt), t.tm(m.ExpiresAt), m.DefaultRole)
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

// memberWhere filters members joined with their users (m, u) by q.
func (t *Tx) memberWhere(org string, q store.MemberQuery) (string, []any) {
	where, args := `m.org = $1`, []any{org}
	if q.Role != "" {
		args = append(args, q.Role)
		where += ` AND m.role = $` + strconv.Itoa(len(args))
	}
	switch q.State {
	case store.MemberActive:
		args = append(args, t.tm(q.At))
		where += ` AND (m.expires_at IS NULL OR m.expires_at > $` + strconv.Itoa(len(args)) + `)`
	case store.MemberExpired:
		args = append(args, t.tm(q.At))
		where += ` AND m.expires_at <= $` + strconv.Itoa(len(args))
	}
	if needle := strings.TrimSpace(q.Q); needle != "" {
		// LIKE on lowered text in both backends (SQLite's LIKE ignores ASCII
		// case, PostgreSQL's does not); %, _ and \ in the needle are literal.
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(needle))
		args = append(args, "%"+esc+"%")
		n := strconv.Itoa(len(args))
		where += ` AND (LOWER(u.name) LIKE $` + n + ` ESCAPE '\' OR LOWER(u.email) LIKE $` + n + ` ESCAPE '\')`
	}
	return where, args
}

func (t *Tx) FindMembers(org string, q store.MemberQuery, after string, limit int) ([]domain.Member, string, error) {
	where, args := t.memberWhere(org, q)
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	var order string
	switch q.Sort {
	case store.MemberByID:
		order = `m.user_id` + dir
	case store.MemberByName:
		order = `LOWER(u.name)` + dir + `, m.user_id`
	case store.MemberByEmail:
		order = `u.email_key` + dir + `, m.user_id`
	case store.MemberByJoined:
		order = `(m.joined_at IS NULL), m.joined_at` + dir + `, m.user_id`
	case store.MemberByLastLogin:
		order = `(u.last_login_at IS NULL), u.last_login_at` + dir + `, m.user_id`
	default:
		return nil, "", fmt.Errorf("store: unknown member order %q", q.Sort)
	}
	offset := 0
	if after != "" {
		if q.Sort == store.MemberByID {
			args = append(args, after)
			cmp := " > $"
			if q.Desc {
				cmp = " < $"
			}
			where += ` AND m.user_id` + cmp + strconv.Itoa(len(args))
		} else {
			n, err := strconv.Atoi(after)
			if err != nil || n < 0 {
				return nil, "", fmt.Errorf("store: bad member cursor %q", after)
			}
			offset = n
		}
	}
	sql := `SELECT m.org, m.user_id, m.role, m.joined_at, m.expires_at, m.default_role FROM members m JOIN users u ON u.id = m.user_id WHERE ` +
		where + ` ORDER BY ` + order
	if limit > 0 {
		args = append(args, fetch(limit))
		sql += ` LIMIT $` + strconv.Itoa(len(args))
	}
	if offset > 0 {
		if limit <= 0 {
			// Both dialects take a LIMIT before OFFSET; this one is no bound.
			args = append(args, int64(1)<<62)
			sql += ` LIMIT $` + strconv.Itoa(len(args))
		}
		args = append(args, offset)
		sql += ` OFFSET $` + strconv.Itoa(len(args))
	}
	items, err := list(t, fmt.Sprintf("find members of org %q", org), scanMember, sql, args...)
	if err != nil {
		return nil, "", err
	}
	if q.Sort == store.MemberByID {
		items, next := page(items, limit, func(m domain.Member) string { return m.UserID })
		return items, next, nil
	}
	if limit <= 0 || len(items) <= limit {
		return items, "", nil
	}
	items = items[:limit]
	return items, strconv.Itoa(offset + limit), nil
}

func (t *Tx) CountFoundMembers(org string, q store.MemberQuery) (int, error) {
	where, args := t.memberWhere(org, q)
	var n int
	err := t.one(fmt.Sprintf("count members of org %q", org),
		`SELECT COUNT(*) FROM members m JOIN users u ON u.id = m.user_id WHERE `+where, args, &n)
	return n, err
}
