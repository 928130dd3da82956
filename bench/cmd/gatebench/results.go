package main

import (
	"time"

	"github.com/gatehouse/gatehouse/bench/engines"
	"github.com/gatehouse/gatehouse/bench/vi"
)

// Results is everything one run measured; the report is rendered from it.
type Results struct {
	Started  time.Time     `json:"started"`
	Took     time.Duration `json:"took"`
	Machine  Machine       `json:"machine"`
	Command  string        `json:"command"`
	Mix      vi.MixConfig  `json:"mix"`
	Duration time.Duration `json:"duration"` // per measurement
	Sizes    []SizeResult  `json:"sizes"`
	HTTP     *HTTPResult   `json:"http,omitempty"`
	Cold     []ColdStart   `json:"cold,omitempty"`
	Notes    []string      `json:"notes,omitempty"`
	Failed   []string      `json:"failed,omitempty"` // disagreements and errors: the run fails
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	Model     string `json:"model"`
	MemGiB    int    `json:"mem_gib"`
	Go        string `json:"go"`
	Kernel    string `json:"kernel"`
	LoadStart string `json:"load_start"` // /proc/loadavg when the run began
	LoadEnd   string `json:"load_end"`
}

// SizeResult is one data size in process.
type SizeResult struct {
	Grants   int            `json:"grants"`
	Members  int            `json:"members"`
	Datasets int            `json:"datasets"`
	Tuples   int            `json:"tuples"`
	Engines  []EngineResult `json:"engines"`
}

// EngineResult is one engine at one size.
type EngineResult struct {
	Name     string         `json:"name"`
	Skipped  string         `json:"skipped,omitempty"`
	Load     time.Duration  `json:"load"`
	LoadNote string         `json:"load_note,omitempty"`
	HeapMiB  float64        `json:"heap_mib"` // live heap after load (in-memory engines)
	Agreed   bool           `json:"agreed"`
	Check    engines.Timing `json:"check"`
	Batch    engines.Timing `json:"batch"` // one batch of Mix.BatchSize checks
	List     engines.Timing `json:"list"`
	Access   engines.Timing `json:"access"`
	// AdminPage is an admin's first page of datasets: Gatehouse's first
	// 100 of all; OpenFGA's ListObjects (cut at its 1,000 maximum);
	// Casbin's full list from its role manager.
	AdminPage  engines.Timing `json:"admin_page"`
	AdminCount int            `json:"admin_count"`
}

// HTTPResult is the run over loopback against the servers.
type HTTPResult struct {
	Grants      int            `json:"grants"`
	Conns       int            `json:"conns"`
	Duration    time.Duration  `json:"duration"`
	Gatehouse   []HTTPScenario `json:"gatehouse"`
	OpenFGA     []HTTPScenario `json:"openfga"`
	OpenFGANote string         `json:"openfga_note,omitempty"`
	// Floor is net/http answering a fixed decision (floor.go).
	Floor *HTTPScenario `json:"floor,omitempty"`
}

// HTTPScenario is one load pattern against one server.
type HTTPScenario struct {
	Name      string        `json:"name"`
	Conns     int           `json:"conns"`
	Requests  int           `json:"requests"`
	PerSec    float64       `json:"per_sec"`
	ChecksSec float64       `json:"checks_sec"` // decisions per second (batch: × batch size)
	P50       time.Duration `json:"p50"`
	P99       time.Duration `json:"p99"`
	Errors    int           `json:"errors"`
	Wrong     int           `json:"wrong"` // answers that differ from the reference
	Note      string        `json:"note,omitempty"`
}

// ColdStart is one server start on a full database.
type ColdStart struct {
	Server  string        `json:"server"`
	Store   string        `json:"store"`
	Grants  int           `json:"grants"`
	Ready   time.Duration `json:"ready"`
	PeakRSS int64         `json:"peak_rss"` // bytes (VmHWM)
	Seed    time.Duration `json:"seed"`     // time to write the database first
	Note    string        `json:"note,omitempty"`
}
