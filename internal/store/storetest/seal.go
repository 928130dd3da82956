package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// Seal is a stand-in for audit.Key.Seal: SHA-256 over the previous hash and
// every field of the event. The suite only needs a chain it can recompute,
// not the production format, and depending on package audit would tie the
// store's tests to another package's schedule. It records the keyed scheme
// unless the caller set one, so the suite can store events of the old,
// unkeyed scheme too.
func Seal(prev string, e *domain.AuditEvent) {
	e.PrevHash = prev
	e.Hash = digest(prev, e)
	if e.Scheme == 0 {
		e.Scheme = domain.AuditSchemeHMAC
	}
}

func digest(prev string, e *domain.AuditEvent) string {
	// JSON keeps field boundaries unambiguous; Marshal cannot fail on
	// these types.
	b, _ := json.Marshal([]any{prev, e.Org, e.Seq, e.At.UTC().Format(time.RFC3339Nano),
		e.Actor, e.Action, e.Target, e.Before, e.After, e.RequestID})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
