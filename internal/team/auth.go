package team

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// UserView is a user as clients see it: never a password hash.
type UserView struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

func userView(u domain.UserRecord) UserView { return UserView{ID: u.ID, Email: u.Email, Name: u.Name} }

// Client is the request a use case runs for, as the HTTP layer sees it:
// where it comes from (see --trust-proxy), its user agent and its request
// id. Sign-ins are throttled by Addr; sessions and the audit log show it.
type Client struct {
	Addr      string
	UserAgent string
	RequestID string
}

// maxUserAgent bounds what a session keeps of a User-Agent header.
const maxUserAgent = 256

func (c Client) userAgent() string {
	ua := strings.ToValidUTF8(c.UserAgent, "")
	if len(ua) > maxUserAgent {
		ua = strings.ToValidUTF8(ua[:maxUserAgent], "")
	}
	return ua
}

// Login checks an email and password and opens a session. Unknown emails
// and wrong passwords get the same answer after the same work; failures
// are throttled per (account, address) and per address (see throttle).
func (s *Service) Login(ctx context.Context, email, password string, c Client) (token string, u UserView, err error) {
	user, err := s.verifyPassword(ctx, email, password, c, "login")
	if err != nil {
		return "", UserView{}, err
	}
	if err := s.ssoEnforced(ctx, user, c); err != nil {
		return "", UserView{}, err
	}
	token, err = s.openSession(ctx, &user, c)
	return token, userView(user), err
}

// sessionsKept bounds the sessions of one user: opening one more ends the
// oldest, so logging in in a loop cannot grow the table without end.
const sessionsKept = 50

// openSession opens a session for u, records the sign-in in every org u
// belongs to, and drops u's sessions that have ended (or the oldest past
// sessionsKept).
func (s *Service) openSession(ctx context.Context, u *domain.UserRecord, c Client) (string, error) {
	token, hash := credential.NewToken(credential.SessionPrefix)
	now := s.now()
	u.LastLoginAt = now
	sess := domain.Session{TokenHash: hash, ID: credential.NewID("ses_"), UserID: u.ID, CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.SessionTTL), LastUsedAt: now, ClientAddr: c.Addr, UserAgent: c.userAgent()}
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := s.pruneSessions(tx, u.ID, "", now); err != nil {
			return err
		}
		if err := tx.PutSession(sess); err != nil {
			return err
		}
		if err := tx.UpdateUser(*u); err != nil {
			return err
		}
		return s.auditUser(tx, u.ID, userActor(u.ID, c), "session.login", "user:"+u.ID, sessionEvent(sess, ""))
	})
	if err != nil {
		return "", mapStoreErr(err)
	}
	return token, nil
}

// pruneSessions drops a user's sessions that have ended, and the oldest
// past sessionsKept of those bound as the new one will be (org: to one
// org's SSO; "": a password's), before it opens: an org's IdP signing
// someone in again and again never ends their sessions elsewhere.
func (s *Service) pruneSessions(tx store.Tx, userID, org string, now time.Time) error {
	old, err := tx.ListSessionsOfUser(userID)
	if err != nil {
		return err
	}
	live := 0
	for i := len(old) - 1; i >= 0; i-- { // newest first
		if s.sessionLive(old[i], now) && (old[i].Org != org || live < sessionsKept-1) {
			if old[i].Org == org {
				live++
			}
			continue
		}
		if err := tx.DeleteSession(old[i].TokenHash); err != nil {
			return err
		}
	}
	return nil
}

// sessionLive reports whether a session is within both its absolute and
// its idle timeout.
func (s *Service) sessionLive(sess domain.Session, now time.Time) bool {
	last := sess.LastUsedAt
	if last.IsZero() {
		last = sess.CreatedAt
	}
	return now.Before(sess.ExpiresAt) && now.Sub(last) < s.cfg.SessionIdle
}

// Logout ends a session at once.
func (s *Service) Logout(ctx context.Context, token string, c Client) error {
	hash := credential.HashToken(token)
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		sess, err := tx.GetSession(hash)
		if err != nil {
			return err
		}
		if err := tx.DeleteSession(hash); err != nil {
			return err
		}
		return s.auditUser(tx, sess.UserID, userActor(sess.UserID, c), "session.logout", "user:"+sess.UserID, sessionEvent(sess, "sign-out"))
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return mapStoreErr(err)
}

// badCredentials is the one answer to every unusable credential, made only
// when needed: Authenticate runs on every request.
func badCredentials() error {
	return fault.E(fault.Unauthenticated, "invalid or expired credentials")
}

