package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

// call is what a command's one API call is given.
type call struct {
	ctx  context.Context
	api  *client.Client
	org  string // "" for a command without --org
	args []string
	cmd  *cobra.Command
}

type runE = func(*cobra.Command, []string) error

// show is the shape nearly every management command has: --org (unless org
// is nil) and the flags in need must have values, in that order; then one
// API call, whose answer is printed as JSON with -o json, else by table.
func show[T any](a *app, org *string, need []string, fn func(call) (T, error), table func(*tw, T)) runE {
	return func(cmd *cobra.Command, args []string) error {
		c, err := a.prepare(cmd, args, org, need)
		if err != nil {
			return err
		}
		v, err := fn(c)
		if err != nil {
			return err
		}
		return a.print(v, func(t *tw) { table(t, v) })
	}
}

// paged is show for a paged list.
func paged[T any](a *app, org *string, pf *pageFlags, fn func(c call, o *client.ListOptions) (*client.Page[T], error), table func(*tw, *client.Page[T])) runE {
	return show(a, org, nil, func(c call) (*client.Page[T], error) {
		return fetch(c.ctx, a, *pf, func(ctx context.Context, o *client.ListOptions) (*client.Page[T], error) {
			c.ctx = ctx
			return fn(c, o)
		})
	}, table)
}

// write is show for a call answered with a revision alone: msg and the
// revision, or {"revision": N}.
func (a *app) write(org *string, fn func(call) (int64, error), msg func(args []string) string) runE {
	return func(cmd *cobra.Command, args []string) error {
		c, err := a.prepare(cmd, args, org, nil)
		if err != nil {
			return err
		}
		rev, err := fn(c)
		if err != nil {
			return err
		}
		return a.done(msg(args), rev)
	}
}

func (a *app) prepare(cmd *cobra.Command, args []string, org *string, need []string) (call, error) {
	c := call{ctx: cmd.Context(), args: args, cmd: cmd}
	if org != nil {
		if err := needOrg(*org); err != nil {
			return c, err
		}
		c.org = *org
	}
	if len(need) > 0 {
		if err := required(cmd, need...); err != nil {
			return c, err
		}
	}
	c.api = a.client()
	return c, nil
}

// done reports a write without a body.
func (a *app) done(msg string, rev int64) error {
	if a.output == "json" {
		return writeJSON(a.stdout, client.Revision{Revision: rev})
	}
	if rev > 0 {
		msg += fmt.Sprintf(" (revision %d)", rev)
	}
	fmt.Fprintln(a.stdout, msg)
	return nil
}

// pageFlags select one page (--limit, --page-token) or, by default, every
// page of a list (or a page of def items when def is set).
type pageFlags struct {
	limit     int
	pageToken string
	def       int
}

func (p *pageFlags) add(cmd *cobra.Command) {
	cmd.Flags().IntVar(&p.limit, "limit", 0, "return one page of this many items (default: every page)")
	cmd.Flags().StringVar(&p.pageToken, "page-token", "", "page to return, from a previous --limit call")
}

// fetch runs list for one page when --limit or --page-token is set, else
// for every page.
func fetch[T any](ctx context.Context, a *app, p pageFlags, list func(context.Context, *client.ListOptions) (*client.Page[T], error)) (*client.Page[T], error) {
	if p.limit == 0 && p.pageToken == "" {
		p.limit = p.def
	}
	if p.limit > 0 || p.pageToken != "" {
		page, err := list(ctx, &client.ListOptions{Limit: p.limit, PageToken: p.pageToken})
		if err == nil && page.NextPageToken != "" && a.output == "table" {
			fmt.Fprintf(a.stderr, "more: --page-token %s\n", page.NextPageToken)
		}
		return page, err
	}
	items, err := client.All(ctx, 500, list)
	if err != nil {
		return nil, err
	}
	return &client.Page[T]{Items: items}, nil
}

// parseExpiry reads an RFC 3339 time, a date (YYYY-MM-DD, midnight UTC) or
// a duration from now (720h).
func parseExpiry(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return &t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		t := time.Now().Add(d).UTC().Truncate(time.Second)
		return &t, nil
	}
	return nil, fmt.Errorf("expiry %q: want an RFC 3339 time (2026-12-31T00:00:00Z), a date (2026-12-31) or a duration (720h)", s)
}

// splitRef reads "TYPE:ID".
func splitRef(ref string) (string, string, error) {
	typ, id, ok := strings.Cut(ref, ":")
	if !ok || typ == "" || id == "" {
		return "", "", fmt.Errorf("resource %q: want TYPE:ID", ref)
	}
	return typ, id, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// past is the message of a write on one id: "removed ID".
func past(verb string) func(args []string) string {
	return func(args []string) string { return verb + " " + args[0] }
}
