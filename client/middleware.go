package client

import (
	"context"
	"encoding/json"
	"net/http"
)

// DecideFunc names, for one incoming request, who is asking (subject,
// "user:ID" or "key:ID"; empty when the caller could not be identified),
// the permission needed (e.g. "dataset.annotate") and the resource it is
// needed on ("TYPE:ID"; empty for the organization itself).
type DecideFunc func(r *http.Request) (subject, permission, resource string)

// MiddlewareOption tunes Middleware.
type MiddlewareOption func(*guard)

// WithChannel sets the channel of each request (Deepomatic's "mobile",
// "backoffice", ...) for roles limited to a channel.
func WithChannel(channel func(r *http.Request) string) MiddlewareOption {
	return func(g *guard) { g.channel = channel }
}

// WithErrorHandler is called when Gatehouse could not answer (network
// error, 5xx, a rejected service key). The request is refused with 503
// either way: the middleware fails closed.
func WithErrorHandler(onError func(r *http.Request, err error)) MiddlewareOption {
	return func(g *guard) { g.onError = onError }
}

type guard struct {
	c       *Client
	org     string
	decide  DecideFunc
	channel func(*http.Request) string
	onError func(*http.Request, error)
}

type decisionKey struct{}

// DecisionFrom returns the decision that let the request through, for
// handlers behind Middleware (nil elsewhere).
func DecisionFrom(ctx context.Context) *CheckResult {
	d, _ := ctx.Value(decisionKey{}).(*CheckResult)
	return d
}

// Middleware returns net/http middleware that asks Gatehouse, for every
// request, whether the subject decide names may exercise the permission on
// the resource in org. It answers, as problem+json:
//
//   - 401 when decide names no subject;
//   - 403 when Gatehouse denies, when decide names no permission (deny by
//     default), or when the resource is unknown to Gatehouse (so a probe
//     cannot tell missing from forbidden);
//   - 503 when Gatehouse cannot be asked (it fails closed).
//
// Otherwise it calls next, with the decision in the context (DecisionFrom).
// c must authenticate as a secret key holding the scheme's audit permission
// (vi: audit.view, e.g. the org role admin), because it asks about other
// subjects.
func Middleware(c *Client, org string, decide DecideFunc, opts ...MiddlewareOption) func(http.Handler) http.Handler {
	g := &guard{c: c, org: org, decide: decide}
	for _, o := range opts {
		o(g)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			subject, permission, resource := g.decide(r)
			if subject == "" {
				w.Header().Set("WWW-Authenticate", "Bearer")
				problem(w, http.StatusUnauthorized, "no credentials identify the caller")
				return
			}
			if permission == "" {
				problem(w, http.StatusForbidden, "no permission is defined for this request")
				return
			}
			req := CheckRequest{Subject: subject, Permission: permission, Resource: resource}
			if g.channel != nil {
				if ch := g.channel(r); ch != "" {
					req.Context = &CheckContext{Channel: ch}
				}
			}
			d, err := g.c.Check(r.Context(), g.org, req)
			switch {
			case err == nil && d.Allowed:
				next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), decisionKey{}, d)))
			case err == nil:
				problem(w, http.StatusForbidden, subject+" may not "+permission+" on "+what(resource))
			case StatusOf(err) == http.StatusNotFound && resource != "":
				problem(w, http.StatusForbidden, subject+" may not "+permission+" on "+resource)
			default:
				if g.onError != nil {
					g.onError(r, err)
				}
				problem(w, http.StatusServiceUnavailable, "the access-control service could not be asked; retry")
			}
		})
	}
}

func what(resource string) string {
	if resource == "" {
		return "the organization"
	}
	return resource
}

func problem(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"type": "about:blank", "title": http.StatusText(status), "status": status, "detail": detail,
	})
}
