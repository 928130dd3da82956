// Package ssotest runs a real OpenID Provider (zitadel's op package) on
// loopback for tests, with an in-memory storage: one client, people the
// test names, and knobs for the ways an ID token goes wrong (an expired
// token, another audience, a nonce other than the one asked for). Its
// login page signs in whoever the test chose, at once.
package ssotest

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// Person is who the IdP signs in.
type Person struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	Groups        []string
	// GroupsOverage sends, instead of the groups, the pointer Entra ID
	// sends for a person in more groups than a token holds.
	GroupsOverage bool
}

// OP is a running provider.
type OP struct {
	Issuer       string
	ClientID     string
	ClientSecret string

	mu       sync.Mutex
	person   Person
	lifetime time.Duration
	audience []string
	nonce    string
	redirect []string
	reqs     map[string]*authRequest
	codes    map[string]string
	key      *rsa.PrivateKey

	discoveries atomic.Int64
}

// Start runs a provider until the test ends. redirectURIs are the
// callbacks the client may use.
func Start(t testing.TB, redirectURIs ...string) *OP {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	o := &OP{ClientID: "gatehouse-test", ClientSecret: "test-client-secret", lifetime: 5 * time.Minute,
		redirect: redirectURIs, reqs: map[string]*authRequest{}, codes: map[string]string{}, key: key}
	var h http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == oidc.DiscoveryEndpoint {
			o.discoveries.Add(1)
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	o.Issuer = srv.URL
	p, err := op.NewOpenIDProvider(srv.URL, &op.Config{CryptoKey: [32]byte{1}, CodeMethodS256: true,
		SupportedScopes: []string{"openid", "email", "profile", "groups"}}, &storage{o}, op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", o.login)
	mux.Handle("/", p)
	h = o.reaudience(mux)
	return o
}

// Discoveries is how many times the discovery document was fetched.
func (o *OP) Discoveries() int64 { return o.discoveries.Load() }

// SignIn sets who the login page signs in from now on.
func (o *OP) SignIn(p Person) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.person = p
}

// SetLifetime sets the lifetime of the ID tokens issued from now on; a
// negative one issues tokens already expired.
func (o *OP) SetLifetime(d time.Duration) { o.mu.Lock(); o.lifetime = d; o.mu.Unlock() }

// SetAudience makes the ID tokens name this audience instead of the client
// (the provider's own tokens always add the client; the token endpoint's
// answer is then signed again, with the provider's key, without it).
func (o *OP) SetAudience(aud ...string) { o.mu.Lock(); o.audience = aud; o.mu.Unlock() }

// SetNonce makes the ID tokens carry this nonce instead of the one asked
// for, as a token replayed from another sign-in would.
func (o *OP) SetNonce(n string) { o.mu.Lock(); o.nonce = n; o.mu.Unlock() }

// Reset undoes SetLifetime, SetAudience and SetNonce.
func (o *OP) Reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.lifetime, o.audience, o.nonce = 5*time.Minute, nil, ""
}

