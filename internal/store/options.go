package store

import "github.com/gatehouse/gatehouse/internal/domain"

// GenesisHash is the PrevHash of an organization's first audit event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Sealer links e to the chain: it sets e.PrevHash to prev and e.Hash to the
// event's digest. The store calls it with every field of e final, including
// Seq and At (truncated to the microsecond the database keeps, so the hash
// still verifies after a round trip). Package audit provides the production
// implementation; the store only decides what prev is.
type Sealer func(prev string, e *domain.AuditEvent)

// Options configure a backend.
type Options struct {
	// Sealer is required: the store refuses to write audit events it cannot
	// chain.
	Sealer Sealer
}
