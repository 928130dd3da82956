// Package audit makes an organization's audit log tamper-evident: each event
// carries the SHA-256 of its own content and of the event before it, so
// editing, deleting or reordering a stored event breaks the chain at that
// point and Verify names where.
//
// The chain proves internal consistency only. Someone able to rewrite every
// row from some point on, or to drop the newest events, can produce a chain
// that verifies; catching that needs the latest hash kept somewhere else
// (a log line, a backup, a customer's export), which is outside this package.
//
// Stores must give back exactly what was sealed: Before and After byte for
// byte (text or bytea, never a JSON type that re-encodes), and At to the
// microsecond (Seal drops finer precision for that reason).
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// Genesis is the PrevHash of an organization's first event. It has the shape
// of a real hash so every PrevHash column holds the same kind of value.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// domainTag starts every hashed message, so these hashes can never collide
// with SHA-256 of anything else Gatehouse hashes, and a future encoding can
// change the tag rather than be confused with this one.
const domainTag = "gatehouse/audit/v1"

// Hash returns the hex SHA-256 of e's content chained to prevHash. It ignores
// e.PrevHash and e.Hash, so it can check a stored event as well as seal a new
// one.
//
// Each field is written as an 8-byte big-endian length and then its bytes.
// Length prefixes make the encoding unambiguous: no choice of field values,
// however many separators they contain, encodes like another choice. A nil
// and an empty Before or After encode alike, since stores commonly turn one
// into the other.
func Hash(prevHash string, e domain.AuditEvent) string {
	h := sha256.New()
	field(h, domainTag)
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
	return hex.EncodeToString(h.Sum(nil))
}

func field(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// Seal links e to the event before it (prevHash is that event's Hash, or
// Genesis for the first) and sets e.PrevHash and e.Hash. It first normalises
// e.At to UTC at microsecond precision, because PostgreSQL keeps no more and
// an event must hash the same after a round trip through any store. The
// caller assigns Org, Seq and the content, and stores e only after Seal.
func Seal(prevHash string, e *domain.AuditEvent) {
	if e == nil {
		return
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.PrevHash = prevHash
	e.Hash = Hash(prevHash, *e)
}

// Verify checks a whole chain, given in ascending Seq order from the
// organization's first event. It returns (true, 0) when every event is intact,
// else false and the Seq, as stored, of the first event that does not verify:
// the edited event itself, the event after a deleted one, or the first event
// out of place. An empty chain verifies.
func Verify(events []domain.AuditEvent) (ok bool, firstBadSeq int64) {
	var v Verifier
	for i := range events {
		if !v.Add(events[i]) {
			break
		}
	}
	return v.Result()
}

// Verifier checks a chain one event at a time, so a store can stream a long
// log page by page instead of loading it whole. The zero value expects the
// organization's first event (PrevHash Genesis).
type Verifier struct {
	n        int64 // events accepted
	prevSeq  int64
	prevHash string
	org      string
	bad      bool
	badSeq   int64
}

// Add checks the next event and reports whether the chain is still intact.
// Once it has returned false it keeps doing so; Result names the first bad Seq.
func (v *Verifier) Add(e domain.AuditEvent) bool {
	if v.bad {
		return false
	}
	want := v.prevHash
	if v.n == 0 {
		want = Genesis
	}
	intact := e.PrevHash == want && Hash(e.PrevHash, e) == e.Hash
	if v.n > 0 {
		// Seq and Org are inside the hash, but checking them against the
		// previous event too catches a chain spliced from two valid ones.
		intact = intact && e.Seq == v.prevSeq+1 && e.Org == v.org
	}
	if !intact {
		v.bad, v.badSeq = true, e.Seq
		return false
	}
	v.n++
	v.prevSeq, v.prevHash, v.org = e.Seq, e.Hash, e.Org
	return true
}

// Result returns (true, 0) if every event added so far verified, else false
// and the Seq of the first event that did not.
func (v *Verifier) Result() (ok bool, firstBadSeq int64) {
	if v.bad {
		return false, v.badSeq
	}
	return true, 0
}

// Count is how many events verified before the first bad one, or in all.
func (v *Verifier) Count() int64 { return v.n }
