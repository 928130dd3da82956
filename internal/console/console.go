// Package console is Gatehouse's web console: the Settings pages of an
// organization (General, Members, Teams, Groups, Roles, Secret Keys,
// Billing, Audit log, resource access), the Account page (password,
// sessions), the login, password-reset, invitation and first-run pages, all
// server-rendered with html/template and enhanced by htmx.
//
// The console holds no authorization logic of its own. Every action calls
// the same team.Service use case the HTTP API calls, and shows the
// service's refusal (with its reason) when there is one. The only thing the
// console decides is which sidebar entries and buttons to show, and it
// decides that by asking the service what the user may do (a batch check of
// the scheme's permissions); enforcement always stays with the service.
//
// Security: the session cookie is HttpOnly, SameSite=Lax and Secure when
// served over TLS; every state-changing request carries a CSRF token bound
// to the session (and passes Go's cross-origin protection); pages are sent
// with a Content-Security-Policy that allows scripts only from the
// console's own embedded files (no inline script, no eval).
package console

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/team"
)

// Config sets up the console.
type Config struct {
	Service *team.Service
	Logger  *slog.Logger
	// SetupToken is the one-time token the first-run page asks for; empty
	// disables the page. The page also refuses once any organization exists,
	// and after its first successful use.
	SetupToken string
	// Secure sets the Secure attribute on cookies (serve over TLS).
	Secure bool
	// TrustProxy reads client addresses from X-Forwarded-For, as the API
	// does with the same setting (see package peer).
	TrustProxy bool
}

// contentSecurityPolicy allows the console's own files and nothing inline.
// style-src has no 'unsafe-inline': the templates use no style attributes,
// and htmx's indicator styles are turned off in its config.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

type handler struct {
	svc        *team.Service
	log        *slog.Logger
	secure     bool
	trustProxy bool

	setupToken string
	setupMu    sync.Mutex
	setupUsed  atomic.Bool

	pages  *renderer
	assets *assets
	mux    *http.ServeMux
	cop    *http.CrossOriginProtection
}

