// Package replica keeps this process's decision engine in step with the
// store: it builds each organization's index from store snapshots, then
// follows the changelog in revision order, and lets callers wait until a
// revision is applied (read-your-writes, at_least_revision).
//
// Every server process is a replica, whether it runs alone on SQLite or
// beside others on one PostgreSQL database: the engine learns even this
// process's own writes from the changelog, so there is one writer of the
// engine and one order of changes for every process.
package replica

import (
	"context"
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Config sets up a Replica.
type Config struct {
	Store store.Store
	// Engine is the index to keep; nil makes a new one, which is what
	// every caller but a test with an engine of its own wants.
	Engine *authz.Engine
	Logger *slog.Logger
	// PollInterval is how often the changelog is read when nothing wakes
	// the follower (writes of this process and database notifications do).
	PollInterval time.Duration // default 1s
	// ConsistencyWait bounds how long AwaitRevision waits for this process
	// to apply a revision before answering 503.
	ConsistencyWait time.Duration // default 2s
	// ChangelogRetention is how many revisions of changelog to keep for
	// replicas that fall behind; 0 keeps everything.
	ChangelogRetention int64
}

// Replica owns the engine's state: only its follower writes to the engine.
type Replica struct {
	cfg      Config
	store    store.Store
	engine   *authz.Engine
	log      *slog.Logger
	follower *follower
}

// New returns a Replica. Call Load before answering from its engine.
func New(cfg Config) *Replica {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Engine == nil {
		cfg.Engine = authz.New()
	}
	if cfg.ConsistencyWait <= 0 {
		cfg.ConsistencyWait = 2 * time.Second
	}
	r := &Replica{cfg: cfg, store: cfg.Store, engine: cfg.Engine, log: cfg.Logger}
	r.follower = newFollower(r, cfg.PollInterval)
	return r
}

// Engine returns the decision engine the replica keeps up to date.
func (r *Replica) Engine() *authz.Engine { return r.engine }

// Load builds the engine's index of every organization from the store,
// then starts following the changelog from the revision the load began at.
// Changes committed meanwhile are applied again, which is harmless: every
// change states a result, not a step.
func (r *Replica) Load(ctx context.Context) error {
	var ids []string
	var from int64
	err := r.store.View(ctx, func(rd store.Reader) error {
		var err error
		if from, err = rd.CurrentRevision(); err != nil {
			return err
		}
		ids, err = rd.ListOrgIDs()
		return err
	})
	if err != nil {
		return err
	}
	if err := r.loadOrgs(ctx, ids); err != nil {
		return err
	}
	r.follower.start(from)
	return nil
}

// Close stops following the changelog.
func (r *Replica) Close() { r.follower.stop() }

// Committed tells the replica that this process committed revision rev and
// returns once the engine has applied it, so the writer reads its own
// write. The wait is bounded: past it the write stands, and a later
// request with at_least_revision waits for it.
func (r *Replica) Committed(ctx context.Context, rev int64) {
	r.follower.kick()
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.engine.WaitFor(wctx, rev); err != nil {
		r.log.Warn("write committed but not yet applied", "revision", rev, "err", err)
	}
}

// AwaitRevision never lets an answer come from state older than rev: it
// waits up to ConsistencyWait, and past the bound says 503 rather than
// give a stale decision.
func (r *Replica) AwaitRevision(ctx context.Context, rev int64) error {
	if rev <= 0 || r.engine.Revision() >= rev {
		return nil
	}
	// A revision nobody has written is the client's mistake, not a replica
	// behind: say so at once rather than after the wait.
	newest, err := r.newest(ctx)
	if err != nil {
		return err
	}
	if rev > newest {
		return fault.E(fault.Unprocessable, "at_least_revision %d has not been written: the newest revision is %d", rev, newest)
	}
	wctx, cancel := context.WithTimeout(ctx, r.cfg.ConsistencyWait)
	defer cancel()
	if err := r.engine.WaitFor(wctx, rev); err != nil {
		return &fault.Error{Code: fault.Unavailable, RetryAfter: time.Second,
			Msg: "this server has not yet applied the requested revision; retry"}
	}
	return nil
}

// Ready reports whether the store answers, with its newest revision: a
// replica whose database is gone cannot follow, so it must not be sent
// traffic.
func (r *Replica) Ready(ctx context.Context) (revision int64, err error) {
	return r.newest(ctx)
}

func (r *Replica) newest(ctx context.Context) (int64, error) {
	return store.Read(ctx, r.store, func(rd store.Reader) (int64, error) { return rd.CurrentRevision() })
}
