package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/bench/engines"
	"github.com/gatehouse/gatehouse/bench/loadgen"
	"github.com/gatehouse/gatehouse/bench/seed"
	"github.com/gatehouse/gatehouse/bench/vi"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

const (
	scSingle    = "single checks"
	scBatch     = "batch checks"
	scMixed     = "95/5 read/write"
	scAdminPage = "admin's first 100 datasets"
)

type serverConfig struct {
	grants    int
	workdir   string
	gatehouse string
	conns     int
	dur       time.Duration
	http      bool
	cold      bool
	pg        bool
	fga       fgaDB
}

// seeding writes the largest org into Gatehouse's SQLite and PostgreSQL
// databases, side by side (neither is timed against the other).
type seeding struct {
	done             chan struct{}
	litePath         string
	liteSecret       string
	liteSeed, pgSeed time.Duration
	liteErr, pgErr   error
	pg               *pgServer
	pgURL            string
	pgKeyFile        string // the PostgreSQL database's audit key
}

func startSeeding(ctx context.Context, cfg serverConfig, org *vi.Org) *seeding {
	sd := &seeding{done: make(chan struct{}), litePath: filepath.Join(cfg.workdir, fmt.Sprintf("gatehouse-%d.db", cfg.grants)),
		pgKeyFile: filepath.Join(cfg.workdir, "gatehouse-pg.audit-key")}
	log.Printf("writing Gatehouse's databases (%d grants) in the background", cfg.grants)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		sd.liteSecret, sd.liteSeed, sd.liteErr = seedSQLite(ctx, sd.litePath, org)
	}()
	if cfg.cold && cfg.pg {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pg, err := startPG(filepath.Join(cfg.workdir, "pg"))
			if err != nil {
				sd.pgErr = err
				return
			}
			sd.pg, sd.pgURL = pg, pg.url("gatehouse")
			if sd.pgErr = pg.createDB("gatehouse"); sd.pgErr != nil {
				return
			}
			_, sd.pgSeed, sd.pgErr = seedPostgres(ctx, sd.pgURL, sd.pgKeyFile, org)
		}()
	}
	go func() { wg.Wait(); close(sd.done) }()
	return sd
}

func (sd *seeding) wait() { <-sd.done }

