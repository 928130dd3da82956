package engines

import (
	"context"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Timing is the measurement of one operation on one engine.
type Timing struct {
	Ops       int           `json:"ops"`         // operations timed one by one
	P50       time.Duration `json:"p50"`         // latency, one caller
	P99       time.Duration `json:"p99"`         // latency, one caller
	Mean      time.Duration `json:"mean"`        // latency, one caller
	PerSec    float64       `json:"per_sec"`     // throughput, one caller
	ParPerSec float64       `json:"par_per_sec"` // throughput with GOMAXPROCS callers; 0 if not measured
}

// Measure times op(i) for i = 0, 1, 2, ... one call at a time for about d
// (and at least minOps calls), then, when parallel, runs GOMAXPROCS
// goroutines calling op for about d more and counts the calls.
func Measure(ctx context.Context, d time.Duration, minOps int, parallel bool, op func(i int) error) (Timing, error) {
	lat := make([]time.Duration, 0, 1<<16)
	start := time.Now()
	deadline := start.Add(d)
	var total time.Duration
	for i := 0; ; i++ {
		t0 := time.Now()
		if err := op(i); err != nil {
			return Timing{}, err
		}
		el := time.Since(t0)
		total += el
		lat = append(lat, el)
		if len(lat) >= minOps && (i&15 == 15 || el > time.Millisecond) && time.Now().After(deadline) {
			break
		}
		if len(lat) >= 4<<20 {
			break
		}
	}
	slices.Sort(lat)
	t := Timing{Ops: len(lat), P50: lat[len(lat)/2], P99: lat[min(len(lat)-1, len(lat)*99/100)],
		Mean: total / time.Duration(len(lat)), PerSec: float64(len(lat)) / total.Seconds()}
	if !parallel {
		return t, nil
	}
	var (
		n    atomic.Int64
		stop atomic.Bool
		wg   sync.WaitGroup
		ferr atomic.Value
	)
	procs := runtime.GOMAXPROCS(0)
	t0 := time.Now()
	for g := range procs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			i := g * 7919
			for !stop.Load() {
				if err := op(i); err != nil {
					ferr.Store(err)
					stop.Store(true)
					return
				}
				i++
				n.Add(1)
			}
		}()
	}
	time.Sleep(d)
	stop.Store(true)
	wg.Wait()
	if err, ok := ferr.Load().(error); ok {
		return t, err
	}
	t.ParPerSec = float64(n.Load()) / time.Since(t0).Seconds()
	return t, nil
}
