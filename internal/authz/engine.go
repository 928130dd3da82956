// Package authz is Gatehouse's decision engine: an in-memory index of every
// organization's members, grants, groups, teams and resources, answering
// Check, LookupResources, LookupSubjects, EffectiveAccess and CanGrant.
//
// It is pure: no I/O, no knowledge of HTTP or SQL. The team layer commits a
// change to the store and then hands the same change to Apply, so the index
// moves from revision to revision incrementally, never by rebuilding.
package authz

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// Engine holds the index of every organization.
type Engine struct {
	// orgs is replaced, never mutated, so readers need no lock to find an org.
	orgs     atomic.Pointer[map[string]*Org]
	writeMu  sync.Mutex // serialises org creation and Apply
	revision atomic.Int64
	now      func() time.Time
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

// New returns an empty engine. now is the clock used for expiry when a
// request carries no time of its own; nil means time.Now.
func New(now func() time.Time) *Engine {
	if now == nil {
		now = time.Now
	}
	e := &Engine{now: now, schemes: map[string]*scheme.Scheme{}, applied: make(chan struct{})}
	e.orgs.Store(&map[string]*Org{})
	return e
}

// Revision is the newest revision applied.
func (e *Engine) Revision() int64 { return e.revision.Load() }

// Org returns an organization's index.
func (e *Engine) Org(id string) (*Org, bool) {
	o, ok := (*e.orgs.Load())[id]
	return o, ok
}

// Load builds an organization's index from a snapshot, replacing any index
// it had.
func (e *Engine) Load(snap *domain.Snapshot) error {
	l, err := e.NewLoader(snap, len(snap.Grants))
	if err != nil {
		return err
	}
	if err := l.Add(snap.Grants); err != nil {
		return err
	}
	l.Install()
	return nil
}

// A Loader builds an organization's index from a snapshot that arrives in
// parts (store.Reader.SnapshotHead, then SnapshotGrants): everything but
// the grants first, then the grants in batches, which Add indexes while the
// next are being read. Nothing is visible to checks until Install.
type Loader struct {
	e *Engine
	o *Org
}

// NewLoader starts an index from head, ignoring its Grants: the grants
// (about grants many) come through Add.
func (e *Engine) NewLoader(head *domain.Snapshot, grants int) (*Loader, error) {
	e.writeMu.Lock()
	s, ok := e.scheme(head.Org.Scheme)
	e.writeMu.Unlock()
	if !ok {
		return nil, fmt.Errorf("org %s: unknown scheme %q", head.Org.ID, head.Org.Scheme)
	}
	o, err := buildHead(head, s, grants)
	if err != nil {
		return nil, err
	}
	return &Loader{e: e, o: o}, nil
}

// Add indexes a batch of grants. Not safe for concurrent use.
func (l *Loader) Add(grants []domain.Grant) error {
	for i := range grants {
		if err := l.o.appendGrant(&grants[i]); err != nil {
			return err
		}
	}
	return nil
}

// Install finishes the index and puts it in place of any index the org
// had.
func (l *Loader) Install() {
	for i := range l.o.subj {
		sortGrants(l.o.subj[i].grants)
	}
	e := l.e
	e.writeMu.Lock()
	defer e.writeMu.Unlock()
	next := maps.Clone(*e.orgs.Load())
	next[l.o.id] = l.o
	e.orgs.Store(&next)
	// The engine's revision is not moved: other orgs may not have reached
	// the snapshot's revision yet. Whoever loads decides (see Advance).
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

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.now() }

// buildHead makes an index of everything in a snapshot but its grants, in
// bulk: resources are appended and sorted once rather than inserted one by
// one. Grants follow through appendGrant, and Install sorts them.
func buildHead(snap *domain.Snapshot, s *scheme.Scheme, grants int) (*Org, error) {
	o := newOrg(snap.Org.ID, s)
	o.rev = snap.Revision
	o.grow(len(snap.Resources)+len(snap.Teams), len(snap.Members)+len(snap.Groups)+len(snap.Keys), grants)
	for i := range snap.Roles {
		r, err := s.CompileRole(snap.Roles[i])
		if err != nil {
			return nil, fmt.Errorf("org %s: custom role %s: %w", snap.Org.ID, snap.Roles[i].ID, err)
		}
		o.addRole(r)
	}
	for i := range snap.Members {
		if err := o.putMember(&snap.Members[i]); err != nil {
			return nil, err
		}
	}
	for i := range snap.Teams {
		o.teamNode(snap.Teams[i].ID)
	}
	for i := range snap.Groups {
		o.subj[o.subjectIndex(domain.GroupSubject(snap.Groups[i].ID))].active = true
	}
	for i := range snap.GroupMembers {
		o.putGroupMember(&snap.GroupMembers[i])
	}
	for i := range snap.Keys {
		o.apply(domain.Change{Op: domain.OpPutKey, Key: &snap.Keys[i]})
	}
	for i := range snap.Resources {
		if err := o.putResource(&snap.Resources[i], false); err != nil {
			return nil, err
		}
	}
	for t := range o.byType {
		o.sortByID(o.byType[t])
	}
	return o, nil
}

// appendGrant adds a grant without keeping the subject's list sorted;
// Loader.Install sorts every list once at the end.
func (o *Org) appendGrant(g *domain.Grant) error {
	r, ok := o.roleIndex[g.Role]
	if !ok {
		return fmt.Errorf("grant %s: unknown role %q", g.ID, g.Role)
	}
	n, err := o.scopeNode(g.Scope)
	if err != nil {
		return fmt.Errorf("grant %s: %w", g.ID, err)
	}
	s := o.subjectIndex(g.Subject)
	sub := &o.subj[s]
	sub.grants = append(sub.grants, grant{node: n, role: r, expires: unixNano(g.ExpiresAt), id: g.ID})
	sub.holds.Union(&o.roles[r].perms)
	o.addNodeGrant(n, nodeGrant{subject: s, role: r})
	o.grantOf[g.ID] = s
	return nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}
