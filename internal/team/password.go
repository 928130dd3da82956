package team

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/mailer"
	"github.com/gatehouse/gatehouse/internal/store"
)

// wrongPair is the one answer to a password that does not match, whether
// the email has no account, the account has no password or the password
// is wrong: none of them may tell an attacker which emails are registered.
func wrongPair() error { return fault.E(fault.Unauthenticated, "wrong email or password") }

// verifyPassword is the one place a password is checked against an
// account: login, console login, accepting an invitation as an existing
// account and changing a password all come here, so each is throttled
// (before the hash is computed: see throttle), bounded (see hashGate)
// and audited the same way. Unknown emails cost the same hash as known
// ones. via names the flow in the audit event of a failure.
func (s *Service) verifyPassword(ctx context.Context, email, password string, c Client, via string) (domain.UserRecord, error) {
	email = normalizeEmail(email)
	tk, wait := s.throttle.take(s.now(), email, c.Addr)
	if wait > 0 {
		s.log.Warn("sign-in throttled", "email", email, "client_address", c.Addr, "via", via, "retry_after", wait.String())
		return domain.UserRecord{}, &fault.Error{Code: fault.TooManyRequests, RetryAfter: wait,
			Msg: fmt.Sprintf("too many failed sign-ins for this account from your address; try again in %s", roundUp(wait))}
	}
	var user domain.UserRecord
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		user, err = r.GetUserByEmail(email)
		return err
	})
	known := err == nil
	if err != nil && fault.CodeOf(err) != fault.NotFound {
		tk.refund()
		return domain.UserRecord{}, err
	}
	ok := false
	if err := s.hashes.do(ctx, func() {
		if known && user.PasswordHash != "" {
			ok, _ = credential.VerifyPassword(user.PasswordHash, password)
		} else {
			credential.DummyVerify(password)
		}
	}); err != nil {
		tk.refund() // never decided: the attempt does not count
		return domain.UserRecord{}, err
	}
	if ok {
		tk.succeeded()
		return user, nil
	}
	tk.failed()
	if known {
		s.auditFailure(ctx, user.ID, email, c, via)
	}
	return domain.UserRecord{}, wrongPair()
}

// roundUp writes a wait as a person reads it: whole seconds or minutes.
func roundUp(d time.Duration) string {
	if d < time.Minute {
		return fmt.Sprintf("%d s", int((d+time.Second-1)/time.Second))
	}
	return fmt.Sprintf("%d min", int((d+time.Minute-1)/time.Minute))
}

// auditFailure records a failed sign-in in every org of the account. Its
// actor is nobody: the person failed to prove who they are.
func (s *Service) auditFailure(ctx context.Context, userID, email string, c Client, via string) {
	// A person in no org has no log to write to; no write, no revision.
	var orgs []store.OrgRole
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		orgs, err = r.ListOrgsOfUser(userID)
		return err
	}); err != nil || len(orgs) == 0 {
		return
	}
	_, err := s.store.Update(ctx, func(tx store.Tx) error {
		return s.auditUser(tx, userID, Actor{Subject: anonymous, RequestID: c.RequestID}, "session.login_failed", "user:"+userID,
			map[string]any{"email": email, "client_address": c.Addr, "user_agent": c.userAgent(), "via": via})
	})
	if err != nil {
		s.log.Error("audit a failed sign-in", "user", userID, "err", err)
	}
}

// anonymous is the subject of events nobody signed in for; the audit log
// names their actor "anonymous".
var anonymous = domain.Subject{}

// userActor is a user acting from a client.
func userActor(userID string, c Client) Actor {
	return Actor{Subject: domain.UserSubject(userID), RequestID: c.RequestID}
}

// auditUser appends one event to the chain of every organization the user
// belongs to: sign-ins and password changes concern the person, and each
// org's auditors need to see them. It goes through the same AppendAudit
// (and so the same chain) as every other event.
func (s *Service) auditUser(tx store.Tx, userID string, a Actor, action, target string, after any) error {
	orgs, err := tx.ListOrgsOfUser(userID)
	if err != nil {
		return err
	}
	actor := "anonymous"
	if a.Subject != anonymous {
		actor = a.Subject.String()
	}
	for _, o := range orgs {
		ev := &domain.AuditEvent{Org: o.Org.ID, Actor: actor, Action: action, Target: target,
			After: marshal(after), RequestID: a.RequestID}
		if err := tx.AppendAudit(ev); err != nil {
			return err
		}
	}
	return nil
}

// sessionEvent is what the audit log keeps of a session: never its token
// or hash.
func sessionEvent(sess domain.Session, reason string) map[string]any {
	m := map[string]any{"session": sess.ID, "client_address": sess.ClientAddr, "user_agent": sess.UserAgent}
	if reason != "" {
		m["reason"] = reason
	}
	return m
}

