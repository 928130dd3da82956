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
	"github.com/gatehouse/gatehouse/internal/auditchain"
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

func (a *app) newLookupCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "lookup", Short: "Reverse questions: which resources may a subject act on, who may act on a resource"}
	orgFlag(cmd, &org)
	var subject, permission, typ, channel string
	var pf pageFlags
	resources := &cobra.Command{
		Use: "resources", Short: "Every resource of a type the subject may act on (complete, paginated)", Args: cobra.NoArgs,
		Example: "  gatehouse lookup resources --org acme --subject user:u_1 --permission dataset.view --type dataset",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "permission", "type"); err != nil {
				return err
			}
			req := client.LookupResourcesRequest{Subject: subject, Permission: permission, Type: typ, Limit: pf.limit, PageToken: pf.pageToken}
			if channel != "" {
				req.Context = &client.CheckContext{Channel: channel}
			}
			c := a.client()
			var out *client.ResourceIDs
			if pf.limit > 0 || pf.pageToken != "" {
				p, err := c.LookupResources(cmd.Context(), org, req)
				if err != nil {
					return err
				}
				if p.NextPageToken != "" && a.output == "table" {
					fmt.Fprintf(a.stderr, "more: --page-token %s\n", p.NextPageToken)
				}
				out = p
			} else {
				req.Limit = 1000
				ids, rev, err := c.LookupAllResources(cmd.Context(), org, req)
				if err != nil {
					return err
				}
				out = &client.ResourceIDs{Items: ids, Revision: rev}
			}
			return a.print(out, func(t *tw) {
				t.row("RESOURCE")
				for _, id := range out.Items {
					t.row(typ + ":" + id)
				}
			})
		},
	}
	resources.Flags().StringVar(&subject, "subject", "", "user:ID, group:ID or key:ID (default: the caller)")
	resources.Flags().StringVar(&permission, "permission", "", "permission id")
	resources.Flags().StringVar(&typ, "type", "", "resource type")
	resources.Flags().StringVar(&channel, "channel", "", "request channel")
	pf.add(resources)
	var sPermission, sResource, sChannel string
	subjects := &cobra.Command{
		Use: "subjects", Short: "Every user and key that may exercise a permission on a resource, and through what", Args: cobra.NoArgs,
		Example: "  gatehouse lookup subjects --org acme --permission dataset.view --resource dataset:cats",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "permission"); err != nil {
				return err
			}
			req := client.LookupSubjectsRequest{Permission: sPermission, Resource: sResource}
			if sChannel != "" {
				req.Context = &client.CheckContext{Channel: sChannel}
			}
			subs, err := a.client().LookupSubjects(cmd.Context(), org, req)
			if err != nil {
				return err
			}
			return a.print(subs, func(t *tw) {
				t.row("SUBJECT", "ROLE", "SCOPE", "VIA", "GRANT", "CONDITION")
				for _, s := range subs {
					t.row(s.Subject, s.Via.Role, s.Via.Scope, s.Via.Via, s.Via.Grant, s.Via.Condition)
				}
			})
		},
	}
	subjects.Flags().StringVar(&sPermission, "permission", "", "permission id")
	subjects.Flags().StringVar(&sResource, "resource", "", "resource TYPE:ID (default: the organization)")
	subjects.Flags().StringVar(&sChannel, "channel", "", "request channel")
	cmd.AddCommand(resources, subjects)
	return cmd
}

