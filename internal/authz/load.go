package authz

import (
	"fmt"
	"maps"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

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
	if err := l.Err(); err != nil {
		return err
	}
	l.Install()
	return nil
}

// A Loader builds an organization's index from a snapshot that arrives in
// parts (store.Reader.SnapshotHead, then SnapshotGrants): everything but
// the grants first, then the grants in batches, which Add indexes while the
// next are being read. Nothing is visible to checks until Install.
//
// Records the scheme no longer has room for (a grant of a role dropped
// from the file) do not stop it: it reads on and collects every one, and
// Err, asked before Install, lists them all (StaleError).
type Loader struct {
	e     *Engine
	o     *Org // nil once a record is stale: only the check goes on
	check *staleCheck
	org   string
}

// NewLoader starts an index from head, ignoring its Grants: the grants
// (about grants many) come through Add.
func (e *Engine) NewLoader(head *domain.Snapshot, grants int) (*Loader, error) {
	e.writeMu.Lock()
	s, ok := e.scheme(head.Org.Scheme)
	e.writeMu.Unlock()
	if !ok {
		return nil, &StaleError{Org: head.Org.ID, Scheme: head.Org.Scheme, Unknown: true}
	}
	l := &Loader{e: e, check: newStaleCheck(head, s), org: head.Org.ID}
	if len(l.check.uses) > 0 {
		return l, nil
	}
	o, err := buildHead(head, s, grants)
	if err != nil {
		return nil, err
	}
	l.o = o
	return l, nil
}

// Add indexes a batch of grants. Not safe for concurrent use.
func (l *Loader) Add(grants []domain.Grant) error {
	for i := range grants {
		g := &grants[i]
		if l.o == nil {
			l.check.grant(g)
			continue
		}
		// The index refuses every stale grant, so the check costs nothing
		// until a grant is refused; from a stale one on, only the check
		// runs, to list the rest.
		if err := l.o.appendGrant(g); err != nil {
			if l.check.grant(g) {
				return err
			}
			l.o = nil
		}
	}
	return nil
}

// Err is the StaleError listing every record that uses what the scheme no
// longer has, or nil when the index may be installed.
func (l *Loader) Err() error { return l.check.err(l.org) }

// Install finishes the index and puts it in place of any index the org
// had.
func (l *Loader) Install() {
	if l.o == nil {
		panic("authz: Install of a stale organization; ask Err first")
	}
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
	for i := range snap.Gates {
		if err := o.putGate(&snap.Gates[i]); err != nil {
			return nil, err
		}
	}
	for i := range snap.Aliases {
		if err := o.putAlias(&snap.Aliases[i]); err != nil {
			return nil, fmt.Errorf("org %s: %w", snap.Org.ID, err)
		}
	}
	for i := range snap.Approvals {
		if err := o.putApproval(&snap.Approvals[i]); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// appendGrant adds a grant without keeping the subject's list sorted;
// Loader.Install sorts every list once at the end.
func (o *Org) appendGrant(g *domain.Grant) error {
	r, ok := o.grantRoleIndex(g.Role)
	if !ok {
		return fmt.Errorf("grant %s: unknown role %q", g.ID, g.Role)
	}
	n, err := o.grantNode(g.Scope)
	if err != nil {
		return fmt.Errorf("grant %s: %w", g.ID, err)
	}
	s := o.subjectIndex(g.Subject)
	sub := &o.subj[s]
	sub.grants = append(sub.grants, grant{node: n, role: r, expires: unixNano(g.ExpiresAt), id: g.ID})
	o.holdGrant(sub, r)
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
