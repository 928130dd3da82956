package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const tokenCols = `id, org, user_id, name, prefix, hash, created_at, expires_at, last_used_at`

func scanToken(s scanner) (domain.PersonalToken, error) {
	var v domain.PersonalToken
	return v, s.Scan(&v.ID, &v.Org, &v.UserID, &v.Name, &v.Prefix, &v.Hash, ts(&v.CreatedAt), ts(&v.ExpiresAt), ts(&v.LastUsedAt))
}

func (t *Tx) PutToken(p domain.PersonalToken) error {
	if len(p.Hash) == 0 || p.ID == "" {
		return fmt.Errorf("store: put token: empty hash or id")
	}
	_, err := t.exec(`INSERT INTO personal_tokens (`+tokenCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		p.ID, p.Org, p.UserID, p.Name, p.Prefix, p.Hash, t.tm(p.CreatedAt), t.tm(p.ExpiresAt), t.tm(p.LastUsedAt))
	if err != nil {
		return fmt.Errorf("store: put token %q of user %q in org %q: %w", p.ID, p.UserID, p.Org, err)
	}
	return nil
}

func (t *Tx) DeleteToken(id string) error {
	return t.execOne(fmt.Sprintf("delete token %q", id), `DELETE FROM personal_tokens WHERE id = $1`, id)
}

func (t *Tx) GetToken(id string) (domain.PersonalToken, error) {
	return get(t, fmt.Sprintf("token %q", id), scanToken, `SELECT `+tokenCols+` FROM personal_tokens WHERE id = $1`, id)
}

func (t *Tx) GetTokenByHash(hash []byte) (domain.PersonalToken, error) {
	if len(hash) == 0 {
		return domain.PersonalToken{}, fmt.Errorf("store: token by hash: %w", store.ErrNotFound)
	}
	return get(t, "token by hash", scanToken, `SELECT `+tokenCols+` FROM personal_tokens WHERE hash = $1`, hash)
}

func (t *Tx) ListTokensOfUser(userID string) ([]domain.PersonalToken, error) {
	return list(t, fmt.Sprintf("tokens of user %q", userID), scanToken,
		`SELECT `+tokenCols+` FROM personal_tokens WHERE user_id = $1 ORDER BY pos`, userID)
}

// TouchToken sets last_used_at alone, and never moves it back.
func (t *Tx) TouchToken(id string, at time.Time) error {
	_, err := t.exec(`UPDATE personal_tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`,
		id, t.tm(at))
	if err != nil {
		return fmt.Errorf("store: touch token: %w", err)
	}
	return nil
}
