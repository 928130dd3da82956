package sqlstore

import (
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

func (t *Tx) ExpiringGrants(org string, from, to time.Time, limit int) ([]domain.Grant, error) {
	args := []any{org, t.tm(from), t.tm(to)}
	q := `SELECT ` + grantCols + ` FROM grants WHERE org = $1 AND expires_at >= $2 AND expires_at < $3
		ORDER BY expires_at, id` + limitClause(limit, 4)
	if limit > 0 {
		args = append(args, limit)
	}
	return list(t, fmt.Sprintf("list expiring grants of org %q", org), scanGrant, q, args...)
}

func (t *Tx) CountExpiringGrants(org string, from, to time.Time) (int, error) {
	var n int
	err := t.one(fmt.Sprintf("count expiring grants of org %q", org),
		`SELECT COUNT(*) FROM grants WHERE org = $1 AND expires_at >= $2 AND expires_at < $3`,
		[]any{org, t.tm(from), t.tm(to)}, &n)
	return n, err
}

// idleWhere joins a member to its account, where the last sign-in is kept.
const idleWhere = ` FROM members m JOIN users u ON u.id = m.user_id
	WHERE m.org = $1 AND (u.last_login_at IS NULL OR u.last_login_at < $2)`

func (t *Tx) IdleMembers(org string, since time.Time, limit int) ([]domain.Member, error) {
	args := []any{org, t.tm(since)}
	// "IS NOT NULL" sorts false (never signed in) before true in both
	// backends, where NULLS FIRST is not spelled alike.
	q := `SELECT m.org, m.user_id, m.role, m.joined_at, m.expires_at, m.default_role` + idleWhere +
		` ORDER BY u.last_login_at IS NOT NULL, u.last_login_at, m.user_id` + limitClause(limit, 3)
	if limit > 0 {
		args = append(args, limit)
	}
	return list(t, fmt.Sprintf("list idle members of org %q", org), scanMember, q, args...)
}

func (t *Tx) CountIdleMembers(org string, since time.Time) (int, error) {
	var n int
	err := t.one(fmt.Sprintf("count idle members of org %q", org), `SELECT COUNT(*)`+idleWhere,
		[]any{org, t.tm(since)}, &n)
	return n, err
}

func (t *Tx) KeyOwners(org string) ([]string, error) {
	return list(t, fmt.Sprintf("list key owners of org %q", org), scanSubjectText,
		`SELECT DISTINCT owner FROM api_keys WHERE org = $1 AND owner <> '' ORDER BY owner`, org)
}

func (t *Tx) AuditActors(org string) ([]string, error) {
	return list(t, fmt.Sprintf("list audit actors of org %q", org), scanSubjectText,
		`SELECT DISTINCT actor FROM audit_events WHERE org = $1 AND actor <> '' ORDER BY actor`, org)
}

func scanSubjectText(s scanner) (string, error) {
	var v string
	return v, s.Scan(&v)
}

// keyLike matches text containing s in any case: LIKE's wildcards in s
// are escaped with '\', and both sides are lowered by the caller's query.
func keyLike(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}
