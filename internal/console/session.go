package console

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/peer"
	"github.com/gatehouse/gatehouse/internal/team"
)

const (
	sessionCookie = "gatehouse_session"
	preCookie     = "gatehouse_pre"   // anonymous forms: login, invitation, first run
	flashCookie   = "gatehouse_flash" // one message for the next page
	csrfField     = "csrf"
	csrfHeader    = "X-CSRF-Token"
	sessionMaxAge = 7 * 24 * time.Hour
)

// csrfFor derives the CSRF token of a session (or of an anonymous visitor's
// pre-session cookie). Only someone who holds the session token can compute
// it, and the session token lives in an HttpOnly cookie, so a page of
// another site cannot forge a request that carries it. Being derived rather
// than stored, it survives restarts and works across replicas.
func csrfFor(kind, secret string) string {
	m := hmac.New(sha256.New, []byte("gatehouse console csrf v1"))
	m.Write([]byte(kind + ":" + secret))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func validCSRF(r *http.Request, want string) bool {
	got := r.Header.Get(csrfHeader)
	if got == "" {
		got = r.PostFormValue(csrfField)
	}
	return got != "" && hmac.Equal([]byte(got), []byte(want))
}

func (h *handler) setCookie(w http.ResponseWriter, name, value string, maxAge time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, Secure: h.secure, SameSite: http.SameSiteLaxMode}
	switch {
	case maxAge < 0:
		c.MaxAge = -1
	case maxAge > 0:
		c.MaxAge = int(maxAge.Seconds())
	}
	http.SetCookie(w, c)
}

func cookieValue(r *http.Request, name string) string {
	c, err := r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// anonCSRF returns the CSRF token of a visitor who is not logged in,
// setting the pre-session cookie it is bound to when missing.
func (h *handler) anonCSRF(w http.ResponseWriter, r *http.Request) string {
	v := cookieValue(r, preCookie)
	if len(v) < 32 {
		var b [32]byte
		rand.Read(b[:])
		v = base64.RawURLEncoding.EncodeToString(b[:])
		h.setCookie(w, preCookie, v, 0)
		// Later reads in this request see the new value.
		r.AddCookie(&http.Cookie{Name: preCookie, Value: v})
	}
	return csrfFor("pre", v)
}

// checkAnonCSRF verifies the token of an anonymous form.
func checkAnonCSRF(r *http.Request) bool {
	v := cookieValue(r, preCookie)
	return len(v) >= 32 && validCSRF(r, csrfFor("pre", v))
}

// session is a logged-in request.
type session struct {
	token string
	actor team.Actor
	csrf  string
	me    team.Me
}

// authenticate reads the session cookie. Only session tokens are accepted
// there: a secret key is an API credential, never a console login.
func (h *handler) authenticate(r *http.Request) (*session, bool) {
	tok := cookieValue(r, sessionCookie)
	if tok == "" || !strings.HasPrefix(tok, credential.SessionPrefix) {
		return nil, false
	}
	a, err := h.svc.Authenticate(r.Context(), tok, requestID(r, nil))
	if err != nil {
		return nil, false
	}
	me, err := h.svc.Me(r.Context(), a)
	if err != nil {
		return nil, false
	}
	return &session{token: tok, actor: a, csrf: csrfFor("session", tok), me: me}, true
}

// withRequestID records the id the audit log will carry: the one a
// wrapping server (httpapi) already put on the response, else the
// caller's, else a new one.
func (s *session) withRequestID(w http.ResponseWriter, r *http.Request) {
	s.actor.RequestID = requestID(r, w)
}

func (h *handler) startSession(w http.ResponseWriter, token string) {
	h.setCookie(w, sessionCookie, token, sessionMaxAge)
}

// redirectToLogin sends an anonymous visitor to the login page, then back.
func (h *handler) redirectToLogin(w http.ResponseWriter, r *http.Request) {
	next := r.URL.RequestURI()
	target := "/login"
	if r.Method == http.MethodGet && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	h.redirect(w, r, target)
}

// safeNext keeps post-login redirects on this site: a path of this origin
// or "/". Browsers drop tabs and newlines from URLs and read "\\" as "/",
// so "/\t/evil.example" and "/\\evil.example" are "//evil.example" to
// them, another site: any control character, space or backslash refuses
// the whole value, as does anything that parses with a scheme or host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || len(next) > 2048 {
		return "/"
	}
	for _, c := range next {
		if c == '\\' || unicode.IsControl(c) || unicode.IsSpace(c) || c == utf8.RuneError {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

// redirect answers a form post (or a page that moved) with 303 See Other.
func (h *handler) redirect(w http.ResponseWriter, r *http.Request, target string) {
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// flash stores a message for the next page the browser shows.
func (h *handler) flash(w http.ResponseWriter, msg string) {
	h.setCookie(w, flashCookie, base64.RawURLEncoding.EncodeToString([]byte(msg)), time.Minute)
}

// flashError stores a refusal for the next page the browser shows.
func (h *handler) flashError(w http.ResponseWriter, msg string) { h.flash(w, "!"+msg) }

// takeFlash reads and clears the pending message; isErr marks a refusal.
func (h *handler) takeFlash(w http.ResponseWriter, r *http.Request) (msg string, isErr bool) {
	v := cookieValue(r, flashCookie)
	if v == "" {
		return "", false
	}
	h.setCookie(w, flashCookie, "", -1)
	b, err := base64.RawURLEncoding.DecodeString(v)
	if err != nil || len(b) > 1000 {
		return "", false
	}
	msg, isErr = strings.CutPrefix(string(b), "!")
	return msg, isErr
}

// client is the team.Client of a request: its address by the same rule as
// the API's (see package peer), for the sign-in throttle, the session list
// and the audit log.
func (h *handler) client(w http.ResponseWriter, r *http.Request) team.Client {
	return team.Client{Addr: peer.Addr(r, h.trustProxy), UserAgent: r.UserAgent(), RequestID: requestID(r, w)}
}
