package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/internal/sqlstore"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// DB is a store.Store on one SQLite file.
type DB struct {
	w   *sql.DB // the one write connection
	r   *sql.DB // read-only connections
	cfg *sqlstore.Config
}

var _ store.Store = (*DB)(nil)

// busyTimeout is how long a connection waits for a lock held by another
// process (a backup, the CLI) before giving up.
const busyTimeout = 10 * time.Second

// New opens (creating if needed) the database at path and migrates it.
// An in-memory database is not supported: each connection would get its own.
func New(ctx context.Context, path string, opts store.Options) (*DB, error) {
	if opts.Sealer == nil {
		return nil, errors.New("sqlite: Options.Sealer is required")
	}
	// The driver splits its parameters off at the first '?'.
	if path == "" || strings.ContainsRune(path, '?') || strings.HasPrefix(path, ":memory:") ||
		strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: unsupported database path %q: want a plain file path", path)
	}
	// The file holds password hashes and key hashes: readable by its owner
	// only. SQLite gives the -wal and -shm files the same mode.
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	common := fmt.Sprintf("_pragma=busy_timeout(%d)&_pragma=foreign_keys(1)", busyTimeout.Milliseconds())
	// synchronous=FULL: a commit that returned survives power loss, which
	// the revision handed to the client promises.
	w, err := open(path + "?" + common +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	// One connection makes writers queue in-process, and _txlock=immediate
	// takes the write lock at BEGIN, so a transaction never fails midway
	// upgrading a read lock.
	w.SetMaxOpenConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, err
	}
	r, err := open(path + "?" + common + "&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(max(4, runtime.GOMAXPROCS(0)))
	r.SetMaxIdleConns(max(4, runtime.GOMAXPROCS(0)))
	db := &DB{w: w, r: r, cfg: &sqlstore.Config{
		Dialect: sqlstore.Dialect{Time: func(t time.Time) any { return t.UnixMicro() }, Err: mapErr},
		Sealer:  opts.Sealer,
	}}
	return db, nil
}

// createPrivate creates the database file with mode 0600 unless it exists.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	return f.Close()
}

func open(dsn string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open: %w", err)
	}
	return db, nil
}

func (db *DB) Update(ctx context.Context, fn func(store.Tx) error) (int64, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("sqlite: begin: %w", mapErr(err))
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	rev, err := sqlstore.Update(ctx, querier{tx}, db.cfg, fn)
	if err != nil {
		return 0, err
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("sqlite: commit: %w", mapErr(err))
	}
	return rev, nil
}

func (db *DB) View(ctx context.Context, fn func(store.Reader) error) error {
	// A read transaction in WAL mode sees the database as of its first
	// read, for every statement after: one consistent state.
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("sqlite: begin: %w", mapErr(err))
	}
	defer tx.Rollback() //nolint:errcheck // read-only: nothing to keep
	return fn(sqlstore.NewReader(ctx, querier{tx}, db.cfg))
}

func (db *DB) TouchKey(ctx context.Context, org, id string, at time.Time) error {
	return sqlstore.NewReader(ctx, querier{db.w}, db.cfg).TouchKey(org, id, at)
}

// TouchSession, like TouchKey, is one single-row update outside any
// transaction of ours, so authenticating never queues behind writers.
func (db *DB) TouchSession(ctx context.Context, tokenHash []byte, at time.Time) error {
	return sqlstore.NewReader(ctx, querier{db.w}, db.cfg).TouchSession(tokenHash, at)
}

// TouchToken, like TouchSession, is one single-row update outside any
// transaction of ours.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	return sqlstore.NewReader(ctx, querier{db.w}, db.cfg).TouchToken(id, at)
}

// TouchSCIMToken, like TouchToken, is one single-row update outside any
// transaction of ours.
func (db *DB) TouchSCIMToken(ctx context.Context, id string, at time.Time) error {
	return sqlstore.NewReader(ctx, querier{db.w}, db.cfg).TouchSCIMToken(id, at)
}

func (db *DB) PruneChanges(ctx context.Context, beforeRevision int64) error {
	return sqlstore.NewReader(ctx, querier{db.w}, db.cfg).PruneChanges(beforeRevision)
}

// Close closes both pools; it waits for nothing in flight.
func (db *DB) Close() error {
	return errors.Join(db.r.Close(), db.w.Close())
}
