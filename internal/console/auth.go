package console

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

// root sends a visitor to the login page, a user to their (first) org.
func (h *handler) root(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticate(r)
	if !ok {
		if h.setupOpen(r) {
			h.redirect(w, r, "/setup")
			return
		}
		h.redirect(w, r, "/login")
		return
	}
	if len(s.me.Orgs) == 1 {
		// The org's own address sends each member to their landing page.
		h.redirect(w, r, "/o/"+s.me.Orgs[0].ID)
		return
	}
	h.redirect(w, r, "/orgs")
}

type loginData struct {
	Email, Next string
}

func (h *handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.authenticate(r); ok {
		h.redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return
	}
	v := &view{Title: "Log in", CSRF: h.anonCSRF(w, r), Data: loginData{Next: safeNext(r.URL.Query().Get("next"))}}
	v.setFlash(h.takeFlash(w, r))
	h.render(w, r, http.StatusOK, "login", v)
}

func (h *handler) login(w http.ResponseWriter, r *http.Request) {
	if !checkAnonCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := safeNext(r.PostFormValue("next"))
	tok, _, err := h.svc.Login(r.Context(), email, r.PostFormValue("password"), h.client(w, r))
	if err != nil {
		v := &view{Title: "Log in", CSRF: h.anonCSRF(w, r), Error: h.message(r, err), Data: loginData{Email: email, Next: next}}
		h.render(w, r, statusOf(err), "login", v)
		return
	}
	h.startSession(w, tok)
	h.redirect(w, r, next)
}

func (h *handler) logout(w http.ResponseWriter, r *http.Request) {
	s, ok := h.authenticate(r)
	if ok {
		if !validCSRF(r, s.csrf) {
			h.csrfFailed(w, r)
			return
		}
		if err := h.svc.Logout(r.Context(), s.token, h.client(w, r)); err != nil {
			h.log.Warn("console: logout", "err", err)
		}
	}
	h.setCookie(w, sessionCookie, "", -1)
	h.flash(w, "You are logged out.")
	h.redirect(w, r, "/login")
}

// --- invitation acceptance ----------------------------------------------

type inviteData struct {
	Token, Name, Email string
	Existing           bool
	// Invite is what the link offers; Dead says why it no longer works
	// (then the page shows that instead of the form).
	Invite     *team.InvitationPreview
	Dead, Next string
}

// inviteForm checks the link's token before showing any form: a link that
// cannot work says so at once, with what to do instead.
func (h *handler) inviteForm(w http.ResponseWriter, r *http.Request) {
	d := inviteData{Token: r.URL.Query().Get("token"), Existing: r.URL.Query().Get("existing") == "1"}
	v := &view{Title: "Accept invitation", CSRF: h.anonCSRF(w, r), Data: &d}
	if d.Token == "" {
		v.Error = "This page opens from the link in your invitation email."
		h.render(w, r, http.StatusOK, "invite", v)
		return
	}
	p, err := h.svc.PreviewInvitation(r.Context(), d.Token)
	status := http.StatusOK
	switch {
	case err != nil && fault.CodeOf(err) != fault.NotFound:
		h.errorPage(w, r, nil, err)
		return
	case err != nil:
		status, v.Title = http.StatusNotFound, "Invitation link not valid"
		d.Dead = "This invitation link is not valid."
		d.Next = "Check that you opened the whole link from the email. If it still does not work, ask whoever invited you to send the invitation again."
	case p.Status == "accepted":
		status, v.Title = http.StatusGone, "Invitation already used"
		d.Dead = "This invitation to " + p.OrgName + " was already accepted."
		d.Next = "If it was you, log in with " + p.Email + " to reach " + p.OrgName + "."
	case p.Status == "revoked":
		status, v.Title = http.StatusGone, "Invitation withdrawn"
		d.Dead = "This invitation to " + p.OrgName + " was withdrawn."
		d.Next = "Ask an administrator of " + p.OrgName + " for a new invitation if you still need access."
	case p.Status == "expired":
		status, v.Title = http.StatusGone, "Invitation expired"
		d.Dead = "This invitation to " + p.OrgName + " has expired."
		d.Next = "Ask whoever invited you to resend it: a new link comes by email."
	default:
		d.Invite = &p
	}
	h.render(w, r, status, "invite", v)
}

