package cli

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkConcurrentLoginsPeakRSS measures the peak resident memory of a
// real `gatehouse serve` while 64 logins arrive at once (issue 12, finding
// 4: 32 concurrent password hashes took the server from 45 MB to 1.3 GB).
// Each op is one burst of 64 concurrent logins with the right password,
// each from its own client address (behind --trust-proxy), so the sign-in
// throttle lets every one through to the hash. The figures are the
// server's VmHWM (peak RSS, from /proc), its RSS before the first burst,
// and how the bursts were answered: 200, or 503 when a login waited longer
// than the hash gate allows. Target: peak below 300 MiB.
//
//	go test -run '^$' -bench ConcurrentLoginsPeakRSS -benchtime 5x ./internal/cli/
func BenchmarkConcurrentLoginsPeakRSS(b *testing.B) {
	bin := binary(b)
	db := filepath.Join(b.TempDir(), "gatehouse.db")
	initDB(b, bin, db, "acme")
	p := spawn(b, bin, db, "--trust-proxy")
	pid := p.cmd.Process.Pid
	base, err := procStatusKiB(pid, "VmRSS")
	if err != nil {
		b.Skipf("no /proc: %v", err)
	}
	tr := &http.Transport{MaxIdleConns: 128, MaxIdleConnsPerHost: 128}
	hc := &http.Client{Transport: tr, Timeout: 60 * time.Second}
	body, _ := json.Marshal(map[string]string{"email": "owner@acme.test", "password": ownerPassword})
	var mu sync.Mutex
	statuses := map[int]int{}
	var slowest time.Duration
	b.ResetTimer()
	for i := range b.N {
		var wg sync.WaitGroup
		start := make(chan struct{})
		for j := range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("POST", p.url+"/v1/auth/login", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				// Documentation addresses, only ever written in a header.
				req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.%d.%d", 100+i%100, j+1))
				<-start
				began := time.Now()
				res, err := hc.Do(req)
				took := time.Since(began)
				mu.Lock()
				defer mu.Unlock()
				slowest = max(slowest, took)
				if err != nil {
					statuses[-1]++
					return
				}
				res.Body.Close()
				statuses[res.StatusCode]++
			}()
		}
		close(start)
		wg.Wait()
	}
	b.StopTimer()
	peak, err := procStatusKiB(pid, "VmHWM")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(base)/1024, "start-RSS-MiB")
	b.ReportMetric(float64(statuses[200])/float64(b.N), "200/burst")
	b.ReportMetric(float64(statuses[503])/float64(b.N), "503/burst")
	b.ReportMetric(slowest.Seconds(), "slowest-s")
	b.Logf("%d bursts of 64 logins: answers %v; server RSS %d MiB at start, peak %d MiB; slowest login %v",
		b.N, statuses, base/1024, peak/1024, slowest.Round(time.Millisecond))
	if peak > 300<<10 {
		b.Errorf("peak RSS %d MiB, target below 300 MiB", peak/1024)
	}
	if statuses[200] == 0 || statuses[-1] > 0 || len(statuses) > 2 {
		b.Errorf("answers %v: want 200s and at most 503s", statuses)
	}
}

// procStatusKiB reads one "Name: N kB" line of /proc/PID/status.
func procStatusKiB(pid int, name string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+":"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", name, pid)
}
