package cli

import (
	"errors"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newKeyCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "key", Aliases: []string{"keys"}, Short: "Secret keys: create, list, rotate, transfer, revoke"}
	orgFlag(cmd, &org)
	var name, role, scope, expires string
	create := &cobra.Command{
		Use: "create", Short: "Create a secret key (never more than you hold)", Args: cobra.NoArgs,
		Example: "  gatehouse key create --org acme --name ingest --role dataset.editor --scope dataset:cats",
		RunE: show(a, &org, []string{"name", "role"}, func(c call) (*client.Key, error) {
			exp, err := parseExpiry(expires)
			if err != nil {
				return nil, err
			}
			return c.api.CreateKey(c.ctx, c.org, client.KeyRequest{Name: name, Role: role, Scope: scope, ExpiresAt: exp})
		}, secretTable),
	}
	create.Flags().StringVar(&name, "name", "", "name")
	create.Flags().StringVar(&role, "role", "", "role the key holds")
	create.Flags().StringVar(&scope, "scope", "org", "scope of the role")
	create.Flags().StringVar(&expires, "expires", "", "expiry: RFC 3339 time, date or duration (default never)")
	list := &cobra.Command{
		Use: "list", Short: "List keys (never their secrets)", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.Key, error) {
			return c.api.ListKeys(c.ctx, c.org)
		}, func(t *tw, keys []client.Key) {
			t.row("ID", "NAME", "PREFIX", "ROLE", "SCOPE", "OWNER", "CREATED_BY", "LAST_USED", "EXPIRES", "REVOKED")
			for _, k := range keys {
				t.row(k.ID, k.Name, k.Prefix, k.Role, k.Scope, k.Owner, k.CreatedBy, ts(k.LastUsedAt), ts(k.ExpiresAt), ts(k.RevokedAt))
			}
		}),
	}
	var overlap time.Duration
	rotate := &cobra.Command{
		Use: "rotate ID", Short: "Issue a new secret; the old one works for --overlap more", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.Key, error) {
			return c.api.RotateKey(c.ctx, c.org, c.args[0], overlap)
		}, secretTable),
	}
	rotate.Flags().DurationVar(&overlap, "overlap", 0, "how long the old secret keeps working, e.g. 1h")
	revoke := &cobra.Command{
		Use: "revoke ID", Aliases: []string{"delete"}, Short: "Revoke a key at once", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			return c.api.RevokeKey(c.ctx, c.org, c.args[0])
		}, past("revoked key")),
	}
	var to string
	transfer := &cobra.Command{
		Use: "transfer ID --owner USER_ID", Short: "Hand a key to a member who holds everything it holds", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.Key, error) {
			if to == "" {
				return nil, errors.New("--owner is required: the user id of the key's new owner")
			}
			return c.api.TransferKey(c.ctx, c.org, c.args[0], to)
		}, func(t *tw, k *client.Key) {
			t.row("ID", "NAME", "OWNER")
			t.row(k.ID, k.Name, k.Owner)
		}),
	}
	transfer.Flags().StringVar(&to, "owner", "", "user id of the new owner")
	cmd.AddCommand(create, list, rotate, transfer, revoke)
	return cmd
}

// secretTable shows a key with its secret, which only create and rotate
// answer with.
func secretTable(t *tw, k *client.Key) {
	t.kv("id", k.ID)
	t.kv("name", k.Name)
	t.kv("role", k.Role)
	t.kv("scope", k.Scope)
	t.kv("expires", ts(k.ExpiresAt))
	t.kv("secret", k.Secret)
	t.row()
	t.row("The secret is shown only now.")
}
