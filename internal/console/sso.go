package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// ssoStart is "Sign in with SSO": the email's domain picks the org whose
// identity provider signs the person in; the password is not asked.
func (h *handler) ssoStart(w http.ResponseWriter, r *http.Request) {
	if !checkAnonCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	fail := func(err error) {
		v := &view{Title: "Log in", CSRF: h.anonCSRF(w, r), Error: h.message(r, err), Data: loginData{Email: email}}
		h.render(w, r, statusOf(err), "login", v)
	}
	org, err := h.svc.SSOOrgForEmail(r.Context(), email)
	if err != nil {
		fail(err)
		return
	}
	to, err := h.svc.SSOStart(r.Context(), org, h.svc.SSOConsoleCallbackURL(), h.client(w, r))
	if err != nil {
		fail(err)
		return
	}
	// The state also goes into a cookie of this browser, and the callback
	// wants both to match: a callback link made by someone else (for their
	// own account at the IdP) signs nobody in here.
	if u, err := url.Parse(to); err == nil {
		h.setCookie(w, ssoStateCookie, u.Query().Get("state"), ssoStateMaxAge)
	}
	// A page that goes on by itself, not a redirect: the console's CSP
	// keeps form submissions (and their redirects) on this site.
	h.render(w, r, http.StatusOK, "sso", &view{Title: "Signing you in", Data: to})
}

// ssoStateCookie binds a sign-in to the browser that started it, for as
// long as the server keeps the flow.
const (
	ssoStateCookie = "gatehouse_sso_state"
	ssoStateMaxAge = 10 * time.Minute
)

// ssoCallback finishes the sign-in and opens the console session, which
// acts in that org alone.
func (h *handler) ssoCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bound := cookieValue(r, ssoStateCookie)
	h.setCookie(w, ssoStateCookie, "", -1)
	if bound == "" || subtle.ConstantTimeCompare([]byte(bound), []byte(q.Get("state"))) != 1 {
		v := &view{Title: "Log in", CSRF: h.anonCSRF(w, r), Error: "This sign-in was not started in this browser; start again.", Data: loginData{}}
		h.render(w, r, http.StatusUnauthorized, "login", v)
		return
	}
	in, err := h.svc.SSOCallback(r.Context(), q.Get("state"), q.Get("code"), h.svc.SSOConsoleCallbackURL(), h.client(w, r))
	if err != nil {
		v := &view{Title: "Log in", CSRF: h.anonCSRF(w, r), Error: h.message(r, err), Data: loginData{}}
		h.render(w, r, statusOf(err), "login", v)
		return
	}
	h.startSession(w, in.Token)
	h.redirect(w, r, "/o/"+in.Org)
}
