package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
)

// binary builds the gatehouse command into a temporary directory of t.
func binary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the gatehouse binary")
	}
	bin := filepath.Join(t.TempDir(), "gatehouse")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/gatehouse/gatehouse/cmd/gatehouse").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is a running `gatehouse serve`.
type proc struct {
	cmd  *exec.Cmd
	url  string
	logs *syncBuf
	done chan struct{}
	err  error // Wait's result, once done is closed
}

// spawn starts `gatehouse serve` on db and waits until it listens.
func spawn(t testing.TB, bin, db string, extra ...string) *proc {
	t.Helper()
	args := append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0", "--log-format", "json"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "GATEHOUSE_SMTP_URL=", "GATEHOUSE_BASE_URL=")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, logs: &syncBuf{}, done: make(chan struct{})}
	listening := make(chan string, 1)
	go func() {
		// Keep draining stderr so the server never blocks on its logs.
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			p.logs.Write([]byte(line + "\n"))
			var rec struct {
				Msg string `json:"msg"`
				URL string `json:"url"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "gatehouse listening" {
				select {
				case listening <- rec.URL:
				default:
				}
			}
		}
	}()
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Kill()
			<-p.done
		}
	})
	select {
	case p.url = <-listening:
	case <-p.done:
		t.Fatalf("gatehouse serve exited: %v\n%s", p.err, p.logs.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("gatehouse serve did not listen:\n%s", p.logs.String())
	}
	return p
}

// exit waits for the process and returns its exit code.
func (p *proc) exit(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(within):
		t.Fatalf("gatehouse serve still running after %v:\n%s", within, p.logs.String())
	}
	if p.cmd.ProcessState == nil {
		t.Fatalf("no process state: %v", p.err)
	}
	return p.cmd.ProcessState.ExitCode()
}

// waitLog waits until the log holds s.
func (p *proc) waitLog(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(p.logs.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("log never said %q:\n%s", s, p.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func initDB(t testing.TB, bin, db, org string) bootstrapped {
	t.Helper()
	out, err := exec.Command(bin, "init", "--db", db, "--org", org, "--name", org, "--scheme", "vi",
		"--owner-email", "owner@"+org+".test", "--owner-password", ownerPassword).Output()
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	var b bootstrapped
	if err := json.Unmarshal(out, &b); err != nil {
		t.Fatalf("init printed %q: %v", out, err)
	}
	return b
}

// TestCrashKeepsAcknowledgedWrites: concurrent writers, SIGKILL, restart:
// every write the server acknowledged is there, and the chain verifies.
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "crash.db")
	boot := initDB(t, bin, db, "acme")
	p := spawn(t, bin, db)
	c := client.New(p.url, boot.SecretKey)
	ctx := context.Background()

	type ack struct{ resource, grant string }
	var mu sync.Mutex
	var acks []ack
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, n)
				if _, err := c.PutResource(ctx, "acme", "dataset", id, client.ResourceRequest{Name: "Set " + id}); err != nil {
					return // the server is gone
				}
				mu.Lock()
				acks = append(acks, ack{resource: id})
				mu.Unlock()
				g, err := c.CreateGrant(ctx, "acme", client.GrantRequest{Subject: "user:" + boot.UserID, Role: "dataset.viewer", Scope: "dataset:" + id})
				if err != nil {
					return
				}
				mu.Lock()
				acks = append(acks, ack{grant: g.ID})
				mu.Unlock()
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	p.exit(t, 10*time.Second)
	close(stop)
	wg.Wait()
	mu.Lock()
	got := append([]ack(nil), acks...)
	mu.Unlock()
	if len(got) < 10 {
		t.Fatalf("only %d acknowledged writes before the kill", len(got))
	}
	t.Logf("%d acknowledged writes before SIGKILL", len(got))

	p2 := spawn(t, bin, db)
	c = client.New(p2.url, boot.SecretKey)
	grants, err := client.All(ctx, 1000, func(ctx context.Context, o *client.ListOptions) (*client.Page[client.Grant], error) {
		return c.ListGrants(ctx, "acme", client.GrantFilter{Subject: "user:" + boot.UserID}, o)
	})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, g := range grants {
		have[g.ID] = true
	}
	for _, a := range got {
		switch {
		case a.resource != "":
			if r, err := c.GetResource(ctx, "acme", "dataset", a.resource); err != nil || r.Name != "Set "+a.resource {
				t.Errorf("acknowledged resource dataset:%s lost: %v", a.resource, err)
			}
		case !have[a.grant]:
			t.Errorf("acknowledged grant %s lost", a.grant)
		}
	}
	v, err := c.VerifyAudit(ctx, "acme")
	if err != nil || !v.OK || v.Events < int64(len(got)) {
		t.Fatalf("audit after the crash: %+v %v (want ok and at least %d events)", v, err, len(got))
	}
	// decisions after restart come from the rebuilt engine
	last := got[len(got)-1]
	for _, a := range got {
		if a.resource != "" {
			last = a
		}
	}
	d, err := c.Check(ctx, "acme", client.CheckRequest{Subject: "user:" + boot.UserID, Permission: "dataset.view", Resource: "dataset:" + last.resource})
	if err != nil || !d.Allowed {
		t.Fatalf("check after restart: %+v %v", d, err)
	}
	if err := p2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p2.exit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM", code)
	}
	if out, err := exec.Command(bin, "audit", "verify", "--db", db).CombinedOutput(); err != nil || !strings.Contains(string(out), "ok") {
		t.Fatalf("audit verify --db after the crash: %v\n%s", err, out)
	}
}

// TestGracefulShutdown: SIGTERM ends serve with exit 0 after logging how it
// stopped; an org created by `gatehouse init` next to a running server is
// served without a restart.
func TestGracefulShutdown(t *testing.T) {
	bin := binary(t)
	db := filepath.Join(t.TempDir(), "term.db")
	p := spawn(t, bin, db)
	p.waitLog(t, "gatehouse init --db "+db+" --org ")
	boot := initDB(t, bin, db, "late")
	c := client.New(p.url, boot.SecretKey)
	deadline := time.Now().Add(60 * time.Second)
	for {
		_, err := c.GetOrg(context.Background(), "late")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("org created by init never served: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := c.Healthz(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.exit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM:\n%s", code, p.logs.String())
	}
	logs := p.logs.String()
	if !strings.Contains(logs, `"msg":"shutting down"`) || !strings.Contains(logs, `"msg":"stopped"`) {
		t.Fatalf("shutdown not logged:\n%s", logs)
	}
	// SIGINT too.
	p = spawn(t, bin, db)
	p.cmd.Process.Signal(os.Interrupt)
	if code := p.exit(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGINT", code)
	}
}
