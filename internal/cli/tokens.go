package cli

import (
	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "token", Aliases: []string{"tokens"},
		Short: "Your personal access tokens: create, list, revoke (with a session, never with a token)"}
	var org, name, expires string
	create := &cobra.Command{
		Use: "create", Short: "Make a token acting as you in one organization, with what you hold there", Args: cobra.NoArgs,
		Example: "  gatehouse token create --org acme --name laptop --expires 720h",
		RunE: show(a, &org, []string{"name"}, func(c call) (*client.Token, error) {
			exp, err := parseExpiry(expires)
			if err != nil {
				return nil, err
			}
			return c.api.CreateToken(c.ctx, client.TokenRequest{Name: name, Org: c.org, ExpiresAt: exp})
		}, func(t *tw, k *client.Token) {
			t.kv("id", k.ID)
			t.kv("name", k.Name)
			t.kv("org", k.Org)
			t.kv("expires", tsv(k.ExpiresAt))
			t.kv("token", k.Secret)
			t.row()
			t.row("The token is shown only now.")
		}),
	}
	orgFlag(create, &org)
	create.Flags().StringVar(&name, "name", "", "what the token is for")
	create.Flags().StringVar(&expires, "expires", "", "expiry: RFC 3339 time, date or duration (default the organization's cap, or 90 days)")
	list := &cobra.Command{
		Use: "list", Short: "List your tokens (never their secrets)", Args: cobra.NoArgs,
		RunE: show(a, nil, nil, func(c call) ([]client.Token, error) {
			return c.api.ListTokens(c.ctx)
		}, func(t *tw, list []client.Token) {
			t.row("ID", "NAME", "ORG", "PREFIX", "CREATED", "LAST_USED", "EXPIRES", "EXPIRED")
			for _, k := range list {
				t.row(k.ID, k.Name, k.Org, k.Prefix, tsv(k.CreatedAt), ts(k.LastUsedAt), tsv(k.ExpiresAt), yesno(k.Expired))
			}
		}),
	}
	revoke := &cobra.Command{
		Use: "revoke ID", Aliases: []string{"delete"}, Short: "Revoke a token at once", Args: cobra.ExactArgs(1),
		RunE: a.write(nil, func(c call) (int64, error) {
			return c.api.RevokeToken(c.ctx, c.args[0])
		}, past("revoked token")),
	}
	cmd.AddCommand(create, list, revoke)
	return cmd
}
