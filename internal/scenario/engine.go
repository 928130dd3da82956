package scenario

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/authz/reference"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// Engine decides with the engine alone, in memory.
type Engine struct {
	e      *authz.Engine
	now    time.Time // the scenario's: can_grant has no instant of its own
	scheme string
	rev    int64
}

// NewEngine is an engine holding an empty Org of the scheme.
func NewEngine(t testing.TB, schemeID string, now time.Time) *Engine {
	t.Helper()
	d := &Engine{e: authz.New(), now: now, scheme: schemeID, rev: 1}
	if err := d.e.Apply(Org, schemeID, d.rev, nil); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *Engine) Caps() Caps {
	return Caps{Reasons: true, ErrorText: true, CanGrant: true, Access: true}
}

func (d *Engine) Apply(t testing.TB, changes []domain.Change) {
	t.Helper()
	d.rev++
	if err := d.e.Apply(Org, d.scheme, d.rev, changes); err != nil {
		t.Fatalf("apply: %v", err)
	}
}

func (d *Engine) org(t testing.TB) *authz.Org {
	o, err := d.e.Org(Org)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (d *Engine) Check(t testing.TB, c Check, now time.Time) (Decision, error) {
	r, err := d.org(t).Check(&authz.Request{Subject: c.Subject, Permission: c.Permission, Resource: c.Resource, Channel: c.Channel, Now: now.UnixNano()})
	if err != nil {
		return Decision{}, err
	}
	return Decision{Allowed: r.Allowed, Via: string(r.Reason.Via), Grant: r.Reason.Grant, Role: r.Reason.Role}, nil
}

func (d *Engine) LookupResources(t testing.TB, l Lookup, now time.Time) ([]string, error) {
	var got []string
	token := ""
	for pages := 0; ; pages++ {
		p, err := d.org(t).LookupResources(&authz.ResourceQuery{Subject: l.Subject, Permission: l.Permission, Type: l.Type,
			Channel: l.Channel, Limit: l.PageSize, PageToken: token, Now: now.UnixNano()})
		if err != nil {
			return nil, err
		}
		got = append(got, p.IDs...)
		if token = p.Next; token == "" || pages > 10000 {
			return got, nil
		}
	}
}

func (d *Engine) LookupSubjects(t testing.TB, s Subjects, now time.Time) ([]string, error) {
	res, _, err := d.org(t).LookupSubjects(&authz.SubjectQuery{Permission: s.Permission, Resource: s.Resource, Channel: s.Channel, Now: now.UnixNano()})
	if err != nil {
		return nil, err
	}
	var got []string
	for _, r := range res {
		got = append(got, r.Subject)
	}
	return got, nil
}

func (d *Engine) CanGrant(t testing.TB, actor domain.Subject, role string, scope domain.Scope) error {
	return d.org(t).CanGrant(actor, role, scope, d.now.UnixNano())
}

func (d *Engine) Access(t testing.TB, subject, typ string, now time.Time) ([]string, error) {
	var got []string
	for _, x := range d.org(t).EffectiveAccess(subject, now.UnixNano())[typ] {
		got = append(got, x.ID+"="+x.Role)
	}
	return got, nil
}

// Reference decides with the naive reference model the property tests
// hold the engine to: checks and lookups, without reasons.
type Reference struct{ st *reference.State }

// NewReference is an empty reference state of the scheme.
func NewReference(t testing.TB, schemeID string) *Reference {
	t.Helper()
	s, ok := scheme.Get(schemeID)
	if !ok {
		t.Fatalf("unknown scheme %q", schemeID)
	}
	return &Reference{st: reference.New(s)}
}

func (d *Reference) Caps() Caps { return Caps{} }

func (d *Reference) Apply(t testing.TB, changes []domain.Change) {
	t.Helper()
	for _, c := range changes {
		if err := d.st.Apply(c); err != nil {
			t.Fatalf("apply %s: %v", c.Op, err)
		}
	}
}

func (d *Reference) Check(t testing.TB, c Check, now time.Time) (Decision, error) {
	ok, err := d.st.Check(reference.Request{Subject: c.Subject, Permission: c.Permission, Resource: c.Resource, Channel: c.Channel, Now: now})
	return Decision{Allowed: ok}, err
}

func (d *Reference) LookupResources(t testing.TB, l Lookup, now time.Time) ([]string, error) {
	return d.st.LookupResources(l.Subject, l.Permission, l.Type, l.Channel, now)
}

func (d *Reference) LookupSubjects(t testing.TB, s Subjects, now time.Time) ([]string, error) {
	return d.st.LookupSubjects(s.Permission, s.Resource, s.Channel, now)
}

func (d *Reference) CanGrant(testing.TB, domain.Subject, string, domain.Scope) error { return nil }

func (d *Reference) Access(testing.TB, string, string, time.Time) ([]string, error) { return nil, nil }
