package sqlstore

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const sessionCols = `token_hash, id, user_id, created_at, expires_at, last_used_at, client_addr, user_agent, org`

func scanSession(s scanner) (domain.Session, error) {
	var v domain.Session
	return v, s.Scan(&v.TokenHash, &v.ID, &v.UserID, ts(&v.CreatedAt), ts(&v.ExpiresAt), ts(&v.LastUsedAt), &v.ClientAddr, &v.UserAgent, &v.Org)
}

func (t *Tx) PutSession(s domain.Session) error {
	if len(s.TokenHash) == 0 || s.ID == "" {
		return fmt.Errorf("store: put session: empty token hash or id")
	}
	_, err := t.exec(`INSERT INTO sessions (`+sessionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (token_hash) DO UPDATE SET id = excluded.id, user_id = excluded.user_id, created_at = excluded.created_at,
			expires_at = excluded.expires_at, last_used_at = excluded.last_used_at, client_addr = excluded.client_addr,
			user_agent = excluded.user_agent, org = excluded.org`,
		s.TokenHash, s.ID, s.UserID, t.tm(s.CreatedAt), t.tm(s.ExpiresAt), t.tm(s.LastUsedAt), s.ClientAddr, s.UserAgent, s.Org)
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

func (t *Tx) ListSessionsOfUser(userID string) ([]domain.Session, error) {
	return list(t, fmt.Sprintf("sessions of user %q", userID), scanSession,
		`SELECT `+sessionCols+` FROM sessions WHERE user_id = $1 ORDER BY created_at, id`, userID)
}

func (t *Tx) DeleteSession(tokenHash []byte) error {
	return t.execOne("delete session", `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
}

func (t *Tx) DeleteSessionsOfUser(userID string, keep []byte) (int, error) {
	if keep == nil {
		keep = []byte{} // matches no token hash
	}
	n, err := t.exec(`DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keep)
	if err != nil {
		return 0, fmt.Errorf("store: delete sessions of user %q: %w", userID, err)
	}
	return int(n), nil
}

// TouchSession sets last_used_at alone, and never moves it back.
func (t *Tx) TouchSession(tokenHash []byte, at time.Time) error {
	_, err := t.exec(`UPDATE sessions SET last_used_at = $2 WHERE token_hash = $1 AND (last_used_at IS NULL OR last_used_at < $2)`,
		tokenHash, t.tm(at))
	if err != nil {
		return fmt.Errorf("store: touch session: %w", err)
	}
	return nil
}

const resetCols = `token_hash, user_id, created_at, expires_at`

func scanReset(s scanner) (domain.PasswordReset, error) {
	var v domain.PasswordReset
	return v, s.Scan(&v.TokenHash, &v.UserID, ts(&v.CreatedAt), ts(&v.ExpiresAt))
}

func (t *Tx) PutPasswordReset(r domain.PasswordReset) error {
	if len(r.TokenHash) == 0 {
		return fmt.Errorf("store: put password reset: empty token hash")
	}
	_, err := t.exec(`INSERT INTO password_resets (`+resetCols+`) VALUES ($1, $2, $3, $4)`,
		r.TokenHash, r.UserID, t.tm(r.CreatedAt), t.tm(r.ExpiresAt))
	if err != nil {
		return fmt.Errorf("store: put password reset of user %q: %w", r.UserID, err)
	}
	return nil
}

func (t *Tx) GetPasswordReset(tokenHash []byte) (domain.PasswordReset, error) {
	if len(tokenHash) == 0 {
		return domain.PasswordReset{}, fmt.Errorf("store: password reset: %w", store.ErrNotFound)
	}
	return get(t, "password reset", scanReset, `SELECT `+resetCols+` FROM password_resets WHERE token_hash = $1`, tokenHash)
}

func (t *Tx) DeletePasswordResetsOfUser(userID string) error {
	if _, err := t.exec(`DELETE FROM password_resets WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("store: delete password resets of user %q: %w", userID, err)
	}
	return nil
}
