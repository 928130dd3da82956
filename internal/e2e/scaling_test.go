package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store/pgtest"
)

// TestScalingThroughput measures single checks per second over loopback
// against 1, 2 and 3 replicas on one PostgreSQL database, spreading the
// load round-robin, with a 95/5 read/write mix. It only runs when
// GATEHOUSE_SCALING=1 (figures for docs/scaling.md), since a fixed
// workload is a measurement, not a test.
func TestScalingThroughput(t *testing.T) {
	if os.Getenv("GATEHOUSE_SCALING") != "1" {
		t.Skip("set GATEHOUSE_SCALING=1 to measure")
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
	json.Unmarshal(out[bytes.IndexByte(out, '{'):], &boot)
	key := boot.SecretKey
	var replicas []*replica
	replicas = append(replicas, startReplica(t, "r1", db, freeAddr(t)))
	for i := 0; i < 200; i++ {
		replicas[0].putDataset(key, fmt.Sprintf("d%03d", i))
	}
	duration := 5 * time.Second
	if d, err := time.ParseDuration(os.Getenv("GATEHOUSE_SCALING_DURATION")); err == nil {
		duration = d
	}
	t.Logf("| replicas | checks/s | p50 | p99 | writes |")
	t.Logf("|---|---|---|---|---|")
	for n := 1; n <= 3; n++ {
		for len(replicas) < n {
			replicas = append(replicas, startReplica(t, fmt.Sprintf("r%d", len(replicas)+1), db, freeAddr(t)))
		}
		rate, p50, p99, writes := load(t, replicas, key, 32, duration)
		t.Logf("| %d | %.0f | %v | %v | %d |", n, rate, p50, p99, writes)
	}
}

// load runs clients workers for d; each request goes to the next replica.
// One request in twenty is a write (a resource registration).
func load(t *testing.T, rs []*replica, key string, clients int, d time.Duration) (float64, time.Duration, time.Duration, int64) {
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	hc := &http.Client{Transport: tr}
	defer tr.CloseIdleConnections()
	var next, reads, writes atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	stop := time.Now().Add(d)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; time.Now().Before(stop); i++ {
				k := next.Add(1)
				r := rs[int(k)%len(rs)]
				var req *http.Request
				if k%20 == 0 {
					body := fmt.Sprintf(`{"name":"w%d"}`, k)
					req, _ = http.NewRequest("PUT", fmt.Sprintf("http://%s/v1/orgs/acme/resources/dataset/w%d", r.addr, k), bytes.NewBufferString(body))
				} else {
					body := fmt.Sprintf(`{"permission":"dataset.view","resource":"dataset:d%03d"}`, k%200)
					req, _ = http.NewRequest("POST", "http://"+r.addr+"/v1/orgs/acme/check", bytes.NewBufferString(body))
				}
				req.Header.Set("Authorization", "Bearer "+key)
				req.Header.Set("Content-Type", "application/json")
				t0 := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode >= 300 {
					t.Errorf("status %d", resp.StatusCode)
					return
				}
				if k%20 == 0 {
					writes.Add(1)
				} else {
					reads.Add(1)
					mine = append(mine, time.Since(t0))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(lat)
	if len(lat) == 0 {
		return 0, 0, 0, 0
	}
	return float64(reads.Load()) / d.Seconds(), lat[len(lat)/2].Round(time.Microsecond), lat[len(lat)*99/100].Round(time.Microsecond), writes.Load()
}
