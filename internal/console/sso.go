package console

import (
	"net/http"
	"strings"
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
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// ssoCallback finishes the sign-in and opens the console session, which
// acts in that org alone.
func (h *handler) ssoCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	in, err := h.svc.SSOCallback(r.Context(), q.Get("state"), q.Get("code"), h.svc.SSOConsoleCallbackURL(), h.client(w, r))
	if err != nil {
		v := &view{Title: "Log in", CSRF: h.anonCSRF(w, r), Error: h.message(r, err), Data: loginData{}}
		h.render(w, r, statusOf(err), "login", v)
		return
	}
	h.startSession(w, in.Token)
	h.redirect(w, r, "/o/"+in.Org)
}
