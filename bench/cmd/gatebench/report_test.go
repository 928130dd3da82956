package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/engines"
)

// The report replaces only its own section: figures other people wrote
// in docs/benchmarks.md (engine micro-benchmarks, analysis) stay.
func TestReportKeepsTheRestOfTheFile(t *testing.T) {
	dir := t.TempDir()
	md := filepath.Join(dir, "benchmarks.md")
	res := &Results{Started: time.Now(), Machine: Machine{CPUs: 2}, Sizes: []SizeResult{{Grants: 10000, Engines: []EngineResult{
		{Name: "Gatehouse", Agreed: true, Check: engines.Timing{P50: time.Microsecond, P99: 2 * time.Microsecond, PerSec: 1e6, ParPerSec: 2e6}},
		{Name: "Casbin", Agreed: true, Check: engines.Timing{P50: 40 * time.Microsecond, P99: 90 * time.Microsecond, PerSec: 2e4, ParPerSec: 3e4}},
	}}}}
	before := "# Benchmarks\n\nEngine micro-benchmarks: BenchmarkCheck 800 ns/op.\n"
	if err := os.WriteFile(md, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := writeReport(res, md, filepath.Join(dir, "plot.png")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(md)
	if !strings.HasPrefix(string(b), before) || !strings.Contains(string(b), beginMark) {
		t.Fatalf("first write:\n%s", b)
	}
	after := string(b) + "\n## Analysis by hand\n"
	os.WriteFile(md, []byte(after), 0o644)
	res.Sizes[0].Engines[1].Check.ParPerSec = 1e4
	if err := writeReport(res, md, ""); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(md)
	s := string(b)
	if !strings.HasPrefix(s, before) || !strings.HasSuffix(s, "## Analysis by hand\n") || strings.Count(s, beginMark) != 1 {
		t.Fatalf("second write:\n%s", s)
	}
	if !strings.Contains(s, "| 10,000 | Casbin | 200× |") {
		t.Errorf("ratio not updated:\n%s", s)
	}
	if _, err := os.Stat(filepath.Join(dir, "plot.png")); err != nil {
		t.Error(err)
	}
}
