package cli

import (
	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newSCIMTokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "scim-token", Aliases: []string{"scim-tokens"},
		Short: "The organization's SCIM tokens for its identity provider: create, list, revoke"}
	var org, name, role string
	create := &cobra.Command{
		Use: "create", Short: "Make a SCIM token: it provisions users with --role, acting as you on the SCIM endpoints only", Args: cobra.NoArgs,
		Example: "  gatehouse scim-token create --org acme --name okta",
		RunE: show(a, &org, []string{"name"}, func(c call) (*client.SCIMToken, error) {
			return c.api.CreateSCIMToken(c.ctx, c.org, name, role)
		}, func(t *tw, k *client.SCIMToken) {
			t.kv("id", k.ID)
			t.kv("name", k.Name)
			t.kv("role", k.Role)
			t.kv("token", k.Token)
			t.row()
			t.row("The token is shown only now.")
		}),
	}
	orgFlag(create, &org)
	create.Flags().StringVar(&name, "name", "", "what the token is for (the identity provider)")
	create.Flags().StringVar(&role, "role", "", "the org role provisioned users get (default the scheme's base role)")
	list := &cobra.Command{
		Use: "list", Short: "List the organization's SCIM tokens (never their secrets)", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.SCIMToken, error) {
			return c.api.ListSCIMTokens(c.ctx, c.org)
		}, func(t *tw, list []client.SCIMToken) {
			t.row("ID", "NAME", "ROLE", "PREFIX", "CREATED_BY", "CREATED", "LAST_USED")
			for _, k := range list {
				t.row(k.ID, k.Name, k.Role, k.Prefix, k.CreatedBy, tsv(k.CreatedAt), ts(k.LastUsedAt))
			}
		}),
	}
	orgFlag(list, &org)
	revoke := &cobra.Command{
		Use: "revoke ID", Aliases: []string{"delete"}, Short: "Revoke a SCIM token at once", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			return c.api.RevokeSCIMToken(c.ctx, c.org, c.args[0])
		}, past("revoked SCIM token")),
	}
	orgFlag(revoke, &org)
	cmd.AddCommand(create, list, revoke)
	return cmd
}