// runServers starts `gatehouse serve` on each database written by sd to
// time its cold start, runs the HTTP scenarios against the SQLite one, then
// against `openfga run` on OpenFGA's SQLite database of the same size.
func runServers(ctx context.Context, cfg serverConfig, sd *seeding, res *Results) error {
	if _, err := os.Stat(cfg.gatehouse); err != nil {
		return fmt.Errorf("gatehouse binary: %w (make bench builds it)", err)
	}
	org := vi.Generate(vi.Sized(cfg.grants))
	mix := org.NewMix(res.Mix)
	want := engines.Expected(org, mix)
	if sd == nil {
		sd = startSeeding(ctx, cfg, org)
	}
	sd.wait()
	if sd.pg != nil {
		defer sd.pg.stop()
	}
	pg, pgURL, pgErr, pgSeed := sd.pg, sd.pgURL, sd.pgErr, sd.pgSeed
	litePath, liteSecret, liteSeed, liteErr := sd.litePath, sd.liteSecret, sd.liteSeed, sd.liteErr
	if liteErr != nil {
		return fmt.Errorf("seed SQLite: %w", liteErr)
	}
	log.Printf("Gatehouse SQLite database written in %s", round(liteSeed))

	// SQLite: cold start, then the HTTP scenarios on the same process.
	gh, cold, err := startGatehouse(ctx, cfg.gatehouse, litePath, liteKeyFile(litePath), filepath.Join(cfg.workdir, "gatehouse-sqlite.log"))
	if err != nil {
		return err
	}
	cold.Store, cold.Grants, cold.Seed = "SQLite", cfg.grants, liteSeed
	if cfg.cold {
		res.Cold = append(res.Cold, cold)
	}
	log.Printf("Gatehouse (SQLite) ready in %s, peak RSS %s", round(cold.Ready), mib(cold.PeakRSS))
	if cfg.http {
		res.HTTP = &HTTPResult{Grants: cfg.grants, Conns: cfg.conns, Duration: cfg.dur}
		t := gatehouseTarget(gh.addr, liteSecret, org, mix, want)
		res.HTTP.Gatehouse, err = runScenarios(ctx, t, cfg, res)
		if err != nil {
			gh.stop()
			return err
		}
	}
	gh.stop()
	if cfg.http {
		c := mix.Checks[0]
		body, _ := json.Marshal(map[string]string{"subject": "user:" + c.User, "permission": "dataset." + c.Perm, "resource": "dataset:" + c.Dataset})
		floor, err := runFloor(ctx, cfg, liteSecret, body)
		if err != nil {
			return err
		}
		res.HTTP.Floor = &floor
	}

	if cfg.cold && cfg.pg {
		if pgErr != nil {
			res.Notes = append(res.Notes, "PostgreSQL cold start not measured: "+pgErr.Error())
			log.Printf("PostgreSQL: %v", pgErr)
		} else {
			log.Printf("Gatehouse PostgreSQL database written in %s", round(pgSeed))
			g, cold, err := startGatehouse(ctx, cfg.gatehouse, pgURL, sd.pgKeyFile, filepath.Join(cfg.workdir, "gatehouse-pg.log"))
			if err != nil {
				return err
			}
			g.stop()
			cold.Store, cold.Grants, cold.Seed = "PostgreSQL "+pg.version, cfg.grants, pgSeed
			res.Cold = append(res.Cold, cold)
			log.Printf("Gatehouse (PostgreSQL) ready in %s, peak RSS %s", round(cold.Ready), mib(cold.PeakRSS))
		}
	}

	if cfg.fga.Path == "" {
		if cfg.http {
			res.HTTP.OpenFGANote = "OpenFGA over HTTP not run: its SQLite database of this size was not built in process."
		}
		return nil
	}
	fga, cold, err := startOpenFGA(ctx, cfg.fga.Path, filepath.Join(cfg.workdir, "openfga.log"))
	if err != nil {
		return err
	}
	defer fga.stop()
	cold.Store, cold.Grants = "SQLite", cfg.grants
	cold.Note = "reads tuples on demand, no index to build"
	if cfg.cold {
		res.Cold = append(res.Cold, cold)
	}
	log.Printf("OpenFGA (SQLite) ready in %s, peak RSS %s", round(cold.Ready), mib(cold.PeakRSS))
	if cfg.http {
		t := openfgaTarget(fga.addr, cfg.fga, org, mix, want)
		res.HTTP.OpenFGA, err = runScenarios(ctx, t, cfg, res)
		if err != nil {
			return err
		}
		res.HTTP.OpenFGANote = "OpenFGA's memory datastore is not run over HTTP: a server process would have to be loaded through the API, and its loading is quadratic (see in process)."
	}
	return nil
}

// liteKeyFile is the audit key of the SQLite database at path, where
// `gatehouse serve` looks for it by default.
func liteKeyFile(path string) string { return path + ".audit-key" }

func seedSQLite(ctx context.Context, path string, org *vi.Org) (string, time.Duration, error) {
	for _, s := range []string{"", "-wal", "-shm", ".audit-checkpoints"} {
		os.Remove(path + s)
	}
	key, err := freshAuditKey(liteKeyFile(path))
	if err != nil {
		return "", 0, err
	}
	t0 := time.Now()
	st, err := sqlite.New(ctx, path, store.Options{Sealer: key.Seal})
	if err != nil {
		return "", 0, err
	}
	defer st.Close()
	if err := keyAudit(ctx, st, key); err != nil {
		return "", 0, err
	}
	secret, err := seed.Gatehouse(ctx, st, org, progress("SQLite"))
	return secret, time.Since(t0), err
}

func seedPostgres(ctx context.Context, url, keyFile string, org *vi.Org) (string, time.Duration, error) {
	key, err := freshAuditKey(keyFile)
	if err != nil {
		return "", 0, err
	}
	t0 := time.Now()
	st, err := postgres.New(ctx, url, store.Options{Sealer: key.Seal})
	if err != nil {
		return "", 0, err
	}
	defer st.Close()
	if err := keyAudit(ctx, st, key); err != nil {
		return "", 0, err
	}
	secret, err := seed.GatehouseBulk(ctx, st, org, func(ctx context.Context, gs []domain.Grant) error { return copyGrants(ctx, url, gs) }, progress("PostgreSQL"))
	return secret, time.Since(t0), err
}

