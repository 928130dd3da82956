package sqlstore

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

const auditCols = `org, seq, at, actor, action, target, before_doc, after_doc, request_id, prev_hash, hash`

func scanAudit(s scanner) (domain.AuditEvent, error) {
	var e domain.AuditEvent
	return e, s.Scan(&e.Org, &e.Seq, ts(&e.At), &e.Actor, &e.Action, &e.Target, &e.Before, &e.After,
		&e.RequestID, &e.PrevHash, &e.Hash)
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
	_, err = t.exec(`INSERT INTO audit_events (`+auditCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		e.Org, e.Seq, t.tm(e.At), e.Actor, e.Action, e.Target, e.Before, e.After, e.RequestID, e.PrevHash, e.Hash)
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

func (t *Tx) AllAudit(org string) ([]domain.AuditEvent, error) {
	return list(t, fmt.Sprintf("list audit of org %q", org), scanAudit,
		`SELECT `+auditCols+` FROM audit_events WHERE org = $1 ORDER BY seq`, org)
}
