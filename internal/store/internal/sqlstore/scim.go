package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const scimTokenCols = `id, org, created_by, name, prefix, hash, role, created_at, last_used_at`

func scanSCIMToken(s scanner) (domain.SCIMToken, error) {
	var v domain.SCIMToken
	return v, s.Scan(&v.ID, &v.Org, &v.CreatedBy, &v.Name, &v.Prefix, &v.Hash, &v.Role, ts(&v.CreatedAt), ts(&v.LastUsedAt))
}

func (t *Tx) PutSCIMToken(p domain.SCIMToken) error {
	if len(p.Hash) == 0 || p.ID == "" {
		return fmt.Errorf("store: put SCIM token: empty hash or id")
	}
	_, err := t.exec(`INSERT INTO scim_tokens (`+scimTokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.ID, p.Org, p.CreatedBy, p.Name, p.Prefix, p.Hash, p.Role, t.tm(p.CreatedAt), t.tm(p.LastUsedAt))
	if err != nil {
		return fmt.Errorf("store: put SCIM token %q in org %q: %w", p.ID, p.Org, err)
	}
	return nil
}

func (t *Tx) DeleteSCIMToken(id string) error {
	return t.execOne(fmt.Sprintf("delete SCIM token %q", id), `DELETE FROM scim_tokens WHERE id = $1`, id)
}

func (t *Tx) GetSCIMToken(id string) (domain.SCIMToken, error) {
	return get(t, fmt.Sprintf("SCIM token %q", id), scanSCIMToken, `SELECT `+scimTokenCols+` FROM scim_tokens WHERE id = $1`, id)
}

func (t *Tx) GetSCIMTokenByHash(hash []byte) (domain.SCIMToken, error) {
	if len(hash) == 0 {
		return domain.SCIMToken{}, fmt.Errorf("store: SCIM token by hash: %w", store.ErrNotFound)
	}
	return get(t, "SCIM token by hash", scanSCIMToken, `SELECT `+scimTokenCols+` FROM scim_tokens WHERE hash = $1`, hash)
}

func (t *Tx) ListSCIMTokens(org string) ([]domain.SCIMToken, error) {
	return list(t, fmt.Sprintf("SCIM tokens of org %q", org), scanSCIMToken,
		`SELECT `+scimTokenCols+` FROM scim_tokens WHERE org = $1 ORDER BY pos`, org)
}

// TouchSCIMToken sets last_used_at alone, and never moves it back.
func (t *Tx) TouchSCIMToken(id string, at time.Time) error {
	_, err := t.exec(`UPDATE scim_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`,
		id, t.tm(at))
	if err != nil {
		return fmt.Errorf("store: touch SCIM token: %w", err)
	}
	return nil
}

func (t *Tx) SCIMUsers(org string) (map[string]domain.SCIMRecord, error) {
	return t.scimRecords(org, "scim_users", "user_id")
}

func (t *Tx) SCIMGroups(org string) (map[string]domain.SCIMRecord, error) {
	return t.scimRecords(org, "scim_groups", "group_id")
}

// scimRecords reads one of the two record tables; table and col are
// constants of this file, never input.
func (t *Tx) scimRecords(org, table, col string) (map[string]domain.SCIMRecord, error) {
	type row struct {
		id    string
		r     domain.SCIMRecord
		attrs string
	}
	rows, err := list(t, fmt.Sprintf("%s of org %q", table, org), func(s scanner) (row, error) {
		var r row
		return r, s.Scan(&r.id, &r.r.ExternalID, &r.attrs)
	}, `SELECT `+col+`, external_id, attributes FROM `+table+` WHERE org = $1`, org)
	if err != nil {
		return nil, err
	}
	out := make(map[string]domain.SCIMRecord, len(rows))
	for _, r := range rows {
		r.r.Attributes = []byte(r.attrs)
		out[r.id] = r.r
	}
	return out, nil
}

func (t *Tx) SetSCIMUser(org, userID string, r domain.SCIMRecord) error {
	return t.setSCIMRecord(org, "scim_users", "user_id", userID, r)
}

func (t *Tx) SetSCIMGroup(org, groupID string, r domain.SCIMRecord) error {
	return t.setSCIMRecord(org, "scim_groups", "group_id", groupID, r)
}

func (t *Tx) setSCIMRecord(org, table, col, id string, r domain.SCIMRecord) error {
	attrs := string(r.Attributes)
	if attrs == "" {
		attrs = "{}"
	}
	_, err := t.exec(`INSERT INTO `+table+` (org, `+col+`, external_id, attributes) VALUES ($1, $2, $3, $4)
		ON CONFLICT (org, `+col+`) DO UPDATE SET external_id = excluded.external_id, attributes = excluded.attributes`,
		org, id, r.ExternalID, attrs)
	if err != nil {
		return fmt.Errorf("store: set SCIM record of %q in org %q: %w", id, org, err)
	}
	return nil
}
