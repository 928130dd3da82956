package authz

import (
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// ErrEscalation is the cause of every CanGrant refusal; the error's text
// says which rule failed.
var ErrEscalation = errors.New("not allowed to grant")

// ErrInvalidGrant marks a grant that no actor could make: an unknown role,
// a scope the role cannot be bound at, an unknown scope.
var ErrInvalidGrant = errors.New("invalid grant")

// CanGrant applies the no-escalation rule: actor may bind role at scope only
// if it holds a user-management permission of the scheme that covers the
// role there, and holds every permission of the role there (a conditional
// permission covers only the same condition). Nobody grants the top role:
// it changes hands by transfer.
func (o *Org) CanGrant(actor domain.Subject, roleID string, sc domain.Scope, now int64) error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	ri, ok := o.roleIndex[roleID]
	if !ok || !o.roles[ri].alive {
		return fmt.Errorf("%w: unknown role %q", ErrInvalidGrant, roleID)
	}
	r := &o.roles[ri]
	if err := o.scheme.GrantableAt(r.def, sc); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidGrant, err)
	}
	n, ok := o.resolve(sc)
	if !ok {
		return fmt.Errorf("%w: scope %s: not found", ErrInvalidGrant, sc)
	}
	s, ok := o.findSubject(actor)
	if !ok || !o.activeAt(&o.subj[s], now) {
		return fmt.Errorf("%w: %s is not an active member of the organization", ErrEscalation, actor)
	}
	if roleID == o.scheme.TopRole {
		// Only a holder of the top role makes another, and where the top role
		// is unique (vi's Owner) not even that: it changes hands by transfer.
		if o.scheme.UniqueTop {
			return fmt.Errorf("%w: %s is the top role; it changes hands only by ownership transfer", ErrEscalation, roleID)
		}
		if top := o.roleIndex[roleID]; o.subj[s].orgRole != top {
			return fmt.Errorf("%w: only a holder of %s may make another", ErrEscalation, roleID)
		}
	}
	var buf [32]uint32
	chain := o.chain(n, buf[:0])
	managed := false
	var tried []string
	for _, um := range o.scheme.UserManagement {
		if !um.Manages(roleID, scheme.ScopeTypeOf(sc)) {
			continue
		}
		tried = append(tried, um.Permission)
		p, _ := o.scheme.Permission(um.Permission)
		if _, ok := o.decideRules(s, p, chain, facts{}, "", now); ok {
			managed = true
			break
		}
	}
	if !managed {
		if len(tried) == 0 {
			return fmt.Errorf("%w: no user-management permission of scheme %s hands out role %s at %s", ErrEscalation, o.scheme.ID, roleID, sc)
		}
		return fmt.Errorf("%w: %s lacks %s at %s", ErrEscalation, actor, joinOr(tried), sc)
	}
	return o.covers(s, r.def, chain, now)
}

// Covers reports whether a subject holds every permission of a role at a
// scope, the rule that also bounds what a secret key may be given.
func (o *Org) Covers(actor domain.Subject, roleID string, sc domain.Scope, now int64) error {
	o.mu.RLock()
	defer o.mu.RUnlock()
	ri, ok := o.roleIndex[roleID]
	if !ok || !o.roles[ri].alive {
		return fmt.Errorf("%w: unknown role %q", ErrInvalidGrant, roleID)
	}
	if err := o.scheme.GrantableAt(o.roles[ri].def, sc); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidGrant, err)
	}
	n, ok := o.resolve(sc)
	if !ok {
		return fmt.Errorf("%w: scope %s: not found", ErrInvalidGrant, sc)
	}
	s, ok := o.findSubject(actor)
	if !ok {
		return fmt.Errorf("%w: %s holds nothing here", ErrEscalation, actor)
	}
	var buf [32]uint32
	return o.covers(s, o.roles[ri].def, o.chain(n, buf[:0]), now)
}