// Authenticate turns a bearer token (a session token, a secret key or a
// personal access token) into an actor. A revoked key or token, or an
// ended session, fails on the very next request.
func (s *Service) Authenticate(ctx context.Context, bearer, requestID string) (Actor, error) {
	now := s.now()
	if strings.HasPrefix(bearer, credential.PersonalPrefix) {
		return s.authenticateToken(ctx, bearer, requestID, now)
	}
	if strings.HasPrefix(bearer, credential.KeyPrefix) {
		if credential.ParseKey(bearer) != nil {
			return Actor{}, badCredentials()
		}
		k, err := s.keyFor(ctx, credential.HashSecret(bearer), now)
		if err != nil {
			return Actor{}, err
		}
		if k == nil {
			return Actor{}, badCredentials()
		}
		return Actor{Subject: domain.KeySubject(k.id), KeyOrg: k.org, RequestID: requestID}, nil
	}
	if !credential.ValidToken(credential.SessionPrefix, bearer) {
		return Actor{}, badCredentials()
	}
	var sess domain.Session
	hash := credential.HashToken(bearer)
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		sess, err = r.GetSession(hash)
		return err
	})
	if fault.CodeOf(err) == fault.NotFound || (err == nil && !s.sessionLive(sess, now)) {
		return Actor{}, badCredentials()
	}
	if err != nil {
		return Actor{}, err
	}
	// Last use is written at most once a minute per session, outside any
	// revision: enough for an idle timeout counted in hours.
	if now.Sub(sess.LastUsedAt) >= time.Minute {
		if err := s.store.TouchSession(ctx, hash, now); err != nil {
			s.log.Warn("record session use", "session", sess.ID, "err", err)
		}
	}
	return Actor{Subject: domain.UserSubject(sess.UserID), RequestID: requestID, SessionID: sess.ID, session: hash, SessionOrg: sess.Org}, nil
}

// keyFor resolves a key by the hash of its secret, through a cache that the
// engine's view of the key keeps honest: a revoked or expired key is
// inactive there the moment its change is applied.
func (s *Service) keyFor(ctx context.Context, hash []byte, now time.Time) (*cachedKey, error) {
	k, ok := s.keys.get(hash)
	if !ok {
		var rec domain.KeyRecord
		var viaPrev bool
		err := s.view(ctx, func(r store.Reader) error {
			var err error
			rec, viaPrev, err = r.GetKeyByHash(hash, now)
			return err
		})
		if fault.CodeOf(err) == fault.NotFound {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		k = &cachedKey{org: rec.Org, id: rec.ID, revoked: !rec.RevokedAt.IsZero(), expires: rec.ExpiresAt}
		if viaPrev {
			k.until = rec.PrevUntil
		}
		s.keys.put(hash, k)
	}
	if k.revoked || (!k.expires.IsZero() && !now.Before(k.expires)) || (!k.until.IsZero() && !now.Before(k.until)) {
		return nil, nil
	}
	o, err := s.engine.Org(k.org)
	if err != nil || !o.Active(domain.KeySubject(k.id).String(), now.UnixNano()) {
		return nil, nil
	}
	if k.touch(now) {
		if err := s.store.TouchKey(ctx, k.org, k.id, now); err != nil {
			s.log.Warn("record key use", "key", k.id, "err", err)
		}
	}
	return k, nil
}

type cachedKey struct {
	org, id string
	revoked bool
	expires time.Time
	until   time.Time // set when found by the previous secret: its overlap end
	mu      sync.Mutex
	touched time.Time
}

// touch reports whether last_used_at is due for a write: at most once a
// minute per key, so authentication does not write on every request.
func (k *cachedKey) touch(now time.Time) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now.Sub(k.touched) < time.Minute {
		return false
	}
	k.touched = now
	return true
}

type keyCache struct {
	mu sync.RWMutex
	m  map[string]*cachedKey
}

func newKeyCache() *keyCache { return &keyCache{m: map[string]*cachedKey{}} }

func (c *keyCache) get(hash []byte) (*cachedKey, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	k, ok := c.m[string(hash)]
	return k, ok
}

func (c *keyCache) put(hash []byte, k *cachedKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 100_000 {
		clear(c.m) // bounded; entries come back on the next use
	}
	c.m[string(hash)] = k
}

// forget drops every cached entry of a key (after rotation or revocation).
func (c *keyCache) forget(org, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for h, k := range c.m {
		if k.org == org && k.id == id {
			delete(c.m, h)
		}
	}
}

// Me describes the logged-in user and the orgs it belongs to.
type Me struct {
	UserView
	Orgs []MeOrg `json:"orgs"`
}

// MeOrg is one org of Me.
type MeOrg struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// Me returns the actor's user and orgs; a key sees its own org.
func (s *Service) Me(ctx context.Context, a Actor) (Me, error) {
	var me Me
	me.Orgs = []MeOrg{}
	err := s.view(ctx, func(r store.Reader) error {
		if a.IsKey() {
			o, err := r.GetOrg(a.KeyOrg)
			if err != nil {
				return err
			}
			me.UserView = UserView{ID: a.Subject.ID, Name: "secret key " + a.Subject.ID}
			me.Orgs = append(me.Orgs, MeOrg{ID: o.ID, Name: o.Name, Role: "key"})
			return nil
		}
		u, err := r.GetUser(a.UserID())
		if err != nil {
			return err
		}
		me.UserView = userView(u)
		orgs, err := r.ListOrgsOfUser(u.ID)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			if a.IsToken() && o.Org.ID != a.PATOrg || a.SessionOrg != "" && o.Org.ID != a.SessionOrg {
				continue // a token, or an SSO session, shows the one org it acts in
			}
			me.Orgs = append(me.Orgs, MeOrg{ID: o.Org.ID, Name: o.Org.Name, Role: o.Role})
		}
		return nil
	})
	return me, err
}

// normalizeEmail is domain.NormalizeEmail, the one form emails are
// stored and compared in.
func normalizeEmail(e string) string { return domain.NormalizeEmail(e) }