// login signs in the chosen person and sends the browser back to the
// provider's callback, which issues the code.
func (o *OP) login(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("id")
	o.mu.Lock()
	req, ok := o.reqs[id]
	if ok {
		req.subject, req.person, req.done, req.authTime = o.person.Subject, o.person, true, time.Now()
	}
	o.mu.Unlock()
	if !ok {
		http.Error(w, "unknown auth request", http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, o.Issuer+"/authorize/callback?id="+url.QueryEscape(id), http.StatusFound)
}

type authRequest struct {
	id       string
	o        *OP
	req      oidc.AuthRequest
	subject  string
	person   Person
	done     bool
	authTime time.Time
}

func (a *authRequest) GetID() string          { return a.id }
func (a *authRequest) GetACR() string         { return "" }
func (a *authRequest) GetAMR() []string       { return []string{"pwd"} }
func (a *authRequest) GetAuthTime() time.Time { return a.authTime }
func (a *authRequest) GetClientID() string    { return a.req.ClientID }
func (a *authRequest) GetAudience() []string  { return []string{a.req.ClientID} }
func (a *authRequest) GetCodeChallenge() *oidc.CodeChallenge {
	if a.req.CodeChallenge == "" {
		return nil
	}
	return &oidc.CodeChallenge{Challenge: a.req.CodeChallenge, Method: a.req.CodeChallengeMethod}
}
func (a *authRequest) GetNonce() string {
	a.o.mu.Lock()
	defer a.o.mu.Unlock()
	if a.o.nonce != "" {
		return a.o.nonce
	}
	return a.req.Nonce
}
func (a *authRequest) GetRedirectURI() string             { return a.req.RedirectURI }
func (a *authRequest) GetResponseType() oidc.ResponseType { return a.req.ResponseType }
func (a *authRequest) GetResponseMode() oidc.ResponseMode { return a.req.ResponseMode }
func (a *authRequest) GetScopes() []string                { return a.req.Scopes }
func (a *authRequest) GetState() string                   { return a.req.State }
func (a *authRequest) GetSubject() string                 { return a.subject }
func (a *authRequest) Done() bool                         { return a.done }

type client struct{ o *OP }

func (c client) GetID() string                       { return c.o.ClientID }
func (c client) RedirectURIs() []string              { return c.o.redirect }
func (c client) PostLogoutRedirectURIs() []string    { return nil }
func (c client) ApplicationType() op.ApplicationType { return op.ApplicationTypeWeb }
func (c client) AuthMethod() oidc.AuthMethod         { return oidc.AuthMethodBasic }
func (c client) ResponseTypes() []oidc.ResponseType {
	return []oidc.ResponseType{oidc.ResponseTypeCode}
}
func (c client) GrantTypes() []oidc.GrantType        { return []oidc.GrantType{oidc.GrantTypeCode} }
func (c client) LoginURL(id string) string           { return "/login?id=" + url.QueryEscape(id) }
func (c client) AccessTokenType() op.AccessTokenType { return op.AccessTokenTypeBearer }
func (c client) IDTokenLifetime() time.Duration {
	c.o.mu.Lock()
	defer c.o.mu.Unlock()
	return c.o.lifetime
}
func (c client) DevMode() bool { return true }
func (c client) RestrictAdditionalIdTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) RestrictAdditionalAccessTokenScopes() func([]string) []string {
	return func(s []string) []string { return s }
}
func (c client) IsScopeAllowed(string) bool           { return true }
func (c client) IDTokenUserinfoClaimsAssertion() bool { return true }
func (c client) ClockSkew() time.Duration             { return 0 }

type signingKey struct{ k *rsa.PrivateKey }

