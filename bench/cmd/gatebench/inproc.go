package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gatehouse/gatehouse/bench/engines"
	"github.com/gatehouse/gatehouse/bench/vi"
)

// loadLimit is how long a peer may take to load a size before it is
// skipped there (the rule for the 1M size).
const loadLimit = 10 * time.Minute

type inprocConfig struct {
	sizes     []int
	dur       time.Duration
	workdir   string
	memoryMax int // largest size OpenFGA's memory datastore loads
	only      map[string]bool
	// background, when set, starts untimed work (writing Gatehouse's
	// databases for the server runs) while OpenFGA's SQLite datastore loads
	// the largest size, and returns a wait for it; the timings start after.
	background func(org *vi.Org) (wait func())
}

// fgaDB is where each size's OpenFGA SQLite database is, for
// the HTTP run.
type fgaDB struct {
	Path, StoreID, ModelID string
}

func runInProcess(ctx context.Context, cfg inprocConfig, res *Results) (map[int]fgaDB, error) {
	dbs := map[int]fgaDB{}
	var wait func()
	defer func() {
		if wait != nil {
			wait()
		}
	}()
	var memLoad time.Duration // OpenFGA memory's load time at the largest size it loaded
	var memTuples int
	for _, n := range cfg.sizes {
		org := vi.Generate(vi.Sized(n))
		mix := org.NewMix(res.Mix)
		want := engines.Expected(org, mix)
		sr := SizeResult{Grants: len(org.Grants), Members: len(org.Users()), Datasets: len(org.Datasets), Tuples: org.Tuples()}
		log.Printf("size %d grants: %d users, %d datasets, %d tuples", n, sr.Members, sr.Datasets, sr.Tuples)
		var tuples = engines.OpenFGATuples(org)
		largest := n == cfg.sizes[len(cfg.sizes)-1]
		overlapped := false
		specs := []struct {
			name string
			open func() (engines.Engine, error)
			skip func() string
		}{
			{"Gatehouse", func() (engines.Engine, error) { return engines.NewGatehouse(org) }, nil},
			{"OpenFGA (memory)", func() (engines.Engine, error) {
				f, err := engines.NewOpenFGAMemory(ctx)
				if err != nil {
					return nil, err
				}
				if err := f.Setup(ctx); err != nil {
					return nil, err
				}
				t0 := time.Now()
				if err := f.Load(ctx, tuples, 1000, nil); err != nil {
					return nil, err
				}
				memLoad, memTuples = time.Since(t0), len(tuples)
				return f, nil
			}, func() string {
				if n <= cfg.memoryMax {
					return ""
				}
				msg := fmt.Sprintf("not loaded: the memory datastore compares every written tuple with every stored one, so loading is quadratic in tuples")
				if memTuples > 0 {
					r := float64(len(tuples)) / float64(memTuples)
					msg += fmt.Sprintf(" (%s for %d tuples here, so about %s for %d)", round(memLoad), memTuples, round(time.Duration(float64(memLoad)*r*r)), len(tuples))
				}
				return msg
			}},
			{"OpenFGA (SQLite)", func() (engines.Engine, error) {
				path := filepath.Join(cfg.workdir, fmt.Sprintf("openfga-%d.db", n))
				for _, suffix := range []string{"", "-wal", "-shm"} {
					os.Remove(path + suffix)
				}
				f, err := engines.NewOpenFGASQLite(ctx, path)
				if err != nil {
					return nil, err
				}
				if err := f.Setup(ctx); err != nil {
					return nil, err
				}
				if largest && cfg.background != nil {
					wait, overlapped = cfg.background(org), true
				}
				t0 := time.Now()
				last := t0
				err = f.Load(ctx, tuples, 1000, func(done int) {
					if time.Since(last) > 15*time.Second {
						last = time.Now()
						log.Printf("  OpenFGA (SQLite): %d of %d tuples written (%s)", done, len(tuples), round(time.Since(t0)))
					}
				})
				if err != nil {
					return nil, err
				}
				dbs[n] = fgaDB{Path: path, StoreID: f.StoreID, ModelID: f.ModelID}
				return f, nil
			}, nil},
			{"Casbin", func() (engines.Engine, error) { return engines.NewCasbin(org) }, nil},
		}
		for _, sp := range specs {
			if cfg.only != nil && !cfg.only[sp.name] {
				continue
			}
			er := EngineResult{Name: sp.name}
			if sp.skip != nil {
				if why := sp.skip(); why != "" {
					er.Skipped = why
					log.Printf("  %s: skipped: %s", sp.name, why)
					sr.Engines = append(sr.Engines, er)
					continue
				}
			}
			runtime.GC()
			t0 := time.Now()
			e, err := sp.open()
			if err != nil {
				return nil, fmt.Errorf("%s at %d: %w", sp.name, n, err)
			}
			er.Load = time.Since(t0)
			if overlapped && sp.name == "OpenFGA (SQLite)" {
				er.LoadNote = "while Gatehouse's SQLite and PostgreSQL databases were written alongside"
				log.Printf("  %s: loaded; waiting for the background seeding before timing", sp.name)
				wait()
				wait = nil
			}
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			er.HeapMiB = float64(ms.HeapAlloc) / (1 << 20)
			log.Printf("  %s: loaded in %s (heap %.0f MiB)", sp.name, round(er.Load), er.HeapMiB)
			if er.Load > loadLimit {
				er.Skipped = fmt.Sprintf("loaded in %s, over the %s limit", round(er.Load), loadLimit)
			}
			if err := measureEngine(ctx, e, org, mix, want, cfg.dur, &er, res); err != nil {
				e.Close()
				return nil, err
			}
			e.Close()
			sr.Engines = append(sr.Engines, er)
		}
		res.Sizes = append(res.Sizes, sr)
		if largest && !overlapped && cfg.background != nil {
			cfg.background(org)()
		}
	}
	return dbs, nil
}

