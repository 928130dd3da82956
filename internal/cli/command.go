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

// pageFlags select one page (--limit, --page-token) or, by default, every
// page of a list.
type pageFlags struct {
	limit     int
	pageToken string
}

func (p *pageFlags) add(cmd *cobra.Command) {
	cmd.Flags().IntVar(&p.limit, "limit", 0, "return one page of this many items (default: every page)")
	cmd.Flags().StringVar(&p.pageToken, "page-token", "", "page to return, from a previous --limit call")
}

// fetch runs list for one page when --limit or --page-token is set, else
// for every page.
func fetch[T any](ctx context.Context, a *app, p pageFlags, list func(context.Context, *client.ListOptions) (*client.Page[T], error)) (*client.Page[T], error) {
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

// idWrite makes a command that takes one id, performs a write on it and
// reports the revision, as every delete, remove and revoke command does.
func (a *app) idWrite(org *string, use string, aliases []string, short, past string,
	call func(ctx context.Context, c *client.Client, org, id string) (int64, error)) *cobra.Command {
	return &cobra.Command{
		Use: use, Aliases: aliases, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(*org); err != nil {
				return err
			}
			rev, err := call(cmd.Context(), a.client(), *org, args[0])
			if err != nil {
				return err
			}
			return a.done(past+" "+args[0], rev)
		},
	}
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
