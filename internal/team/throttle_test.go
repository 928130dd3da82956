package team

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/fault"
)

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// The concurrency test of the limiter: many goroutines take tickets for
// one (account, address) at the same instant; exactly the free ones get
// through, whatever the interleaving.
func TestThrottleConcurrentTakes(t *testing.T) {
	for range 20 {
		th := newThrottle(5, 20)
		var through atomic.Int64
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 64 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if tk, wait := th.take(t0, "olivia@acme.test", "192.0.2.1"); tk != nil {
					through.Add(1)
					tk.failed()
				} else if wait <= 0 {
					t.Error("refused without a wait")
				}
			}()
		}
		close(start)
		wg.Wait()
		if n := through.Load(); n != 5 {
			t.Fatalf("%d of 64 concurrent attempts got through, want 5", n)
		}
	}
}

func TestThrottleRules(t *testing.T) {
	th := newThrottle(2, 4)
	take := func(at time.Duration, acct, addr string) (*ticket, time.Duration) {
		return th.take(t0.Add(at), acct, addr)
	}
	for range 2 {
		tk, _ := take(0, "a", "x")
		tk.failed()
	}
	if tk, wait := take(0, "a", "x"); tk != nil || wait != time.Second {
		t.Fatalf("third attempt: %v, %v; want a 1 s wait", tk, wait)
	}
	// Another address for the same account: not held back.
	if tk, _ := take(0, "a", "y"); tk == nil {
		t.Fatal("the account is locked from another address")
	} else {
		tk.succeeded()
	}
	// Back-off doubles from the last failure.
	tk, _ := take(time.Second, "a", "x")
	tk.failed()
	if _, wait := take(time.Second, "a", "x"); wait != 2*time.Second {
		t.Fatalf("after a third failure: wait %v, want 2 s", wait)
	}
	// A refund gives the attempt back: still three failures, the next
	// waits 2 s from the refunded attempt.
	tk, _ = take(3*time.Second, "a", "x")
	tk.refund()
	if _, wait := take(3*time.Second, "a", "x"); wait != 2*time.Second {
		t.Fatalf("after a refund: wait %v, want 2 s", wait)
	}
	// A success forgets the account's failures from that address, but the
	// address keeps its own.
	tk, _ = take(10*time.Second, "a", "x")
	tk.succeeded()
	if tk, _ := take(10*time.Second, "a", "x"); tk == nil {
		t.Fatal("success did not forget the account's failures")
	} else {
		tk.failed()
	}
	// The address over every account: four free failures, then a wait.
	th2 := newThrottle(2, 4)
	for _, acct := range []string{"b", "c", "d", "e"} {
		tk, wait := th2.take(t0, acct, "z")
		if tk == nil {
			t.Fatalf("account %s: refused (%v) before the address limit", acct, wait)
		}
		tk.failed()
	}
	if _, wait := th2.take(t0, "f", "z"); wait != time.Second {
		t.Fatalf("the address after its free failures: wait %v, want 1 s", wait)
	}
	// A day without failures forgets everything.
	if tk, _ := take(25*time.Hour, "a", "x"); tk == nil {
		t.Fatal("failures never forgotten")
	}
}

// A table filled by sprayed addresses sheds the entries that hold nobody
// back, and keeps those in back-off.
func TestThrottleSheds(t *testing.T) {
	th := newThrottle(2, 100)
	th.max = 1000
	for range 3 {
		if tk, _ := th.take(t0, "victim", "attacker"); tk != nil {
			tk.failed()
		}
	}
	for i := range 5000 {
		if tk, _ := th.take(t0, "spray", "10.0."+string(rune('a'+i%26))+string(rune('a'+i/26%26))+string(rune('a'+i/676))); tk != nil {
			tk.failed()
		}
	}
	if len(th.entries) > th.max {
		t.Fatalf("%d entries, bound %d", len(th.entries), th.max)
	}
	if _, wait := th.take(t0, "victim", "attacker"); wait <= 0 {
		t.Fatal("shedding forgot an entry in back-off")
	}
}

func TestHashGate(t *testing.T) {
	g := newHashGate(2, 20*time.Millisecond)
	var running, peak atomic.Int64
	var wg sync.WaitGroup
	var busy atomic.Int64
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := g.do(context.Background(), func() {
				n := running.Add(1)
				for {
					p := peak.Load()
					if n <= p || peak.CompareAndSwap(p, n) {
						break
					}
				}
				time.Sleep(15 * time.Millisecond)
				running.Add(-1)
			})
			if err != nil {
				if fe, ok := fault.As(err); !ok || fe.Code != fault.Unavailable || fe.RetryAfter <= 0 {
					t.Errorf("busy gate: %v, want Unavailable with a retry", err)
				}
				busy.Add(1)
			}
		}()
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Errorf("%d hashes at once through a gate of 2", peak.Load())
	}
	if busy.Load() == 0 {
		t.Errorf("ten 15 ms hashes through 2 turns with a 20 ms wait: none turned away")
	}
	if n := hashSlots(19 << 20); n != 1 {
		t.Errorf("a 19 MiB budget: %d slots, want 1", n)
	}
}
