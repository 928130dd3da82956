// Package auditchain runs the keyed audit chain over a store: keying a
// database at start-up (resealing the unkeyed chains of older versions
// once they are verified), signing each organization's head into a
// checkpoints file while the server runs, and verifying chains against the
// key and those checkpoints. Package audit holds the cryptography; this
// package holds what needs the database.
package auditchain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// RekeyAction is the audit action of the event that records, in each
// organization, that its chain was resealed with the key.
const RekeyAction = "audit.rekey"

// SystemActor is the actor of events Gatehouse writes on its own.
const SystemActor = "system:gatehouse"

// PrepareOptions tune Prepare.
type PrepareOptions struct {
	// AcceptBroken lists, per organization, the seq at which the operator
	// accepts that its unkeyed chain fails: the chain is resealed as it
	// stands and the break is recorded in the rekey event. Only that exact
	// seq is accepted, so a flag left in place accepts no later damage.
	AcceptBroken map[string]int64
	// Checkpoints are those already signed with the key, from the
	// checkpoints file: a database that has them cannot be unkeyed.
	Checkpoints []audit.Checkpoint
	Now         func() time.Time
}

// Rekeyed is one organization whose chain Prepare resealed.
type Rekeyed struct {
	Org         string
	Events      int   // resealed, the rekey event not counted
	FirstBadSeq int64 // the accepted break, 0 if the chain verified
}

// BrokenChainError is an unkeyed chain that does not verify: Prepare will
// not vouch for it with the key.
type BrokenChainError struct {
	Org    string
	Seq    int64
	Reason string
}

func (e *BrokenChainError) Error() string {
	return fmt.Sprintf("the audit chain of organization %q does not verify at seq %d (%s), so it cannot be keyed", e.Org, e.Seq, e.Reason)
}

// KeyMismatchError is a database keyed with another key than the one given.
type KeyMismatchError struct {
	DatabaseKeyID, KeyID string
	KeyedAt              time.Time
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("the database's audit chains were keyed on %s with audit key id %s, but the audit key given has id %s",
		e.KeyedAt.UTC().Format(time.RFC3339), e.DatabaseKeyID, e.KeyID)
}

// ErrUnkeyedWithCheckpoints is a database whose chains are not keyed while
// checkpoints signed with the key exist: it was replaced by an older copy,
// or its record of keying removed, and keying it now would bless whatever
// it holds.
var ErrUnkeyedWithCheckpoints = errors.New("the database's audit chains are not keyed, yet the checkpoints file holds checkpoints signed with this key: the database was replaced by an older copy or tampered with")

// KeyID reads which key the database's chains were keyed with ("" if none
// yet) and when.
func KeyID(ctx context.Context, st store.Store) (id string, at time.Time, err error) {
	err = st.View(ctx, func(r store.Reader) error {
		id, at, err = r.AuditKey()
		return err
	})
	return id, at, err
}

// Prepare makes st's chains keyed with key before a server or a command
// writes to it. A database keyed with key needs nothing; one keyed with
// another key is a KeyMismatchError. Otherwise, in one transaction, every
// organization's chain is checked: a chain that verifies with key is left
// as it is (a new database); an unkeyed one that verifies with the unkeyed
// formula, or whose break the operator accepts, is resealed event by event
// and gets an audit.rekey event; any other is a BrokenChainError and
// nothing changes. Last, the database records key's id.
//
// st must seal with key: the rekey events are appended through it.
func Prepare(ctx context.Context, st store.Store, key *audit.Key, o PrepareOptions) ([]Rekeyed, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	id, at, err := KeyID(ctx, st)
	if err != nil {
		return nil, err
	}
	switch {
	case id == key.ID():
		return nil, nil
	case id != "":
		return nil, &KeyMismatchError{DatabaseKeyID: id, KeyID: key.ID(), KeyedAt: at}
	case len(o.Checkpoints) > 0:
		return nil, ErrUnkeyedWithCheckpoints
	}
	var done []Rekeyed
	_, err = st.Update(ctx, func(tx store.Tx) error {
		done = nil // fn may run again after a serialization failure
		// Another replica may have keyed it since the look above.
		id, at, err := tx.AuditKey()
		if err != nil {
			return err
		}
		if id == key.ID() {
			return nil
		}
		if id != "" {
			return &KeyMismatchError{DatabaseKeyID: id, KeyID: key.ID(), KeyedAt: at}
		}
		orgs, err := tx.ListOrgIDs()
		if err != nil {
			return err
		}
		now := o.Now()
		for _, org := range orgs {
			r, err := rekey(tx, key, org, o.AcceptBroken[org], now)
			if err != nil {
				return err
			}
			if r != nil {
				done = append(done, *r)
			}
		}
		return tx.SetAuditKey(key.ID(), now)
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// auditTx is the part of a transaction rekey works in: keying a chain
// must touch nothing but the chain.
type auditTx interface {
	store.AuditReader
	store.AuditWriter
}

// rekey reseals one organization's chain, or returns nil when it needs no
// reseal.
func rekey(tx auditTx, key *audit.Key, org string, acceptSeq int64, now time.Time) (*Rekeyed, error) {
	evs, err := tx.AllAudit(org)
	if err != nil {
		return nil, err
	}
	if ok, _ := key.Verify(evs); ok {
		return nil, nil
	}
	v := audit.LegacyVerifier()
	for _, e := range evs {
		if !v.Add(e) {
			break
		}
	}
	ok, bad := v.Result()
	if !ok && bad != acceptSeq {
		return nil, &BrokenChainError{Org: org, Seq: bad, Reason: v.Reason()}
	}
	head := evs[len(evs)-1]
	prev := audit.Genesis
	for _, e := range evs {
		key.Seal(prev, &e)
		if err := tx.ResealAudit(e); err != nil {
			return nil, fmt.Errorf("reseal seq %d of organization %q: %w", e.Seq, org, err)
		}
		prev = e.Hash
	}
	before := map[string]any{"scheme": "sha256", "events": len(evs), "head_seq": head.Seq, "head_hash": head.Hash}
	if !ok {
		before["first_bad_seq"] = bad
		before["break"] = v.Reason()
		before["break_accepted"] = true
	}
	after := map[string]any{"scheme": "hmac-sha256", "key_id": key.ID()}
	ev := &domain.AuditEvent{Org: org, At: now, Actor: SystemActor, Action: RekeyAction, Target: "org:" + org,
		Before: mustJSON(before), After: mustJSON(after)}
	if err := tx.AppendAudit(ev); err != nil {
		return nil, err
	}
	// A store sealing with another key would leave a chain that fails at
	// its newest event; better to refuse before it commits.
	if !audit.SameHash(ev.Hash, key.Hash(ev.PrevHash, *ev)) {
		return nil, errors.New("auditchain: the store seals audit events with another key than the one given to Prepare")
	}
	r := &Rekeyed{Org: org, Events: len(evs)}
	if !ok {
		r.FirstBadSeq = bad
	}
	return r, nil
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings and numbers always encode
	}
	return b
}
