// Package audit makes an organization's audit log defensible: each event
// carries an HMAC-SHA256, under a key kept outside the database, of its own
// content and of the event before it, so editing, deleting, inserting or
// reordering a stored event breaks the chain at that point and a Verifier
// names where. Without the key nobody can compute a valid MAC, so an event
// rewritten and rehashed with the old unkeyed formula, or with another key,
// is caught too.
//
// One thing a MAC chain cannot show is that its newest events are missing:
// a prefix of a valid chain is valid. Checkpoints close that gap. The server
// periodically signs each organization's head (org, seq, hash, time) with an
// Ed25519 key derived from the same secret and appends it to a file meant to
// be shipped off the host; a Verifier given those checkpoints fails a chain
// that does not reach, or does not pass through, every one of them.
//
// Databases made before audit keys hold chains of plain SHA-256
// (LegacyHash). They verify with VerifyLegacy, once, when they are resealed
// with the key; nothing else accepts them.
//
// Stores must give back exactly what was sealed: Before and After byte for
// byte (text or bytea, never a JSON type that re-encodes), and At to the
// microsecond (Seal drops finer precision for that reason).
package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// Genesis is the PrevHash of an organization's first event. It has the shape
// of a real hash so every PrevHash column holds the same kind of value.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// The tags start every hashed message, so these digests can never collide
// with one of anything else Gatehouse hashes, and the keyed and unkeyed
// schemes never agree on an event even if a key happened to be empty.
const (
	legacyTag = "gatehouse/audit/v1"
	keyedTag  = "gatehouse/audit/v2"
)

// Hash returns the hex HMAC-SHA256, under k, of e's content chained to
// prevHash. It ignores e.PrevHash, e.Hash and e.Scheme, so it can check a
// stored event as well as seal a new one.
//
// Each field is written as an 8-byte big-endian length and then its bytes.
// Length prefixes make the encoding unambiguous: no choice of field values,
// however many separators they contain, encodes like another choice. A nil
// and an empty Before or After encode alike, since stores commonly turn one
// into the other.
func (k *Key) Hash(prevHash string, e domain.AuditEvent) string {
	h := hmac.New(sha256.New, k.mac)
	encode(h, keyedTag, prevHash, e)
	return hex.EncodeToString(h.Sum(nil))
}

// LegacyHash is the unkeyed formula of databases made before audit keys:
// SHA-256 over the same encoding under its own tag. Anyone with the
// database can recompute it, which is why it is only read, to reseal an old
// chain after checking it, and never written.
func LegacyHash(prevHash string, e domain.AuditEvent) string {
	h := sha256.New()
	encode(h, legacyTag, prevHash, e)
	return hex.EncodeToString(h.Sum(nil))
}

func encode(h io.Writer, tag, prevHash string, e domain.AuditEvent) {
	field(h, tag)
	field(h, e.Org)
	field(h, strconv.FormatInt(e.Seq, 10))
	field(h, e.At.UTC().Format(time.RFC3339Nano))
	field(h, e.Actor)
	field(h, e.Action)
	field(h, e.Target)
	field(h, string(e.Before))
	field(h, string(e.After))
	field(h, e.RequestID)
	field(h, prevHash)
}