// New returns the console's handler, meant to be mounted at "/".
func New(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("console: Config.Service is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	r, err := newRenderer()
	if err != nil {
		return nil, err
	}
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	h := &handler{svc: cfg.Service, log: cfg.Logger, secure: cfg.Secure, trustProxy: cfg.TrustProxy, setupToken: cfg.SetupToken,
		pages: r, assets: a, mux: http.NewServeMux(), cop: http.NewCrossOriginProtection()}
	r.assetURL = a.url
	r.now = cfg.Service.Now
	h.routes()
	return h, nil
}

func (h *handler) routes() {
	m := h.mux
	m.HandleFunc("GET /static/{file}", h.assets.serve)
	m.HandleFunc("GET /{$}", h.root)
	m.HandleFunc("GET /", h.notFound)
	m.HandleFunc("GET /login", h.loginForm)
	m.HandleFunc("POST /login", h.login)
	m.HandleFunc("POST /login/sso", h.ssoStart)
	m.HandleFunc("GET /login/sso/callback", h.ssoCallback)
	m.HandleFunc("POST /logout", h.logout)
	m.HandleFunc("GET /invite", h.inviteForm)
	m.HandleFunc("POST /invite", h.acceptInvite)
	m.HandleFunc("GET /setup", h.setupForm)
	m.HandleFunc("POST /setup", h.setup)
	m.HandleFunc("GET /forgot", h.forgotForm)
	m.HandleFunc("POST /forgot", h.forgot)
	m.HandleFunc("GET /reset", h.resetForm)
	m.HandleFunc("POST /reset", h.reset)
	m.HandleFunc("GET /account", h.user(h.account))
	m.HandleFunc("POST /account/password", h.user(h.changePassword))
	m.HandleFunc("POST /account/sessions/{id}/end", h.user(h.endSession))
	m.HandleFunc("POST /account/sessions/end-others", h.user(h.endOtherSessions))
	m.HandleFunc("POST /account/tokens", h.user(h.createToken))
	m.HandleFunc("POST /account/tokens/{id}/revoke", h.user(h.revokeToken))
	m.HandleFunc("GET /orgs", h.user(h.orgList))
	m.HandleFunc("POST /orgs", h.user(h.createOrg))

	o := func(pattern string, fn orgHandler) { m.HandleFunc(pattern, h.org(fn)) }
	o("GET /o/{org}", h.orgHome)
	o("GET /o/{org}/overview", h.overview)
	o("GET /o/{org}/general", h.general)
	o("POST /o/{org}/general", h.rename)
	o("POST /o/{org}/general/tokens", h.tokenCap)
	o("GET /o/{org}/access", h.ownAccess)

	o("GET /o/{org}/members", h.members)
	o("GET /o/{org}/members/invite", h.inviteDialog)
	o("POST /o/{org}/members/invite", h.invite)
	o("GET /o/{org}/members/{uid}", h.memberAccess)
	o("GET /o/{org}/members/{uid}/grant-scopes", h.grantScopes)
	o("GET /o/{org}/members/{uid}/grants/{gid}/revoke", h.revokeGrantDialog)
	o("POST /o/{org}/members/{uid}/role", h.changeRole)
	o("POST /o/{org}/members/{uid}/membership", h.setMembershipEnd)
	o("POST /o/{org}/members/{uid}/default-role", h.setDefaultRole)
	o("GET /o/{org}/members/{uid}/remove", h.removeDialog)
	o("POST /o/{org}/members/{uid}/remove", h.removeMember)
	o("POST /o/{org}/grants", h.createGrant)
	o("POST /o/{org}/grants/{gid}/delete", h.deleteGrant)
	o("POST /o/{org}/invitations/{id}/resend", h.resendInvitation)
	o("GET /o/{org}/invitations/{id}/revoke", h.revokeInvitationDialog)
	o("POST /o/{org}/invitations/{id}/revoke", h.revokeInvitation)

	o("GET /o/{org}/teams", h.collections(teamsKind))
	o("POST /o/{org}/teams", h.createCollection(teamsKind))
	o("GET /o/{org}/teams/{id}", h.collection(teamsKind))
	o("POST /o/{org}/teams/{id}/members", h.setCollectionMember(teamsKind))
	o("GET /o/{org}/teams/{id}/members/{uid}/remove", h.removeCollMemberDialog(teamsKind))
	o("POST /o/{org}/teams/{id}/members/{uid}/remove", h.setCollectionMember(teamsKind))
	o("POST /o/{org}/teams/{id}/rename", h.renameCollection(teamsKind))
	o("GET /o/{org}/teams/{id}/delete", h.collDeleteDialog(teamsKind))
	o("POST /o/{org}/teams/{id}/delete", h.deleteCollection(teamsKind))
	o("POST /o/{org}/teams/{id}/grants", h.grantCollection(teamsKind))
	o("POST /o/{org}/teams/{id}/invite", h.inviteToTeam)
	o("GET /o/{org}/teams/{id}/grants/{gid}/revoke", h.revokeCollDialog(teamsKind))
	o("POST /o/{org}/teams/{id}/grants/{gid}/revoke", h.revokeCollGrant(teamsKind))
	o("GET /o/{org}/groups", h.collections(groupsKind))
	o("POST /o/{org}/groups", h.createCollection(groupsKind))
	o("GET /o/{org}/groups/{id}", h.collection(groupsKind))
	o("POST /o/{org}/groups/{id}/members", h.setCollectionMember(groupsKind))
	o("GET /o/{org}/groups/{id}/members/{uid}/remove", h.removeCollMemberDialog(groupsKind))
	o("POST /o/{org}/groups/{id}/members/{uid}/remove", h.setCollectionMember(groupsKind))
	o("POST /o/{org}/groups/{id}/rename", h.renameCollection(groupsKind))
	o("GET /o/{org}/groups/{id}/delete", h.collDeleteDialog(groupsKind))
	o("POST /o/{org}/groups/{id}/delete", h.deleteCollection(groupsKind))
	o("POST /o/{org}/groups/{id}/grants", h.grantCollection(groupsKind))
	o("GET /o/{org}/groups/{id}/grant-scopes", h.groupGrantScopes)
	o("GET /o/{org}/groups/{id}/grants/{gid}/revoke", h.revokeCollDialog(groupsKind))
	o("POST /o/{org}/groups/{id}/grants/{gid}/revoke", h.revokeCollGrant(groupsKind))

	o("GET /o/{org}/roles", h.roles)
	o("GET /o/{org}/roles/new", h.newRoleDialog)
	o("GET /o/{org}/roles/matrix/{format}", h.matrixFile)
	o("POST /o/{org}/roles", h.createRole)
	o("GET /o/{org}/roles/{id}/{dialog}", h.customRoleDialog) // edit, delete
	o("POST /o/{org}/roles/{id}/edit", h.editRole)
	o("POST /o/{org}/roles/{id}/delete", h.deleteRole)

	o("GET /o/{org}/keys", h.keys)
	o("POST /o/{org}/keys", h.createKey)
	o("POST /o/{org}/keys/{id}/rotate", h.rotateKey)
	o("GET /o/{org}/keys/{id}/revoke", h.revokeKeyDialog)
	o("POST /o/{org}/keys/{id}/revoke", h.revokeKey)

	o("GET /o/{org}/usage", h.usage)
	o("GET /o/{org}/stale-access", h.staleAccess)
	o("GET /o/{org}/stale-access.csv", h.staleAccessCSV)
	o("GET /o/{org}/raci", h.raci)
	for _, f := range []string{"md", "csv", "html", "json"} {
		o("GET /o/{org}/raci."+f, h.raciExport(f))
	}
	o("POST /o/{org}/assignments", h.setAssignment)
	o("POST /o/{org}/assignments/delete", h.deleteAssignment)
	o("GET /o/{org}/approvals", h.approvals)
	o("POST /o/{org}/approvals", h.createApproval)
	o("POST /o/{org}/approvals/{id}/end", h.endApproval)
	o("POST /o/{org}/approval-gates", h.setGate)
	o("POST /o/{org}/approval-gates/{permission}/delete", h.deleteGate)
	o("GET /o/{org}/reviews", h.reviews)
	o("POST /o/{org}/reviews", h.createReview)
	o("GET /o/{org}/reviews/{id}", h.review)
	o("POST /o/{org}/reviews/{id}/items/{item}", h.decideReview)
	o("GET /o/{org}/reviews/{id}/close", h.closeReviewDialog)
	o("POST /o/{org}/reviews/{id}/close", h.closeReview)
	o("GET /o/{org}/reviews/{id}/evidence/{format}", h.reviewEvidence)
	o("GET /o/{org}/requests", h.requests)
	o("POST /o/{org}/requests", h.createRequest)
	o("POST /o/{org}/requests/{id}/{what}", h.decideRequest)
	o("GET /o/{org}/billing", h.billing)
	o("POST /o/{org}/billing", h.updateBilling)
	o("POST /o/{org}/transfer", h.transfer)

	o("GET /o/{org}/audit", h.audit)
	o("POST /o/{org}/audit/verify", h.verifyAudit)

	o("GET /o/{org}/resources", h.resources)
	o("GET /o/{org}/resources/{type}/{id}", h.resourceAccess)
	o("GET /o/{org}/resources/{type}/{id}/people", h.resourcePeople)
}

// ServeHTTP sets the headers every response carries, rejects cross-origin
// state changes, and routes.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurityPolicy)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	if err := h.cop.Check(r); err != nil {
		h.plainError(w, r, http.StatusForbidden, "Cross-origin request refused.")
		return
	}
	h.mux.ServeHTTP(w, r)
}

// requestID returns the caller's X-Request-Id when it looks sane, else a
// fresh one; it ends up in the audit log.
func requestID(r *http.Request, w http.ResponseWriter) string {
	if w != nil {
		if id := w.Header().Get("X-Request-Id"); id != "" && len(id) <= 128 {
			return id
		}
	}
	if id := r.Header.Get("X-Request-Id"); id != "" && len(id) <= 64 {
		ok := true
		for _, c := range id {
			if !(c == '-' || c == '_' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				ok = false
				break
			}
		}
		if ok {
			return id
		}
	}
	var b [8]byte
	rand.Read(b[:])
	return "con-" + hex.EncodeToString(b[:])
}