func (s signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (s signingKey) Key() any                                    { return s.k }
func (s signingKey) ID() string                                  { return "k1" }

type publicKey struct{ k *rsa.PrivateKey }

func (p publicKey) ID() string                         { return "k1" }
func (p publicKey) Algorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (p publicKey) Use() string                        { return "sig" }
func (p publicKey) Key() any                           { return &p.k.PublicKey }

// storage is the provider's op.Storage, in memory: what the code flow
// needs and nothing else (no refresh tokens, no JWT profile, no revocation).
type storage struct{ o *OP }

var errNo = errors.New("ssotest: not supported")

func (s *storage) CreateAuthRequest(_ context.Context, r *oidc.AuthRequest, _ string) (op.AuthRequest, error) {
	s.o.mu.Lock()
	defer s.o.mu.Unlock()
	id := "ar" + strconv.Itoa(len(s.o.reqs)+1)
	a := &authRequest{id: id, o: s.o, req: *r}
	s.o.reqs[id] = a
	return a, nil
}

func (s *storage) AuthRequestByID(_ context.Context, id string) (op.AuthRequest, error) {
	s.o.mu.Lock()
	defer s.o.mu.Unlock()
	if a, ok := s.o.reqs[id]; ok {
		return a, nil
	}
	return nil, errors.New("ssotest: no such auth request")
}

func (s *storage) AuthRequestByCode(ctx context.Context, code string) (op.AuthRequest, error) {
	s.o.mu.Lock()
	id, ok := s.o.codes[code]
	s.o.mu.Unlock()
	if !ok {
		return nil, errors.New("ssotest: no such code")
	}
	return s.AuthRequestByID(ctx, id)
}

func (s *storage) SaveAuthCode(_ context.Context, id, code string) error {
	s.o.mu.Lock()
	defer s.o.mu.Unlock()
	s.o.codes[code] = id
	return nil
}

func (s *storage) DeleteAuthRequest(_ context.Context, id string) error {
	s.o.mu.Lock()
	defer s.o.mu.Unlock()
	delete(s.o.reqs, id)
	for c, x := range s.o.codes {
		if x == id {
			delete(s.o.codes, c)
		}
	}
	return nil
}

func (s *storage) CreateAccessToken(context.Context, op.TokenRequest) (string, time.Time, error) {
	return "at-" + strconv.FormatInt(time.Now().UnixNano(), 36), time.Now().Add(5 * time.Minute), nil
}

func (s *storage) CreateAccessAndRefreshTokens(context.Context, op.TokenRequest, string) (string, string, time.Time, error) {
	return "", "", time.Time{}, errNo
}

func (s *storage) TokenRequestByRefreshToken(context.Context, string) (op.RefreshTokenRequest, error) {
	return nil, errNo
}
func (s *storage) TerminateSession(context.Context, string, string) error { return nil }
func (s *storage) RevokeToken(context.Context, string, string, string) *oidc.Error {
	return oidc.ErrUnsupportedGrantType()
}
func (s *storage) GetRefreshTokenInfo(context.Context, string, string) (string, string, error) {
	return "", "", op.ErrInvalidRefreshToken
}
func (s *storage) SigningKey(context.Context) (op.SigningKey, error) { return signingKey{s.o.key}, nil }
func (s *storage) SignatureAlgorithms(context.Context) ([]jose.SignatureAlgorithm, error) {
	return []jose.SignatureAlgorithm{jose.RS256}, nil
}
func (s *storage) KeySet(context.Context) ([]op.Key, error) { return []op.Key{publicKey{s.o.key}}, nil }

func (s *storage) GetClientByClientID(_ context.Context, id string) (op.Client, error) {
	if id != s.o.ClientID {
		return nil, errors.New("ssotest: no such client")
	}
	return client{s.o}, nil
}

func (s *storage) AuthorizeClientIDSecret(_ context.Context, id, secret string) error {
	// The provider in tests holds a client secret as a real one does, so
	// it compares it as Gatehouse compares every secret: in constant time.
	if id != s.o.ClientID || subtle.ConstantTimeCompare([]byte(secret), []byte(s.o.ClientSecret)) != 1 {
		return errors.New("ssotest: wrong client credentials")
	}
	return nil
}

// SetUserinfoFromScopes puts the person's claims in the ID token
// (IDTokenUserinfoClaimsAssertion), as IdPs configured for it do.
func (s *storage) SetUserinfoFromScopes(ctx context.Context, ui *oidc.UserInfo, userID, _ string, scopes []string) error {
	s.o.mu.Lock()
	var p Person
	for _, a := range s.o.reqs {
		if a.subject == userID {
			p = a.person
		}
	}
	s.o.mu.Unlock()
	ui.Subject = p.Subject
	for _, sc := range scopes {
		switch sc {
		case "email":
			ui.Email, ui.EmailVerified = p.Email, oidc.Bool(p.EmailVerified)
		case "profile":
			ui.Name = p.Name
		case "groups":
			if p.GroupsOverage {
				ui.AppendClaims("_claim_names", map[string]string{"groups": "src1"})
				ui.AppendClaims("_claim_sources", map[string]any{"src1": map[string]string{
					"endpoint": "https://graph.microsoft.com/v1.0/users/" + p.Subject + "/getMemberObjects"}})
				break
			}
			ui.AppendClaims("groups", p.Groups)
		}
	}
	return nil
}

func (s *storage) SetUserinfoFromToken(context.Context, *oidc.UserInfo, string, string, string) error {
	return errNo
}
func (s *storage) SetIntrospectionFromToken(context.Context, *oidc.IntrospectionResponse, string, string, string) error {
	return errNo
}
func (s *storage) GetPrivateClaimsFromScopes(context.Context, string, string, []string) (map[string]any, error) {
	return nil, nil
}
func (s *storage) GetKeyByIDAndClientID(context.Context, string, string) (*jose.JSONWebKey, error) {
	return nil, errNo
}
func (s *storage) ValidateJWTProfileScopes(context.Context, string, []string) ([]string, error) {
	return nil, errNo
}
func (s *storage) Health(context.Context) error { return nil }

// reaudience re-signs the ID token of token answers with the audience set
// by SetAudience, with the provider's own key: a token the provider could
// have issued, for another client.
func (o *OP) reaudience(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		aud := o.audience
		o.mu.Unlock()
		if aud == nil || r.URL.Path != "/oauth/token" {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var body map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &body) != nil {
			copyResponse(w, rec)
			return
		}
		raw, _ := body["id_token"].(string)
		parts := strings.Split(raw, ".")
		claims := map[string]any{}
		if len(parts) != 3 {
			copyResponse(w, rec)
			return
		}
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil || json.Unmarshal(payload, &claims) != nil {
			copyResponse(w, rec)
			return
		}
		claims["aud"] = aud
		delete(claims, "azp")
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: o.key, KeyID: "k1"}}, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		b, _ := json.Marshal(claims)
		jws, err := signer.Sign(b)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		body["id_token"], _ = jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(body) //nolint:errcheck // a test's answer
	})
}

func copyResponse(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes()) //nolint:errcheck // a test's answer
}