func measureEngine(ctx context.Context, e engines.Engine, org *vi.Org, mix *vi.Mix, want *engines.Answers, dur time.Duration, er *EngineResult, res *Results) error {
	t0 := time.Now()
	got, err := engines.Answer(ctx, e, mix)
	if err != nil {
		return err
	}
	dis := engines.Compare(mix, "reference", want, e.Name(), got)
	if len(dis) > 0 {
		for i, d := range dis {
			if i == 5 {
				res.Failed = append(res.Failed, fmt.Sprintf("%s at %d grants: ... %d disagreements in all", e.Name(), len(org.Grants), len(dis)))
				break
			}
			res.Failed = append(res.Failed, fmt.Sprintf("%s at %d grants: %v", e.Name(), len(org.Grants), d))
		}
		log.Printf("  %s: %d DISAGREEMENTS with the reference; no timing", e.Name(), len(dis))
		return nil
	}
	er.Agreed = true
	log.Printf("  %s: agrees on all %d checks, %d batches, %d lookups of each kind (%s)", e.Name(), len(mix.Checks), len(mix.Batches), len(mix.ListUsers), round(time.Since(t0)))
	measure := func(what string, d time.Duration, par bool, op func(i int) error) (engines.Timing, error) {
		t, err := engines.Measure(ctx, d, 5, par, op)
		if err != nil {
			return t, fmt.Errorf("%s %s: %w", e.Name(), what, err)
		}
		return t, nil
	}
	if er.Check, err = measure("check", dur, true, func(i int) error {
		_, err := e.Check(ctx, mix.Checks[i%len(mix.Checks)])
		return err
	}); err != nil {
		return err
	}
	if er.Batch, err = measure("batch", dur/2, false, func(i int) error {
		_, err := e.BatchCheck(ctx, mix.Batches[i%len(mix.Batches)])
		return err
	}); err != nil {
		return err
	}
	if er.List, err = measure("list", dur/2, false, func(i int) error {
		_, err := e.ListDatasets(ctx, mix.ListUsers[i%len(mix.ListUsers)], vi.View)
		return err
	}); err != nil {
		return err
	}
	if er.Access, err = measure("access", dur/2, false, func(i int) error {
		_, err := e.WhoCanAccess(ctx, mix.AccessDatasets[i%len(mix.AccessDatasets)], vi.View)
		return err
	}); err != nil {
		return err
	}
	admin := org.Admins[0]
	var count int
	page := func(int) error {
		switch x := e.(type) {
		case *engines.Gatehouse:
			ids, err := x.FirstPage(admin, vi.View, 100)
			count = len(ids)
			return err
		case *engines.OpenFGA:
			n, err := x.ListObjectsCount(ctx, admin, vi.View)
			count = n
			return err
		default:
			ids, err := e.ListDatasets(ctx, admin, vi.View)
			count = len(ids)
			return err
		}
	}
	if er.AdminPage, err = measure("admin page", dur/2, false, page); err != nil {
		return err
	}
	er.AdminCount = count
	log.Printf("  %s: check p50 %s p99 %s, %.0f/s (1 caller) %.0f/s (%d callers); batch p50 %s; list p50 %s; access p50 %s; admin page p50 %s (%d ids)",
		e.Name(), er.Check.P50, er.Check.P99, er.Check.PerSec, er.Check.ParPerSec, runtime.GOMAXPROCS(0),
		er.Batch.P50, er.List.P50, er.Access.P50, er.AdminPage.P50, count)
	return nil
}

func round(d time.Duration) time.Duration {
	switch {
	case d > 10*time.Second:
		return d.Round(100 * time.Millisecond)
	case d > time.Second:
		return d.Round(10 * time.Millisecond)
	case d > time.Millisecond:
		return d.Round(10 * time.Microsecond)
	}
	return d
}
