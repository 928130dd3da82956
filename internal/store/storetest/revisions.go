package storetest

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func testRevisions(e *env) {
	t := e.t
	start := e.revision()
	last := start
	for i := range 5 {
		var inside int64
		rev := e.update(func(tx store.Tx) error {
			inside = tx.Revision()
			// Read-only work in an Update is still a write transaction.
			_, err := tx.ListOrgIDs()
			return err
		})
		if rev <= last {
			t.Errorf("Update %d: revision %d after %d", i, rev, last)
		}
		if inside != rev {
			t.Errorf("Update %d: tx.Revision() = %d, Update returned %d", i, inside, rev)
		}
		if cur := e.revision(); cur != rev {
			t.Errorf("Update %d: CurrentRevision = %d, want %d", i, cur, rev)
		}
		last = rev
	}
	// A View sees the revision but never moves it.
	var seen int64
	e.view(func(r store.Reader) error {
		var err error
		seen, err = r.CurrentRevision()
		return err
	})
	if seen != last || e.revision() != last {
		t.Errorf("View: revision %d, want %d", seen, last)
	}
}

// testFailedUpdate: whatever fn wrote before failing, and whichever way it
// fails, nothing of it remains.
func testFailedUpdate(e *env) {
	t := e.t
	e.org("acme")
	before := e.revision()
	boom := errors.New("boom")
	cases := []struct {
		name string
		fail func(tx store.Tx) error
		want error
	}{
		{"fn returns an error", func(store.Tx) error { return boom }, boom},
		{"a write conflicts", func(tx store.Tx) error { return tx.CreateOrg(domain.Org{ID: "acme"}) }, store.ErrConflict},
		{"a write misses", func(tx store.Tx) error { return tx.DeleteGrant("acme", "nope") }, store.ErrNotFound},
		// PostgreSQL cannot carry on after a failed statement, so neither
		// may any backend: the failure surfaces even when fn ignores it.
		{"fn swallows a failed write", func(tx store.Tx) error {
			_ = tx.CreateOrg(domain.Org{ID: "acme"})
			return nil
		}, store.ErrConflict},
	}
	for _, c := range cases {
		rev, err := e.s.Update(e.ctx, func(tx store.Tx) error {
			ev := &domain.AuditEvent{Org: "acme", Actor: "user:u1", Action: "org.create", Target: "org:doomed"}
			for _, err := range []error{
				tx.CreateOrg(domain.Org{ID: "doomed", Name: "Doomed"}),
				tx.CreateUser(domain.UserRecord{ID: "u_doomed", Email: "doomed@x.test"}),
				tx.PutResource(domain.Resource{Org: "acme", Type: "dataset", ID: "doomed"}),
				tx.AppendAudit(ev),
				tx.AppendChanges("acme", []domain.Change{{Op: domain.OpPutResource,
					Resource: &domain.Resource{Org: "acme", Type: "dataset", ID: "doomed"}}}),
			} {
				if err != nil {
					return fmt.Errorf("setup: %w", err)
				}
			}
			return c.fail(tx)
		})
		if !errors.Is(err, c.want) || rev != 0 {
			t.Errorf("%s: Update = %d, %v; want 0, %v", c.name, rev, err, c.want)
		}
	}
	if got := e.revision(); got != before {
		t.Errorf("revision moved from %d to %d", before, got)
	}
	_, err := read(e, func(r store.Reader) (domain.Org, error) { return r.GetOrg("doomed") })
	isErr(t, "org of a failed Update", err, store.ErrNotFound)
	_, err = read(e, func(r store.Reader) (domain.UserRecord, error) { return r.GetUser("u_doomed") })
	isErr(t, "user of a failed Update", err, store.ErrNotFound)
	_, err = getResource(e, "acme", domain.Ref{Type: "dataset", ID: "doomed"})
	isErr(t, "resource of a failed Update", err, store.ErrNotFound)
	events := mustRead(e, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("acme") })
	if len(events) != 0 {
		t.Errorf("audit events of failed Updates: %v", events)
	}
	changes := mustRead(e, func(r store.Reader) ([]store.ChangeSet, error) { return r.ChangesSince(0, 0) })
	if len(changes) != 0 {
		t.Errorf("changes of failed Updates: %v", changes)
	}
	// And the next Update carries on from where the last success left.
	if rev := e.update(func(store.Tx) error { return nil }); rev != before+1 {
		t.Errorf("next Update: revision %d, want %d", rev, before+1)
	}
}