func (h *handler) acceptInvite(w http.ResponseWriter, r *http.Request) {
	if !checkAnonCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	d := inviteData{Token: r.PostFormValue("token"), Name: strings.TrimSpace(r.PostFormValue("name")),
		Email: strings.TrimSpace(r.PostFormValue("email")), Existing: r.PostFormValue("existing") == "1"}
	if p, err := h.svc.PreviewInvitation(r.Context(), d.Token); err == nil {
		d.Invite = &p
	}
	req := team.AcceptRequest{Token: d.Token, Password: r.PostFormValue("password"), RequestID: requestID(r, w), Client: h.client(w, r)}
	if d.Existing {
		req.Email = d.Email
	} else {
		req.Name = d.Name
		if p2 := r.PostFormValue("password2"); p2 != req.Password {
			v := &view{Title: "Accept invitation", CSRF: h.anonCSRF(w, r), Data: &d, Error: "The two passwords differ."}
			h.render(w, r, http.StatusUnprocessableEntity, "invite", v)
			return
		}
	}
	acc, _, err := h.svc.AcceptInvitation(r.Context(), req)
	if err != nil && fault.CodeOf(err) == fault.NotFound {
		// Used, withdrawn or expired since the form was shown: the link's
		// page says which.
		h.redirect(w, r, "/invite?token="+url.QueryEscape(d.Token))
		return
	}
	if err != nil {
		if fault.CodeOf(err) == fault.Unauthenticated && !d.Existing {
			d.Existing = true // the email has an account: log in with it instead
		}
		v := &view{Title: "Accept invitation", CSRF: h.anonCSRF(w, r), Data: &d, Error: h.message(r, err)}
		h.render(w, r, statusOf(err), "invite", v)
		return
	}
	h.startSession(w, acc.Token)
	h.flash(w, h.welcome(r, acc))
	h.redirect(w, r, h.landing(acc))
}

// welcome is the first line a new member reads: where they are, as what.
func (h *handler) welcome(r *http.Request, acc team.Accepted) string {
	a := team.Actor{Subject: domain.UserSubject(acc.UserID)}
	org, role := acc.Org, ""
	if o, err := h.svc.GetOrg(r.Context(), a, acc.Org); err == nil {
		org = o.Name
	}
	if me, err := h.svc.Me(r.Context(), a); err == nil {
		for _, o := range me.Orgs {
			if o.ID == acc.Org {
				role = o.Role
			}
		}
	}
	if rs, err := h.svc.ListRoles(r.Context(), a, acc.Org); err == nil {
		for _, rr := range rs {
			if rr.ID == role {
				role = rr.Name
			}
		}
	}
	msg := "Welcome! You are now a member of " + org
	if role != "" {
		msg += ", as " + role
	}
	return msg + "."
}

// landing is the first page of a new member: the member list where their
// role shows it, else the organization's General page, which every member
// may see (a base role that sees nothing else must not land on a refusal).
func (h *handler) landing(acc team.Accepted) string {
	can, err := h.svc.Capabilities(team.Actor{Subject: domain.UserSubject(acc.UserID)}, acc.Org)
	if err == nil && can[team.ActMemberList] {
		return "/o/" + acc.Org + "/members"
	}
	return "/o/" + acc.Org + "/general"
}

// --- first run ------------------------------------------------------------

// setupOpen: a setup token was configured, not used yet, and the database
// has no organization.
func (h *handler) setupOpen(r *http.Request) bool {
	if h.setupToken == "" || h.setupUsed.Load() {
		return false
	}
	done, err := h.svc.Initialized(r.Context())
	return err == nil && !done
}

type setupData struct {
	Token, OrgID, OrgName, Scheme, Email string
	Schemes                              []*scheme.Scheme
	Result                               *team.BootstrapResult
}

func schemes() []*scheme.Scheme {
	var out []*scheme.Scheme
	for _, id := range scheme.Names() {
		if s, ok := scheme.Get(id); ok {
			out = append(out, s)
		}
	}
	return out
}

func (h *handler) setupForm(w http.ResponseWriter, r *http.Request) {
	if !h.setupOpen(r) {
		h.setupClosed(w, r)
		return
	}
	d := setupData{Token: r.URL.Query().Get("token"), Scheme: "vi", Schemes: schemes()}
	h.render(w, r, http.StatusOK, "setup", &view{Title: "Set up Gatehouse", CSRF: h.anonCSRF(w, r), Data: d})
}

