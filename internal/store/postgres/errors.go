package postgres

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gatehouse/gatehouse/internal/store"
)

// SQLSTATE codes the store gives meaning to.
const (
	uniqueViolation      = "23505"
	foreignKeyViolation  = "23503"
	serializationFailure = "40001"
	deadlockDetected     = "40P01"
)

// mapErr gives constraint violations their store meaning and keeps the
// driver error in the chain, where retryable still finds its code.
func mapErr(err error) error {
	var pg *pgconn.PgError
	if !errors.As(err, &pg) {
		return err
	}
	switch pg.Code {
	case uniqueViolation:
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	case foreignKeyViolation:
		return fmt.Errorf("%w: a record it refers to does not exist: %w", store.ErrNotFound, err)
	}
	return err
}

// retryable reports whether PostgreSQL aborted the transaction only to
// break a tie, so running it again can succeed.
func retryable(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (pg.Code == serializationFailure || pg.Code == deadlockDetected)
}
