package engines

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/bench/vi"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
)

// Gatehouse is the engine in process: the org loaded from a snapshot into
// authz.Engine, asked through authz.Org.
type Gatehouse struct {
	eng *authz.Engine
	org *authz.Org
	now int64
}

// NewGatehouse loads o into a fresh engine.
func NewGatehouse(o *vi.Org) (*Gatehouse, error) { return NewGatehouseFrom(o.Snapshot()) }

// NewGatehouseFrom loads a snapshot (of the org vi.OrgID) into a fresh engine.
func NewGatehouseFrom(snap *domain.Snapshot) (*Gatehouse, error) {
	now := vi.Created.Add(24 * time.Hour)
	eng := authz.New()
	if err := eng.Load(snap); err != nil {
		return nil, err
	}
	org, err := eng.Org(vi.OrgID)
	if err != nil {
		return nil, fmt.Errorf("gatehouse: org %s not loaded: %w", vi.OrgID, err)
	}
	return &Gatehouse{eng: eng, org: org, now: now.UnixNano()}, nil
}

func (g *Gatehouse) Name() string { return "Gatehouse" }

func (g *Gatehouse) Close() error { return nil }

// Org is the loaded org index, for benchmarks that call it directly.
func (g *Gatehouse) Org() *authz.Org { return g.org }

// Now is the clock value the adapter passes.
func (g *Gatehouse) Now() int64 { return g.now }

// Request is the engine request of a mix check.
func Request(c vi.Check) authz.Request {
	return authz.Request{Subject: "user:" + c.User, Permission: "dataset." + c.Perm, Resource: "dataset:" + c.Dataset}
}

func (g *Gatehouse) Check(_ context.Context, c vi.Check) (bool, error) {
	req := Request(c)
	req.Now = g.now
	d, err := g.org.Check(&req)
	return d.Allowed, err
}

func (g *Gatehouse) BatchCheck(ctx context.Context, cs []vi.Check) ([]bool, error) {
	out := make([]bool, len(cs))
	for i, c := range cs {
		ok, err := g.Check(ctx, c)
		if err != nil {
			return nil, err
		}
		out[i] = ok
	}
	return out, nil
}

func (g *Gatehouse) ListDatasets(_ context.Context, user, perm string) ([]string, error) {
	var out []string
	q := authz.ResourceQuery{Subject: "user:" + user, Permission: "dataset." + perm, Type: "dataset", Limit: 1000, Now: g.now}
	for {
		p, err := g.org.LookupResources(&q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.IDs...)
		if p.Next == "" {
			return out, nil
		}
		q.PageToken = p.Next
	}
}

// FirstPage is one page of a lookup: the admin's first 100 datasets.
func (g *Gatehouse) FirstPage(user, perm string, limit int) ([]string, error) {
	p, err := g.org.LookupResources(&authz.ResourceQuery{Subject: "user:" + user, Permission: "dataset." + perm, Type: "dataset", Limit: limit, Now: g.now})
	return p.IDs, err
}

func (g *Gatehouse) WhoCanAccess(_ context.Context, dataset, perm string) ([]string, error) {
	subs, _, err := g.org.LookupSubjects(&authz.SubjectQuery{Permission: "dataset." + perm, Resource: "dataset:" + dataset, Now: g.now})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(subs))
	for _, s := range subs {
		if id, ok := strings.CutPrefix(s.Subject, "user:"); ok {
			out = append(out, id)
		}
	}
	return out, nil
}
