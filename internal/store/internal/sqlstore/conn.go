package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Querier is the part of a database transaction the queries need. Both
// *sql.Tx (through an adapter) and pgx.Tx fit it with little glue.
type Querier interface {
	Exec(ctx context.Context, query string, args ...any) (rowsAffected int64, err error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
}

// Rows is a result set; pgx.Rows satisfies it as is.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Dialect is what a backend contributes besides its connection.
type Dialect struct {
	// Time binds a timestamp column's value; it receives a non-zero UTC
	// time (zero times are bound as NULL before Time is asked).
	Time func(time.Time) any
	// Err translates a driver error, wrapping store.ErrConflict for unique
	// violations and store.ErrNotFound for foreign-key violations, and
	// returns other errors unchanged.
	Err func(error) error
}

// Config is everything a Tx needs besides its Querier.
type Config struct {
	Dialect Dialect
	Sealer  store.Sealer
}