func (h *handler) setupClosed(w http.ResponseWriter, r *http.Request) {
	v := &view{Title: "Already set up", Fatal: true, Error: "First-run setup is closed: this server already has an organization " +
		"(or was started without a setup token). Log in instead, or ask an Owner for an invitation."}
	h.render(w, r, http.StatusGone, "error", v)
}

func (h *handler) setup(w http.ResponseWriter, r *http.Request) {
	if !checkAnonCSRF(r) {
		h.csrfFailed(w, r)
		return
	}
	// One setup at a time, so two racing forms cannot both pass the checks.
	h.setupMu.Lock()
	defer h.setupMu.Unlock()
	if !h.setupOpen(r) {
		h.setupClosed(w, r)
		return
	}
	d := setupData{Token: r.PostFormValue("token"), OrgID: strings.TrimSpace(r.PostFormValue("org_id")),
		OrgName: strings.TrimSpace(r.PostFormValue("org_name")), Scheme: r.PostFormValue("scheme"),
		Email: strings.TrimSpace(r.PostFormValue("email")), Schemes: schemes()}
	fail := func(status int, msg string) {
		d.Token = "" // never echo a wrong token back
		v := &view{Title: "Set up Gatehouse", CSRF: h.anonCSRF(w, r), Data: d, Error: msg}
		h.render(w, r, status, "setup", v)
	}
	if subtle.ConstantTimeCompare([]byte(d.Token), []byte(h.setupToken)) != 1 {
		fail(http.StatusForbidden, "That setup token is wrong. Copy it from the server log.")
		return
	}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password2") {
		fail(http.StatusUnprocessableEntity, "The two passwords differ.")
		return
	}
	res, err := h.svc.Bootstrap(r.Context(), d.OrgID, d.OrgName, d.Scheme, d.Email, pw)
	if err != nil {
		fail(statusOf(err), h.message(r, err))
		return
	}
	h.setupUsed.Store(true)
	h.log.Info("console: first-run setup done; the setup token no longer works", "org", res.Org)
	tok, _, err := h.svc.Login(r.Context(), d.Email, pw, h.client(w, r))
	if err != nil {
		h.flash(w, "The organization is ready. Log in as its Owner.")
		h.redirect(w, r, "/login")
		return
	}
	h.startSession(w, tok)
	d.Result = &res
	d.Token = ""
	s := &session{token: tok, csrf: csrfFor("session", tok)}
	v := &view{Title: "Gatehouse is ready", CSRF: s.csrf, Data: d}
	h.render(w, r, http.StatusCreated, "setup", v)
}

// --- organizations ----------------------------------------------------

type orgsData struct {
	Schemes []*scheme.Scheme
	ID      string
	Name    string
	Scheme  string
}

func (h *handler) orgList(w http.ResponseWriter, r *http.Request, s *session) {
	me := s.me
	v := &view{Title: "Organizations", CSRF: s.csrf, User: &me, Data: orgsData{Schemes: schemes(), Scheme: "vi"}}
	v.setFlash(h.takeFlash(w, r))
	h.render(w, r, http.StatusOK, "orgs", v)
}

func (h *handler) createOrg(w http.ResponseWriter, r *http.Request, s *session) {
	d := orgsData{Schemes: schemes(), ID: strings.TrimSpace(r.PostFormValue("id")),
		Name: strings.TrimSpace(r.PostFormValue("name")), Scheme: r.PostFormValue("scheme")}
	o, err := h.svc.CreateOrg(r.Context(), s.actor, d.ID, d.Name, d.Scheme)
	if err != nil {
		me := s.me
		v := &view{Title: "Organizations", CSRF: s.csrf, User: &me, Error: h.message(r, err), Data: d}
		h.render(w, r, statusOf(err), "orgs", v)
		return
	}
	h.flash(w, "Organization "+o.Name+" created; you are its "+roleWord(o.Scheme)+".")
	h.redirect(w, r, "/o/"+o.ID+"/general")
}

func roleWord(schemeID string) string {
	if sc, ok := scheme.Get(schemeID); ok {
		if r, ok := sc.Role(sc.TopRole); ok {
			return r.Name
		}
	}
	return "owner"
}

func (h *handler) orgHome(w http.ResponseWriter, r *http.Request, c *orgCtx) {
	h.redirect(w, r, c.landing())
}
