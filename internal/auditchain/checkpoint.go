package auditchain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// CheckpointConfig sets up a Checkpointer.
type CheckpointConfig struct {
	Store store.Store
	Key   *audit.Key
	Path  string // the checkpoints file, appended to
	// Known are the checkpoints the file already holds (LoadCheckpoints):
	// each organization's newest is where its chain must continue from.
	Known    []audit.Checkpoint
	Interval time.Duration // default one minute
	Logger   *slog.Logger
	Now      func() time.Time
}

// Checkpointer signs each organization's chain head into the checkpoints
// file: once at start, then at most every Interval when a head moved, and
// once more at Close.
//
// It signs only a head that continues the last one it signed: the head
// verifies with the key and, when it moved on, the event at the last
// signed seq still has the signed hash. A head that went back or changed
// is logged as an error and left unsigned, since signing it would vouch for
// a rewritten chain; the checkpoints already written are the evidence.
type Checkpointer struct {
	cfg  CheckpointConfig
	file *audit.CheckpointLog

	mu       sync.Mutex // one flush at a time; guards the fields below
	last     map[string]audit.Checkpoint
	refused  map[string]string // org → head hash last refused, to log it once
	revision int64
	flushed  bool

	stop      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

// StartCheckpoints opens the checkpoints file, writes a first round and
// starts the periodic one. Close stops it.
func StartCheckpoints(ctx context.Context, cfg CheckpointConfig) (*Checkpointer, error) {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	f, err := audit.OpenCheckpointLog(cfg.Path)
	if err != nil {
		return nil, err
	}
	c := &Checkpointer{cfg: cfg, file: f, last: audit.Newest(cfg.Known), refused: map[string]string{},
		stop: make(chan struct{}), done: make(chan struct{})}
	if err := c.Flush(ctx); err != nil {
		f.Close()
		return nil, err
	}
	go c.run()
	return c, nil
}

func (c *Checkpointer) run() {
	defer close(c.done)
	t := time.NewTicker(c.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-c.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Interval)
			if err := c.Flush(ctx); err != nil {
				c.cfg.Logger.Error("audit checkpoints: could not write this round; the next one retries", "err", err, "file", c.cfg.Path)
			}
			cancel()
		}
	}
}

// Close stops the periodic round, writes a last one and closes the file.
// Call it before closing the store; later calls do nothing.
func (c *Checkpointer) Close(ctx context.Context) error {
	var err error
	c.closeOnce.Do(func() {
		close(c.stop)
		<-c.done
		err = errors.Join(c.Flush(ctx), c.file.Close())
	})
	return err
}

// Latest is the newest checkpoint of org this process knows of.
func (c *Checkpointer) Latest(org string) (audit.Checkpoint, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cp, ok := c.last[org]
	return cp, ok
}

// candidate is an org's head and, when it moved past the last checkpoint,
// the event at that checkpoint's seq.
type candidate struct {
	head    domain.AuditEvent
	atLast  *domain.AuditEvent
	hasLast bool
	last    audit.Checkpoint
}

// Flush signs every head that moved since the last round. Nothing is read
// beyond the revision when no revision committed since: every audit event
// comes with one.
func (c *Checkpointer) Flush(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var cands []candidate
	var rev int64
	err := c.cfg.Store.View(ctx, func(r store.Reader) error {
		var err error
		if rev, err = r.CurrentRevision(); err != nil {
			return err
		}
		if c.flushed && rev == c.revision {
			return nil
		}
		orgs, err := r.ListOrgIDs()
		if err != nil {
			return err
		}
		for _, org := range orgs {
			evs, _, err := r.ListAudit(org, 0, 1)
			if err != nil {
				return err
			}
			if len(evs) == 0 {
				continue
			}
			cd := candidate{head: evs[0]}
			cd.last, cd.hasLast = c.last[org]
			if cd.hasLast && cd.head.Seq == cd.last.Seq && audit.SameHash(cd.head.Hash, cd.last.Hash) {
				continue
			}
			if cd.hasLast && cd.head.Seq > cd.last.Seq {
				at, _, err := r.ListAudit(org, cd.last.Seq+1, 1)
				if err != nil {
					return err
				}
				if len(at) == 1 {
					cd.atLast = &at[0]
				}
			}
			cands = append(cands, cd)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("audit checkpoints: read the chain heads: %w", err)
	}
	now := c.cfg.Now()
	var signed []audit.Checkpoint
	for _, cd := range cands {
		if why := c.refusal(cd); why != "" {
			org := cd.head.Org
			if !audit.SameHash(c.refused[org], cd.head.Hash) {
				c.refused[org] = cd.head.Hash
				c.cfg.Logger.Error("audit chain does not continue its last checkpoint; not signing it (run `gatehouse audit verify`)",
					"org", org, "seq", cd.head.Seq, "problem", why, "checkpoint_seq", cd.last.Seq, "checkpoint_at", cd.last.At)
			}
			continue
		}
		signed = append(signed, c.cfg.Key.Checkpoint(cd.head.Org, cd.head.Seq, cd.head.Hash, now))
	}
	if err := c.file.Append(signed...); err != nil {
		return err
	}
	for _, cp := range signed {
		c.last[cp.Org] = cp
		delete(c.refused, cp.Org)
	}
	c.revision, c.flushed = rev, true
	return nil
}

// refusal says why a head must not be signed, "" if it may.
func (c *Checkpointer) refusal(cd candidate) string {
	h := cd.head
	if h.Scheme != domain.AuditSchemeHMAC || !audit.SameHash(c.cfg.Key.Hash(h.PrevHash, h), h.Hash) {
		return "the newest event does not verify with the audit key"
	}
	if !cd.hasLast {
		return ""
	}
	switch {
	case h.Seq < cd.last.Seq:
		return fmt.Sprintf("the chain ends at seq %d, before the checkpoint's seq %d: events were deleted", h.Seq, cd.last.Seq)
	case h.Seq == cd.last.Seq:
		return "the newest event differs from the checkpoint: it was rewritten"
	case cd.atLast == nil || cd.atLast.Seq != cd.last.Seq || !audit.SameHash(cd.atLast.Hash, cd.last.Hash):
		return fmt.Sprintf("the event at the checkpoint's seq %d differs from it: the chain was rewritten", cd.last.Seq)
	}
	return ""
}
