package sqlstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Tx implements store.Tx over a Querier that is already inside a database
// transaction; the backend begins, commits and rolls back.
type Tx struct {
	ctx context.Context
	q   Querier
	cfg *Config
	rev int64

	// failed is the first database error. PostgreSQL aborts a transaction
	// on any failed statement while SQLite carries on; refusing every later
	// statement makes both behave alike, and Update will not commit a
	// transaction whose fn swallowed the error.
	failed error

	// Changes wait in memory until fn has succeeded, so a changelog row is
	// written once per organization and only for work that commits.
	changes  []store.ChangeSet
	orgIndex map[string]int
}

var _ store.Tx = (*Tx)(nil)

// NewReader wraps a read-only transaction.
func NewReader(ctx context.Context, q Querier, cfg *Config) *Tx {
	return &Tx{ctx: ctx, q: q, cfg: cfg}
}

// Update runs fn inside the caller's open transaction: it allocates the
// revision first, then runs fn, then writes the changelog. The caller
// commits when Update returns no error.
//
// Bumping the counter row before anything else makes it the first lock every
// writer takes. Writers therefore queue on it in one order, which is what
// makes commit order equal revision order, and no writer can hold a row
// another one needs while waiting for the counter (no deadlocks).
func Update(ctx context.Context, q Querier, cfg *Config, fn func(store.Tx) error) (int64, error) {
	if cfg.Sealer == nil {
		return 0, errors.New("store: no audit Sealer configured")
	}
	t := &Tx{ctx: ctx, q: q, cfg: cfg}
	if err := t.one("allocate revision",
		`UPDATE revision_counter SET value = value + 1 WHERE id = 1 RETURNING value`,
		nil, &t.rev); err != nil {
		return 0, err
	}
	if err := fn(t); err != nil {
		return 0, err
	}
	if t.failed != nil {
		return 0, fmt.Errorf("store: a statement failed and fn carried on: %w", t.failed)
	}
	if err := t.flushChanges(); err != nil {
		return 0, err
	}
	return t.rev, nil
}

// Revision is the revision this transaction commits as; 0 in a reader.
func (t *Tx) Revision() int64 { return t.rev }

// mapErr translates a database error and remembers the first one.
func (t *Tx) mapErr(err error) error {
	if err == nil {
		return nil
	}
	if t.cfg.Dialect.Err != nil {
		err = t.cfg.Dialect.Err(err)
	}
	if t.failed == nil {
		t.failed = err
	}
	return err
}

// usable refuses statements after a failed one.
func (t *Tx) usable() error {
	if t.failed != nil {
		return fmt.Errorf("transaction failed earlier: %w", t.failed)
	}
	return nil
}

func (t *Tx) exec(query string, args ...any) (int64, error) {
	if err := t.usable(); err != nil {
		return 0, err
	}
	n, err := t.q.Exec(t.ctx, query, args...)
	return n, t.mapErr(err)
}

func (t *Tx) query(query string, args ...any) (Rows, error) {
	if err := t.usable(); err != nil {
		return nil, err
	}
	rows, err := t.q.Query(t.ctx, query, args...)
	return rows, t.mapErr(err)
}

// execOne runs a statement that must touch exactly one row, as an update or
// delete of a named record does; no row means the record is missing.
func (t *Tx) execOne(what, query string, args ...any) error {
	n, err := t.exec(query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	if n == 0 {
		return fmt.Errorf("store: %s: %w", what, store.ErrNotFound)
	}
	return nil
}

// one scans the single row of query into dest, or fails with ErrNotFound.
func (t *Tx) one(what, query string, args []any, dest ...any) error {
	rows, err := t.query(query, args...)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return fmt.Errorf("store: %s: %w", what, t.mapErr(err))
		}
		return fmt.Errorf("store: %s: %w", what, store.ErrNotFound)
	}
	if err := rows.Scan(dest...); err != nil {
		return fmt.Errorf("store: %s: %w", what, t.mapErr(err))
	}
	return nil
}

// scanner is one row, as Rows is while positioned on it.
type scanner interface{ Scan(dest ...any) error }

// list collects every row of query through scan.
func list[T any](t *Tx, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	return appendRows(t, nil, what, scan, query, args...)
}

// appendRows is list appending to out, which may have room for the rows
// already: growing a slice of a million records costs more than a count.
func appendRows[T any](t *Tx, out []T, what string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, err)
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("store: %s: %w", what, t.mapErr(err))
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, t.mapErr(err))
	}
	return out, nil
}

// get is one for a record with its own scan function.
func get[T any](t *Tx, what string, scan func(scanner) (T, error), query string, args ...any) (T, error) {
	items, err := list(t, what, scan, query, args...)
	var zero T
	if err != nil {
		return zero, err
	}
	if len(items) == 0 {
		return zero, fmt.Errorf("store: %s: %w", what, store.ErrNotFound)
	}
	return items[0], nil
}

func (t *Tx) AppendChanges(org string, changes []domain.Change) error {
	if len(changes) == 0 {
		return nil
	}
	if t.orgIndex == nil {
		t.orgIndex = map[string]int{}
	}
	i, ok := t.orgIndex[org]
	if !ok {
		i = len(t.changes)
		t.orgIndex[org] = i
		t.changes = append(t.changes, store.ChangeSet{Revision: t.rev, Org: org})
	}
	t.changes[i].Changes = append(t.changes[i].Changes, changes...)
	return nil
}

func (t *Tx) flushChanges() error {
	for _, cs := range t.changes {
		doc, err := jsonText(cs.Changes)
		if err != nil {
			return fmt.Errorf("store: encode changes of org %q: %w", cs.Org, err)
		}
		if _, err := t.exec(`INSERT INTO changelog (revision, org, changes) VALUES ($1, $2, $3)`,
			t.rev, cs.Org, doc); err != nil {
			return fmt.Errorf("store: write changelog: %w", err)
		}
	}
	return nil
}
