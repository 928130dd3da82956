package sqlstore

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Subjects and scopes are kept as their parts rather than as "user:ID"
// strings, so reading them back needs no parsing that could fail, and a
// filter on either is an indexed equality.
const grantCols = `id, org, subject_kind, subject_id, role, scope_kind, scope_type, scope_id, expires_at, created_by, created_at`

func scanGrant(s scanner) (domain.Grant, error) {
	var g domain.Grant
	var subjectKind, scopeKind int
	err := s.Scan(&g.ID, &g.Org, &subjectKind, &g.Subject.ID, &g.Role,
		&scopeKind, &g.Scope.Type, &g.Scope.ID, ts(&g.ExpiresAt), &g.CreatedBy, ts(&g.CreatedAt))
	g.Subject.Kind = domain.SubjectKind(subjectKind)
	g.Scope.Kind = domain.ScopeKind(scopeKind)
	return g, err
}

func (t *Tx) PutGrant(g domain.Grant) error {
	_, err := t.exec(`INSERT INTO grants (`+grantCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (org, id) DO UPDATE SET subject_kind = excluded.subject_kind, subject_id = excluded.subject_id,
			role = excluded.role, scope_kind = excluded.scope_kind, scope_type = excluded.scope_type,
			scope_id = excluded.scope_id, expires_at = excluded.expires_at, created_by = excluded.created_by,
			created_at = excluded.created_at`,
		g.ID, g.Org, int(g.Subject.Kind), g.Subject.ID, g.Role,
		int(g.Scope.Kind), g.Scope.Type, g.Scope.ID, t.tm(g.ExpiresAt), g.CreatedBy, t.tm(g.CreatedAt))
	if err != nil {
		return fmt.Errorf("store: put grant %q of org %q: %w", g.ID, g.Org, err)
	}
	return nil
}

func (t *Tx) DeleteGrant(org, id string) error {
	return t.execOne(fmt.Sprintf("delete grant %q of org %q", id, org),
		`DELETE FROM grants WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) DeleteGrantsOfSubject(org string, s domain.Subject) ([]domain.Grant, error) {
	gs, err := list(t, fmt.Sprintf("delete grants of %s in org %q", s, org), scanGrant,
		`DELETE FROM grants WHERE org = $1 AND subject_kind = $2 AND subject_id = $3 RETURNING `+grantCols,
		org, int(s.Kind), s.ID)
	// RETURNING promises no order; callers audit these, so make it stable.
	sort.Slice(gs, func(i, j int) bool { return gs[i].ID < gs[j].ID })
	return gs, err
}

func (t *Tx) GetGrant(org, id string) (domain.Grant, error) {
	return get(t, fmt.Sprintf("grant %q of org %q", id, org), scanGrant,
		`SELECT `+grantCols+` FROM grants WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) ListGrants(org string, f store.GrantFilter, after string, limit int) ([]domain.Grant, string, error) {
	args := []any{org, after}
	q := `SELECT ` + grantCols + ` FROM grants WHERE org = $1 AND id > $2`
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !f.Subject.IsZero() {
		q += ` AND subject_kind = ` + arg(int(f.Subject.Kind)) + ` AND subject_id = ` + arg(f.Subject.ID)
	}
	if f.Scope.Kind != 0 {
		q += ` AND scope_kind = ` + arg(int(f.Scope.Kind)) + ` AND scope_type = ` + arg(f.Scope.Type) +
			` AND scope_id = ` + arg(f.Scope.ID)
	}
	switch f.State {
	case store.ActiveGrant:
		q += ` AND (expires_at IS NULL OR expires_at > ` + arg(t.tm(f.At)) + `)`
	case store.ExpiredGrant:
		q += ` AND expires_at <= ` + arg(t.tm(f.At))
	}
	q += ` ORDER BY id`
	if limit > 0 {
		q += ` LIMIT ` + arg(fetch(limit))
	}
	items, err := list(t, fmt.Sprintf("list grants of org %q", org), scanGrant, q, args...)
	if err != nil {
		return nil, "", err
	}
	items, next := page(items, limit, func(g domain.Grant) string { return g.ID })
	return items, next, nil
}
