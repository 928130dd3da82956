package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/internal/sqlstore"
)

// DB is a store.Store on a PostgreSQL database.
type DB struct {
	pool *pgxpool.Pool
	cfg  *sqlstore.Config
}

var (
	_ store.Store    = (*DB)(nil)
	_ store.Notifier = (*DB)(nil)
)

// New connects to url (a postgres:// URL or a key=value DSN), migrates the
// schema and returns a store. Replicas may call it at the same time: the
// migration holds an advisory lock.
func New(ctx context.Context, url string, opts store.Options) (*DB, error) {
	if opts.Sealer == nil {
		return nil, errors.New("postgres: Options.Sealer is required")
	}
	if err := migrate(ctx, url); err != nil {
		return nil, err
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	return &DB{pool: pool, cfg: &sqlstore.Config{
		Dialect: sqlstore.Dialect{Time: func(t time.Time) any { return t }, Err: mapErr},
		Sealer:  opts.Sealer,
	}}, nil
}

// maxAttempts bounds retries of a transaction PostgreSQL aborted to break a
// deadlock or a serialization conflict. Writers queue on the revision
// counter, so these are rare; a handful of attempts is plenty.
const maxAttempts = 5

func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) (int64, error) {
	var err error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		var rev int64
		rev, err = db.update(ctx, fn)
		if err == nil {
			return rev, nil
		}
		if !retryable(err) {
			return 0, err
		}
		// Back off a little, more each time, so the transactions that
		// collided do not collide again in lockstep.
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(time.Duration(attempt*attempt) * 5 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("postgres: gave up after %d attempts: %w", maxAttempts, err)
}

// update is one attempt. Read committed is enough: every writer first
// takes the counter row's lock and so runs alone, and each statement after
// that sees everything committed before.
func (db *DB) update(ctx context.Context, fn func(store.Tx) error) (int64, error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return 0, fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // after Commit it is a no-op
	rev, err := sqlstore.Update(ctx, querier{tx}, db.cfg, fn)
	if err != nil {
		return 0, err
	}
	// Delivered at commit, to every replica listening (see Notifications).
	if _, err := tx.Exec(ctx, "SELECT pg_notify($1, $2)", notifyChannel, fmt.Sprint(rev)); err != nil {
		return 0, fmt.Errorf("postgres: notify: %w", mapErr(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("postgres: commit: %w", mapErr(err))
	}
	return rev, nil
}

// View uses repeatable read so every statement of fn sees the same
// snapshot: a Snapshot's revision then matches its records exactly.
func (db *DB) View(ctx context.Context, fn func(store.Reader) error) error {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("postgres: begin: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // read-only: nothing to keep
	return fn(sqlstore.NewReader(ctx, querier{tx}, db.cfg))
}

// TouchKey runs outside any transaction of ours: a single-row update that
// takes no lock on the revision counter, so it never waits behind writers.
func (db *DB) TouchKey(ctx context.Context, org, id string, at time.Time) error {
	return sqlstore.NewReader(ctx, querier{db.pool}, db.cfg).TouchKey(org, id, at)
}

// TouchSession, like TouchKey, is one single-row update outside any
// transaction of ours, so authenticating never queues behind writers.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	return sqlstore.NewReader(ctx, querier{db.pool}, db.cfg).TouchSession(tokenHash, at)
}

// TouchToken, like TouchSession, is one single-row update outside any
// transaction of ours.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	return sqlstore.NewReader(ctx, querier{db.pool}, db.cfg).TouchToken(id, at)
}

// TouchSCIMToken, like TouchToken, is one single-row update outside any
// transaction of ours.
func (db *DB) TouchSCIMToken(ctx context.Context, id string, at time.Time) error {
	return sqlstore.NewReader(ctx, querier{db.pool}, db.cfg).TouchSCIMToken(id, at)
}

func (db *DB) PruneChanges(ctx context.Context, beforeRevision int64) error {
	return sqlstore.NewReader(ctx, querier{db.pool}, db.cfg).PruneChanges(beforeRevision)
}

// Close waits for connections in use to be released, then closes them.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// notifyChannel carries one notification per committed revision.
const notifyChannel = "gatehouse_changes"

// Notifications delivers a signal after any process commits a write to this
// database, so replicas apply each other's changes at once rather than at
// their next poll. Signals coalesce; the channel closes when ctx ends. A
// lost connection is re-established; the poll covers the gap.
func (db *DB) Notifications(ctx context.Context) (<-chan struct{}, error) {
	conn, err := db.listen(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan struct{}, 1)
	go func() {
		defer close(out)
		for {
			if conn == nil {
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Second):
				}
				if conn, err = db.listen(ctx); err != nil {
					conn = nil
					continue
				}
			}
			_, err := conn.Conn().WaitForNotification(ctx)
			if err != nil {
				conn.Release()
				conn = nil
				if ctx.Err() != nil {
					return
				}
				continue
			}
			select {
			case out <- struct{}{}:
			default:
			}
		}
	}()
	return out, nil
}

func (db *DB) listen(ctx context.Context) (*pgxpool.Conn, error) {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+notifyChannel); err != nil {
		conn.Release()
		return nil, err
	}
	return conn, nil
}
