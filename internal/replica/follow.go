package replica

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// follower applies the changelog to the engine in revision order. It is the
// only writer of the engine, for this process's writes and other replicas'
// alike, so the engine never applies an older change after a newer one.
type follower struct {
	r        *Replica
	interval time.Duration
	wake     chan struct{}
	cancel   context.CancelFunc
	done     chan struct{}
	once     sync.Once
	pruned   time.Time
}

const followBatch = 1000

func newFollower(r *Replica, interval time.Duration) *follower {
	if interval <= 0 {
		interval = time.Second
	}
	return &follower{r: r, interval: interval, wake: make(chan struct{}, 1), done: make(chan struct{})}
}

// kick wakes the follower without blocking.
func (f *follower) kick() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

func (f *follower) start(from int64) {
	f.once.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		f.cancel = cancel
		f.r.engine.Advance(from)
		go f.run(ctx, from)
	})
}

func (f *follower) stop() {
	if f.cancel != nil {
		f.cancel()
		<-f.done
	}
}

func (f *follower) run(ctx context.Context, applied int64) {
	defer close(f.done)
	var notes <-chan struct{}
	if n, ok := f.r.store.(store.Notifier); ok {
		if ch, err := n.Notifications(ctx); err == nil {
			notes = ch
		} else {
			f.r.log.Warn("changelog notifications unavailable; polling", "err", err)
		}
	}
	tick := time.NewTicker(f.interval)
	defer tick.Stop()
	for {
		for {
			next, more, err := f.step(ctx, applied)
			if err != nil {
				if ctx.Err() == nil {
					f.r.log.Error("follow changelog", "after", applied, "err", err)
				}
				break
			}
			applied = next
			if !more {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-f.wake:
		case <-notes:
		case <-tick.C:
		}
	}
}

// step applies the change sets after applied and returns the revision the
// engine now stands at. Reading the current revision and the changes in one
// consistent view matters: revisions commit in order, so every revision up
// to the current one is either in the changelog or changed nothing.
func (f *follower) step(ctx context.Context, applied int64) (int64, bool, error) {
	var cur, pruned int64
	var sets []store.ChangeSet
	err := f.r.store.View(ctx, func(rd store.Reader) error {
		var err error
		cur, pruned, sets, err = readChangelog(rd, applied)
		return err
	})
	if err != nil {
		return applied, false, err
	}
	if applied+1 < pruned {
		// Fell behind the pruned changelog: what is missing can only come
		// from snapshots.
		f.r.log.Warn("changelog pruned past this replica; rebuilding from snapshots", "applied", applied, "pruned_before", pruned)
		if err := f.r.loadAll(ctx); err != nil {
			return applied, false, err
		}
		f.r.engine.Advance(cur)
		return cur, false, nil
	}
	f.prune(ctx, cur)
	for _, cs := range sets {
		f.apply(ctx, cs)
		applied = cs.Revision
	}
	more := len(sets) == followBatch
	if !more && cur > applied {
		applied = cur
	}
	f.r.engine.Advance(applied)
	return applied, more, nil
}

// readChangelog reads what step needs in one view.
func readChangelog(rd store.ChangelogReader, applied int64) (cur, pruned int64, sets []store.ChangeSet, err error) {
	if cur, err = rd.CurrentRevision(); err != nil {
		return
	}
	if pruned, err = rd.PrunedBefore(); err != nil {
		return
	}
	sets, err = rd.ChangesSince(applied, followBatch)
	return
}

// prune keeps the changelog to the configured number of revisions, at most
// once a minute. Every replica may do it: a replica that falls behind the
// mark rebuilds from snapshots.
func (f *follower) prune(ctx context.Context, cur int64) {
	keep := f.r.cfg.ChangelogRetention
	if keep <= 0 || cur <= keep || time.Since(f.pruned) < time.Minute {
		return
	}
	f.pruned = time.Now()
	if err := f.r.store.PruneChanges(ctx, cur-keep); err != nil {
		f.r.log.Warn("prune changelog", "err", err)
	}
}

func (f *follower) apply(ctx context.Context, cs store.ChangeSet) {
	schemeID := ""
	if _, err := f.r.engine.Org(cs.Org); errors.Is(err, authz.ErrUnknownOrg) {
		o, err := store.Read(ctx, f.r.store, func(rd store.Reader) (domain.Org, error) { return rd.GetOrg(cs.Org) })
		if err != nil {
			f.r.log.Error("follow changelog: org", "org", cs.Org, "err", err)
			return
		}
		schemeID = o.Scheme
	}
	if err := f.r.engine.Apply(cs.Org, schemeID, cs.Revision, cs.Changes); err != nil {
		// The store is the truth: an index that disagrees is rebuilt.
		f.r.log.Error("apply change set; reloading org", "org", cs.Org, "revision", cs.Revision, "err", err)
		if err := f.r.loadOrg(ctx, cs.Org); err != nil {
			f.r.log.Error("reload org", "org", cs.Org, "err", err)
		}
	}
}
