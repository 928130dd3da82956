// Package authz is Gatehouse's decision engine: an in-memory index of every
// organization's members, grants, groups, teams and resources, answering
// Check, LookupResources, LookupSubjects, EffectiveAccess and CanGrant.
//
// It is pure: no I/O, no knowledge of HTTP or SQL. The team layer commits a
// change to the store and then hands the same change to Apply, so the index
// moves from revision to revision incrementally, never by rebuilding.
//
// The index is laid out in layout.go and built in load.go; apply.go and
// tree.go perform changes; resolve.go is the one way from a scope or a
// reference to a node, and walk.go the one walk over what a subject holds,
// which check.go, grant.go, lookup.go and access.go read through.
package authz

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// Engine holds the index of every organization.
type Engine struct {
	// orgs is replaced, never mutated, so readers need no lock to find an org.
	orgs     atomic.Pointer[map[string]*Org]
	writeMu  sync.Mutex // serialises org creation and Apply
	revision atomic.Int64
	schemes  map[string]*scheme.Scheme // beyond the built-in ones

	waitMu  sync.Mutex
	applied chan struct{} // closed and replaced whenever the revision moves
}

// WaitFor blocks until the engine has applied revision rev, or ctx ends.
func (e *Engine) WaitFor(ctx context.Context, rev int64) error {
	for {
		e.waitMu.Lock()
		ch := e.applied
		e.waitMu.Unlock()
		if e.revision.Load() >= rev {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// AddScheme makes a scheme other than the built-in ones available to
// organizations loaded afterwards (benchmarks and tests use their own).
func (e *Engine) AddScheme(s *scheme.Scheme) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	e.schemes[s.ID] = s
}

func (e *Engine) scheme(id string) (*scheme.Scheme, bool) {
	if s, ok := e.schemes[id]; ok {
		return s, true
	}
	return scheme.Get(id)
}

// New returns an empty engine. It has no clock: every question carries its
// own time, so answers depend on the index and the question alone.
func New() *Engine {
	e := &Engine{schemes: map[string]*scheme.Scheme{}, applied: make(chan struct{})}
	e.orgs.Store(&map[string]*Org{})
	return e
}

// Revision is the newest revision applied.
func (e *Engine) Revision() int64 { return e.revision.Load() }

// Org returns an organization's index, which answers every question about
// it; ErrUnknownOrg if the engine has none.
func (e *Engine) Org(id string) (*Org, error) {
	if o, ok := (*e.orgs.Load())[id]; ok {
		return o, nil
	}
	return nil, ErrUnknownOrg
}

func (e *Engine) advance(rev int64) {
	for {
		cur := e.revision.Load()
		if rev <= cur {
			return
		}
		if e.revision.CompareAndSwap(cur, rev) {
			break
		}
	}
	e.waitMu.Lock()
	close(e.applied)
	e.applied = make(chan struct{})
	e.waitMu.Unlock()
}

// Advance records that every change up to rev is applied, for revisions
// that changed nothing in memory (a rename, an audit-only write).
func (e *Engine) Advance(rev int64) { e.advance(rev) }

// Apply performs the changes of one committed revision on one org. A new
// org (its first change) needs the scheme id; later calls may pass "".
func (e *Engine) Apply(org, schemeID string, rev int64, changes []domain.Change) error {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	o, ok := (*e.orgs.Load())[org]
	if !ok {
		s, found := e.scheme(schemeID)
		if !found {
			return fmt.Errorf("org %s: unknown scheme %q", org, schemeID)
		}
		o = newOrg(org, s)
		next := maps.Clone(*e.orgs.Load())
		next[org] = o
		e.orgs.Store(&next)
	}
	o.mu.Lock()
	var firstErr error
	for _, c := range changes {
		if err := o.apply(c); err != nil && firstErr == nil {
			firstErr = err
		}
	}
	if rev > o.rev {
		o.rev = rev
	}
	o.mu.Unlock()
	e.advance(rev)
	return firstErr
}

// DropOrg forgets an organization.
func (e *Engine) DropOrg(id string) {
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	next := maps.Clone(*e.orgs.Load())
	delete(next, id)
	e.orgs.Store(&next)
}