// testConcurrentUpdates: writers racing from many goroutines each get their
// own revision, all of them land, and the per-org audit chain stays one
// unbroken line. Meanwhile a follower tails the changelog as a replica
// would: since every Update here records changes, revisions are dense, and
// the follower must see them in order without a gap — a later revision
// visible before an earlier one would make a replica skip it for good.
func testConcurrentUpdates(e *env) {
	t := e.t
	e.org("acme")
	start := e.revision()
	const writers, each = 8, 5
	var mu sync.Mutex
	revs := map[int64]bool{}
	var wg sync.WaitGroup
	errs := make(chan error, writers*each+1)

	followed := make(chan int64)
	writersDone := make(chan struct{})
	go func() {
		cursor := start
		deadline := time.Now().Add(time.Minute)
		for cursor < start+writers*each && time.Now().Before(deadline) {
			// Checked before reading: an empty read after the writers
			// finished means nothing more is coming.
			finished := false
			select {
			case <-writersDone:
				finished = true
			default:
			}
			sets, err := read(e, func(r store.Reader) ([]store.ChangeSet, error) { return r.ChangesSince(cursor, 0) })
			if err != nil {
				errs <- fmt.Errorf("follower: %w", err)
				break
			}
			for _, cs := range sets {
				if cs.Revision != cursor+1 {
					errs <- fmt.Errorf("follower saw revision %d right after %d", cs.Revision, cursor)
				}
				cursor = cs.Revision
			}
			if finished && len(sets) == 0 {
				break // a writer failed, and said so
			}
		}
		followed <- cursor
	}()
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				grant := domain.Grant{ID: fmt.Sprintf("gr_%d_%d", w, i), Org: "acme",
					Subject: domain.UserSubject(fmt.Sprintf("u%d", w)), Role: "viewer", Scope: domain.OrgScope()}
				rev, err := e.s.Update(e.ctx, func(tx store.Tx) error {
					if err := tx.PutGrant(grant); err != nil {
						return err
					}
					if err := tx.AppendAudit(&domain.AuditEvent{Org: "acme", Actor: "user:u0",
						Action: "grant.create", Target: grant.ID}); err != nil {
						return err
					}
					return tx.AppendChanges("acme", []domain.Change{{Op: domain.OpPutGrant, Grant: &grant}})
				})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if revs[rev] {
					errs <- fmt.Errorf("revision %d handed out twice", rev)
				}
				revs[rev] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(writersDone)
	if got := <-followed; got != start+writers*each {
		t.Errorf("follower reached revision %d, want %d", got, start+writers*each)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	const n = writers * each
	if len(revs) != n {
		t.Fatalf("%d distinct revisions, want %d", len(revs), n)
	}
	if cur := e.revision(); cur != start+n {
		t.Errorf("CurrentRevision = %d, want %d", cur, start+n)
	}
	grants, _, err := read2(e, func(r store.Reader) ([]domain.Grant, string, error) {
		return r.ListGrants("acme", store.GrantFilter{}, "", 0)
	})
	noErr(t, "ListGrants", err)
	if len(grants) != n {
		t.Errorf("%d grants landed, want %d", len(grants), n)
	}
	sets := mustRead(e, func(r store.Reader) ([]store.ChangeSet, error) { return r.ChangesSince(start, 0) })
	if len(sets) != n {
		t.Errorf("%d change sets, want %d", len(sets), n)
	}
	for i, cs := range sets {
		if !revs[cs.Revision] || (i > 0 && cs.Revision <= sets[i-1].Revision) {
			t.Errorf("change set %d: revision %d unknown or out of order", i, cs.Revision)
		}
	}
	checkChain(t, mustRead(e, func(r store.Reader) ([]domain.AuditEvent, error) { return r.AllAudit("acme") }), n)
}
