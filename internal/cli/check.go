package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newCheckCmd() *cobra.Command {
	var org, subject, permission, resource, channel, batch string
	var atLeast int64
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Ask whether a subject may exercise a permission on a resource",
		Long: `Ask one decision (or a batch of them with --batch FILE, a JSON array of
{"subject","permission","resource","context":{"channel"}} objects; - reads stdin).

The exit status is 0 when allowed and 1 when denied (a batch exits 0), so
scripts can write: if gatehouse check ...; then ...`,
		Example: "  gatehouse check --org acme --subject user:u_1 --permission dataset.view --resource dataset:cats",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			if batch != "" {
				return a.checkBatch(cmd.Context(), c, org, batch)
			}
			if err := required(cmd, "permission"); err != nil {
				return err
			}
			req := client.CheckRequest{Subject: subject, Permission: permission, Resource: resource, AtLeastRevision: atLeast}
			if channel != "" {
				req.Context = &client.CheckContext{Channel: channel}
			}
			d, err := c.Check(cmd.Context(), org, req)
			if err != nil {
				return err
			}
			err = a.print(d, func(t *tw) {
				t.row("DECISION", "ROLE", "SCOPE", "VIA", "GRANT", "CONDITION", "REVISION")
				r := d.Reason
				if r == nil {
					r = &client.Reason{}
				}
				t.row(decision(d.Allowed), r.Role, r.Scope, r.Via, r.Grant, r.Condition, i64(d.Revision))
				if r.Approval != "" {
					t.row("APPROVAL", r.Approval)
				}
			})
			if err == nil && !d.Allowed {
				return &exitError{code: 1}
			}
			return err
		},
	}
	orgFlag(cmd, &org)
	f := cmd.Flags()
	f.StringVar(&subject, "subject", "", "user:ID, group:ID or key:ID (default: the caller)")
	f.StringVar(&permission, "permission", "", "permission id, e.g. dataset.view")
	f.StringVar(&resource, "resource", "", "resource TYPE:ID (default: the organization)")
	f.StringVar(&channel, "channel", "", "request channel, for channel-limited roles (e.g. mobile)")
	f.Int64Var(&atLeast, "at-least-revision", 0, "answer from state at least this recent")
	f.StringVar(&batch, "batch", "", "file of checks (JSON array), - for stdin")
	return cmd
}

func decision(allowed bool) string {
	if allowed {
		return "allowed"
	}
	return "denied"
}

func (a *app) checkBatch(ctx context.Context, c *client.Client, org, file string) error {
	var r io.Reader = os.Stdin
	if file != "-" {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	var reqs []client.CheckRequest
	if err := json.NewDecoder(r).Decode(&reqs); err != nil {
		return fmt.Errorf("--batch %s: want a JSON array of checks: %w", file, err)
	}
	res, err := c.CheckBatch(ctx, org, reqs)
	if err != nil {
		return err
	}
	return a.print(res, func(t *tw) {
		t.row("#", "SUBJECT", "PERMISSION", "RESOURCE", "DECISION", "ROLE", "VIA", "CONDITION")
		for i, d := range res.Results {
			q := client.CheckRequest{}
			if i < len(reqs) {
				q = reqs[i]
			}
			rs := d.Reason
			if rs == nil {
				rs = &client.Reason{}
			}
			t.row(strconv.Itoa(i+1), q.Subject, q.Permission, q.Resource, decision(d.Allowed), rs.Role, rs.Via, rs.Condition)
		}
	})
}
