package cli

import (
	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newGrantCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "grant", Aliases: []string{"grants"}, Short: "Grants: create, list, delete"}
	orgFlag(cmd, &org)
	var subject, role, scope, expires string
	create := &cobra.Command{
		Use: "create", Short: "Give a subject a role at a scope", Args: cobra.NoArgs,
		Example: "  gatehouse grant create --org acme --subject user:u_1 --role dataset.viewer --scope dataset:cats --expires 2026-12-31T00:00:00Z",
		RunE: show(a, &org, []string{"subject", "role", "scope"}, func(c call) (*client.Grant, error) {
			exp, err := parseExpiry(expires)
			if err != nil {
				return nil, err
			}
			return c.api.CreateGrant(c.ctx, c.org, client.GrantRequest{Subject: subject, Role: role, Scope: scope, ExpiresAt: exp})
		}, func(t *tw, g *client.Grant) {
			t.row("ID", "SUBJECT", "ROLE", "SCOPE", "EXPIRES", "REVISION")
			t.row(g.ID, g.Subject, g.Role, g.Scope, ts(g.ExpiresAt), i64(g.Revision))
		}),
	}
	create.Flags().StringVar(&subject, "subject", "", "user:ID, group:ID or key:ID")
	create.Flags().StringVar(&role, "role", "", "role id")
	create.Flags().StringVar(&scope, "scope", "", "org, TYPE:*, TYPE:ID or team:ID")
	create.Flags().StringVar(&expires, "expires", "", "expiry: RFC 3339 time, date or duration (default never)")
	var fSubject, fScope string
	var pf pageFlags
	list := &cobra.Command{
		Use: "list", Short: "List grants, optionally of one --subject or at one --scope", Args: cobra.NoArgs,
		RunE: paged(a, &org, &pf, func(c call, o *client.ListOptions) (*client.Page[client.Grant], error) {
			return c.api.ListGrants(c.ctx, c.org, client.GrantFilter{Subject: fSubject, Scope: fScope}, o)
		}, func(t *tw, page *client.Page[client.Grant]) {
			t.row("ID", "SUBJECT", "ROLE", "SCOPE", "EXPIRES", "CREATED_BY")
			for _, g := range page.Items {
				t.row(g.ID, g.Subject, g.Role, g.Scope, ts(g.ExpiresAt), g.CreatedBy)
			}
		}),
	}
	list.Flags().StringVar(&fSubject, "subject", "", "only grants of this subject")
	list.Flags().StringVar(&fScope, "scope", "", "only grants at this scope")
	pf.add(list)
	del := &cobra.Command{
		Use: "delete ID", Aliases: []string{"revoke"}, Short: "Revoke a grant", Args: cobra.ExactArgs(1),
		// Not a.write: its table line ("revoked ID  revision N") predates
		// write's and scripts may read it; the JSON is write's.
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			rev, err := a.client().DeleteGrant(cmd.Context(), org, args[0])
			if err != nil {
				return err
			}
			return a.print(client.Revision{Revision: rev}, func(t *tw) {
				t.row("revoked "+args[0], "revision "+i64(rev))
			})
		},
	}
	cmd.AddCommand(create, list, del)
	return cmd
}
