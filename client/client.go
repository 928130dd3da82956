package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls a Gatehouse server. The zero value is not usable: set
// BaseURL (e.g. "http://127.0.0.1:8080"). A Client is safe for concurrent
// use as long as its fields are not changed meanwhile.
type Client struct {
	// BaseURL is the server's address, without the /v1 path.
	BaseURL string
	// Token is sent as "Authorization: Bearer <Token>": a session token
	// from Login or a secret key (gsk_...). Empty sends no credentials.
	Token string
	// HTTPClient makes the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// UserAgent, when set, replaces the default User-Agent header.
	UserAgent string
}

// New returns a client of the server at baseURL using token.
func New(baseURL, token string) *Client {
	return &Client{BaseURL: baseURL, Token: token}
}

// WithToken returns a copy of c that sends token instead.
func (c *Client) WithToken(token string) *Client {
	cp := *c
	cp.Token = token
	return &cp
}

// Error is an answer of the server other than 2xx, read from its RFC 9457
// problem details. Use errors.As to get it from any method's error.
type Error struct {
	Status int    `json:"status"`
	Type   string `json:"type,omitempty"`
	Title  string `json:"title"`
	Detail string `json:"detail,omitempty"`
	// Errors holds per-field details some answers carry (422).
	Errors []ErrorDetail `json:"errors,omitempty"`
	// RetryAfter is the server's Retry-After (429, 503), zero when absent.
	RetryAfter time.Duration `json:"-"`
}

// ErrorDetail is one field-level problem of a request.
type ErrorDetail struct {
	Message  string `json:"message"`
	Location string `json:"location,omitempty"`
	Value    any    `json:"value,omitempty"`
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("gatehouse: %d %s", e.Status, e.Title)
	if e.Detail != "" && e.Detail != e.Title {
		msg += ": " + e.Detail
	}
	for _, d := range e.Errors {
		if d.Location != "" {
			msg += fmt.Sprintf("; %s: %s", d.Location, d.Message)
		} else if d.Message != "" {
			msg += "; " + d.Message
		}
	}
	return msg
}

// StatusOf returns the HTTP status of err when it is (or wraps) an *Error,
// else 0.
func StatusOf(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// IsNotFound reports whether err is a 404 answer.
func IsNotFound(err error) bool { return StatusOf(err) == http.StatusNotFound }

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// RevisionHeader carries the revision of writes answered 204 No Content.
const RevisionHeader = "Gatehouse-Revision"

// do sends one request. in, when not nil, is sent as JSON; out, when not
// nil, receives the JSON answer (a *[]byte receives the raw body). It
// returns the revision a 204 answer carries in its header (else 0).
func (c *Client) do(ctx context.Context, method, path string, query url.Values, in, out any) (int64, error) {
	if c.BaseURL == "" {
		return 0, errors.New("gatehouse: client has no BaseURL")
	}
	u := strings.TrimRight(c.BaseURL, "/") + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return 0, fmt.Errorf("gatehouse: encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return 0, fmt.Errorf("gatehouse: %w", err)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	ua := c.UserAgent
	if ua == "" {
		ua = "gatehouse-go-client"
	}
	req.Header.Set("User-Agent", ua)
	hc := c.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("gatehouse: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return 0, readError(resp)
	}
	rev, _ := strconv.ParseInt(resp.Header.Get(RevisionHeader), 10, 64)
	if out == nil || resp.StatusCode == http.StatusNoContent {
		io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return rev, nil
	}
	if raw, ok := out.(*[]byte); ok {
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return rev, fmt.Errorf("gatehouse: read answer: %w", err)
		}
		*raw = b
		return rev, nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil && !errors.Is(err, io.EOF) {
		return rev, fmt.Errorf("gatehouse: decode answer of %s %s: %w", method, path, err)
	}
	return rev, nil
}

// call is do for answers whose revision is in the body, if anywhere.
func (c *Client) call(ctx context.Context, method, path string, query url.Values, in, out any) error {
	_, err := c.do(ctx, method, path, query, in, out)
	return err
}

// listAll follows every page of a GET list.
func listAll[T any](ctx context.Context, c *Client, path string) ([]T, error) {
	return listAllOf[T](ctx, c, path, url.Values{})
}

// listAllOf is listAll with a query of its own (a filter).
func listAllOf[T any](ctx context.Context, c *Client, path string, q url.Values) ([]T, error) {
	out := []T{}
	for {
		var p Page[T]
		if err := c.call(ctx, http.MethodGet, path, q, nil, &p); err != nil {
			return out, err
		}
		out = append(out, p.Items...)
		if p.NextPageToken == "" || p.NextPageToken == q.Get("page_token") {
			return out, nil
		}
		q.Set("page_token", p.NextPageToken)
	}
}

func readError(resp *http.Response) error {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e := &Error{}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if (mt == "application/problem+json" || mt == "application/json") && json.Unmarshal(b, e) == nil {
		// fields come from the body
	} else if s := strings.TrimSpace(string(b)); s != "" {
		e.Detail = s
	}
	e.Status = resp.StatusCode // the status line wins over the body
	if e.Title == "" {
		e.Title = http.StatusText(resp.StatusCode)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		if n, err := strconv.Atoi(ra); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return e
}

// esc escapes one path segment.
func esc(s string) string { return url.PathEscape(s) }

func orgPath(org string, rest ...string) string {
	p := "/v1/orgs/" + esc(org)
	for _, r := range rest {
		p += "/" + r
	}
	return p
}

// ListOptions pages through a list. Zero values ask for the server's
// default page size from the first page.
type ListOptions struct {
	Limit     int
	PageToken string
}

func (o *ListOptions) values() url.Values {
	v := url.Values{}
	if o == nil {
		return v
	}
	if o.Limit > 0 {
		v.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.PageToken != "" {
		v.Set("page_token", o.PageToken)
	}
	return v
}

// Page is one page of a list; NextPageToken is empty on the last page.
type Page[T any] struct {
	Items         []T    `json:"items"`
	NextPageToken string `json:"next_page_token"`
}

// All collects every page of a list, calling list with each page token in
// turn (pageSize 0 means the server's default).
func All[T any](ctx context.Context, pageSize int, list func(ctx context.Context, opts *ListOptions) (*Page[T], error)) ([]T, error) {
	opts := &ListOptions{Limit: pageSize}
	var out []T
	for {
		p, err := list(ctx, opts)
		if err != nil {
			return out, err
		}
		out = append(out, p.Items...)
		if p.NextPageToken == "" {
			if out == nil {
				out = []T{}
			}
			return out, nil
		}
		if p.NextPageToken == opts.PageToken {
			return out, fmt.Errorf("gatehouse: server repeated page token %q", p.NextPageToken)
		}
		opts.PageToken = p.NextPageToken
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
