package sqlstore

import (
	"fmt"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const requestCols = `org, id, user_id, role, resource, reason, until_at, state, created_at,
	decided_by, decided_at, note, grant_id, grant_ends, revision`

func scanRequest(s scanner) (domain.AccessRequest, error) {
	var r domain.AccessRequest
	err := s.Scan(&r.Org, &r.ID, &r.UserID, &r.Role, &r.Resource, &r.Reason, ts(&r.Until), &r.State, ts(&r.CreatedAt),
		&r.DecidedBy, ts(&r.DecidedAt), &r.Note, &r.Grant, ts(&r.GrantEnds), &r.Revision)
	return r, err
}

func (t *Tx) PutAccessRequest(r domain.AccessRequest) error {
	_, err := t.exec(`INSERT INTO access_requests (`+requestCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (org, id) DO UPDATE SET user_id = excluded.user_id, role = excluded.role,
			resource = excluded.resource, reason = excluded.reason, until_at = excluded.until_at,
			state = excluded.state, created_at = excluded.created_at, decided_by = excluded.decided_by,
			decided_at = excluded.decided_at, note = excluded.note, grant_id = excluded.grant_id,
			grant_ends = excluded.grant_ends, revision = excluded.revision`,
		r.Org, r.ID, r.UserID, r.Role, r.Resource, r.Reason, t.tm(r.Until), r.State, t.tm(r.CreatedAt),
		r.DecidedBy, t.tm(r.DecidedAt), r.Note, r.Grant, t.tm(r.GrantEnds), r.Revision)
	if err != nil {
		return fmt.Errorf("store: put access request %q of org %q: %w", r.ID, r.Org, err)
	}
	return nil
}

func (t *Tx) GetAccessRequest(org, id string) (domain.AccessRequest, error) {
	return get(t, fmt.Sprintf("access request %q of org %q", id, org), scanRequest,
		`SELECT `+requestCols+` FROM access_requests WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) ListAccessRequests(org string, f store.RequestFilter, after string, limit int) ([]domain.AccessRequest, string, error) {
	where, args := `org = $1`, []any{org}
	add := func(col, v string) {
		if v != "" {
			args = append(args, v)
			where += ` AND ` + col + ` = $` + strconv.Itoa(len(args))
		}
	}
	add("state", f.State)
	add("user_id", f.UserID)
	add("resource", f.Resource)
	if after != "" {
		args = append(args, after)
		where += ` AND pos < (SELECT c.pos FROM access_requests c WHERE c.org = $1 AND c.id = $` + strconv.Itoa(len(args)) + `)`
	}
	q := `SELECT ` + requestCols + ` FROM access_requests WHERE ` + where + ` ORDER BY pos DESC`
	if limit > 0 {
		args = append(args, fetch(limit))
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	rs, err := list(t, fmt.Sprintf("list access requests of org %q", org), scanRequest, q, args...)
	if err != nil {
		return nil, "", err
	}
	rs, next := page(rs, limit, func(r domain.AccessRequest) string { return r.ID })
	return rs, next, nil
}
