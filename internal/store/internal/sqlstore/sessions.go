package sqlstore

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const sessionCols = `token_hash, user_id, created_at, expires_at`

func scanSession(s scanner) (domain.Session, error) {
	var v domain.Session
	return v, s.Scan(&v.TokenHash, &v.UserID, ts(&v.CreatedAt), ts(&v.ExpiresAt))
}

func (t *Tx) PutSession(s domain.Session) error {
	if len(s.TokenHash) == 0 {
		return fmt.Errorf("store: put session: empty token hash")
	}
	_, err := t.exec(`INSERT INTO sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4)
		ON CONFLICT (token_hash) DO UPDATE SET user_id = excluded.user_id, created_at = excluded.created_at,
			expires_at = excluded.expires_at`,
		s.TokenHash, s.UserID, t.tm(s.CreatedAt), t.tm(s.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: put session of user %q: %w", s.UserID, err)
	}
	return nil
}

func (t *Tx) GetSession(tokenHash []byte) (domain.Session, error) {
	if len(tokenHash) == 0 {
		return domain.Session{}, fmt.Errorf("store: session: %w", store.ErrNotFound)
	}
	return get(t, "session", scanSession, `SELECT `+sessionCols+` FROM sessions WHERE token_hash = $1`, tokenHash)
}

func (t *Tx) DeleteSession(tokenHash []byte) error {
	return t.execOne("delete session", `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
}

func (t *Tx) DeleteSessionsOfUser(userID string) error {
	if _, err := t.exec(`DELETE FROM sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("store: delete sessions of user %q: %w", userID, err)
	}
	return nil
}