// copyGrants writes grants with COPY, into the columns of the store's
// grants table (internal/store/postgres/migrations); everything else is
// written through the store. Should the table change, the cold start that
// follows fails to load or answers wrongly, and the run says so.
func copyGrants(ctx context.Context, url string, gs []domain.Grant) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	cols := []string{"org", "id", "subject_kind", "subject_id", "role", "scope_kind", "scope_type", "scope_id", "expires_at", "created_by", "created_at"}
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"grants"}, cols, pgx.CopyFromSlice(len(gs), func(i int) ([]any, error) {
		g := &gs[i]
		var exp any
		if !g.ExpiresAt.IsZero() {
			exp = g.ExpiresAt
		}
		return []any{g.Org, g.ID, int(g.Subject.Kind), g.Subject.ID, g.Role, int(g.Scope.Kind), g.Scope.Type, g.Scope.ID, exp, g.CreatedBy, g.CreatedAt}, nil
	}))
	return err
}

func progress(name string) func(string, int, int) {
	last := time.Now()
	return func(what string, done, total int) {
		if time.Since(last) > 20*time.Second || done == total && what == "grants" {
			last = time.Now()
			log.Printf("  seeding Gatehouse %s: %s %d of %d", name, what, done, total)
		}
	}
}

// proc is a server process under test.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	log    *os.File
	exited chan struct{} // closed when the process has exited
}

func (p *proc) stop() {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.exited
	}
	p.log.Close()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// startProc starts cmd and waits until GET url answers 200; the cold start
// is the time from just before exec to that answer.
func startProc(ctx context.Context, cmd *exec.Cmd, addr, readyPath, logPath string) (*proc, ColdStart, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, ColdStart{}, err
	}
	cmd.Stdout, cmd.Stderr = lf, lf
	p := &proc{cmd: cmd, addr: addr, log: lf, exited: make(chan struct{})}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, ColdStart{}, err
	}
	go func() { cmd.Wait(); close(p.exited) }()
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := t0.Add(loadLimit)
	for {
		select {
		case <-p.exited:
			lf.Close()
			b, _ := os.ReadFile(logPath)
			return nil, ColdStart{}, fmt.Errorf("%s exited before it was ready:\n%s", cmd.Path, tail(b, 2000))
		default:
		}
		resp, err := client.Get("http://" + addr + readyPath)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			p.cmd.Process.Kill()
			<-p.exited
			lf.Close()
			return nil, ColdStart{}, fmt.Errorf("%s not ready after %s", cmd.Path, loadLimit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	cs := ColdStart{Ready: time.Since(t0), PeakRSS: peakRSS(cmd.Process.Pid)}
	return p, cs, nil
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

// peakRSS reads VmHWM of a process, in bytes.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func startGatehouse(ctx context.Context, bin, db, keyFile, logPath string) (*proc, ColdStart, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, ColdStart{}, err
	}
	cmd := exec.Command(bin, "serve", "--db", db, "--audit-key", keyFile, "--addr", addr, "--log-level", "warn")
	p, cs, err := startProc(ctx, cmd, addr, "/readyz", logPath)
	cs.Server = "Gatehouse"
	return p, cs, err
}

func startOpenFGA(ctx context.Context, dbPath, logPath string) (*proc, ColdStart, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, ColdStart{}, err
	}
	httpAddr, err := freeAddr()
	if err != nil {
		return nil, ColdStart{}, err
	}
	grpcAddr, err := freeAddr()
	if err != nil {
		return nil, ColdStart{}, err
	}
	cmd := exec.Command(self, "openfga", "run", "--datastore-engine", "sqlite", "--datastore-uri", "file:"+dbPath,
		"--http-addr", httpAddr, "--grpc-addr", grpcAddr, "--playground-enabled=false", "--metrics-enabled=false",
		"--log-level", "warn", "--datastore-max-open-conns", "30")
	p, cs, err := startProc(ctx, cmd, httpAddr, "/healthz", logPath)
	cs.Server = "OpenFGA"
	return p, cs, err
}

// target is one server's way of asking the mix over HTTP.
type target struct {
	name      string
	addr      string
	check     func(c vi.Check, want bool) *loadgen.Request
	batch     func(b []vi.Check, want []bool) *loadgen.Request
	write     func(user, dataset string) *loadgen.Request
	adminPage func() *loadgen.Request
	adminNote string
}

func checkResult(want bool) func(int, []byte) (bool, bool) {
	return func(status int, body []byte) (bool, bool) {
		got, found := loadgen.Allowed(body)
		return status == 200 && found, got == want
	}
}

