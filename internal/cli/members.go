package cli

import (
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
		RunE: paged(a, &org, &pf, func(c call, o *client.ListOptions) (*client.Page[client.Member], error) {
			return c.api.ListMembers(c.ctx, c.org, o)
		}, func(t *tw, page *client.Page[client.Member]) {
			t.row("USER_ID", "EMAIL", "NAME", "ROLE", "LAST_LOGIN")
			for _, m := range page.Items {
				t.row(m.UserID, m.Email, m.Name, m.Role, ts(m.LastLoginAt))
			}
		}),
	}
	pf.add(list)
	get := &cobra.Command{
		Use: "get USER_ID", Short: "Show a member's grants and effective access", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.MemberDetail, error) {
			return c.api.GetMember(c.ctx, c.org, c.args[0])
		}, func(t *tw, m *client.MemberDetail) {
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
		}),
	}
	var role string
	update := &cobra.Command{
		Use: "update USER_ID --role ROLE", Short: "Change a member's org role in place", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, []string{"role"}, func(c call) (*client.Member, error) {
			return c.api.UpdateMemberRole(c.ctx, c.org, c.args[0], role)
		}, func(t *tw, m *client.Member) {
			t.row("USER_ID", "EMAIL", "ROLE")
			t.row(m.UserID, m.Email, m.Role)
		}),
	}
	update.Flags().StringVar(&role, "role", "", "new org role")
	del := &cobra.Command{
		Use: "delete USER_ID", Aliases: []string{"remove"}, Short: "Remove a member (their grants go, their resources stay)", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			return c.api.RemoveMember(c.ctx, c.org, c.args[0])
		}, past("removed")),
	}
	cmd.AddCommand(list, get, update, del)
	return cmd
}
