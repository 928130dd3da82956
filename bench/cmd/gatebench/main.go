// Command gatebench runs Gatehouse side by side with OpenFGA and Casbin on
// the same Vi-style organization and request mix, in process and over HTTP,
// measures cold starts, and writes docs/benchmarks.md and its plot.
//
//	gatebench run      [flags]   measure, write results.json and the report
//	gatebench report   [flags]   render the report again from results.json
//	gatebench openfga  ARGS...   OpenFGA's own command line (`openfga run ...`),
//	                             built into this binary for the HTTP comparison
//	gatebench profile  [flags]   CPU profile of Gatehouse's server stack under
//	                             one HTTP scenario
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/bench/vi"
)

func main() {
	log.SetFlags(log.Ltime)
	if len(os.Args) < 2 {
		usage()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch os.Args[1] {
	case "run":
		err = runCmd(ctx, os.Args[2:])
	case "report":
		err = reportCmd(os.Args[2:])
	case "openfga":
		err = openfgaCmd(ctx, os.Args[2:])
	case "profile":
		err = profileCmd(ctx, os.Args[2:])
	case "floor":
		err = floorCmd(ctx, os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		log.Fatal(err)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: gatebench run|report|openfga|profile|floor [flags]")
	os.Exit(2)
}

type runFlags struct {
	sizes     string
	dur       time.Duration
	httpDur   time.Duration
	conns     int
	workdir   string
	out       string
	md        string
	png       string
	gatehouse string
	memoryMax int
	only      string
	http      bool
	cold      bool
	pg        bool
}

func runCmd(ctx context.Context, args []string) error {
	var f runFlags
	fs := flag.NewFlagSet("run", flag.ExitOnError)
	fs.StringVar(&f.sizes, "sizes", "10000,100000,1000000", "data sizes in grants, comma-separated")
	fs.DurationVar(&f.dur, "dur", time.Second, "time per in-process measurement")
	fs.DurationVar(&f.httpDur, "http-dur", 8*time.Second, "time per HTTP scenario")
	fs.IntVar(&f.conns, "conns", 32, "connections of the HTTP load generator")
	fs.StringVar(&f.workdir, "workdir", filepath.Join(os.TempDir(), "gatebench-work"), "where databases are written")
	fs.StringVar(&f.out, "out", "out/results.json", "results file")
	fs.StringVar(&f.md, "md", "../docs/benchmarks.md", "report to write (its gatebench section; the rest is kept)")
	fs.StringVar(&f.png, "png", "../docs/bench-check-latency.png", "plot of check latency against data size")
	fs.StringVar(&f.gatehouse, "gatehouse", "bin/gatehouse", "gatehouse binary for the HTTP and cold-start runs")
	fs.IntVar(&f.memoryMax, "openfga-memory-max", 10000, "largest size loaded into OpenFGA's memory datastore (its load is quadratic)")
	fs.StringVar(&f.only, "only", "", "comma-separated engine names to run in process (default all)")
	fs.BoolVar(&f.http, "http", true, "run the HTTP comparison (at the largest size)")
	fs.BoolVar(&f.cold, "cold", true, "measure cold starts (at the largest size)")
	fs.BoolVar(&f.pg, "pg", true, "include PostgreSQL in the cold start (needs Debian's postgresql)")
	fs.Parse(args)

	var sizes []int
	for _, s := range strings.Split(f.sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			return fmt.Errorf("-sizes: %w", err)
		}
		sizes = append(sizes, n)
	}
	if err := os.MkdirAll(f.workdir, 0o755); err != nil {
		return err
	}
	res := &Results{Started: time.Now().UTC(), Machine: machine(), Command: "gatebench run " + strings.Join(args, " "),
		Mix: vi.DefaultMix, Duration: f.dur}
	log.Printf("machine: %d CPUs, %s, %s; load %s", res.Machine.CPUs, res.Machine.Model, res.Machine.Go, res.Machine.LoadStart)
	cfg := inprocConfig{sizes: sizes, dur: f.dur, workdir: f.workdir, memoryMax: f.memoryMax}
	if f.only != "" {
		cfg.only = map[string]bool{}
		for _, n := range strings.Split(f.only, ",") {
			cfg.only[strings.TrimSpace(n)] = true
		}
	}
	largest := sizes[len(sizes)-1]
	scfg := serverConfig{grants: largest, workdir: f.workdir, gatehouse: f.gatehouse, conns: f.conns,
		dur: f.httpDur, http: f.http, cold: f.cold, pg: f.pg}
	var sd *seeding
	if f.http || f.cold {
		cfg.background = func(org *vi.Org) func() {
			sd = startSeeding(ctx, scfg, org)
			return sd.wait
		}
	}
	dbs, err := runInProcess(ctx, cfg, res)
	if err != nil {
		return err
	}
	if f.http || f.cold {
		scfg.fga = dbs[largest]
		if err := runServers(ctx, scfg, sd, res); err != nil {
			return err
		}
	}
	res.Machine.LoadEnd = loadavg()
	res.Took = time.Since(res.Started)
	if err := writeJSON(f.out, res); err != nil {
		return err
	}
	log.Printf("results in %s (%s)", f.out, round(res.Took))
	if err := writeReport(res, f.md, f.png); err != nil {
		return err
	}
	if len(res.Failed) > 0 {
		for _, s := range res.Failed {
			log.Print("FAILED: ", s)
		}
		return fmt.Errorf("%d failures: the engines disagree or a request failed", len(res.Failed))
	}
	return nil
}

func reportCmd(args []string) error {
	fs := flag.NewFlagSet("report", flag.ExitOnError)
	in := fs.String("in", "out/results.json", "results file")
	md := fs.String("md", "../docs/benchmarks.md", "report to write")
	png := fs.String("png", "../docs/bench-check-latency.png", "plot to write")
	fs.Parse(args)
	b, err := os.ReadFile(*in)
	if err != nil {
		return err
	}
	var res Results
	if err := json.Unmarshal(b, &res); err != nil {
		return err
	}
	return writeReport(&res, *md, *png)
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), LoadStart: loadavg()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.Model = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int
		fmt.Sscanf(string(b), "MemTotal: %d kB", &kb)
		m.MemGiB = (kb + 1<<19) >> 20
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
