package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newMemberCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "member", Aliases: []string{"members"}, Short: "Members: list, get (their access), update (role), delete"}
	orgFlag(cmd, &org)
	var pf pageFlags
	list := &cobra.Command{
		Use: "list", Short: "List members", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			page, err := fetch(cmd.Context(), a, pf, func(ctx context.Context, o *client.ListOptions) (*client.Page[client.Member], error) {
				return c.ListMembers(ctx, org, o)
			})
			if err != nil {
				return err
			}
			return a.print(page, func(t *tw) {
				t.row("USER_ID", "EMAIL", "NAME", "ROLE", "LAST_LOGIN")
				for _, m := range page.Items {
					t.row(m.UserID, m.Email, m.Name, m.Role, ts(m.LastLoginAt))
				}
			})
		},
	}
	pf.add(list)
	get := &cobra.Command{
		Use: "get USER_ID", Short: "Show a member's grants and effective access", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			m, err := a.client().GetMember(cmd.Context(), org, args[0])
			if err != nil {
				return err
			}
			return a.print(m, func(t *tw) {
				t.kv("user id", m.UserID)
				t.kv("email", m.Email)
				t.kv("name", m.Name)
				t.kv("role", m.Role)
				t.kv("last login", ts(m.LastLoginAt))
				t.row()
				t.row("GRANT", "ROLE", "SCOPE", "EXPIRES", "VIA")
				for _, g := range m.Grants {
					t.row(g.ID, g.Role, g.Scope, ts(g.ExpiresAt), g.Via)
				}
				t.row()
				t.row("TYPE", "RESOURCE", "ROLE", "VIA")
				for _, typ := range sortedKeys(m.Access) {
					for _, ac := range m.Access[typ] {
						t.row(typ, ac.ID, ac.Role, ac.Via)
					}
				}
			})
		},
	}
	var role string
	update := &cobra.Command{
		Use: "update USER_ID --role ROLE", Short: "Change a member's org role in place", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "role"); err != nil {
				return err
			}
			m, err := a.client().UpdateMemberRole(cmd.Context(), org, args[0], role)
			if err != nil {
				return err
			}
			return a.print(m, func(t *tw) {
				t.row("USER_ID", "EMAIL", "ROLE")
				t.row(m.UserID, m.Email, m.Role)
			})
		},
	}
	update.Flags().StringVar(&role, "role", "", "new org role")
	del := a.idWrite(&org, "delete USER_ID", []string{"remove"}, "Remove a member (their grants go, their resources stay)", "removed",
		func(ctx context.Context, c *client.Client, org, id string) (int64, error) {
			return c.RemoveMember(ctx, org, id)
		})
	cmd.AddCommand(list, get, update, del)
	return cmd
}