// checkNewPassword applies the password policy to a password being set
// for email; its refusal is a 422 with the policy's sentence.
func checkNewPassword(password, email, name string) error {
	if err := credential.CheckPassword(password, email, name); err != nil {
		msg, _ := strings.CutPrefix(err.Error(), credential.ErrWeakPassword.Error()+": ")
		return &fault.Error{Code: fault.Unprocessable, Msg: msg, Err: err}
	}
	return nil
}

// hashNew hashes a new password within the hash gate.
func (s *Service) hashNew(ctx context.Context, password string) (string, error) {
	var hash string
	var herr error
	if err := s.hashes.do(ctx, func() { hash, herr = credential.HashPassword(password) }); err != nil {
		return "", err
	}
	if herr != nil {
		return "", fault.Wrap(fault.Unprocessable, herr)
	}
	return hash, nil
}

// noPassword refuses a password, session or token use case to a secret
// key and to a personal access token.
func noPassword(a Actor) error {
	if a.IsKey() || a.UserID() == "" {
		return fault.E(fault.Unprocessable, "a secret key has no password or sessions; rotate or revoke the key instead")
	}
	// A token that could change the password, sessions or tokens could
	// outlive its own revocation or expiry: those stay with the person.
	if a.IsToken() {
		return fault.E(fault.Forbidden, "a personal access token cannot manage passwords, sessions or tokens; sign in to do this")
	}
	return nil
}

// ChangePassword sets a new password after checking the current one, and
// ends every other session of the user: whoever else held one may have
// been the reason for the change.
func (s *Service) ChangePassword(ctx context.Context, a Actor, current, next string, c Client) (int64, error) {
	if err := noPassword(a); err != nil {
		return 0, err
	}
	var user domain.UserRecord
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		user, err = r.GetUser(a.UserID())
		return err
	}); err != nil {
		return 0, err
	}
	if err := checkNewPassword(next, user.Email, user.Name); err != nil {
		return 0, err
	}
	if subtle.ConstantTimeCompare([]byte(credential.NormalizePassword(next)), []byte(credential.NormalizePassword(current))) == 1 {
		return 0, fault.E(fault.Unprocessable, "the new password is the current one: choose another")
	}
	if _, err := s.verifyPassword(ctx, user.Email, current, c, "password change"); err != nil {
		if fault.CodeOf(err) == fault.Unauthenticated {
			// Not 401: the session is fine, only the proof of the password failed.
			return 0, fault.E(fault.Forbidden, "the current password is wrong")
		}
		return 0, err
	}
	hash, err := s.hashNew(ctx, next)
	if err != nil {
		return 0, err
	}
	rev, err := s.store.Update(ctx, func(tx store.Tx) error {
		u, err := tx.GetUser(user.ID)
		if err != nil {
			return err
		}
		u.PasswordHash = hash
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if err := tx.DeletePasswordResetsOfUser(u.ID); err != nil {
			return err
		}
		ended, err := tx.DeleteSessionsOfUser(u.ID, a.session)
		if err != nil {
			return err
		}
		target := "user:" + u.ID
		if err := s.auditUser(tx, u.ID, a, "password.change", target, map[string]any{"client_address": c.Addr}); err != nil {
			return err
		}
		return s.auditEnded(tx, u.ID, a, ended, "password change")
	})
	return rev, mapStoreErr(err)
}

// auditEnded records sessions ended together, when there were any.
func (s *Service) auditEnded(tx store.Tx, userID string, a Actor, n int, reason string) error {
	if n == 0 {
		return nil
	}
	return s.auditUser(tx, userID, a, "session.end", "user:"+userID, map[string]any{"sessions": n, "reason": reason})
}

// resetAnswer is the one sentence every password-reset request gets.
const resetAnswer = "If an account has this email, a link to set a new password is on its way to it. " +
	"The link works once, within 30 minutes."

// resetBacklog bounds the reset requests being worked on in the
// background; past it requests are dropped (and logged), as a flood
// deserves.
const resetBacklog = 8

// RequestPasswordReset mails a one-time link that sets a new password to
// the account with this email, if there is one. The answer, and how long
// it takes, is the same either way: the lookup, the token and the mail
// happen after it, in the background. Each email gets at most three
// links an hour, each address ten requests.
func (s *Service) RequestPasswordReset(ctx context.Context, email string, c Client) (string, error) {
	email = normalizeEmail(email)
	if err := domain.CheckEmail(email); err != nil {
		return "", fault.Wrap(fault.Unprocessable, err)
	}
	now := s.now()
	if !s.resetQuota.allow(now, "a\x00"+c.Addr, 10, time.Hour) {
		return "", &fault.Error{Code: fault.TooManyRequests, RetryAfter: 10 * time.Minute,
			Msg: "too many password-reset requests from your address; try again later"}
	}
	if !s.resetQuota.allow(now, "e\x00"+email, 3, time.Hour) {
		s.log.Warn("password reset: too many requests for one email; none mailed", "client_address", c.Addr)
		return resetAnswer, nil
	}
	select {
	case s.resetSem <- struct{}{}:
	default:
		s.log.Warn("password reset: too many requests in flight; one dropped", "client_address", c.Addr)
		return resetAnswer, nil
	}
	s.bg.Add(1)
	go func() {
		defer func() { <-s.resetSem; s.bg.Done() }()
		s.sendReset(context.WithoutCancel(ctx), email, c)
	}()
	return resetAnswer, nil
}

