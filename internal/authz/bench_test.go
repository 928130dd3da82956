package authz_test

import (
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/synth"
)

// The benchmarks run on synth.Large (10,000 members, 1,000 groups, 100 teams,
// ~1,000,000 resources in 4 levels, 1,000,000 grants) unless
// GATEHOUSE_BENCH_SMALL=1 asks for the small org.
var (
	benchOnce sync.Once
	benchOrg  *synth.Org
	benchEng  *authz.Engine
	benchNow  time.Time
)

func benchSetup(b *testing.B) (*synth.Org, *authz.Engine, *authz.Org) {
	benchOnce.Do(func() {
		cfg := synth.Large()
		if os.Getenv("GATEHOUSE_BENCH_SMALL") == "1" {
			cfg = synth.Small()
		}
		benchNow = cfg.Now
		benchOrg = synth.Generate(cfg)
		benchEng = authz.New()
		benchEng.AddScheme(synth.Scheme)
		if err := benchEng.Load(&benchOrg.Snapshot); err != nil {
			panic(err)
		}
	})
	o, _ := benchEng.Org("bench")
	return benchOrg, benchEng, o
}

// checkRequests draws member × item pairs; about half the members hold a
// grant near any given item only by chance, so most answers are denials
// that still walk the whole chain.
func checkRequests(org *synth.Org, n int, now int64) []authz.Request {
	rng := rand.New(rand.NewPCG(7, 7))
	items := org.ByLevel[len(org.ByLevel)-1]
	reqs := make([]authz.Request, n)
	for i := range reqs {
		g := org.Snapshot.Grants[rng.IntN(len(org.Snapshot.Grants))]
		subject := g.Subject.String()
		if g.Subject.Kind != 1 || rng.IntN(2) == 0 {
			subject = "user:" + org.Users[rng.IntN(len(org.Users))]
		}
		it := items[rng.IntN(len(items))]
		reqs[i] = authz.Request{Subject: subject, Permission: "item.view", Resource: it.String(), Now: now}
	}
	return reqs
}

func BenchmarkCheck(b *testing.B) {
	org, _, o := benchSetup(b)
	reqs := checkRequests(org, 1<<16, benchNow.UnixNano())
	b.ReportAllocs()
	b.ResetTimer()
	allowed := 0
	for i := 0; b.Loop(); i++ {
		d, err := o.Check(&reqs[i&(len(reqs)-1)])
		if err != nil {
			b.Fatal(err)
		}
		if d.Allowed {
			allowed++
		}
	}
	b.ReportMetric(float64(allowed)/float64(b.N), "allowed/op")
}

// BenchmarkCheckLatency times checks one by one to report the median and
// the 99th percentile, which ns/op (a mean) hides.
func BenchmarkCheckLatency(b *testing.B) {
	org, _, o := benchSetup(b)
	reqs := checkRequests(org, 1<<16, benchNow.UnixNano())
	lat := make([]time.Duration, 0, 1<<20)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		t0 := time.Now()
		o.Check(&reqs[i&(len(reqs)-1)])
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(t0))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds()), "p99-ns")
}

func BenchmarkCheckParallel(b *testing.B) {
	org, _, o := benchSetup(b)
	reqs := checkRequests(org, 1<<16, benchNow.UnixNano())
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(reqs))
		for pb.Next() {
			o.Check(&reqs[i&(len(reqs)-1)])
			i++
		}
	})
}

// BenchmarkLookupResourcesWide: the first page of 100 for a member who can
// see about a tenth of all items through workspace grants.
func BenchmarkLookupResourcesWide(b *testing.B) {
	org, _, o := benchSetup(b)
	q := &authz.ResourceQuery{Subject: "user:" + org.Wide, Permission: "item.view", Type: "item", Limit: 100, Now: benchNow.UnixNano()}
	b.ReportAllocs()
	for b.Loop() {
		p, err := o.LookupResources(q)
		if err != nil || len(p.IDs) != 100 || p.Next == "" {
			b.Fatalf("page: %d ids, next %q, err %v", len(p.IDs), p.Next, err)
		}
	}
}

// BenchmarkLookupResourcesTypical: a random member's first page of items.
func BenchmarkLookupResourcesTypical(b *testing.B) {
	org, _, o := benchSetup(b)
	rng := rand.New(rand.NewPCG(3, 3))
	b.ReportAllocs()
	for b.Loop() {
		u := org.Users[10+rng.IntN(len(org.Users)-10)]
		q := &authz.ResourceQuery{Subject: "user:" + u, Permission: "item.view", Type: "item", Limit: 100, Now: benchNow.UnixNano()}
		if _, err := o.LookupResources(q); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLookupResourcesAdmin: an admin's first page of all items.
func BenchmarkLookupResourcesAdmin(b *testing.B) {
	org, _, o := benchSetup(b)
	q := &authz.ResourceQuery{Subject: "user:" + org.Users[1], Permission: "item.view", Type: "item", Limit: 100, Now: benchNow.UnixNano()}
	b.ReportAllocs()
	for b.Loop() {
		if p, err := o.LookupResources(q); err != nil || len(p.IDs) != 100 {
			b.Fatal(err)
		}
	}
}

func BenchmarkLookupSubjects(b *testing.B) {
	org, _, o := benchSetup(b)
	rng := rand.New(rand.NewPCG(5, 5))
	items := org.ByLevel[len(org.ByLevel)-1]
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		q := &authz.SubjectQuery{Permission: "item.view", Resource: items[rng.IntN(len(items))].String(), Now: benchNow.UnixNano()}
		res, _, err := o.LookupSubjects(q)
		if err != nil {
			b.Fatal(err)
		}
		n += len(res)
	}
	b.ReportMetric(float64(n)/float64(b.N), "subjects/op")
}

// BenchmarkBuild builds the index from a snapshot, as a server does at start.
func BenchmarkBuild(b *testing.B) {
	org, _, _ := benchSetup(b)
	for b.Loop() {
		e := authz.New()
		e.AddScheme(synth.Scheme)
		if err := e.Load(&org.Snapshot); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMemoryPerGrant reports the heap the grants add to an index: the
// org is built once without grants and once with them.
func BenchmarkMemoryPerGrant(b *testing.B) {
	org, _, _ := benchSetup(b)
	noGrants := org.Snapshot
	noGrants.Grants = nil
	heap := func(load func() *authz.Engine) (uint64, *authz.Engine) {
		runtime.GC()
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		e := load()
		runtime.GC()
		runtime.ReadMemStats(&m1)
		return m1.HeapAlloc - m0.HeapAlloc, e
	}
	for b.Loop() {
		without, e1 := heap(func() *authz.Engine {
			e := authz.New()
			e.AddScheme(synth.Scheme)
			e.Load(&noGrants)
			return e
		})
		with, e2 := heap(func() *authz.Engine {
			e := authz.New()
			e.AddScheme(synth.Scheme)
			e.Load(&org.Snapshot)
			return e
		})
		runtime.KeepAlive(e1)
		runtime.KeepAlive(e2)
		b.ReportMetric(float64(with-without)/float64(len(org.Snapshot.Grants)), "bytes/grant")
		b.ReportMetric(float64(with)/float64(len(org.Snapshot.Grants)), "index-bytes/grant")
	}
}
