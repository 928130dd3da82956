package sqlstore

import (
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
)

const userCols = `id, email, name, password_hash, created_at, last_login_at`

func scanUser(s scanner) (domain.UserRecord, error) {
	var u domain.UserRecord
	return u, s.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, ts(&u.CreatedAt), ts(&u.LastLoginAt))
}

// emailKey is what makes emails unique: domain.NormalizeEmail, the form the
// use cases compare. It is computed here rather than with SQL lower(), which
// in SQLite folds only ASCII and so would disagree with PostgreSQL about the
// same address.
func emailKey(email string) string { return domain.NormalizeEmail(email) }

func (t *Tx) CreateUser(u domain.UserRecord) error {
	_, err := t.exec(`INSERT INTO users (id, email, email_key, name, password_hash, created_at, last_login_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		u.ID, u.Email, emailKey(u.Email), u.Name, u.PasswordHash, t.tm(u.CreatedAt), t.tm(u.LastLoginAt))
	if err != nil {
		return fmt.Errorf("store: create user %q: %w", u.ID, err)
	}
	return nil
}

func (t *Tx) UpdateUser(u domain.UserRecord) error {
	return t.execOne(fmt.Sprintf("update user %q", u.ID),
		`UPDATE users SET name = $2, password_hash = $3, last_login_at = $4 WHERE id = $1`,
		u.ID, u.Name, u.PasswordHash, t.tm(u.LastLoginAt))
}

func (t *Tx) GetUser(id string) (domain.UserRecord, error) {
	return get(t, fmt.Sprintf("user %q", id), scanUser,
		`SELECT `+userCols+` FROM users WHERE id = $1`, id)
}

func (t *Tx) GetUserByEmail(email string) (domain.UserRecord, error) {
	return get(t, "user by email", scanUser,
		`SELECT `+userCols+` FROM users WHERE email_key = $1`, emailKey(email))
}
