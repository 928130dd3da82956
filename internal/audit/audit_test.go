package audit

import (
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// testKey is the key of the golden vectors: the secret 0x00, 0x01, … 0x1f.
var testKey = func() *Key {
	secret := make([]byte, SecretSize)
	for i := range secret {
		secret[i] = byte(i)
	}
	k, err := NewKeyFromSecret(secret)
	if err != nil {
		panic(err)
	}
	return k
}()

// chain makes n sealed events of one org with distinct content, seq 1..n.
func chain(n int) []domain.AuditEvent {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	events := make([]domain.AuditEvent, n)
	prev := Genesis
	for i := range events {
		e := &events[i]
		*e = domain.AuditEvent{
			Org:       "acme",
			Seq:       int64(i + 1),
			At:        t0.Add(time.Duration(i) * time.Second),
			Actor:     "user:u_alice",
			Action:    "grant.create",
			Target:    "gr_" + string(rune('a'+i)),
			Before:    nil,
			After:     []byte(`{"role":"viewer","n":` + string(rune('0'+i)) + `}`),
			RequestID: "req-" + string(rune('a'+i)),
		}
		testKey.Seal(prev, e)
		prev = e.Hash
	}
	return events
}

func TestVerifyIntact(t *testing.T) {
	for _, n := range []int{0, 1, 2, 5} {
		if ok, bad := testKey.Verify(chain(n)); !ok || bad != 0 {
			t.Errorf("testKey.Verify(intact chain of %d) = %v, %d", n, ok, bad)
		}
	}
}

// The encodings are storage formats: changing one would make every stored
// chain fail. These vectors were computed outside Go (Python hashlib, hmac
// and cryptography's Ed25519) from the documented encodings, the keyed ones
// with HKDF-SHA256 written out by hand.
func TestHashGolden(t *testing.T) {
	e := domain.AuditEvent{
		Org: "acme", Seq: 1,
		At:    time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC),
		Actor: "user:u_alice", Action: "grant.create", Target: "gr_1",
		After: []byte(`{"role":"viewer"}`), RequestID: "req-1",
	}
	for _, c := range []struct {
		name string
		hash func(string, domain.AuditEvent) string
		want string
	}{
		{"keyed", testKey.Hash, "d868ffa58cb3c7ea8d055c63718035671090668a49544956572c1178e01e5a8f"},
		{"legacy", LegacyHash, "ebd7ec80ca8d1da82a5044fa73484e936d4457540dab1db15c79f0aeb5f9f5ee"},
	} {
		e := e
		if got := c.hash(Genesis, e); got != c.want {
			t.Errorf("%s: Hash = %s, want %s", c.name, got, c.want)
		}
		// The same instant in another zone hashes alike.
		e.At = e.At.In(time.FixedZone("CET", 3600))
		if got := c.hash(Genesis, e); got != c.want {
			t.Errorf("%s: Hash in another zone = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestKeyGolden(t *testing.T) {
	const pub = "e0c0f8513f7d262608f3a5c42299357e51300a7e7cef71dc31a476b86e8736cf"
	if got := hex.EncodeToString(testKey.PublicKey()); got != pub {
		t.Errorf("public key %s, want %s", got, pub)
	}
	if got := testKey.ID(); got != "fb36540b26a19d75" {
		t.Errorf("key id %s, want fb36540b26a19d75", got)
	}
	c := testKey.Checkpoint("acme", 7, strings.Repeat("ab", 32), time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	const sig = "c943e8e74c419b83c67788c55dd3314d3fdf334dfbc88a258533e711473449b5007013a191628cac3e14b3d03eb1df219a5dd3a42e46d47c0b5dc8f9d82e7c0a"
	if got := hex.EncodeToString(c.Signature); got != sig {
		t.Errorf("signature %s, want %s", got, sig)
	}
}

func TestSeal(t *testing.T) {
	e := domain.AuditEvent{Org: "acme", Seq: 1, At: time.Date(2026, 1, 2, 3, 4, 5, 123456789, time.FixedZone("X", -7200))}
	testKey.Seal(Genesis, &e)
	if e.PrevHash != Genesis || len(e.Hash) != 64 || e.Scheme != domain.AuditSchemeHMAC {
		t.Fatalf("PrevHash %q, Hash %q", e.PrevHash, e.Hash)
	}
	if e.At.Location() != time.UTC || e.At.Nanosecond() != 123456000 {
		t.Fatalf("At = %v; want UTC truncated to microseconds", e.At)
	}
	// What a microsecond-precision store hands back still verifies.
	back := e
	back.At = time.UnixMicro(e.At.UnixMicro()).In(time.Local)
	if ok, _ := testKey.Verify([]domain.AuditEvent{back}); !ok {
		t.Fatal("event does not verify after a microsecond round trip")
	}
	testKey.Seal(Genesis, nil) // must not panic
}

// Length prefixes keep content from sliding between fields unnoticed.
func TestHashUnambiguous(t *testing.T) {
	base := domain.AuditEvent{Org: "acme", Seq: 1, Actor: "ab", Action: "c"}
	shifted := base
	shifted.Actor, shifted.Action = "a", "bc"
	swapped := base
	swapped.Before, swapped.After = []byte("x"), nil
	swapped2 := base
	swapped2.Before, swapped2.After = nil, []byte("x")
	hashes := []string{testKey.Hash(Genesis, base), testKey.Hash(Genesis, shifted), testKey.Hash(Genesis, swapped), testKey.Hash(Genesis, swapped2), testKey.Hash("x", base)}
	for i := range hashes {
		for j := i + 1; j < len(hashes); j++ {
			if hashes[i] == hashes[j] {
				t.Errorf("hash %d equals hash %d", i, j)
			}
		}
	}
	// nil and empty JSON are the same content.
	empty := base
	empty.Before = []byte{}
	if testKey.Hash(Genesis, empty) != testKey.Hash(Genesis, base) {
		t.Error("nil and empty Before hash differently")
	}
}

func TestVerifyTamperedField(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(e *domain.AuditEvent)
	}{
		{"org", func(e *domain.AuditEvent) { e.Org = "evil" }},
		{"seq", func(e *domain.AuditEvent) { e.Seq += 10 }},
		{"at", func(e *domain.AuditEvent) { e.At = e.At.Add(time.Microsecond) }},
		{"actor", func(e *domain.AuditEvent) { e.Actor = "user:u_mallory" }},
		{"action", func(e *domain.AuditEvent) { e.Action = "grant.delete" }},
		{"target", func(e *domain.AuditEvent) { e.Target = "gr_other" }},
		{"before", func(e *domain.AuditEvent) { e.Before = []byte(`{"role":"admin"}`) }},
		{"after", func(e *domain.AuditEvent) { e.After = []byte(`{"role":"admin"}`) }},
		{"after emptied", func(e *domain.AuditEvent) { e.After = nil }},
		{"request id", func(e *domain.AuditEvent) { e.RequestID = "req-x" }},
		{"prev hash", func(e *domain.AuditEvent) { e.PrevHash = "1" + Genesis[1:] }},
		{"hash", func(e *domain.AuditEvent) { e.Hash = Genesis }},
		{"hash upper-cased", func(e *domain.AuditEvent) { e.Hash = string(append([]byte{'F'}, e.Hash[1:]...)) }},
		{"resealed in place", func(e *domain.AuditEvent) { e.Actor = "user:u_mallory"; testKey.Seal(e.PrevHash, e) }},
		// Without the key, the two ways of making a hash that looks right.
		{"rehashed unkeyed", func(e *domain.AuditEvent) { e.Actor = "user:u_mallory"; LegacySeal(e.PrevHash, e) }},
		{"resealed with another key", func(e *domain.AuditEvent) { e.Actor = "user:u_mallory"; NewKey().Seal(e.PrevHash, e) }},
	}
	for _, c := range cases {
		for _, at := range []int{0, 2, 4} { // first, middle, last of five
			events := chain(5)
			c.tamper(&events[at])
			// The bad event is named by its Seq as stored, so an edited
			// Seq is reported as edited: that is the row an operator finds.
			wantSeq := events[at].Seq
			if c.name == "resealed in place" {
				// The edited event is self-consistent now; its successor's
				// PrevHash no longer matches. Resealing the last event is
				// the truncation case the package doc admits.
				if at == 4 {
					continue
				}
				wantSeq = events[at+1].Seq
			}
			ok, bad := testKey.Verify(events)
			if ok || bad != wantSeq {
				t.Errorf("%s of event %d: Verify = %v, %d; want false, %d", c.name, at+1, ok, bad, wantSeq)
			}
		}
	}
}

func TestVerifyDeleted(t *testing.T) {
	cases := []struct {
		name    string
		del     int // index into a chain of 5
		wantSeq int64
	}{
		{"first", 0, 2},
		{"second", 1, 3},
		{"middle", 2, 4},
		{"last but one", 3, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			events := slices.Delete(chain(5), c.del, c.del+1)
			if ok, bad := testKey.Verify(events); ok || bad != c.wantSeq {
				t.Fatalf("Verify = %v, %d; want false, %d", ok, bad, c.wantSeq)
			}
		})
	}
}

// A deleted event whose gap was closed by renumbering is still caught, by
// the PrevHash of the event after it.
func TestVerifyDeletedAndRenumbered(t *testing.T) {
	events := slices.Delete(chain(5), 2, 3)
	for i := 2; i < len(events); i++ {
		events[i].Seq--
	}
	if ok, bad := testKey.Verify(events); ok || bad != 3 {
		t.Fatalf("Verify = %v, %d; want false, 3", ok, bad)
	}
}

func TestVerifyReordered(t *testing.T) {
	cases := []struct {
		name    string
		i, j    int // indexes swapped in a chain of 5
		renum   bool
		wantSeq int64
	}{
		{"adjacent rows", 1, 2, false, 3},
		{"first and last rows", 0, 4, false, 5},
		{"adjacent, seqs swapped back", 1, 2, true, 2},
		{"first and second, seqs swapped back", 0, 1, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			events := chain(5)
			events[c.i], events[c.j] = events[c.j], events[c.i]
			if c.renum {
				events[c.i].Seq, events[c.j].Seq = events[c.j].Seq, events[c.i].Seq
			}
			if ok, bad := testKey.Verify(events); ok || bad != c.wantSeq {
				t.Fatalf("Verify = %v, %d; want false, %d", ok, bad, c.wantSeq)
			}
		})
	}
}

func TestVerifyDuplicated(t *testing.T) {
	events := chain(3)
	events = append(events[:2], events[1], events[2])
	if ok, bad := testKey.Verify(events); ok || bad != 2 {
		t.Fatalf("Verify = %v, %d; want false, 2", ok, bad)
	}
}

// Two valid chains of different orgs cannot be spliced into one.
func TestVerifySpliced(t *testing.T) {
	a := chain(2)
	b := chain(3)
	for i := range b {
		b[i].Org = "other"
	}
	prev := a[1].Hash
	for i := range b {
		testKey.Seal(prev, &b[i])
		prev = b[i].Hash
	}
	b[2].Seq = 3
	testKey.Seal(b[1].Hash, &b[2])
	spliced := []domain.AuditEvent{a[0], a[1], b[2]}
	if ok, bad := testKey.Verify(spliced); ok || bad != 3 {
		t.Fatalf("Verify = %v, %d; want false, 3", ok, bad)
	}
}

func TestVerifierStreaming(t *testing.T) {
	events := chain(6)
	events[3].Target = "edited"
	v := testKey.Verifier()
	for _, e := range events[:3] {
		if !v.Add(e) {
			t.Fatalf("Add(seq %d) = false", e.Seq)
		}
	}
	if v.Add(events[3]) || v.Add(events[4]) {
		t.Fatal("Add after an edited event = true")
	}
	if ok, bad := v.Result(); ok || bad != 4 || v.Count() != 3 {
		t.Fatalf("Result = %v, %d, Count = %d; want false, 4, 3", ok, bad, v.Count())
	}
}