func gatehouseTarget(addr, secret string, org *vi.Org, mix *vi.Mix, want *engines.Answers) *target {
	path := "/v1/orgs/" + vi.OrgID
	type check struct {
		Subject    string `json:"subject"`
		Permission string `json:"permission"`
		Resource   string `json:"resource"`
	}
	toCheck := func(c vi.Check) check {
		return check{Subject: "user:" + c.User, Permission: "dataset." + c.Perm, Resource: "dataset:" + c.Dataset}
	}
	return &target{
		name: "Gatehouse", addr: addr,
		check: func(c vi.Check, w bool) *loadgen.Request {
			body, _ := json.Marshal(toCheck(c))
			return &loadgen.Request{Raw: loadgen.Build("POST", path+"/check", addr, secret, body), Check: checkResult(w)}
		},
		batch: func(b []vi.Check, w []bool) *loadgen.Request {
			var in struct {
				Checks []check `json:"checks"`
			}
			for _, c := range b {
				in.Checks = append(in.Checks, toCheck(c))
			}
			body, _ := json.Marshal(in)
			return &loadgen.Request{Raw: loadgen.Build("POST", path+"/check/batch", addr, secret, body),
				Check: func(status int, body []byte) (bool, bool) {
					var out struct {
						Results []struct {
							Allowed bool `json:"allowed"`
						} `json:"results"`
					}
					if status != 200 || json.Unmarshal(body, &out) != nil || len(out.Results) != len(w) {
						return false, false
					}
					for i, r := range out.Results {
						if r.Allowed != w[i] {
							return true, false
						}
					}
					return true, true
				}}
		},
		write: func(user, dataset string) *loadgen.Request {
			body, _ := json.Marshal(map[string]string{"subject": "user:" + user, "role": "dataset.viewer", "scope": "dataset:" + dataset})
			return &loadgen.Request{Raw: loadgen.Build("POST", path+"/grants", addr, secret, body),
				Check: func(status int, body []byte) (bool, bool) { return status/100 == 2 || status == 409, true }}
		},
		adminPage: func() *loadgen.Request {
			body, _ := json.Marshal(map[string]any{"subject": "user:" + org.Admins[0], "permission": "dataset.view", "type": "dataset", "limit": 100})
			return &loadgen.Request{Raw: loadgen.Build("POST", path+"/lookup/resources", addr, secret, body),
				Check: func(status int, body []byte) (bool, bool) {
					var out struct {
						Items []string `json:"items"`
						Next  string   `json:"next_page_token"`
					}
					if status != 200 || json.Unmarshal(body, &out) != nil {
						return false, false
					}
					return true, len(out.Items) == 100 && out.Items[0] == org.Datasets[0] && out.Next != ""
				}}
		},
	}
}

