package team

import (
	"sync"
	"time"
)

// throttle slows password guessing down. Every verification takes a ticket
// first, and the ticket counts the attempt as a failure before the hash is
// computed: checking and counting are one step under one lock, so a burst
// of concurrent guesses cannot all pass a check made before any of them
// was counted. A success gives the count back.
//
// Attempts are counted per (account, client address) and per client
// address, never per account alone: failures from an attacker's address
// slow that address down, not the account's owner somewhere else. The
// per-address count bounds one address spraying many accounts.
//
// After free failures, each further attempt waits base·2^(n-free), at most
// max: an attacker gets a few guesses, then a handful an hour; the owner
// who mistyped waits a second or two. A key forgets its failures after
// forget without one.
type throttle struct {
	mu         sync.Mutex
	pair, addr throttleRule
	forget     time.Duration
	max        int // entries kept before the table sheds the harmless ones
	entries    map[string]*throttleEntry
}

type throttleRule struct {
	free      int
	base, max time.Duration
}

type throttleEntry struct {
	rule  *throttleRule
	fails int
	last  time.Time // when the last failure (or attempt in flight) was counted
}

// delay is how long after its last failure the entry lets the next
// attempt through.
func (e *throttleEntry) delay() time.Duration {
	n := e.fails - e.rule.free
	if n < 0 {
		return 0
	}
	if n > 30 {
		return e.rule.max
	}
	return min(e.rule.base<<n, e.rule.max)
}

func newThrottle(pairFree, addrFree int) *throttle {
	return &throttle{
		pair:    throttleRule{free: pairFree, base: time.Second, max: 15 * time.Minute},
		addr:    throttleRule{free: addrFree, base: time.Second, max: 15 * time.Minute},
		forget:  24 * time.Hour,
		max:     200_000,
		entries: map[string]*throttleEntry{},
	}
}

// ticket is one attempt let through; exactly one of its methods is called
// once the attempt is decided.
type ticket struct {
	t          *throttle
	pair, addr string
}

func pairKey(account, addr string) string { return "p\x00" + account + "\x00" + addr }
func addrKey(addr string) string          { return "a\x00" + addr }

// take lets an attempt on account from addr through, counting it, or says
// how long to wait. Refused attempts are not counted, so someone waiting
// out a delay is not kept waiting longer by retrying.
func (t *throttle) take(now time.Time, account, addr string) (*ticket, time.Duration) {
	pk, ak := pairKey(account, addr), addrKey(addr)
	t.mu.Lock()
	defer t.mu.Unlock()
	p, a := t.entry(now, pk, &t.pair), t.entry(now, ak, &t.addr)
	var wait time.Duration
	for _, e := range []*throttleEntry{p, a} {
		if until := e.last.Add(e.delay()); e.fails > 0 && until.After(now) {
			wait = max(wait, until.Sub(now))
		}
	}
	if wait > 0 {
		return nil, wait
	}
	for _, e := range []*throttleEntry{p, a} {
		e.fails++
		e.last = now
	}
	return &ticket{t: t, pair: pk, addr: ak}, 0
}

// entry returns the live entry of key, making one (and making room) when
// there is none or the old one is forgotten.
func (t *throttle) entry(now time.Time, key string, rule *throttleRule) *throttleEntry {
	if e, ok := t.entries[key]; ok && now.Sub(e.last) < t.forget {
		return e
	}
	if len(t.entries) >= t.max {
		t.shed(now)
	}
	e := &throttleEntry{rule: rule}
	t.entries[key] = e
	return e
}

// shed drops the entries that hold nobody back (below their free
// failures, or forgotten), which is nearly all of them when someone sprays
// addresses to fill the table; only if that is not enough does it start
// over, which lets the delays in force lapse.
func (t *throttle) shed(now time.Time) {
	for k, e := range t.entries {
		if e.fails < e.rule.free || now.Sub(e.last) >= t.forget {
			delete(t.entries, k)
		}
	}
	if len(t.entries) >= t.max*3/4 {
		clear(t.entries)
	}
}

// failed keeps the attempt counted.
func (tk *ticket) failed() {}

// succeeded forgets the account's failures from this address and gives
// the address its attempt back; the address's other failures stay, so an
// attacker cannot wipe its count by signing in to an account of its own.
func (tk *ticket) succeeded() {
	tk.t.mu.Lock()
	defer tk.t.mu.Unlock()
	delete(tk.t.entries, tk.pair)
	tk.t.giveBack(tk.addr)
}

// refund gives the attempt back: it was never decided (the server was too
// busy to hash, or the store failed).
func (tk *ticket) refund() {
	tk.t.mu.Lock()
	defer tk.t.mu.Unlock()
	tk.t.giveBack(tk.pair)
	tk.t.giveBack(tk.addr)
}

func (t *throttle) giveBack(key string) {
	if e, ok := t.entries[key]; ok {
		if e.fails--; e.fails <= 0 {
			delete(t.entries, key)
		}
	}
}
