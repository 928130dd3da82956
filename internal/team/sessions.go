package team

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// SessionView is one session of the caller as it sees it: never its
// token or hash.
type SessionView struct {
	ID            string    `json:"id"`
	CreatedAt     time.Time `json:"created_at"`
	LastUsedAt    time.Time `json:"last_used_at"`
	ExpiresAt     time.Time `json:"expires_at"`
	ClientAddress string    `json:"client_address"`
	UserAgent     string    `json:"user_agent"`
	Current       bool      `json:"current" doc:"This is the session of the request"`
}

// reaches reports whether the actor's session may see or end what belongs
// to org: any org for a password session, its own for one opened through
// an org's identity provider, which vouches for the person there alone.
func (a Actor) reaches(org string) bool { return a.SessionOrg == "" || a.SessionOrg == org }

// ListSessions lists the caller's live sessions, newest first (a session
// opened through SSO sees only the sessions of its org).
func (s *Service) ListSessions(ctx context.Context, a Actor) ([]SessionView, error) {
	if err := noPassword(a); err != nil {
		return nil, err
	}
	var list []domain.Session
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		list, err = r.ListSessionsOfUser(a.UserID())
		return err
	}); err != nil {
		return nil, err
	}
	now := s.now()
	out := []SessionView{}
	for i := len(list) - 1; i >= 0; i-- {
		x := list[i]
		if !s.sessionLive(x, now) || !a.reaches(x.Org) {
			continue
		}
		last := x.LastUsedAt
		if last.IsZero() {
			last = x.CreatedAt
		}
		out = append(out, SessionView{ID: x.ID, CreatedAt: x.CreatedAt.UTC(), LastUsedAt: last.UTC(), ExpiresAt: x.ExpiresAt.UTC(),
			ClientAddress: x.ClientAddr, UserAgent: x.UserAgent, Current: x.ID == a.SessionID})
	}
	return out, nil
}

// EndSession ends one of the caller's sessions (the current one too, if
// named: that is a logout).
func (s *Service) EndSession(ctx context.Context, a Actor, id string) (int64, error) {
	if err := noPassword(a); err != nil {
		return 0, err
	}
	missing := fault.E(fault.NotFound, "session %q not found", id)
	rev, err := s.store.Update(ctx, func(tx store.Tx) error {
		list, err := tx.ListSessionsOfUser(a.UserID())
		if err != nil {
			return err
		}
		for _, x := range list {
			if x.ID == id && a.reaches(x.Org) {
				if err := tx.DeleteSession(x.TokenHash); err != nil {
					return err
				}
				return s.auditUser(tx, a.UserID(), a, "session.end", "user:"+a.UserID(), sessionEvent(x, "ended by its user"))
			}
		}
		return missing
	})
	if err == missing {
		return 0, err
	}
	return rev, mapStoreErr(err)
}

// EndOtherSessions ends every session of the caller but the current one
// ("sign out everywhere else").
func (s *Service) EndOtherSessions(ctx context.Context, a Actor) (int64, int, error) {
	if err := noPassword(a); err != nil {
		return 0, 0, err
	}
	var ended int
	rev, err := s.store.Update(ctx, func(tx store.Tx) error {
		var err error
		if a.SessionOrg == "" {
			if ended, err = tx.DeleteSessionsOfUser(a.UserID(), a.session); err != nil {
				return err
			}
			return s.auditEnded(tx, a.UserID(), a, ended, "signed out everywhere else")
		}
		list, err := tx.ListSessionsOfUser(a.UserID())
		if err != nil {
			return err
		}
		for _, x := range list {
			if x.Org == a.SessionOrg && x.ID != a.SessionID {
				if err := tx.DeleteSession(x.TokenHash); err != nil {
					return err
				}
				ended++
			}
		}
		return s.auditEnded(tx, a.UserID(), a, ended, "signed out everywhere else in "+a.SessionOrg)
	})
	return rev, ended, mapStoreErr(err)
}