func openfgaTarget(addr string, db fgaDB, org *vi.Org, mix *vi.Mix, want *engines.Answers) *target {
	path := "/stores/" + db.StoreID
	type tk struct {
		User     string `json:"user"`
		Relation string `json:"relation"`
		Object   string `json:"object"`
	}
	toTK := func(c vi.Check) tk {
		return tk{User: "user:" + c.User, Relation: "can_" + c.Perm, Object: "dataset:" + c.Dataset}
	}
	return &target{
		name: "OpenFGA", addr: addr,
		check: func(c vi.Check, w bool) *loadgen.Request {
			body, _ := json.Marshal(map[string]any{"authorization_model_id": db.ModelID, "tuple_key": toTK(c)})
			return &loadgen.Request{Raw: loadgen.Build("POST", path+"/check", addr, "", body), Check: checkResult(w)}
		},
		batch: func(b []vi.Check, w []bool) *loadgen.Request {
			type item struct {
				TupleKey      tk     `json:"tuple_key"`
				CorrelationID string `json:"correlation_id"`
			}
			var items []item
			for i, c := range b {
				items = append(items, item{TupleKey: toTK(c), CorrelationID: strconv.Itoa(i)})
			}
			body, _ := json.Marshal(map[string]any{"authorization_model_id": db.ModelID, "checks": items})
			return &loadgen.Request{Raw: loadgen.Build("POST", path+"/batch-check", addr, "", body),
				Check: func(status int, body []byte) (bool, bool) {
					var out struct {
						Result map[string]struct {
							Allowed bool            `json:"allowed"`
							Error   json.RawMessage `json:"error"`
						} `json:"result"`
					}
					if status != 200 || json.Unmarshal(body, &out) != nil || len(out.Result) != len(w) {
						return false, false
					}
					for _, r := range out.Result {
						if len(r.Error) > 0 && string(r.Error) != "null" {
							return false, false // an item failed (a timeout under load)
						}
					}
					for id, r := range out.Result {
						i, err := strconv.Atoi(id)
						if err != nil || i < 0 || i >= len(w) || r.Allowed != w[i] {
							return true, false
						}
					}
					return true, true
				}}
		},
		write: func(user, dataset string) *loadgen.Request {
			body, _ := json.Marshal(map[string]any{"authorization_model_id": db.ModelID,
				"writes": map[string]any{"tuple_keys": []tk{{User: "user:" + user, Relation: "viewer", Object: "dataset:" + dataset}}}})
			return &loadgen.Request{Raw: loadgen.Build("POST", path+"/write", addr, "", body),
				Check: func(status int, body []byte) (bool, bool) {
					// 400 "cannot write a tuple which already exists"
					return status == 200 || status == 400 && bytes.Contains(body, []byte("already exists")), true
				}}
		},
		adminPage: func() *loadgen.Request {
			body, _ := json.Marshal(map[string]any{"authorization_model_id": db.ModelID, "type": "dataset", "relation": "can_view", "user": "user:" + org.Admins[0]})
			return &loadgen.Request{Raw: loadgen.Build("POST", path+"/list-objects", addr, "", body),
				Check: func(status int, body []byte) (bool, bool) {
					return status == 200, bytes.Contains(body, []byte("dataset:"))
				}}
		},
		adminNote: "ListObjects: no pages, stops at 1,000 objects",
	}
}

// writers are members the mix never asks about: the 95/5 scenario grants
// them datasets, so every checked answer stays the reference's.
func writers(org *vi.Org, mix *vi.Mix) []string {
	asked := map[string]bool{}
	for _, c := range mix.Checks {
		asked[c.User] = true
	}
	for _, b := range mix.Batches {
		for _, c := range b {
			asked[c.User] = true
		}
	}
	var out []string
	for _, m := range org.Members {
		if !asked[m] {
			out = append(out, m)
		}
		if len(out) == 1000 {
			break
		}
	}
	return out
}

func runScenarios(ctx context.Context, t *target, cfg serverConfig, res *Results) ([]HTTPScenario, error) {
	org := vi.Generate(vi.Sized(cfg.grants))
	mix := org.NewMix(res.Mix)
	want := engines.Expected(org, mix)
	checks := make([]*loadgen.Request, len(mix.Checks))
	for i, c := range mix.Checks {
		checks[i] = t.check(c, want.Checks[i])
	}
	batches := make([]*loadgen.Request, len(mix.Batches))
	for i, b := range mix.Batches {
		batches[i] = t.batch(b, want.Batches[i])
	}
	ws := writers(org, mix)
	rngs := make([]*rand.Rand, cfg.conns)
	for i := range rngs {
		rngs[i] = rand.New(rand.NewPCG(uint64(i), 99))
	}
	admin := t.adminPage()
	scenarios := []struct {
		name  string
		conns int
		dur   time.Duration
		per   int // decisions per request
		next  func(c, i int) *loadgen.Request
		note  string
	}{
		{scSingle, cfg.conns, cfg.dur, 1, func(c, i int) *loadgen.Request { return checks[(c*131+i)%len(checks)] }, ""},
		{scBatch, cfg.conns, cfg.dur, res.Mix.BatchSize, func(c, i int) *loadgen.Request { return batches[(c*7+i)%len(batches)] },
			fmt.Sprintf("%d checks a request", res.Mix.BatchSize)},
		{scMixed, cfg.conns, cfg.dur, 1, func(c, i int) *loadgen.Request {
			r := rngs[c]
			if r.IntN(100) < 5 {
				return t.write(ws[r.IntN(len(ws))], org.Datasets[r.IntN(len(org.Datasets))])
			}
			return checks[r.IntN(len(checks))]
		}, "5% grant writes"},
		{scAdminPage, 1, cfg.dur / 2, 1, func(c, i int) *loadgen.Request { return admin }, t.adminNote},
	}
	// Warm up: connections, caches, the JIT-free but lazy parts.
	if _, err := loadgen.Run(ctx, loadgen.Config{Addr: t.addr, Conns: cfg.conns, Duration: time.Second,
		Next: func(c, i int) *loadgen.Request { return checks[(c*131+i)%len(checks)] }}); err != nil {
		return nil, fmt.Errorf("%s warm-up: %w", t.name, err)
	}
	var out []HTTPScenario
	for _, s := range scenarios {
		r, err := loadgen.Run(ctx, loadgen.Config{Addr: t.addr, Conns: s.conns, Duration: s.dur, Next: s.next})
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", t.name, s.name, err)
		}
		hs := HTTPScenario{Name: s.name, Conns: s.conns, Requests: r.Requests, PerSec: r.PerSec, ChecksSec: r.PerSec * float64(s.per),
			P50: r.P50, P99: r.P99, Errors: r.Errors, Wrong: r.Wrong, Note: s.note}
		if s.name == scAdminPage {
			hs.ChecksSec = 0
		}
		log.Printf("  %s %s: %.0f req/s, p50 %s, p99 %s, %d errors, %d wrong", t.name, s.name, r.PerSec, r.P50, r.P99, r.Errors, r.Wrong)
		if r.Errors > 0 {
			msg := fmt.Sprintf("%s over HTTP, %s: %d errors (%d responses in all), first: %.300s", t.name, s.name, r.Errors, r.Requests, r.FirstErr)
			if t.name == "Gatehouse" {
				res.Failed = append(res.Failed, msg)
			} else {
				// A peer that times out or fails under the load is a
				// finding, not a broken run; a wrong answer still is.
				res.Notes = append(res.Notes, msg)
			}
		}
		if r.Wrong > 0 {
			res.Failed = append(res.Failed, fmt.Sprintf("%s over HTTP, %s: %d answers differ from the reference", t.name, s.name, r.Wrong))
		}
		out = append(out, hs)
	}
	return out, nil
}

