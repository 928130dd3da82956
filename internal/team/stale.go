package team

import (
	"bytes"
	"context"
	"encoding/csv"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// MaxStaleDays bounds the report's window: ten years.
const MaxStaleDays = 3650

// StaleAccess is access nobody seems to use, for a periodic access review
// (seed 002: "review team access quarterly"). A part is nil when the actor
// may not see it (null: members for who lists members, keys for who lists
// keys).
type StaleAccess struct {
	Days  int       `json:"days"`
	Since time.Time `json:"since"` // no use since then counts as stale
	// IdleMembers have not signed in since Since, or never: never first.
	IdleMembers []MemberView `json:"idle_members"`
	// UnusedKeys are live keys not used since Since, or never.
	UnusedKeys []KeyView `json:"unused_keys"`
	// ExpiredGrants have ended and still stand in the list of grants: they
	// give nothing, and say who once had what.
	ExpiredGrants []EndingGrant `json:"expired_grants"`
	// EmptyGroups hold grants and have no member: access waiting for
	// whoever is added next.
	EmptyGroups []EmptyGroup `json:"empty_groups"`
}

// EmptyGroup is a group without members and the grants it holds.
type EmptyGroup struct {
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Grants []GrantView `json:"grants"`
}

// StaleAccess: see the policy (the user managers and the auditors).
func (s *Service) StaleAccess(ctx context.Context, a Actor, org string, days int) (StaleAccess, error) {
	if days < 1 || days > MaxStaleDays {
		return StaleAccess{}, fault.E(fault.Unprocessable, "days must be a whole number from 1 to %d", MaxStaleDays)
	}
	o, sc, err := s.org(a, org)
	if err != nil {
		return StaleAccess{}, err
	}
	if err := s.authorize(o, sc, a, ActReportStaleAccess, nil); err != nil {
		return StaleAccess{}, err
	}
	may := func(act Action) bool { return s.authorize(o, sc, a, act, nil) == nil }
	now := s.now()
	rep := StaleAccess{Days: days, Since: now.Add(-time.Duration(days) * 24 * time.Hour).UTC(), ExpiredGrants: []EndingGrant{}, EmptyGroups: []EmptyGroup{}}
	err = s.view(ctx, func(r store.Reader) error {
		if may(ActMemberList) {
			ms, err := r.IdleMembers(org, rep.Since, 0)
			if err != nil {
				return err
			}
			rep.IdleMembers = []MemberView{}
			for _, m := range ms {
				u, err := r.GetUser(m.UserID)
				if err != nil {
					return err
				}
				rep.IdleMembers = append(rep.IdleMembers, s.memberView(m, u))
			}
		}
		if may(ActKeyList) {
			ks, _, err := r.ListKeys(org, store.KeyFilter{State: store.LiveKey, At: now, UnusedSince: rep.Since}, "", 0)
			if err != nil {
				return err
			}
			if rep.UnusedKeys, err = keyViews(r, org, ks); err != nil {
				return err
			}
			if err := nameOwners(r, rep.UnusedKeys); err != nil {
				return err
			}
		}
		// Every expiry before now: grants without one are not in the range.
		gs, err := r.ExpiringGrants(org, time.Unix(0, 0), now, 0)
		if err != nil {
			return err
		}
		if rep.ExpiredGrants, err = namedGrants(r, org, gs); err != nil {
			return err
		}
		groups, err := r.ListGroups(org)
		if err != nil {
			return err
		}
		for _, g := range groups {
			ms, err := r.ListGroupMembers(org, g.ID)
			if err != nil || len(ms) > 0 {
				if err != nil {
					return err
				}
				continue
			}
			held, _, err := r.ListGrants(org, store.GrantFilter{Subject: domain.GroupSubject(g.ID)}, "", 0)
			if err != nil {
				return err
			}
			if len(held) == 0 {
				continue
			}
			eg := EmptyGroup{ID: g.ID, Name: g.Name, Grants: []GrantView{}}
			for _, x := range held {
				eg.Grants = append(eg.Grants, grantView(x))
			}
			rep.EmptyGroups = append(rep.EmptyGroups, eg)
		}
		return nil
	})
	return rep, err
}

// StaleAccessCSV is the report as one table: a row per stale item, with
// what it is, who or what it names, and since when it is stale.
func StaleAccessCSV(rep StaleAccess) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	row := func(cells ...string) { _ = w.Write(scheme.CSVCells(cells)) }
	stamp := func(t *time.Time) string {
		if t == nil {
			return "never"
		}
		return t.UTC().Format(time.RFC3339)
	}
	row("kind", "id", "name", "email", "detail", "last_used")
	for _, m := range rep.IdleMembers {
		row("idle_member", m.UserID, m.Name, m.Email, "org role "+m.Role, stamp(m.LastLoginAt))
	}
	for _, k := range rep.UnusedKeys {
		row("unused_key", k.ID, k.Name, k.OwnerEmail, "owned by "+k.OwnerName, stamp(k.LastUsedAt))
	}
	for _, g := range rep.ExpiredGrants {
		where := g.Scope
		if g.ScopeName != "" {
			where = g.ScopeName + " (" + g.Scope + ")"
		}
		row("expired_grant", g.ID, g.SubjectName, g.SubjectEmail, g.Role+" at "+where+", ended "+stamp(g.ExpiresAt), "")
	}
	for _, eg := range rep.EmptyGroups {
		for _, g := range eg.Grants {
			row("empty_group_grant", eg.ID, eg.Name, "", g.Role+" at "+g.Scope+" ("+g.ID+")", "")
		}
	}
	w.Flush()
	return b.Bytes(), w.Error()
}
