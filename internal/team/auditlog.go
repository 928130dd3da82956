package team

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
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
	// Names gives the display name of the actor, the target and each
	// subject, member id, team or resource the event's documents mention,
	// as far as they are still known ("user:u_1" -> "Ada Admin
	// <ada@acme.test>"): people read names, the record keeps ids.
	Names map[string]string `json:"names,omitempty"`
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
				if f.matches(e) {
					page.Items = append(page.Items, auditView(e))
				}
			}
			before = next
			if next == 0 || len(page.Items) >= limit {
				if next != 0 {
					page.Next = strconv.FormatInt(next, 10)
				}
				return nameAudit(r, org, page.Items)
			}
		}
	})
	return page, err
}

// ListAuditNewer pages back up the log, towards the newest event: the
// limit events matching f just newer than afterSeq, newest first, as
// ListAudit shows them. Next is the token of the page older than it, and
// newer says whether newer events match too.
func (s *Service) ListAuditNewer(ctx context.Context, a Actor, org string, afterSeq int64, limit int, f AuditFilter) (page Page[AuditView], newer bool, err error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return Page[AuditView]{}, false, err
	}
	if err := s.authorize(o, sc, a, ActAuditRead, nil); err != nil {
		return Page[AuditView]{}, false, err
	}
	if afterSeq < 0 {
		return Page[AuditView]{}, false, fault.E(fault.Invalid, "invalid page_token")
	}
	limit = clampLimit(limit)
	page = Page[AuditView]{Items: []AuditView{}}
	err = s.view(ctx, func(r store.Reader) error {
		after := afterSeq
		var hits []AuditView
		// One more than a page tells whether newer ones remain.
		for len(hits) <= limit {
			evs, err := r.ListAuditAfter(org, after, limit)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if f.matches(e) {
					hits = append(hits, auditView(e))
				}
			}
			if len(evs) < limit {
				break
			}
			after = evs[len(evs)-1].Seq
		}
		if newer = len(hits) > limit; newer {
			hits = hits[:limit]
		}
		for i := len(hits) - 1; i >= 0; i-- {
			page.Items = append(page.Items, hits[i])
		}
		if len(hits) > 0 {
			// Older events exist: the caller came from them.
			page.Next = strconv.FormatInt(hits[0].Seq, 10)
		}
		return nameAudit(r, org, page.Items)
	})
	return page, newer, err
}

func (f AuditFilter) matches(e domain.AuditEvent) bool {
	return (f.Actor == "" || e.Actor == f.Actor) && (f.Action == "" || e.Action == f.Action)
}

// AuditActor is one who acted in an organization's audit log.
type AuditActor struct {
	Subject string `json:"subject"`
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	// Member is false for a person who has left the organization (or a
	// key since revoked): their events stay.
	Member bool `json:"member"`
}

// AuditActors lists everyone who acted in the org's audit log, those
// who have left included, by name; it needs the audit permission.
func (s *Service) AuditActors(ctx context.Context, a Actor, org string) ([]AuditActor, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActAuditRead, nil); err != nil {
		return nil, err
	}
	out := []AuditActor{}
	err = s.view(ctx, func(r store.Reader) error {
		subjects, err := r.AuditActors(org)
		if err != nil {
			return err
		}
		for _, sub := range subjects {
			subj, err := domain.ParseSubject(sub)
			if err != nil {
				continue
			}
			x := AuditActor{Subject: sub, Name: subj.ID}
			switch subj.Kind {
			case domain.SubjectUser:
				u, err := r.GetUser(subj.ID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if u.Name != "" {
					x.Name, x.Email = u.Name, u.Email
				}
				_, err = r.GetMember(org, subj.ID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				x.Member = err == nil
			case domain.SubjectKey:
				k, err := r.GetKey(org, subj.ID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
				if k.Name != "" {
					x.Name = k.Name
				}
				x.Member = err == nil && k.RevokedAt.IsZero()
			}
			out = append(out, x)
		}
		return nil
	})
	slices.SortStableFunc(out, func(x, y AuditActor) int {
		return strings.Compare(strings.ToLower(x.Name+" "+x.Email), strings.ToLower(y.Name+" "+y.Email))
	})
	return out, err
}

// nameAudit fills each event's Names, reading each name once.
func nameAudit(r store.Reader, org string, events []AuditView) error {
	n := &auditNamer{r: r, org: org, known: map[string]string{}}
	for i := range events {
		e := &events[i]
		names := map[string]string{}
		add := func(s string) {
			if v := n.name(s); v != "" {
				names[s] = v
			}
		}
		add(e.Actor)
		add(e.Target)
		for _, doc := range []json.RawMessage{e.Before, e.After} {
			var v any
			if json.Unmarshal(doc, &v) == nil {
				walkStrings(v, add)
			}
		}
		if n.err != nil {
			return n.err
		}
		if len(names) > 0 {
			e.Names = names
		}
	}
	return nil
}

func walkStrings(v any, fn func(string)) {
	switch x := v.(type) {
	case string:
		fn(x)
	case []any:
		for _, y := range x {
			walkStrings(y, fn)
		}
	case map[string]any:
		for _, y := range x {
			walkStrings(y, fn)
		}
	}
}

// auditNamer names what an audit event mentions: subjects ("user:ID",
// "key:ID", "group:ID"), bare user ids, teams ("team:ID") and resources
// ("dataset:cats"). Anything else, and anything gone, has no name.
type auditNamer struct {
	r     store.Reader
	org   string
	known map[string]string
	err   error
	// actors are the users who acted in the org's log: members once,
	// named though they have left. Read when first needed.
	actors map[string]bool
}

// ofOrg says whether a user is of the org: a member, or one who acted in
// its audit log.
func (n *auditNamer) ofOrg(id string) (bool, error) {
	if _, err := n.r.GetMember(n.org, id); err == nil {
		return true, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return false, err
	}
	if n.actors == nil {
		subjects, err := n.r.AuditActors(n.org)
		if err != nil {
			return false, err
		}
		n.actors = map[string]bool{}
		for _, s := range subjects {
			n.actors[s] = true
		}
	}
	return n.actors[domain.UserSubject(id).String()], nil
}

func (n *auditNamer) name(s string) string {
	if len(s) > 300 || n.err != nil {
		return ""
	}
	if v, ok := n.known[s]; ok {
		return v
	}
	v, err := n.lookup(s)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		n.err = err
	}
	n.known[s] = v
	return v
}

func (n *auditNamer) lookup(s string) (string, error) {
	kind, id, ok := strings.Cut(s, ":")
	if !ok {
		if strings.HasPrefix(s, "u_") {
			kind, id = "user", s
		} else {
			return "", nil
		}
	}
	switch kind {
	case "user":
		// Only people of this org are named: an event may carry any user id
		// (a resource's owner is the caller's to set), and naming a
		// stranger would hand out another tenant's name and email.
		if ok, err := n.ofOrg(id); !ok || err != nil {
			return "", err
		}
		u, err := n.r.GetUser(id)
		if err != nil {
			return "", err
		}
		return u.Name + " <" + u.Email + ">", nil
	case "key":
		k, err := n.r.GetKey(n.org, id)
		return k.Name, err
	case "group":
		g, err := n.r.GetGroup(n.org, id)
		return g.Name, err
	case "team":
		t, err := n.r.GetTeam(n.org, id)
		return t.Name, err
	case "org", "email", "role", "grant", "invitation":
		return "", nil
	}
	ref, err := domain.ParseRef(s)
	if err != nil || id == "*" {
		return "", nil
	}
	x, err := n.r.GetResource(n.org, ref)
	return x.Name, err
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