func (s *Service) sendReset(ctx context.Context, email string, c Client) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var user domain.UserRecord
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		user, err = r.GetUserByEmail(email)
		return err
	})
	if err != nil {
		if fault.CodeOf(err) != fault.NotFound {
			s.log.Error("password reset: look up the account", "err", err)
		}
		return
	}
	token, hash := credential.NewToken(credential.ResetPrefix)
	now := s.now()
	r := domain.PasswordReset{TokenHash: hash, UserID: user.ID, CreatedAt: now, ExpiresAt: now.Add(s.cfg.ResetTTL)}
	if _, err := s.store.Update(ctx, func(tx store.Tx) error {
		if err := tx.PutPasswordReset(r); err != nil {
			return err
		}
		return s.auditUser(tx, user.ID, Actor{Subject: anonymous, RequestID: c.RequestID}, "password.reset_request", "user:"+user.ID,
			map[string]any{"client_address": c.Addr})
	}); err != nil {
		s.log.Error("password reset: store the token", "user", user.ID, "err", err)
		return
	}
	link := strings.TrimRight(s.cfg.BaseURL, "/") + "/reset?token=" + url.QueryEscape(token)
	msg := mailer.Message{To: user.Email, Subject: "Set a new Gatehouse password",
		Body: fmt.Sprintf("Someone (we hope you) asked to set a new password for %s on Gatehouse.\n\n"+
			"Set it here: %s\n\nThe link works once and expires at %s. Setting a password signs you out everywhere.\n"+
			"If you did not ask, ignore this email: your password stays as it is.\n",
			user.Email, link, r.ExpiresAt.UTC().Format(time.RFC1123))}
	if err := s.cfg.Mailer.Send(ctx, msg); err != nil {
		s.log.Error("password reset: send the link", "user", user.ID, "err", err)
	}
}

// ConfirmPasswordReset sets the password of the reset token's account and
// ends every session of it. The token works once.
func (s *Service) ConfirmPasswordReset(ctx context.Context, token, password string, c Client) (int64, error) {
	invalid := fault.E(fault.NotFound, "this password-reset link is unknown, expired or already used; ask for a new one")
	if !credential.ValidToken(credential.ResetPrefix, token) {
		return 0, invalid
	}
	hash := credential.HashToken(token)
	now := s.now()
	var user domain.UserRecord
	err := s.view(ctx, func(r store.Reader) error {
		pr, err := r.GetPasswordReset(hash)
		if err != nil || !now.Before(pr.ExpiresAt) {
			return invalid
		}
		user, err = r.GetUser(pr.UserID)
		return err
	})
	if err != nil {
		return 0, err
	}
	if err := checkNewPassword(password, user.Email, user.Name); err != nil {
		return 0, err
	}
	phc, err := s.hashNew(ctx, password)
	if err != nil {
		return 0, err
	}
	rev, err := s.store.Update(ctx, func(tx store.Tx) error {
		// Read again inside the write: of two confirmations racing, one wins.
		pr, err := tx.GetPasswordReset(hash)
		if err != nil || !now.Before(pr.ExpiresAt) || pr.UserID != user.ID {
			return invalid
		}
		u, err := tx.GetUser(user.ID)
		if err != nil {
			return err
		}
		u.PasswordHash = phc
		if err := tx.UpdateUser(u); err != nil {
			return err
		}
		if err := tx.DeletePasswordResetsOfUser(u.ID); err != nil {
			return err
		}
		ended, err := tx.DeleteSessionsOfUser(u.ID, nil)
		if err != nil {
			return err
		}
		a := userActor(u.ID, c)
		if err := s.auditUser(tx, u.ID, a, "password.reset", "user:"+u.ID, map[string]any{"client_address": c.Addr}); err != nil {
			return err
		}
		return s.auditEnded(tx, u.ID, a, ended, "password reset")
	})
	if err != nil {
		var fe *fault.Error
		if errors.As(err, &fe) {
			return 0, err
		}
		return 0, mapStoreErr(err)
	}
	return rev, nil
}

// quota counts events per key in a sliding window; allow checks and
// counts in one step.
type quota struct {
	mu sync.Mutex
	m  map[string][]time.Time
}

func newQuota() *quota { return &quota{m: map[string][]time.Time{}} }

func (q *quota) allow(now time.Time, key string, n int, window time.Duration) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.m) > 100_000 {
		clear(q.m) // bounded; at worst a flood gets a fresh window
	}
	list := q.m[key]
	i := 0
	for i < len(list) && now.Sub(list[i]) >= window {
		i++
	}
	list = list[i:]
	if len(list) >= n {
		q.m[key] = list
		return false
	}
	q.m[key] = append(list, now)
	return true
}
