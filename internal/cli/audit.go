package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/auditchain"
)

func (a *app) newAuditCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "audit", Short: "The hash-chained audit log: list, verify"}
	orgFlag(cmd, &org)
	pf := pageFlags{def: 50}
	list := &cobra.Command{
		Use: "list", Short: "List audit events, newest first (default: the last 50)", Args: cobra.NoArgs,
		RunE: paged(a, &org, &pf, func(c call, o *client.ListOptions) (*client.Page[client.AuditEvent], error) {
			return c.api.ListAudit(c.ctx, c.org, o)
		}, func(t *tw, page *client.Page[client.AuditEvent]) {
			t.row("SEQ", "AT", "ACTOR", "ACTION", "TARGET", "REQUEST_ID")
			for _, e := range page.Items {
				t.row(i64(e.Seq), tsv(e.At), e.Actor, e.Action, e.Target, e.RequestID)
			}
		}),
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