func field(h io.Writer, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// SameHash reports, in constant time, whether two chain hashes are the
// same. Keyed hashes are MACs: compared byte by byte in variable time, they
// would tell whoever can time the comparison how much of a forgery is
// right.
func SameHash(a, b string) bool { return hmac.Equal([]byte(a), []byte(b)) }

// Seal links e to the event before it (prevHash is that event's Hash, or
// Genesis for the first) and sets e.PrevHash, e.Hash and e.Scheme. It first
// normalises e.At to UTC at microsecond precision, because PostgreSQL keeps
// no more and an event must hash the same after a round trip through any
// store. The caller assigns Org, Seq and the content, and stores e only
// after Seal. Its signature is store.Sealer's.
func (k *Key) Seal(prevHash string, e *domain.AuditEvent) {
	if e == nil {
		return
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.PrevHash = prevHash
	e.Hash = k.Hash(prevHash, *e)
	e.Scheme = domain.AuditSchemeHMAC
}

// LegacySeal seals e with the unkeyed formula. Nothing in the server calls
// it: it exists so tests can build the databases of older versions.
func LegacySeal(prevHash string, e *domain.AuditEvent) {
	if e == nil {
		return
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.PrevHash = prevHash
	e.Hash = LegacyHash(prevHash, *e)
	e.Scheme = domain.AuditSchemeSHA256
}

// Verify checks a whole chain, given in ascending Seq order from the
// organization's first event, against k and the organization's
// checkpoints. It returns (true, 0) when every event is intact and the
// chain extends every checkpoint, else false and the Seq of the first event
// that does not verify: the edited event itself, the event after a deleted
// one, the first event out of place, or the first missing one. An empty
// chain without checkpoints verifies.
func (k *Key) Verify(events []domain.AuditEvent, checkpoints ...Checkpoint) (ok bool, firstBadSeq int64) {
	v := k.Verifier(checkpoints...)
	for i := range events {
		if !v.Add(events[i]) {
			break
		}
	}
	return v.Result()
}

// VerifyLegacy checks a chain of the unkeyed formula as Verify checks a
// keyed one, without checkpoints (there were none before keys).
func VerifyLegacy(events []domain.AuditEvent) (ok bool, firstBadSeq int64) {
	v := LegacyVerifier()
	for i := range events {
		if !v.Add(events[i]) {
			break
		}
	}
	return v.Result()
}

// Verifier checks a chain one event at a time, so a store can stream a long
// log page by page instead of loading it whole.
type Verifier struct {
	key    *Key
	legacy bool
	cps    []Checkpoint // by Seq; those before next already passed
	next   int

	n        int64 // events accepted
	prevSeq  int64
	prevHash string
	org      string

	bad    bool
	badSeq int64
	reason string
}

// Verifier returns a Verifier that expects an organization's first event
// (PrevHash Genesis) and holds the chain to checkpoints, which must all be
// that organization's and already checked (ReadCheckpoints does both).
func (k *Key) Verifier(checkpoints ...Checkpoint) *Verifier {
	cps := append([]Checkpoint(nil), checkpoints...)
	sortCheckpoints(cps)
	return &Verifier{key: k, cps: cps}
}

// LegacyVerifier returns a Verifier of the unkeyed formula, for reading
// an old chain before it is resealed.
func LegacyVerifier() *Verifier { return &Verifier{legacy: true} }

// Add checks the next event and reports whether the chain is still intact.
// Once it has returned false it keeps doing so; Result names the first bad
// Seq and Reason says what is wrong with it.
func (v *Verifier) Add(e domain.AuditEvent) bool {
	if v.bad {
		return false
	}
	want := v.prevHash
	if v.n == 0 {
		want = Genesis
	}
	switch {
	// Seq and Org are inside the MAC, but checking them against the
	// previous event too catches a chain spliced from two valid ones.
	case v.n > 0 && e.Seq != v.prevSeq+1:
		return v.fail(e.Seq, fmt.Sprintf("seq %d follows seq %d (an event was deleted, inserted or moved)", e.Seq, v.prevSeq))
	case v.n > 0 && e.Org != v.org:
		return v.fail(e.Seq, fmt.Sprintf("belongs to organization %q, not %q", e.Org, v.org))
	case !SameHash(e.PrevHash, want):
		return v.fail(e.Seq, "does not link to the event before it (an event was deleted, inserted or moved)")
	case v.legacy:
		if !SameHash(LegacyHash(e.PrevHash, e), e.Hash) {
			return v.fail(e.Seq, "its hash does not match its content (edited)")
		}
	case !SameHash(v.key.Hash(e.PrevHash, e), e.Hash):
		if SameHash(LegacyHash(e.PrevHash, e), e.Hash) {
			return v.fail(e.Seq, "hashed with the unkeyed formula, not the audit key (rewritten without the key, or never resealed)")
		}
		return v.fail(e.Seq, "does not verify with the audit key (edited, or sealed with another key)")
	}
	for ; v.next < len(v.cps) && v.cps[v.next].Seq <= e.Seq; v.next++ {
		if cp := v.cps[v.next]; cp.Seq == e.Seq && !SameHash(cp.Hash, e.Hash) {
			return v.fail(e.Seq, fmt.Sprintf("differs from the checkpoint signed at %s (the chain was rewritten from here)", stamp(cp.At)))
		}
	}
	v.n++
	v.prevSeq, v.prevHash, v.org = e.Seq, e.Hash, e.Org
	return true
}

func (v *Verifier) fail(seq int64, reason string) bool {
	v.bad, v.badSeq, v.reason = true, seq, reason
	return false
}

// Result, once every event has been added, returns (true, 0) if the chain
// verified and reaches every checkpoint, else false and the Seq of the
// first bad or missing event.
func (v *Verifier) Result() (ok bool, firstBadSeq int64) {
	if !v.bad && v.next < len(v.cps) {
		last := v.cps[len(v.cps)-1]
		v.fail(v.prevSeq+1, fmt.Sprintf("missing: the chain ends at seq %d, but the checkpoint signed at %s holds seq %d (the newest events were deleted)",
			v.prevSeq, stamp(last.At), last.Seq))
	}
	if v.bad {
		return false, v.badSeq
	}
	return true, 0
}

// Reason says what is wrong with the first bad event, "" while none is.
func (v *Verifier) Reason() string { return v.reason }

// Count is how many events verified before the first bad one, or in all.
func (v *Verifier) Count() int64 { return v.n }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
