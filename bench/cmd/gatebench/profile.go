package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/bench/engines"
	"github.com/gatehouse/gatehouse/bench/loadgen"
	"github.com/gatehouse/gatehouse/bench/vi"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store"
)

// profileCmd serves the org from SQLite through server.Start, as `gatehouse
// serve` does, inside this process, drives one HTTP
// scenario against it and writes a CPU profile: where a server-side goal is
// missed, this shows why. The load generator's own samples are in the
// profile too (package loadgen), to be set aside when reading it.
func profileCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("profile", flag.ExitOnError)
	grants := fs.Int("grants", 100000, "size of the org")
	workdir := fs.String("workdir", filepath.Join(os.TempDir(), "gatebench-work"), "where the database is")
	scenario := fs.String("scenario", scSingle, "scenario: "+scSingle+", "+scBatch+", "+scMixed+", "+scAdminPage+", "+scAuthZEN+", or load (the start-up load)")
	conns := fs.Int("conns", 32, "connections")
	d := fs.Duration("dur", 10*time.Second, "profile length")
	out := fs.String("cpuprofile", "out/server-cpu.prof", "profile file")
	reseed := fs.Bool("reseed", false, "write the database again even if an earlier profile run left one")
	fs.Parse(args)

	org := vi.Generate(vi.Sized(*grants))
	path := filepath.Join(*workdir, fmt.Sprintf("gatehouse-profile-%d.db", *grants))
	secretFile := path + ".secret"
	var secret string
	if b, err := os.ReadFile(secretFile); err == nil && !*reseed {
		secret = string(b) // seeded by an earlier profile run
	} else {
		if secret, _, err = seedSQLite(ctx, path, org); err != nil {
			return err
		}
		if err := os.WriteFile(secretFile, []byte(secret), 0o600); err != nil {
			return err
		}
	}
	key, err := audit.LoadKeyFile(liteKeyFile(path))
	if err != nil {
		return fmt.Errorf("%w (run again with -reseed)", err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	cfg := server.Config{DB: path, Audit: server.AuditFiles{Key: liteKeyFile(path)}, Logger: logger, NoConsole: true}
	if *scenario == "load" {
		// What a cold start spends: the snapshot read, then the index build;
		// then the whole server start, which does both again.
		stop, err := startCPUProfile(*out)
		if err != nil {
			return err
		}
		defer stop()
		st, err := server.OpenStore(ctx, path, key.Seal)
		if err != nil {
			return err
		}
		t0 := time.Now()
		snap, err := store.Read(ctx, st, func(r store.Reader) (domain.Snapshot, error) { return r.Snapshot(vi.OrgID) })
		st.Close()
		if err != nil {
			return err
		}
		read := time.Since(t0)
		t1 := time.Now()
		if err := authz.New().Load(&snap); err != nil {
			return err
		}
		build := time.Since(t1)
		t2 := time.Now()
		srv, err := server.Start(ctx, cfg)
		stop()
		if err != nil {
			return err
		}
		log.Printf("load: snapshot read %s, index build %s; server.Start %s; profile in %s", read, build, time.Since(t2), *out)
		return srv.Shutdown(ctx)
	}
	srv, err := server.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer srv.Shutdown(ctx)
	addr := srv.Addr

	mix := org.NewMix(vi.DefaultMix)
	t := gatehouseTarget(addr, secret, org, mix, engines.Expected(org, mix))
	var reqs []*loadgen.Request
	want := engines.Expected(org, mix)
	switch *scenario {
	case scSingle, scMixed:
		for i, c := range mix.Checks {
			reqs = append(reqs, t.check(c, want.Checks[i]))
		}
	case scBatch:
		for i, b := range mix.Batches {
			reqs = append(reqs, t.batch(b, want.Batches[i]))
		}
	case scAdminPage:
		reqs = append(reqs, t.adminPage())
	case scAuthZEN:
		// The single checks' requests, asked as AuthZEN evaluations.
		for i, c := range mix.Checks {
			reqs = append(reqs, authzenEvaluation(addr, secret, c, want.Checks[i]))
		}
	default:
		return fmt.Errorf("unknown scenario %q", *scenario)
	}
	ws := writers(org, mix)
	next := func(c, i int) *loadgen.Request {
		if *scenario == scMixed && i%20 == 19 {
			return t.write(ws[(c*31+i)%len(ws)], org.Datasets[(c*7919+i*31)%len(org.Datasets)])
		}
		return reqs[(c*131+i)%len(reqs)]
	}
	loadgen.Run(ctx, loadgen.Config{Addr: addr, Conns: *conns, Duration: time.Second, Next: next})
	stop, err := startCPUProfile(*out)
	if err != nil {
		return err
	}
	r, err := loadgen.Run(ctx, loadgen.Config{Addr: addr, Conns: *conns, Duration: *d, Next: next})
	stop()
	if err != nil {
		return err
	}
	log.Printf("%s: %.0f req/s, p50 %s, p99 %s, %d errors (%s), %d wrong; profile in %s", *scenario, r.PerSec, r.P50, r.P99, r.Errors, r.FirstErr, r.Wrong, *out)
	return nil
}

// startCPUProfile writes a CPU profile to path until stop, which may be
// called more than once.
func startCPUProfile(path string) (stop func(), err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	var once sync.Once
	return func() { once.Do(func() { pprof.StopCPUProfile(); f.Close() }) }, nil
}

// scAuthZEN is the single checks asked through the AuthZEN evaluation
// endpoint, with the same key: the cost of AuthZEN's wire form and path
// beside /check's.
const scAuthZEN = "authzen evaluations"

func authzenEvaluation(addr, secret string, c vi.Check, want bool) *loadgen.Request {
	type entity struct {
		Type string `json:"type"`
		ID   string `json:"id"`
	}
	body, _ := json.Marshal(struct {
		Subject  entity            `json:"subject"`
		Action   map[string]string `json:"action"`
		Resource entity            `json:"resource"`
	}{entity{"user", c.User}, map[string]string{"name": "dataset." + c.Perm}, entity{"dataset", c.Dataset}})
	return &loadgen.Request{Raw: loadgen.Build("POST", "/v1/orgs/"+vi.OrgID+"/access/v1/evaluation", addr, secret, body),
		Check: func(status int, body []byte) (bool, bool) {
			var out struct {
				Decision *bool `json:"decision"`
			}
			if status != 200 || json.Unmarshal(body, &out) != nil || out.Decision == nil {
				return false, false
			}
			return true, *out.Decision == want
		}}
}
