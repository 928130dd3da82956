package authz

import (
	"fmt"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// gate is one gated permission.
type gate struct {
	approverRole string
	// denial is the reason a check without a window carries, made once
	// so that a denial allocates nothing.
	denial string
}

// window is an approval window, indexed under its permission.
type window struct {
	id      string
	subject uint32
	// ref is the resource ("TYPE:ID") whose subtree it covers, "" for the
	// org. It names the resource rather than its node so that an index
	// loaded afresh and one kept current agree when a resource is deleted
	// and registered again under the same id: the window covers it in both.
	ref         string
	from, until int64
	note        string // the reason an allowed check carries
}

// ApprovalNote is what an allowed check's reason says of the window that
// allowed it.
func ApprovalNote(a *domain.Approval) string {
	return fmt.Sprintf("approved by %s (approval %s) until %s", a.Approver, a.ID, a.Until.UTC().Format(time.RFC3339))
}

func (o *Org) putGate(g *domain.Gate) error {
	p, ok := o.scheme.Permission(g.Permission)
	if !ok {
		return fmt.Errorf("gate on %q: %w", g.Permission, ErrUnknownPermission)
	}
	o.gated.Add(p.Index)
	o.gates[p.Index] = gate{approverRole: g.ApproverRole,
		denial: fmt.Sprintf("%s needs approval by a holder of %s: no approval window covers it", g.Permission, g.ApproverRole)}
	return nil
}

// deleteGate lifts a gate. Its windows are kept: they cost nothing while
// the permission is ungated, and a gate set again finds them still open.
func (o *Org) deleteGate(g *domain.Gate) error {
	if p, ok := o.scheme.Permission(g.Permission); ok {
		o.gated.Remove(p.Index)
		delete(o.gates, p.Index)
	}
	return nil
}

// putApproval opens a window, or closes it when it has ended early.
func (o *Org) putApproval(a *domain.Approval) error {
	p, ok := o.scheme.Permission(a.Permission)
	if !ok {
		return fmt.Errorf("approval %s: %w", a.ID, ErrUnknownPermission)
	}
	list := slices.DeleteFunc(o.windows[p.Index], func(w window) bool { return w.id == a.ID })
	if a.EndedAt.IsZero() {
		list = append(list, window{id: a.ID, subject: o.subjectIndex(a.Subject), ref: a.Resource,
			from: a.From.UnixNano(), until: a.Until.UnixNano(), note: ApprovalNote(a)})
	}
	o.windows[p.Index] = list
	return nil
}

// approved finishes the decision of a gated permission the rules allow: a
// window for the subject itself at a node of the chain, open at now.
func (o *Org) approved(s uint32, pi int, chain []uint32, allowed domain.Reason, now int64) (domain.Reason, bool) {
	for i := range o.windows[pi] {
		w := &o.windows[pi][i]
		if w.subject != s || now < w.from || now >= w.until || !o.windowCovers(w.ref, chain) {
			continue
		}
		allowed.Approval = w.note
		return allowed, true
	}
	return domain.Reason{Approval: o.gates[pi].denial}, false
}

// windowCovers reports whether a window on ref reaches a check along chain.
func (o *Org) windowCovers(ref string, chain []uint32) bool {
	if ref == "" {
		return true
	}
	for _, n := range chain {
		if o.node[n].kind == nodeResource && o.data[n].ref == ref {
			return true
		}
	}
	return false
}

// Gated reports whether a permission needs approval, and by which role.
func (o *Org) Gated(permission string) (approverRole string, gated bool) {
	o.mu.RLock()
	defer o.mu.RUnlock()
	p, ok := o.scheme.Permission(permission)
	if !ok || !o.gated.Has(p.Index) {
		return "", false
	}
	return o.gates[p.Index].approverRole, true
}

// HoldsRole reports whether a subject holds a role (as its membership
// role, or by an unexpired grant of its own or of a group) at the scope
// of ref ("TYPE:ID", or "" for the org) or at one above it: who may
// approve there for a gate naming that role.
func (o *Org) HoldsRole(subjectRef, roleID, ref string, now int64) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	s, ok := o.lookupSubject(subjectRef)
	ri, known := o.roleIndex[roleID]
	if !ok || !known || !o.activeAt(&o.subj[s], now) {
		return false
	}
	target := orgNode
	if ref != "" {
		if target, ok = o.refNode(ref); !ok {
			return false
		}
	}
	var buf [32]uint32
	for _, n := range o.chain(target, buf[:0]) {
		if o.holdings(s, n, anyPermission, now, func(r *role, _ *grant, _ uint32) bool { return r == &o.roles[ri] }) {
			return true
		}
	}
	return false
}