func (a *app) newAuditCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "audit", Short: "The hash-chained audit log: list, verify"}
	orgFlag(cmd, &org)
	var pf pageFlags
	list := &cobra.Command{
		Use: "list", Short: "List audit events, newest first (default: the last 50)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			p := pf
			if p.limit == 0 && p.pageToken == "" {
				p.limit = 50
			}
			c := a.client()
			page, err := fetch(cmd.Context(), a, p, func(ctx context.Context, o *client.ListOptions) (*client.Page[client.AuditEvent], error) {
				return c.ListAudit(ctx, org, o)
			})
			if err != nil {
				return err
			}
			return a.print(page, func(t *tw) {
				t.row("SEQ", "AT", "ACTOR", "ACTION", "TARGET", "REQUEST_ID")
				for _, e := range page.Items {
					t.row(i64(e.Seq), tsv(e.At), e.Actor, e.Action, e.Target, e.RequestID)
				}
			})
		},
	}
	list.Flags().IntVar(&pf.limit, "limit", 0, "events per page (default 50)")
	list.Flags().StringVar(&pf.pageToken, "page-token", "", "page to return, from a previous call")
	var vo verifyLocalOptions
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Verify audit chains: over the API (--org), or straight from a database (--db)",
		Long: `Recompute the audit chain of an organization with the audit key and report
the first event that does not verify, and why: edited, rehashed without the
key (with the unkeyed formula of older versions, or another key), deleted,
inserted or moved.

With --db it reads the database directly (no server needed) and checks every
organization unless --org is given. It needs the audit key (--audit-key; for
a SQLite file, the database's path + .audit-key by default), and holds each
chain to the signed heads in the checkpoints files (--checkpoints, repeatable;
for a SQLite file, its path + .audit-checkpoints when it exists): a chain
must pass through, and reach, every checkpoint, so deleting the newest events
or rewriting history, even with the key, is caught. Without checkpoints the
deletion of the newest events cannot be seen.

Over the API, the server checks with its key and its own newest checkpoint.
The exit status is 1 when any chain is broken.`,
		Example: "  gatehouse audit verify --db gatehouse.db\n" +
			"  gatehouse audit verify --db postgres://gatehouse@db/gatehouse --audit-key /etc/gatehouse/audit-key --checkpoints shipped.jsonl\n" +
			"  gatehouse audit verify --org acme --server http://127.0.0.1:8080",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var results []orgVerification
			if vo.db != "" {
				var err error
				vo.org = org
				if results, err = verifyLocal(cmd.Context(), vo, a.stderr); err != nil {
					return err
				}
			} else {
				if err := needOrg(org); err != nil {
					return fmt.Errorf("%w (or --db to verify a database directly)", err)
				}
				v, err := a.client().VerifyAudit(cmd.Context(), org)
				if err != nil {
					return err
				}
				results = []orgVerification{{Org: org, OK: v.OK, Events: v.Events, FirstBadSeq: v.FirstBadSeq, Reason: v.Reason}}
			}
			bad := 0
			for _, r := range results {
				if !r.OK {
					bad++
				}
			}
			err := a.print(results, func(t *tw) {
				t.row("ORG", "EVENTS", "RESULT")
				for _, r := range results {
					res := "ok"
					if !r.OK {
						res = "BROKEN: first bad seq " + i64(r.FirstBadSeq)
						if r.Reason != "" {
							res += " (" + r.Reason + ")"
						}
					}
					t.row(r.Org, i64(r.Events), res)
				}
			})
			if err != nil {
				return err
			}
			if bad > 0 {
				return &exitError{code: 1, msg: fmt.Sprintf("audit chain broken in %d organization(s)", bad)}
			}
			return nil
		},
	}
	verify.Flags().StringVar(&vo.db, "db", "", "verify this database directly (SQLite path or postgres:// URL)")
	verify.Flags().StringVar(&vo.key, "audit-key", "", "with --db: the audit key file the database is sealed with (default: the SQLite file's path + "+keySuffix+"; required with PostgreSQL)")
	verify.Flags().StringSliceVar(&vo.checkpoints, "checkpoints", nil, "with --db: a checkpoints file the chains must extend (repeatable; default: the SQLite file's path + "+checkpointsSuffix+" when it exists)")
	cmd.AddCommand(list, verify)
	return cmd
}

// orgVerification is one org's line of `audit verify`.
type orgVerification = auditchain.Result
