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

// Login checks an email and password and opens a session. Unknown emails and
// wrong passwords get the same answer after the same work; repeated
// failures per account and per address are slowed down.
func (s *Service) Login(ctx context.Context, email, password, addr string) (token string, u UserView, err error) {
	email = normalizeEmail(email)
	now := s.now()
	if wait := s.limiter.blocked(now, "acct:"+email, "addr:"+addr); wait > 0 {
		return "", UserView{}, &fault.Error{Code: fault.TooManyRequests, Msg: "too many failed logins; try again later", RetryAfter: wait}
	}
	var user domain.UserRecord
	err = s.view(ctx, func(r store.Reader) error {
		var err error
		user, err = r.GetUserByEmail(email)
		return err
	})
	ok := false
	switch {
	case err == nil && user.PasswordHash != "":
		ok, _ = credential.VerifyPassword(user.PasswordHash, password)
	case err == nil || fault.CodeOf(err) == fault.NotFound:
		credential.DummyVerify(password)
	default:
		return "", UserView{}, err
	}
	if !ok {
		s.limiter.fail(now, "acct:"+email, "addr:"+addr)
		return "", UserView{}, fault.E(fault.Unauthenticated, "wrong email or password")
	}
	s.limiter.reset("acct:" + email)
	token, err = s.openSession(ctx, &user)
	return token, userView(user), err
}

func (s *Service) openSession(ctx context.Context, u *domain.UserRecord) (string, error) {
	token, hash := credential.NewToken(credential.SessionPrefix)
	now := s.now()
	u.LastLoginAt = now
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutSession(domain.Session{TokenHash: hash, UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.SessionTTL)}); err != nil {
			return err
		}
		return tx.UpdateUser(*u)
	})
	if err != nil {
		return "", mapStoreErr(err)
	}
	return token, nil
}

// Logout ends a session at once.
func (s *Service) Logout(ctx context.Context, token string) error {
	hash := credential.HashToken(token)
	_, err := s.store.Update(ctx, func(tx store.Tx) error { return tx.DeleteSession(hash) })
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

// Authenticate turns a bearer token (a session token or a secret key) into
// an actor. A revoked key or ended session fails on the very next request.
func (s *Service) Authenticate(ctx context.Context, bearer, requestID string) (Actor, error) {
	now := s.now()
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
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		sess, err = r.GetSession(credential.HashToken(bearer))
		return err
	})
	if fault.CodeOf(err) == fault.NotFound || (err == nil && !now.Before(sess.ExpiresAt)) {
		return Actor{}, badCredentials()
	}
	if err != nil {
		return Actor{}, err
	}
	return Actor{Subject: domain.UserSubject(sess.UserID), RequestID: requestID}, nil
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
	o, ok := s.engine.Org(k.org)
	if !ok || !o.Active(domain.KeySubject(k.id).String(), now.UnixNano()) {
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
			me.Orgs = append(me.Orgs, MeOrg{ID: o.Org.ID, Name: o.Org.Name, Role: o.Role})
		}
		return nil
	})
	return me, err
}

func normalizeEmail(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// limiter counts failures per key in a sliding window.
type limiter struct {
	mu     sync.Mutex
	limit  int
	window time.Duration
	fails  map[string][]time.Time
}

func newLimiter(limit int, window time.Duration) *limiter {
	return &limiter{limit: limit, window: window, fails: map[string][]time.Time{}}
}

// blocked returns how long to wait when any key has reached the limit.
func (l *limiter) blocked(now time.Time, keys ...string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		recent := l.prune(now, k)
		if len(recent) >= l.limit {
			wait = max(wait, recent[0].Add(l.window).Sub(now))
		}
	}
	return wait
}

func (l *limiter) fail(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.fails) > 100_000 {
		clear(l.fails)
	}
	for _, k := range keys {
		l.fails[k] = append(l.prune(now, k), now)
	}
}

func (l *limiter) reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.fails, key)
}

func (l *limiter) prune(now time.Time, k string) []time.Time {
	list := l.fails[k]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= l.window {
		i++
	}
	list = list[i:]
	if len(list) == 0 {
		delete(l.fails, k)
	} else {
		l.fails[k] = list
	}
	return list
}
