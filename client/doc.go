// Package client is the Go SDK of Gatehouse: typed calls for every endpoint
// of its HTTP API v1, and net/http middleware that lets a platform service
// ask Gatehouse "may this caller do this to that?" on every request.
//
// # Calls
//
//	c := client.New("http://127.0.0.1:8080", os.Getenv("GATEHOUSE_TOKEN"))
//	d, err := c.Check(ctx, "acme", client.CheckRequest{
//		Subject: "user:u_7", Permission: "dataset.annotate", Resource: "dataset:cats",
//	})
//	if err != nil { ... }
//	if d.Allowed { ... }
//
// A token is a session token (from Login) or a secret key ("gsk_...").
// Errors the server answers come back as *Error, read from its RFC 9457
// problem details:
//
//	var e *client.Error
//	if errors.As(err, &e) && e.Status == http.StatusNotFound { ... }
//
// Lists are paginated: pass a *ListOptions (nil for the first page of the
// default size) and follow Page.NextPageToken, or let All collect every
// page:
//
//	members, err := client.All(ctx, 500, func(ctx context.Context, o *client.ListOptions) (*client.Page[client.Member], error) {
//		return c.ListMembers(ctx, "acme", o)
//	})
//
// # Middleware for platform services
//
// A labeling or training service protects its routes with Middleware. It
// tells the middleware, per request, who asks, which permission the route
// needs and on which resource; Gatehouse decides. The service's client
// uses a secret key that holds the scheme's audit permission (for vi, a key
// with the org role admin), since it asks about other subjects:
//
//	gh := client.New("http://gatehouse:8080", os.Getenv("GATEHOUSE_KEY"))
//	annotate := client.Middleware(gh, "acme", func(r *http.Request) (subject, permission, resource string) {
//		user := sessionUser(r) // the service's own authentication: "" when anonymous
//		if user == "" {
//			return "", "", "" // answered 401
//		}
//		return "user:" + user, "dataset.annotate", "dataset:" + r.PathValue("dataset")
//	})
//	mux := http.NewServeMux()
//	mux.Handle("POST /datasets/{dataset}/annotations", annotate(http.HandlerFunc(saveAnnotation)))
//
// A denied request gets 403, an unidentified caller 401, and if Gatehouse
// cannot be reached the middleware fails closed with 503. Handlers read the
// decision that let the request in with DecisionFrom(r.Context()).
package client
