package team

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// AuditView is an audit event as clients see it.
type AuditView struct {
	Seq       int64           `json:"seq"`
	At        time.Time       `json:"at"`
	Actor     string          `json:"actor"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	RequestID string          `json:"request_id"`
	Hash      string          `json:"hash"`
}

func auditView(e domain.AuditEvent) AuditView {
	raw := func(b []byte) json.RawMessage {
		if len(b) == 0 || !json.Valid(b) {
			return json.RawMessage("null")
		}
		return b
	}
	return AuditView{Seq: e.Seq, At: e.At.UTC(), Actor: e.Actor, Action: e.Action, Target: e.Target,
		Before: raw(e.Before), After: raw(e.After), RequestID: e.RequestID, Hash: e.Hash}
}

// AuditFilter narrows the audit list.
type AuditFilter struct {
	Actor  string
	Action string
}

// ListAudit pages the audit log newest first; needs the audit permission.
func (s *Service) ListAudit(ctx context.Context, a Actor, org, pageToken string, limit int, f AuditFilter) (Page[AuditView], error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return Page[AuditView]{}, err
	}
	if err := s.authorize(o, sc, a, ActAuditRead, nil); err != nil {
		return Page[AuditView]{}, err
	}
	var before int64
	if pageToken != "" {
		if before, err = strconv.ParseInt(pageToken, 10, 64); err != nil || before <= 0 {
			return Page[AuditView]{}, fault.E(fault.Invalid, "invalid page_token")
		}
	}
	limit = clampLimit(limit)
	page := Page[AuditView]{Items: []AuditView{}}
	err = s.view(ctx, func(r store.Reader) error {
		// Filters apply after paging by seq; keep reading until the page is
		// full or the log ends, so a filter never hides later matches.
		for {
			evs, next, err := r.ListAudit(org, before, limit)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if (f.Actor == "" || e.Actor == f.Actor) && (f.Action == "" || e.Action == f.Action) {
					page.Items = append(page.Items, auditView(e))
				}
			}
			before = next
			if next == 0 || len(page.Items) >= limit {
				if next != 0 {
					page.Next = strconv.FormatInt(next, 10)
				}
				return nil
			}
		}
	})
	return page, err
}

// AuditVerification is the result of walking the chain.
type AuditVerification struct {
	OK          bool  `json:"ok"`
	Events      int64 `json:"events"`
	FirstBadSeq int64 `json:"first_bad_seq,omitempty"`
	// Reason says what is wrong at FirstBadSeq.
	Reason string `json:"reason,omitempty"`
}

// VerifyAudit recomputes the org's chain with the audit key and holds it to
// the newest checkpoint this server knows of.
func (s *Service) VerifyAudit(ctx context.Context, a Actor, org string) (AuditVerification, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return AuditVerification{}, err
	}
	if err := s.authorize(o, sc, a, ActAuditRead, nil); err != nil {
		return AuditVerification{}, err
	}
	if s.cfg.AuditKey == nil {
		return AuditVerification{}, fault.E(fault.Unavailable, "audit verification is not available: the server runs without an audit key")
	}
	var cps []audit.Checkpoint
	if s.cfg.AuditCheckpoints != nil {
		if cp, ok := s.cfg.AuditCheckpoints.Latest(org); ok {
			cps = append(cps, cp)
		}
	}
	r, err := auditchain.Verify(ctx, s.store, s.cfg.AuditKey, org, cps)
	if err != nil {
		return AuditVerification{}, mapStoreErr(err)
	}
	return AuditVerification{OK: r.OK, Events: r.Events, FirstBadSeq: r.FirstBadSeq, Reason: r.Reason}, nil
}
