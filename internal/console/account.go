package console

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/team"
)

// --- the Account page: password, sessions and personal access tokens ------

type accountData struct {
	Sessions []team.SessionView
	Error    string // of the password form

	Tokens     []team.TokenView
	Orgs       []team.MeOrg // where a token can be made: the user's orgs
	TokenForm  tokenForm
	TokenError string
	Created    *team.TokenView // the token whose secret is shown, once
}

type tokenForm struct {
	Name, Org, Expires string
}

func (h *handler) accountPage(w http.ResponseWriter, r *http.Request, s *session, status int, d accountData, flash string) {
	list, err := h.svc.ListSessions(r.Context(), s.actor)
	if err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	d.Sessions = list
	if d.Tokens, err = h.svc.ListTokens(r.Context(), s.actor); err != nil {
		h.errorPage(w, r, s, err)
		return
	}
	d.Orgs = s.me.Orgs
	me := s.me
	v := &view{Title: "Account", CSRF: s.csrf, User: &me, Data: d}
	v.setFlash(h.takeFlash(w, r))
	if flash != "" {
		v.Flash = flash
	}
	h.render(w, r, status, "account", v)
}

func (h *handler) account(w http.ResponseWriter, r *http.Request, s *session) {
	h.accountPage(w, r, s, http.StatusOK, accountData{}, "")
}

func (h *handler) changePassword(w http.ResponseWriter, r *http.Request, s *session) {
	next := r.PostFormValue("new_password")
	if subtle.ConstantTimeCompare([]byte(next), []byte(r.PostFormValue("new_password2"))) != 1 {
		h.accountPage(w, r, s, http.StatusUnprocessableEntity, accountData{Error: "The two new passwords differ."}, "")
		return
	}
	if _, err := h.svc.ChangePassword(r.Context(), s.actor, r.PostFormValue("current_password"), next, h.client(w, r)); err != nil {
		h.accountPage(w, r, s, statusOf(err), accountData{Error: h.message(r, err)}, "")
		return
	}
	h.flash(w, "Password changed. Every other session is signed out.")
	h.redirect(w, r, "/account")
}

func (h *handler) endSession(w http.ResponseWriter, r *http.Request, s *session) {
	id := r.PathValue("id")
	if _, err := h.svc.EndSession(r.Context(), s.actor, id); err != nil {
		h.flashError(w, h.message(r, err))
		h.redirect(w, r, "/account")
		return
	}
	if id == s.actor.SessionID {
		h.setCookie(w, sessionCookie, "", -1)
		h.flash(w, "You are logged out.")
		h.redirect(w, r, "/login")
		return
	}
	h.flash(w, "Session ended.")
	h.redirect(w, r, "/account")
}

func (h *handler) endOtherSessions(w http.ResponseWriter, r *http.Request, s *session) {
	_, n, err := h.svc.EndOtherSessions(r.Context(), s.actor)
	if err != nil {
		h.flashError(w, h.message(r, err))
		h.redirect(w, r, "/account")
		return
	}
	msg := "No other session was open."
	switch {
	case n == 1:
		msg = "Signed out of 1 other session."
	case n > 1:
		msg = "Signed out of " + strconv.Itoa(n) + " other sessions."
	}
	h.flash(w, msg)
	h.redirect(w, r, "/account")
}

func (h *handler) createToken(w http.ResponseWriter, r *http.Request, s *session) {
	f := tokenForm{Name: strings.TrimSpace(r.PostFormValue("name")), Org: r.PostFormValue("org"), Expires: r.PostFormValue("expires")}
	exp, err := parseExpiry(f.Expires)
	var t team.TokenView
	if err == nil {
		t, _, err = h.svc.CreateToken(r.Context(), s.actor, team.TokenRequest{Name: f.Name, Org: f.Org, ExpiresAt: exp})
	}
	if err != nil {
		h.accountPage(w, r, s, statusOf(err), accountData{TokenForm: f, TokenError: h.message(r, err)}, "")
		return
	}
	// The secret is in this response only: it is not stored, so reloading
	// the page shows the list without it.
	h.accountPage(w, r, s, http.StatusCreated, accountData{Created: &t}, "")
}

func (h *handler) revokeToken(w http.ResponseWriter, r *http.Request, s *session) {
	if _, err := h.svc.RevokeToken(r.Context(), s.actor, r.PathValue("id")); err != nil {
		h.flashError(w, h.message(r, err))
		h.redirect(w, r, "/account")
		return
	}
	h.flash(w, "Token revoked: the next request with it is refused.")
	h.redirect(w, r, "/account")
}

// --- forgotten password ---------------------------------------------------

type forgotData struct {
	Email string
	Sent  string // the answer, the same for every email
}

func (h *handler) forgotForm(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: "Forgot password", CSRF: h.anonCSRF(w, r), Data: forgotData{Email: r.URL.Query().Get("email")}}
	h.render(w, r, http.StatusOK, "forgot", v)
}

func (h *handler) forgot(w http.ResponseWriter, r *http.Request) {
	if !checkAnonCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	d := forgotData{Email: strings.TrimSpace(r.PostFormValue("email"))}
	msg, err := h.svc.RequestPasswordReset(r.Context(), d.Email, h.client(w, r))
	if err != nil {
		v := &view{Title: "Forgot password", CSRF: h.anonCSRF(w, r), Data: d, Error: h.message(r, err)}
		h.render(w, r, statusOf(err), "forgot", v)
		return
	}
	d.Sent = msg
	h.render(w, r, http.StatusAccepted, "forgot", &view{Title: "Forgot password", CSRF: h.anonCSRF(w, r), Data: d})
}

type resetData struct {
	Token string
}

func (h *handler) resetForm(w http.ResponseWriter, r *http.Request) {
	d := resetData{Token: r.URL.Query().Get("token")}
	v := &view{Title: "Set a new password", CSRF: h.anonCSRF(w, r), Data: d}
	if d.Token == "" {
		v.Error = "This page opens from the link in your password-reset email."
	}
	h.render(w, r, http.StatusOK, "reset", v)
}

func (h *handler) reset(w http.ResponseWriter, r *http.Request) {
	if !checkAnonCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	d := resetData{Token: r.PostFormValue("token")}
	pw := r.PostFormValue("password")
	fail := func(status int, msg string) {
		v := &view{Title: "Set a new password", CSRF: h.anonCSRF(w, r), Data: d, Error: msg}
		h.render(w, r, status, "reset", v)
	}
	if subtle.ConstantTimeCompare([]byte(pw), []byte(r.PostFormValue("password2"))) != 1 {
		fail(http.StatusUnprocessableEntity, "The two passwords differ.")
		return
	}
	if _, err := h.svc.ConfirmPasswordReset(r.Context(), d.Token, pw, h.client(w, r)); err != nil {
		fail(statusOf(err), h.message(r, err))
		return
	}
	// Every session of the account ended, this browser's too.
	h.setCookie(w, sessionCookie, "", -1)
	h.flash(w, "Your password is set, and every session is signed out. Log in with the new password.")
	h.redirect(w, r, "/login")
}
