package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newKeyCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "key", Aliases: []string{"keys"}, Short: "Secret keys: create, list, rotate, transfer, revoke"}
	orgFlag(cmd, &org)
	printSecret := func(k *client.Key) error {
		return a.print(k, func(t *tw) {
			t.kv("id", k.ID)
			t.kv("name", k.Name)
			t.kv("role", k.Role)
			t.kv("scope", k.Scope)
			t.kv("expires", ts(k.ExpiresAt))
			t.kv("secret", k.Secret)
			t.row()
			t.row("The secret is shown only now.")
		})
	}
	var name, role, scope, expires string
	create := &cobra.Command{
		Use: "create", Short: "Create a secret key (never more than you hold)", Args: cobra.NoArgs,
		Example: "  gatehouse key create --org acme --name ingest --role dataset.editor --scope dataset:cats",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "name", "role"); err != nil {
				return err
			}
			exp, err := parseExpiry(expires)
			if err != nil {
				return err
			}
			k, err := a.client().CreateKey(cmd.Context(), org, client.KeyRequest{Name: name, Role: role, Scope: scope, ExpiresAt: exp})
			if err != nil {
				return err
			}
			return printSecret(k)
		},
	}
	create.Flags().StringVar(&name, "name", "", "name")
	create.Flags().StringVar(&role, "role", "", "role the key holds")
	create.Flags().StringVar(&scope, "scope", "org", "scope of the role")
	create.Flags().StringVar(&expires, "expires", "", "expiry: RFC 3339 time, date or duration (default never)")
	list := &cobra.Command{
		Use: "list", Short: "List keys (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			keys, err := a.client().ListKeys(cmd.Context(), org)
			if err != nil {
				return err
			}
			return a.print(keys, func(t *tw) {
				t.row("ID", "NAME", "PREFIX", "ROLE", "SCOPE", "OWNER", "CREATED_BY", "LAST_USED", "EXPIRES", "REVOKED")
				for _, k := range keys {
					t.row(k.ID, k.Name, k.Prefix, k.Role, k.Scope, k.Owner, k.CreatedBy, ts(k.LastUsedAt), ts(k.ExpiresAt), ts(k.RevokedAt))
				}
			})
		},
	}
	var overlap time.Duration
	rotate := &cobra.Command{
		Use: "rotate ID", Short: "Issue a new secret; the old one works for --overlap more", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			k, err := a.client().RotateKey(cmd.Context(), org, args[0], overlap)
			if err != nil {
				return err
			}
			return printSecret(k)
		},
	}
	rotate.Flags().DurationVar(&overlap, "overlap", 0, "how long the old secret keeps working, e.g. 1h")
	revoke := a.idWrite(&org, "revoke ID", []string{"delete"}, "Revoke a key at once", "revoked key",
		func(ctx context.Context, c *client.Client, org, id string) (int64, error) {
			return c.RevokeKey(ctx, org, id)
		})
	var to string
	transfer := &cobra.Command{
		Use: "transfer ID --owner USER_ID", Short: "Hand a key to a member who holds everything it holds", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if to == "" {
				return fmt.Errorf("--owner is required: the user id of the key's new owner")
			}
			k, err := a.client().TransferKey(cmd.Context(), org, args[0], to)
			if err != nil {
				return err
			}
			return a.print(k, func(t *tw) {
				t.row("ID", "NAME", "OWNER")
				t.row(k.ID, k.Name, k.Owner)
			})
		},
	}
	transfer.Flags().StringVar(&to, "owner", "", "user id of the new owner")
	cmd.AddCommand(create, list, rotate, transfer, revoke)
	return cmd
}
