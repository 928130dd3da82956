package replica

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// loadOrgs loads each org. An org its scheme no longer fits does not stop
// the others' loads: the error lists every such org with every use, so one
// start shows the operator all there is to fix.
func (r *Replica) loadOrgs(ctx context.Context, ids []string) error {
	var stale []error
	for _, id := range ids {
		err := r.loadOrg(ctx, id)
		var se *authz.StaleError
		switch {
		case errors.As(err, &se):
			stale = append(stale, se)
		case err != nil:
			return err
		}
	}
	return errors.Join(stale...)
}

// loadAll rebuilds every org's index from the store.
func (r *Replica) loadAll(ctx context.Context) error {
	ids, err := store.Read(ctx, r.store, func(rd store.Reader) ([]string, error) { return rd.ListOrgIDs() })
	if err != nil {
		return err
	}
	return r.loadOrgs(ctx, ids)
}

// errIndexRefused stops a load's read once the index has refused a grant.
var errIndexRefused = errors.New("the index refused a grant")

// loadOrg builds an org's index from the store. The grants, most of a large
// org, are indexed on a goroutine of their own while the store reads the
// next batch: the read and the build overlap.
func (r *Replica) loadOrg(ctx context.Context, id string) error {
	var (
		l       *authz.Loader
		batches chan []domain.Grant
		built   = make(chan error, 1)
		failed  atomic.Bool // the index refused a grant: stop reading
	)
	err := r.store.View(ctx, func(rd store.Reader) error {
		head, n, err := rd.SnapshotHead(id)
		if err != nil {
			return err
		}
		if l, err = r.engine.NewLoader(&head, n); err != nil {
			return err
		}
		batches = make(chan []domain.Grant, 4)
		go func() {
			var err error
			for b := range batches {
				if err == nil {
					err = l.Add(b) // on error, drain so the reader never blocks
					failed.Store(err != nil)
				}
			}
			built <- err
		}()
		return rd.SnapshotGrants(id, func(gs []domain.Grant) error {
			if failed.Load() {
				return errIndexRefused
			}
			select {
			case batches <- gs:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		})
	})
	if batches != nil {
		close(batches)
		if berr := <-built; berr != nil {
			err = berr // the index's reason, not the read's stop
		}
	}
	if err == nil {
		err = l.Err()
	}
	var stale *authz.StaleError
	if errors.As(err, &stale) {
		return stale // it names the org
	}
	if err != nil {
		return fmt.Errorf("load org %s: %w", id, err)
	}
	l.Install()
	return nil
}
