// Package e2e tests whole `gatehouse` processes together: several server
// replicas on one PostgreSQL database, killed and restarted.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/gatehouse once per test run.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "gatehouse")
		args := []string{"build", "-o", binPath}
		if raceEnabled {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, "github.com/gatehouse/gatehouse/cmd/gatehouse")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

var (
	keyOnce sync.Once
	keyPath string
	keyVal  *audit.Key
	keyErr  error
)

// e2eAuditKey is the one audit key of this run: every server, in process or
// spawned, seals with it and the tests verify with it. Its file lives as
// long as the built binary does.
func e2eAuditKey(t testing.TB) (*audit.Key, string) {
	t.Helper()
	keyOnce.Do(func() {
		dir, err := os.MkdirTemp("", "gatehouse-e2e-key-")
		if err != nil {
			keyErr = err
			return
		}
		keyPath = filepath.Join(dir, "audit-key")
		keyVal, keyErr = audit.CreateKeyFile(keyPath)
	})
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	return keyVal, keyPath
}

// gatehouse is a command line of the built binary, given the run's audit
// key (PostgreSQL needs one named; on SQLite it replaces the file the
// server would make beside the database).
func gatehouse(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	_, path := e2eAuditKey(t)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = append(os.Environ(), "GATEHOUSE_AUDIT_KEY="+path)
	return cmd
}

// replica is one `gatehouse serve` process.
type replica struct {
	t    *testing.T
	name string
	addr string
	cmd  *exec.Cmd
	log  *bytes.Buffer
	mu   sync.Mutex
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startReplica(t *testing.T, name, db, addr string) *replica {
	t.Helper()
	r := &replica{t: t, name: name, addr: addr, log: &bytes.Buffer{}}
	r.cmd = gatehouse(t, "serve", "--db", db, "--addr", addr, "--log-format", "json")
	r.cmd.Stdout = io.Discard
	r.cmd.Stderr = &lockedWriter{mu: &r.mu, w: r.log}
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.kill() })
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return r
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Fatalf("replica %s not ready; log:\n%s", name, r.log.String())
	return nil
}

func (r *replica) kill() {
	if r.cmd.Process != nil && r.cmd.ProcessState == nil {
		r.cmd.Process.Signal(syscall.SIGKILL)
		r.cmd.Wait()
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// call sends a JSON request with the key and decodes the answer.
func (r *replica) call(method, path, key string, body any, out any) int {
	r.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+r.addr+path, rd)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s on %s: %v", method, path, r.name, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			r.t.Fatalf("%s %s on %s: %v: %s", method, path, r.name, err, data)
		}
	}
	return resp.StatusCode
}

type checkResult struct {
	Allowed  bool  `json:"allowed"`
	Revision int64 `json:"revision"`
}

func (r *replica) check(key, resource string, atLeast int64) (checkResult, int) {
	var res checkResult
	code := r.call("POST", "/v1/orgs/acme/check", key, map[string]any{
		"permission": "dataset.view", "resource": resource, "at_least_revision": atLeast}, &res)
	return res, code
}

func (r *replica) putDataset(key, id string) int64 {
	var res struct {
		Revision int64 `json:"revision"`
	}
	if code := r.call("PUT", "/v1/orgs/acme/resources/dataset/"+id, key, map[string]any{"name": id}, &res); code != 200 && code != 201 {
		r.t.Fatalf("put dataset %s on %s: status %d", id, r.name, code)
	}
	return res.Revision
}

// TestReplicas runs three servers on one PostgreSQL database: a write on one
// is seen on the others (at once with at_least_revision), a replica killed
// and restarted catches up, and one started late builds its state and then
// follows.
func TestReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs server processes")
	}
	db := pgtest.URL(t)
	out, err := gatehouse(t, "init", "--db", db, "--org", "acme", "--name", "Acme", "--scheme", "vi",
		"--owner-email", "owner@acme.test", "--owner-password", "correct horse battery").CombinedOutput()
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	var boot struct {
		SecretKey string `json:"secret_key"`
	}
	if err := json.Unmarshal(out[bytes.IndexByte(out, '{'):], &boot); err != nil {
		t.Fatalf("init output %q: %v", out, err)
	}
	key := boot.SecretKey
	a := startReplica(t, "a", db, freeAddr(t))
	bAddr := freeAddr(t)
	b := startReplica(t, "b", db, bAddr)
	c := startReplica(t, "c", db, freeAddr(t))

	// A write on a, read with at_least_revision on b and c: never stale.
	rev := a.putDataset(key, "cats")
	for _, r := range []*replica{b, c} {
		res, code := r.check(key, "dataset:cats", rev)
		if code != 200 || !res.Allowed || res.Revision < rev {
			t.Fatalf("replica %s at_least_revision %d: status %d, %+v", r.name, rev, code, res)
		}
	}
	// Without at_least_revision the replica catches up on its own, quickly.
	rev = b.putDataset(key, "dogs")
	waitFor(t, func() bool { res, code := c.check(key, "dataset:dogs", 0); return code == 200 && res.Allowed })

	// Concurrent writers on all three: unique revisions, nothing lost.
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for i, r := range []*replica{a, b, c} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 15; j++ {
				id := fmt.Sprintf("r%d-%d", i, j)
				v := r.putDataset(key, id)
				mu.Lock()
				if prev, dup := seen[v]; dup {
					t.Errorf("revision %d given to %s and %s", v, prev, id)
				}
				seen[v] = id
				rev = max(rev, v)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	count := func(r *replica, atLeast int64) int {
		var page struct {
			Items []string `json:"items"`
		}
		if code := r.call("POST", "/v1/orgs/acme/lookup/resources", key, map[string]any{
			"permission": "dataset.view", "type": "dataset", "limit": 1000, "at_least_revision": atLeast}, &page); code != 200 {
			t.Fatalf("lookup on %s: %d", r.name, code)
		}
		return len(page.Items)
	}
	for _, r := range []*replica{a, b, c} {
		if n := count(r, rev); n != 47 {
			t.Errorf("replica %s sees %d datasets, want 47", r.name, n)
		}
	}

	// Kill b, write on a, restart b on the same address: it catches up.
	b.kill()
	rev = a.putDataset(key, "while-b-was-down")
	b = startReplica(t, "b2", db, bAddr)
	if res, code := b.check(key, "dataset:while-b-was-down", rev); code != 200 || !res.Allowed {
		t.Fatalf("restarted replica: status %d, %+v", code, res)
	}

	// A replica started late builds the whole state, then follows.
	d := startReplica(t, "d", db, freeAddr(t))
	if n := count(d, rev); n != 48 {
		t.Errorf("late replica sees %d datasets, want 48", n)
	}
	rev = c.putDataset(key, "after-d")
	if res, code := d.check(key, "dataset:after-d", rev); code != 200 || !res.Allowed {
		t.Fatalf("late replica following: status %d, %+v", code, res)
	}

	// A revision nobody has committed is the client's mistake: 422, never
	// a stale answer.
	if _, code := d.check(key, "dataset:cats", rev+1_000_000); code != http.StatusUnprocessableEntity {
		t.Errorf("future revision: status %d, want 422", code)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal("condition not met within 10s")
		case <-time.After(20 * time.Millisecond):
		}
	}
}
