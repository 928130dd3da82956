package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
	"github.com/gatehouse/gatehouse/bench/vi"
)

// The floor is what Go's net/http itself costs on this machine: a server
// that reads each request's body and answers a fixed decision, doing no
// other work, under the same load generator and scenario as Gatehouse. No
// server written on net/http answers faster here, so it says how much of
// Gatehouse's figure is the HTTP stack and the machine, and how much is
// Gatehouse.

// floorAnswer is the fixed body, the size of a Gatehouse decision.
const floorAnswer = `{"allowed":true,"revision":1}` + "\n"

// floorCmd serves the floor on -addr until killed (a process of its own,
// as the servers under test are).
func floorCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("floor", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:0", "address")
	fs.Parse(args)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" {
			w.Write([]byte("ok\n"))
			return
		}
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(floorAnswer))
	})}
	go func() { <-ctx.Done(); srv.Close() }()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// runFloor starts the floor server and drives the single-check scenario
// against it, with a request like Gatehouse's (the same credential and body).
func runFloor(ctx context.Context, cfg serverConfig, token string, body []byte) (HTTPScenario, error) {
	self, err := os.Executable()
	if err != nil {
		return HTTPScenario{}, err
	}
	addr, err := freeAddr()
	if err != nil {
		return HTTPScenario{}, err
	}
	p, _, err := startProc(ctx, exec.Command(self, "floor", "-addr", addr), addr, "/healthz", filepath.Join(cfg.workdir, "floor.log"))
	if err != nil {
		return HTTPScenario{}, err
	}
	defer p.stop()
	req := &loadgen.Request{Raw: loadgen.Build("POST", "/v1/orgs/"+vi.OrgID+"/check", addr, token, body),
		Check: func(status int, b []byte) (bool, bool) { return status == 200, string(b) == floorAnswer }}
	next := func(int, int) *loadgen.Request { return req }
	if _, err := loadgen.Run(ctx, loadgen.Config{Addr: addr, Conns: cfg.conns, Duration: time.Second, Next: next}); err != nil {
		return HTTPScenario{}, fmt.Errorf("floor warm-up: %w", err)
	}
	r, err := loadgen.Run(ctx, loadgen.Config{Addr: addr, Conns: cfg.conns, Duration: cfg.dur, Next: next})
	if err != nil {
		return HTTPScenario{}, fmt.Errorf("floor: %w", err)
	}
	log.Printf("  net/http floor %s: %.0f req/s, p50 %s, p99 %s, %d errors", scSingle, r.PerSec, r.P50, r.P99, r.Errors)
	return HTTPScenario{Name: scSingle, Conns: cfg.conns, Requests: r.Requests, PerSec: r.PerSec, ChecksSec: r.PerSec,
		P50: r.P50, P99: r.P99, Errors: r.Errors, Wrong: r.Wrong}, nil
}
