package team

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// A personal access token is a user acting through a bearer secret, in one
// org. It has no grants of its own: the engine asks about the user, so the
// token holds exactly what the user holds at each request, and losing a
// role, a membership or its expiry takes the token's power with it. What a
// token adds is only refusals: one org, and no credential-making (see
// notToken and noPassword).

const (
	// TokenDefaultDays is the lifetime of a token made without an expiry in
	// an org that sets no cap.
	TokenDefaultDays = 90
	// TokenMaxDays bounds every token and every org's cap: a token always ends.
	TokenMaxDays = 366
	// TokensPerUser bounds the tokens of one person, over every org.
	TokensPerUser = 100
)

// TokenView is a personal access token as its user sees it: never its
// hash, and its secret only in the answer to creation.
type TokenView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Org        string     `json:"org"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	Expired    bool       `json:"expired" doc:"Past its expiry: it authenticates no more"`
	Secret     string     `json:"secret,omitempty" doc:"The token (gsp_…), shown only when it is made"`
}

func tokenView(t domain.PersonalToken, now time.Time) TokenView {
	return TokenView{ID: t.ID, Name: t.Name, Org: t.Org, Prefix: t.Prefix, CreatedAt: t.CreatedAt.UTC(), ExpiresAt: t.ExpiresAt.UTC(),
		LastUsedAt: timePtr(t.LastUsedAt), Expired: !now.Before(t.ExpiresAt)}
}

// TokenRequest makes a token for Org; a zero ExpiresAt takes the org's cap
// (or TokenDefaultDays where it sets none).
type TokenRequest struct {
	Name      string
	Org       string
	ExpiresAt time.Time
}

// CreateToken makes a personal access token for the actor in one org.
func (s *Service) CreateToken(ctx context.Context, a Actor, req TokenRequest) (TokenView, int64, error) {
	if a.IsKey() {
		return TokenView{}, 0, fault.E(fault.Forbidden, "a secret key has no personal access tokens; they belong to people")
	}
	o, sc, err := s.org(a, req.Org)
	if err != nil {
		return TokenView{}, 0, err
	}
	if err := s.authorize(o, sc, a, ActTokenCreate, nil); err != nil {
		return TokenView{}, 0, err
	}
	if err := validName("token name", req.Name); err != nil {
		return TokenView{}, 0, err
	}
	now := s.now()
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(now) {
		return TokenView{}, 0, fault.E(fault.Unprocessable, "the expiry date is in the past")
	}
	secret, hash := credential.NewToken(credential.PersonalPrefix)
	t := domain.PersonalToken{ID: credential.NewID("pat_"), Org: req.Org, UserID: a.UserID(), Name: req.Name,
		Prefix: secret[:credential.KeyDisplayLen], Hash: hash, CreatedAt: now.Truncate(time.Microsecond)}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		org, err := tx.GetOrg(req.Org)
		if err != nil {
			return nil, err
		}
		// The cap is read in the transaction that makes the token: a cap
		// lowered meanwhile holds for it.
		if t.ExpiresAt, err = tokenExpiry(org, now, req.ExpiresAt); err != nil {
			return nil, err
		}
		mine, err := tx.ListTokensOfUser(t.UserID)
		if err != nil {
			return nil, err
		}
		if len(mine) >= TokensPerUser {
			return nil, fault.E(fault.Conflict, "you have %d personal access tokens, the most one person may have: revoke one first", len(mine))
		}
		if err := tx.PutToken(t); err != nil {
			return nil, err
		}
		return &change{org: req.Org, action: string(ActTokenCreate), target: "token:" + t.ID, after: tokenEvent(t)}, nil
	})
	if err != nil {
		return TokenView{}, 0, err
	}
	v := tokenView(t, now)
	v.Secret = secret
	return v, rev, nil
}

// tokenExpiry is the end of a token asked to end at asked (zero: as late
// as allowed), or the 422 that names the cap it passes.
func tokenExpiry(org domain.Org, now, asked time.Time) (time.Time, error) {
	days, capped := TokenMaxDays, org.PATMaxDays > 0
	if capped {
		days = org.PATMaxDays
	}
	limit := now.Add(time.Duration(days) * 24 * time.Hour)
	if asked.IsZero() {
		// Whole seconds: the date a person reads, and what a client that
		// sends it back as an expiry asks for exactly.
		if !capped {
			return now.Add(TokenDefaultDays * 24 * time.Hour).Truncate(time.Second), nil
		}
		return limit.Truncate(time.Second), nil
	}
	if asked.After(limit) {
		if capped {
			return time.Time{}, fault.E(fault.Unprocessable, "organization %s caps personal access tokens at %d days (pat_max_days): choose an expiry on or before %s",
				org.ID, days, limit.UTC().Format(time.RFC3339))
		}
		return time.Time{}, fault.E(fault.Unprocessable, "a personal access token lives at most %d days: choose an expiry on or before %s",
			days, limit.UTC().Format(time.RFC3339))
	}
	return asked, nil
}

// tokenEvent is what the audit log keeps of a token: never its hash.
func tokenEvent(t domain.PersonalToken) map[string]any {
	return map[string]any{"token": t.ID, "name": t.Name, "user": t.UserID, "prefix": t.Prefix, "expires_at": t.ExpiresAt.UTC()}
}

// ListTokens lists the actor's tokens in every org (a session opened
// through SSO: its org's), oldest first, expired ones included until they
// are revoked.
func (s *Service) ListTokens(ctx context.Context, a Actor) ([]TokenView, error) {
	if err := noPassword(a); err != nil {
		return nil, err
	}
	var list []domain.PersonalToken
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		list, err = r.ListTokensOfUser(a.UserID())
		return err
	}); err != nil {
		return nil, err
	}
	now := s.now()
	out := make([]TokenView, 0, len(list))
	for _, t := range list {
		if a.reaches(t.Org) {
			out = append(out, tokenView(t, now))
		}
	}
	return out, nil
}

// RevokeToken ends one of the actor's tokens: the next request with it
// gets 401. Another user's token is not found, whoever asks.
func (s *Service) RevokeToken(ctx context.Context, a Actor, id string) (int64, error) {
	if err := noPassword(a); err != nil {
		return 0, err
	}
	missing := fault.E(fault.NotFound, "token %q not found", id)
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		t, err := tx.GetToken(id)
		if errors.Is(err, store.ErrNotFound) || err == nil && (t.UserID != a.UserID() || !a.reaches(t.Org)) {
			return nil, missing
		}
		if err != nil {
			return nil, err
		}
		if err := tx.DeleteToken(id); err != nil {
			return nil, err
		}
		return &change{org: t.Org, action: "token.revoke", target: "token:" + id, before: tokenEvent(t)}, nil
	})
	if errors.Is(err, missing) {
		return 0, missing
	}
	return rev, err
}

// authenticateToken turns a personal access token into its user, acting in
// the token's org only. The token works only while its user is an active
// member there (a removed member's tokens are gone with the membership).
func (s *Service) authenticateToken(ctx context.Context, bearer, requestID string, now time.Time) (Actor, error) {
	if !credential.ValidToken(credential.PersonalPrefix, bearer) {
		return Actor{}, badCredentials()
	}
	hash := credential.HashToken(bearer)
	var t domain.PersonalToken
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		t, err = r.GetTokenByHash(hash)
		return err
	})
	if fault.CodeOf(err) == fault.NotFound {
		return Actor{}, badCredentials()
	}
	if err != nil {
		return Actor{}, err
	}
	// The lookup matched the hash already; comparing again in constant
	// time costs nothing and keeps that true whatever the index does.
	if !credential.Equal(t.Hash, hash) {
		return Actor{}, badCredentials()
	}
	if !now.Before(t.ExpiresAt) {
		s.tokenFailed(ctx, t, requestID, "expired", now)
		return Actor{}, badCredentials()
	}
	a := Actor{Subject: domain.UserSubject(t.UserID), PATID: t.ID, PATOrg: t.Org, RequestID: requestID}
	if _, _, err := s.org(a, t.Org); err != nil {
		s.tokenFailed(ctx, t, requestID, "its user is not an active member of the organization", now)
		return Actor{}, badCredentials()
	}
	if now.Sub(t.LastUsedAt) >= time.Minute {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			s.log.Warn("record token use", "token", t.ID, "err", err)
		}
	}
	return a, nil
}

// tokenFailed audits the refused use of a known token, at most once a
// minute per token: a script retrying in a loop must not grow the log
// without end, and the first refusal is the one worth reading.
func (s *Service) tokenFailed(ctx context.Context, t domain.PersonalToken, requestID, reason string, now time.Time) {
	if !s.tokenFails.due(t.ID, now) {
		return
	}
	after := tokenEvent(t)
	after["reason"] = reason
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		return tx.AppendAudit(&domain.AuditEvent{Org: t.Org, Actor: "anonymous", Action: "token.use_failed",
			Target: "token:" + t.ID, After: marshal(after), RequestID: requestID})
	})
	if err != nil {
		s.log.Warn("audit a refused token", "token", t.ID, "err", err)
	}
}

// failures remembers when each credential's last failure was recorded.
type failures struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func newFailures() *failures { return &failures{m: map[string]time.Time{}} }

func (f *failures) due(id string, now time.Time) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if last, ok := f.m[id]; ok && now.Sub(last) < time.Minute {
		return false
	}
	if len(f.m) > 100_000 {
		clear(f.m) // bounded; at worst a few more events
	}
	f.m[id] = now
	return true
}

// SetTokenCap sets the longest lifetime, in days, of the org's personal
// access tokens made from now on (0: no cap of the org's own). Tokens made
// before keep their expiry: shortening it would break scripts without
// warning, and revoking them is one request away.
func (s *Service) SetTokenCap(ctx context.Context, a Actor, id string, days int) (OrgView, error) {
	return s.UpdateOrg(ctx, a, id, OrgUpdate{PATMaxDays: &days})
}

func validTokenCap(days int) error {
	if days < 0 || days > TokenMaxDays {
		return fault.E(fault.Unprocessable, "pat_max_days must be from 0 (no cap) to %d", TokenMaxDays)
	}
	return nil
}
