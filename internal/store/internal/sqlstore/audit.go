package sqlstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const auditCols = `org, seq, at, actor, action, target, before_doc, after_doc, request_id, prev_hash, hash, scheme`

func scanAudit(s scanner) (domain.AuditEvent, error) {
	var e domain.AuditEvent
	return e, s.Scan(&e.Org, &e.Seq, ts(&e.At), &e.Actor, &e.Action, &e.Target, &e.Before, &e.After,
		&e.RequestID, &e.PrevHash, &e.Hash, &e.Scheme)
}

// AppendAudit reads the chain's head and writes after it. Writers are
// serialized by the revision counter, which Update locks first, so no other
// transaction can append to the same chain in between; the (org, seq)
// primary key would refuse it anyway.
func (t *Tx) AppendAudit(e *domain.AuditEvent) error {
	what := fmt.Sprintf("append audit event to org %q", e.Org)
	prev, seq := store.GenesisHash, int64(0)
	err := t.one(what, `SELECT seq, hash FROM audit_events WHERE org = $1 ORDER BY seq DESC LIMIT 1`,
		[]any{e.Org}, &seq, &prev)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	e.Seq = seq + 1
	if e.At.IsZero() {
		e.At = time.Now()
	}
	// The hash must cover exactly what is stored, and the database keeps
	// microseconds.
	e.At = e.At.UTC().Truncate(time.Microsecond)
	t.cfg.Sealer(prev, e)
	if e.Scheme == 0 {
		return fmt.Errorf("store: %s: the Sealer recorded no scheme", what)
	}
	_, err = t.exec(`INSERT INTO audit_events (`+auditCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		e.Org, e.Seq, t.tm(e.At), e.Actor, e.Action, e.Target, e.Before, e.After, e.RequestID, e.PrevHash, e.Hash, e.Scheme)
	if err != nil {
		return fmt.Errorf("store: %s: %w", what, err)
	}
	return nil
}

func (t *Tx) ListAudit(org string, beforeSeq int64, limit int) ([]domain.AuditEvent, int64, error) {
	args := []any{org}
	q := `SELECT ` + auditCols + ` FROM audit_events WHERE org = $1`
	if beforeSeq > 0 {
		args = append(args, beforeSeq)
		q += ` AND seq < $2`
	}
	q += ` ORDER BY seq DESC`
	if limit > 0 {
		args = append(args, fetch(limit))
		q += limitClause(limit, len(args))
	}
	events, err := list(t, fmt.Sprintf("list audit of org %q", org), scanAudit, q, args...)
	if err != nil {
		return nil, 0, err
	}
	if limit <= 0 || len(events) <= limit {
		return events, 0, nil
	}
	events = events[:limit]
	return events, events[limit-1].Seq, nil
}

func (t *Tx) ListAuditAfter(org string, afterSeq int64, limit int) ([]domain.AuditEvent, error) {
	args := []any{org, afterSeq}
	q := `SELECT ` + auditCols + ` FROM audit_events WHERE org = $1 AND seq > $2 ORDER BY seq` + limitClause(limit, 3)
	if limit > 0 {
		args = append(args, limit)
	}
	return list(t, fmt.Sprintf("list audit of org %q", org), scanAudit, q, args...)
}

func (t *Tx) AllAudit(org string) ([]domain.AuditEvent, error) {
	return list(t, fmt.Sprintf("list audit of org %q", org), scanAudit,
		`SELECT `+auditCols+` FROM audit_events WHERE org = $1 ORDER BY seq`, org)
}

// ResealAudit replaces the hashes of an event still under the unkeyed
// scheme. The schema refuses every other update of an event, this one
// included once the event is resealed, so a second call finds no row.
func (t *Tx) ResealAudit(e domain.AuditEvent) error {
	return t.execOne(fmt.Sprintf("reseal audit event %d of org %q", e.Seq, e.Org),
		`UPDATE audit_events SET prev_hash = $3, hash = $4, scheme = $5
		 WHERE org = $1 AND seq = $2 AND scheme = $6`,
		e.Org, e.Seq, e.PrevHash, e.Hash, e.Scheme, domain.AuditSchemeSHA256)
}

func (t *Tx) AuditKey() (string, time.Time, error) {
	var id string
	var at time.Time
	err := t.one("read the audit key id", `SELECT key_id, keyed_at FROM audit_key WHERE id = 1`, nil, &id, ts(&at))
	if errors.Is(err, store.ErrNotFound) {
		return "", time.Time{}, nil
	}
	return id, at, err
}

func (t *Tx) SetAuditKey(keyID string, at time.Time) error {
	if keyID == "" || at.IsZero() {
		return errors.New("store: set audit key: want a key id and a time")
	}
	if _, err := t.exec(`INSERT INTO audit_key (id, key_id, keyed_at) VALUES (1, $1, $2)`, keyID, t.tm(at)); err != nil {
		return fmt.Errorf("store: set audit key: %w", err)
	}
	return nil
}
