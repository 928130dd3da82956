package team

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/fault"
)

// hashGate bounds the argon2 work in flight. Each password hash takes a
// core for tens of milliseconds and its memory cost (19 MiB) for as long,
// so without a bound 32 concurrent logins took 1.3 GB and every core. The
// gate admits as many hashes as there are cores and as the memory budget
// holds; others wait a little for a turn (a waiting request holds a few
// kilobytes, not a hash's megabytes), and past that, or when too many
// already wait, the answer is 503 with Retry-After rather than a server
// that swaps or stops answering its health checks.
type hashGate struct {
	slots      chan struct{}
	wait       time.Duration
	waiting    atomic.Int64
	maxWaiting int64
}

// DefaultHashMemory is the memory budget of concurrent password hashing
// when Config.HashMemory is unset.
const DefaultHashMemory = 128 << 20

// hashSlots is how many hashes may run at once: one per core (GOMAXPROCS),
// and no more than the budget holds at the cost of one hash.
func hashSlots(budget int64) int {
	n := runtime.GOMAXPROCS(0)
	if per := int64(credential.HashMemory()); per > 0 {
		n = min(n, int(budget/per))
	}
	return max(n, 1)
}

func newHashGate(slots int, wait time.Duration) *hashGate {
	return &hashGate{slots: make(chan struct{}, slots), wait: wait, maxWaiting: int64(64 * slots)}
}

// busy is the answer when no turn comes: a person can simply retry.
func (g *hashGate) busy() error {
	return &fault.Error{Code: fault.Unavailable, Msg: "the server is busy checking other passwords; try again in a moment",
		RetryAfter: time.Second}
}

// do runs fn in a turn of the gate, or returns Unavailable.
func (g *hashGate) do(ctx context.Context, fn func()) error {
	select {
	case g.slots <- struct{}{}:
	default:
		if g.waiting.Add(1) > g.maxWaiting {
			g.waiting.Add(-1)
			return g.busy()
		}
		timer := time.NewTimer(g.wait)
		select {
		case g.slots <- struct{}{}:
			timer.Stop()
			g.waiting.Add(-1)
		case <-timer.C:
			g.waiting.Add(-1)
			return g.busy()
		case <-ctx.Done():
			timer.Stop()
			g.waiting.Add(-1)
			return ctx.Err()
		}
	}
	defer func() { <-g.slots }()
	fn()
	return nil
}
