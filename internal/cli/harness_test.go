package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/server"
)

// result is what one command line did.
type result struct {
	code   int
	stdout string
	stderr string
}

// cli runs a command line in-process with only the given environment.
func cli(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	code := run(ctx, args, &out, &errb, func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// ok runs a command line that must succeed and returns its stdout.
func ok(t *testing.T, env map[string]string, args ...string) string {
	t.Helper()
	r := cli(t, env, args...)
	if r.code != 0 {
		t.Fatalf("gatehouse %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// okJSON runs a command line with -o json and decodes its output.
func okJSON[T any](t *testing.T, env map[string]string, args ...string) T {
	t.Helper()
	out := ok(t, env, append(args, "-o", "json")...)
	var v T
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("gatehouse %s -o json: %v\n%s", strings.Join(args, " "), err, out)
	}
	return v
}

// fails runs a command line that must fail with code and returns stderr.
func fails(t *testing.T, env map[string]string, code int, args ...string) result {
	t.Helper()
	r := cli(t, env, args...)
	if r.code != code {
		t.Fatalf("gatehouse %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	return r
}

type bootstrapped struct {
	Org       string `json:"org"`
	UserID    string `json:"user_id"`
	SecretKey string `json:"secret_key"`
}

// testServer is a Gatehouse server running in this process on a loopback port
// over a temporary SQLite file, with one vi organization "acme".
type testServer struct {
	url   string
	db    string
	boot  bootstrapped
	token string            // the Owner's session
	env   map[string]string // GATEHOUSE_SERVER, _TOKEN (the Owner's), _ORG
	in    *server.Server
}

const ownerEmail, ownerPassword = "owner@acme.test", "tidal granite thirty"

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(tlogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// syncBuf is a buffer written and read from several goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type tlogWriter struct{ t *testing.T }

func (w tlogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func startServer(t *testing.T) *testServer {
	t.Helper()
	db := filepath.Join(t.TempDir(), "gatehouse.db")
	out := ok(t, nil, "init", "--db", db, "--org", "acme", "--name", "Acme", "--scheme", "vi",
		"--owner-email", ownerEmail, "--owner-password", ownerPassword)
	s := &testServer{db: db}
	if err := json.Unmarshal([]byte(out), &s.boot); err != nil {
		t.Fatalf("init output %q: %v", out, err)
	}
	in, err := start(context.Background(), serveOptions{db: db, addr: "127.0.0.1:0", logLevel: "info"}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := shutdown(in, 5*time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	s.in, s.url = in, in.URL
	s.token = strings.TrimSpace(ok(t, map[string]string{"GATEHOUSE_SERVER": s.url},
		"login", "--email", ownerEmail, "--password", ownerPassword))
	s.env = map[string]string{"GATEHOUSE_SERVER": s.url, "GATEHOUSE_TOKEN": s.token, "GATEHOUSE_ORG": "acme"}
	return s
}

// with returns the server's environment with changes.
func (s *testServer) with(kv ...string) map[string]string {
	env := map[string]string{}
	for k, v := range s.env {
		env[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		env[kv[i]] = kv[i+1]
	}
	return env
}

// rows splits table output into rows of fields.
func rows(out string) [][]string {
	var rs [][]string
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		rs = append(rs, strings.Fields(l))
	}
	return rs
}

// hasRow reports whether a table row starts with the given cells.
func hasRow(out string, cells ...string) bool {
	for _, r := range rows(out) {
		if len(r) >= len(cells) {
			match := true
			for i, c := range cells {
				if r[i] != c {
					match = false
					break
				}
			}
			if match {
				return true
			}
		}
	}
	return false
}