// covers: s holds every permission of r along chain at least as freely as
// r gives it. A key must hold it, and so must its owner.
func (o *Org) covers(s uint32, r *scheme.Role, chain []uint32, now int64) error {
	if err := o.coversOne(s, r, chain, now); err != nil {
		return err
	}
	if sub := &o.subj[s]; sub.kind == domain.SubjectKey {
		if err := o.coversOne(sub.owner, r, chain, now); err != nil {
			return fmt.Errorf("%w (a key holds only what its owner holds)", err)
		}
	}
	return nil
}

func (o *Org) coversOne(s uint32, r *scheme.Role, chain []uint32, now int64) error {
	if s == none {
		return fmt.Errorf("%w: the key has no owner", ErrEscalation)
	}
	for _, rp := range r.Perms {
		reason, ok := o.holdsAsFreely(s, rp.Perm, rp.Cond, chain, now)
		if ok {
			continue
		}
		if reason.Condition != "" {
			return fmt.Errorf("%w: role %s includes %s, which %s holds only with condition %q", ErrEscalation, r.ID, rp.Perm.ID, o.subj[s].ref, reason.Condition)
		}
		return fmt.Errorf("%w: role %s includes %s, which %s does not hold there", ErrEscalation, r.ID, rp.Perm.ID, o.subj[s].ref)
	}
	return nil
}

// HoldsAsFreely reports whether a subject holds a permission at a scope
// without a condition, or under one that want implies (want nil: none
// allowed): handing the permission on under want gives nothing the subject
// lacks. A key must hold it and so must its owner. On a refusal, the
// condition it holds the permission under, if any.
func (o *Org) HoldsAsFreely(actor domain.Subject, permission string, want *scheme.Cond, sc domain.Scope, now int64) (heldUnder string, ok bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	p, ok := o.scheme.Permission(permission)
	if !ok {
		return "", false
	}
	s, ok := o.findSubject(actor)
	if !ok {
		return "", false
	}
	n, ok := o.resolve(sc)
	if !ok {
		return "", false
	}
	var buf [32]uint32
	chain := o.chain(n, buf[:0])
	reason, ok := o.holdsAsFreely(s, p, want, chain, now)
	if ok && o.subj[s].kind == domain.SubjectKey {
		reason, ok = o.holdsAsFreely(o.subj[s].owner, p, want, chain, now)
	}
	return reason.Condition, ok
}

// holdsAsFreely reports whether s holds p along chain without a condition,
// or under one that want implies (want nil: none allowed), so that handing
// p on under want gives nothing s lacks. On a refusal the reason names a
// condition s holds p under, if any, for the message.
func (o *Org) holdsAsFreely(s uint32, p *scheme.Permission, want *scheme.Cond, chain []uint32, now int64) (domain.Reason, bool) {
	if !o.activeAt(&o.subj[s], now) {
		return domain.Reason{}, false
	}
	pi := p.Index
	var found, near domain.Reason
	free := func(r *role, g *grant, from uint32) bool {
		found = o.reason(s, r, g, from)
		if !r.conds.Has(pi) {
			return true
		}
		c := r.cond(pi)
		if scheme.Implies(want, c) {
			return true
		}
		if near.Condition == "" {
			near = found
			near.Condition = c.String()
		}
		return false
	}
	for _, n := range chain {
		if o.holdings(s, n, pi, now, free) {
			return found, true
		}
	}
	return near, false
}

func joinOr(list []string) string {
	out := ""
	for i, s := range list {
		if i > 0 {
			out += " or "
		}
		out += s
	}
	return out
}

// HoldsAt reports whether a subject holds a permission at a scope (org,
// TYPE:*, TYPE:ID or team:ID), unconditionally or with a condition that
// holds without a resource to test.
func (o *Org) HoldsAt(subjectRef, permission string, sc domain.Scope, now int64) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	p, ok := o.scheme.Permission(permission)
	if !ok {
		return false
	}
	s, ok := o.lookupSubject(subjectRef)
	if !ok {
		return false
	}
	n, ok := o.resolve(sc)
	if !ok {
		return false
	}
	var buf [32]uint32
	_, allowed := o.decideRules(s, p, o.chain(n, buf[:0]), facts{}, "", now)
	return allowed
}