// pgServer is a throwaway PostgreSQL server of Debian's package, on a unix
// socket in dir, tuned for loading (no fsync: its data dies with the run).
type pgServer struct {
	bin, dir, data, asUser, version string
	port                            int
}

func startPG(dir string) (*pgServer, error) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pg_ctl")
	if len(bins) == 0 {
		return nil, errors.New("PostgreSQL is not installed (apt-get install postgresql)")
	}
	bin := filepath.Dir(bins[len(bins)-1])
	s := &pgServer{bin: bin, dir: dir, data: filepath.Join(dir, "data"), port: 5400 + os.Getpid()%500,
		version: filepath.Base(filepath.Dir(bin))}
	if s.stopStale(); true {
		os.RemoveAll(dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		s.asUser = "postgres"
		out, err := exec.Command("chown", "postgres:postgres", dir).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("chown %s: %v %s", dir, err, out)
		}
	}
	if out, err := s.run("initdb", "-D", s.data, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync"); err != nil {
		return nil, fmt.Errorf("initdb: %w\n%s", err, out)
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -p %d -F -c full_page_writes=off -c synchronous_commit=off -c max_connections=100", dir, s.port)
	if out, err := s.run("pg_ctl", "start", "-w", "-t", "60", "-D", s.data, "-l", filepath.Join(dir, "log"), "-o", opts); err != nil {
		return nil, fmt.Errorf("pg_ctl start: %w\n%s", err, out)
	}
	return s, nil
}

func (s *pgServer) stopStale() {
	if _, err := os.Stat(filepath.Join(s.data, "postmaster.pid")); err == nil {
		s.run("pg_ctl", "stop", "-D", s.data, "-m", "immediate", "-w")
	}
}

func (s *pgServer) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = s.dir
	return cmd.CombinedOutput()
}

func (s *pgServer) url(db string) string {
	return fmt.Sprintf("postgres://postgres@/%s?host=%s&port=%d&sslmode=disable", db, s.dir, s.port)
}

func (s *pgServer) createDB(name string) error {
	out, err := s.run("createdb", "-h", s.dir, "-p", strconv.Itoa(s.port), "-U", "postgres", name)
	if err != nil {
		return fmt.Errorf("createdb: %w\n%s", err, out)
	}
	return nil
}

func (s *pgServer) stop() {
	s.run("pg_ctl", "stop", "-D", s.data, "-m", "fast", "-w")
	os.RemoveAll(s.dir)
}
