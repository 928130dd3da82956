package sqlstore

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const keyCols = `org, id, name, prefix, hash, prev_hash, prev_until, created_by, created_at,
	expires_at, last_used_at, revoked_at, owner`

func scanKey(s scanner) (domain.KeyRecord, error) {
	var k domain.KeyRecord
	return k, s.Scan(&k.Org, &k.ID, &k.Name, &k.Prefix, &k.Hash, &k.PrevHash, ts(&k.PrevUntil),
		&k.CreatedBy, ts(&k.CreatedAt), ts(&k.ExpiresAt), ts(&k.LastUsedAt), ts(&k.RevokedAt), &k.Owner)
}

// bytesOrNull binds an empty hash as NULL, so "no previous secret" never
// matches a lookup and never collides in a unique index.
func bytesOrNull(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return b
}

func (t *Tx) PutKey(k domain.KeyRecord) error {
	_, err := t.exec(`INSERT INTO api_keys (`+keyCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (org, id) DO UPDATE SET name = excluded.name, prefix = excluded.prefix, hash = excluded.hash,
			prev_hash = excluded.prev_hash, prev_until = excluded.prev_until, created_by = excluded.created_by,
			created_at = excluded.created_at, expires_at = excluded.expires_at,
			last_used_at = excluded.last_used_at, revoked_at = excluded.revoked_at, owner = excluded.owner`,
		k.Org, k.ID, k.Name, k.Prefix, bytesOrNull(k.Hash), bytesOrNull(k.PrevHash), t.tm(k.PrevUntil),
		k.CreatedBy, t.tm(k.CreatedAt), t.tm(k.ExpiresAt), t.tm(k.LastUsedAt), t.tm(k.RevokedAt), k.Owner)
	if err != nil {
		return fmt.Errorf("store: put key %q of org %q: %w", k.ID, k.Org, err)
	}
	return nil
}

// TouchKey sets last_used_at alone, so it cannot undo a concurrent rotation
// or revocation the way writing the whole record back would.
func (t *Tx) TouchKey(org, id string, at time.Time) error {
	return t.execOne(fmt.Sprintf("touch key %q of org %q", id, org),
		`UPDATE api_keys SET last_used_at = $3 WHERE org = $1 AND id = $2`, org, id, t.tm(at))
}

func (t *Tx) GetKey(org, id string) (domain.KeyRecord, error) {
	return get(t, fmt.Sprintf("key %q of org %q", id, org), scanKey,
		`SELECT `+keyCols+` FROM api_keys WHERE org = $1 AND id = $2`, org, id)
}

func (t *Tx) GetKeyByHash(hash []byte, now time.Time) (domain.KeyRecord, bool, error) {
	if len(hash) == 0 {
		return domain.KeyRecord{}, false, fmt.Errorf("store: key by hash: %w", store.ErrNotFound)
	}
	k, err := get(t, "key by hash", scanKey, `SELECT `+keyCols+` FROM api_keys WHERE hash = $1`, hash)
	if !errors.Is(err, store.ErrNotFound) {
		return k, false, err
	}
	k, err = get(t, "key by hash", scanKey,
		`SELECT `+keyCols+` FROM api_keys WHERE prev_hash = $1 AND prev_until > $2 ORDER BY pos LIMIT 1`,
		hash, t.tm(now))
	return k, err == nil, err
}

func (t *Tx) ListKeys(org string, f store.KeyFilter, after string, limit int) ([]domain.KeyRecord, string, error) {
	where, args := t.keyWhere(org, f)
	if after != "" {
		// The cursor is a key id; keys are never deleted, only revoked, so
		// it always names a row.
		args = append(args, after)
		n := strconv.Itoa(len(args))
		where += ` AND pos > (SELECT c.pos FROM api_keys c WHERE c.org = $1 AND c.id = $` + n + `)`
	}
	q := `SELECT ` + keyCols + ` FROM api_keys WHERE ` + where + ` ORDER BY pos`
	if limit > 0 {
		args = append(args, fetch(limit))
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	keys, err := list(t, fmt.Sprintf("list keys of org %q", org), scanKey, q, args...)
	if err != nil {
		return nil, "", err
	}
	keys, next := page(keys, limit, func(k domain.KeyRecord) string { return k.ID })
	return keys, next, nil
}

func (t *Tx) CountKeys(org string, f store.KeyFilter) (int, error) {
	where, args := t.keyWhere(org, f)
	var n int
	err := t.one(fmt.Sprintf("count keys of org %q", org), `SELECT COUNT(*) FROM api_keys WHERE `+where, args, &n)
	return n, err
}

func (t *Tx) keyWhere(org string, f store.KeyFilter) (string, []any) {
	where, args := `org = $1`, []any{org}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Owner != "" {
		where += ` AND owner = ` + arg(f.Owner)
	}
	switch f.State {
	case store.UnrevokedKey:
		where += ` AND revoked_at IS NULL`
	case store.RevokedKey:
		where += ` AND revoked_at IS NOT NULL`
	case store.LiveKey:
		where += ` AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ` + arg(t.tm(f.At)) + `)`
	case store.ExpiredKey:
		where += ` AND revoked_at IS NULL AND expires_at <= ` + arg(t.tm(f.At))
	}
	if f.Search != "" {
		p := arg(keyLike(f.Search))
		where += ` AND (LOWER(name) LIKE ` + p + ` ESCAPE '\' OR LOWER(prefix) LIKE ` + p + ` ESCAPE '\')`
	}
	if !f.UnusedSince.IsZero() {
		where += ` AND (last_used_at IS NULL OR last_used_at < ` + arg(t.tm(f.UnusedSince)) + `)`
	}
	if !f.ExpiresBefore.IsZero() {
		where += ` AND expires_at < ` + arg(t.tm(f.ExpiresBefore))
	}
	return where, args
}
