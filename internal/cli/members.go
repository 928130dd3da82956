package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newMemberCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "member", Aliases: []string{"members"}, Short: "Members: list, get (their access), update (role), delete"}
	orgFlag(cmd, &org)
	var pf pageFlags
	var state string
	list := &cobra.Command{
		Use: "list", Short: "List members", Args: cobra.NoArgs,
		RunE: paged(a, &org, &pf, func(c call, o *client.ListOptions) (*client.Page[client.Member], error) {
			return c.api.FindMembers(c.ctx, c.org, client.MemberQuery{State: state}, o)
		}, func(t *tw, page *client.Page[client.Member]) {
			t.row("USER_ID", "EMAIL", "NAME", "ROLE", "LAST_LOGIN", "MEMBERSHIP_ENDS")
			for _, m := range page.Items {
				t.row(m.UserID, m.Email, m.Name, m.Role, ts(m.LastLoginAt), membershipEnd(m))
			}
		}),
	}
	pf.add(list)
	list.Flags().StringVar(&state, "state", "", "only active memberships, or expired (ended) ones")
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
			t.kv("membership ends", membershipEnd(m.Member))
			t.kv("default role", m.DefaultRole)
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
	var role, ends, defaultRole string
	update := &cobra.Command{
		Use: "update USER_ID [--role ROLE] [--default-role ROLE|none] [--ends WHEN|never]", Short: "Change a member's org role, default role, or when their membership ends, in place",
		Example: "  gatehouse member update u_7 --ends 2027-03-31\n  gatehouse member update u_7 --ends never\n" +
			"  gatehouse member update u_7 --default-role reviewer   # what grants with role \"default\" give them",
		Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.Member, error) {
			u := client.MemberUpdate{Role: role, NoEnd: ends == "never", NoDefaultRole: defaultRole == "none"}
			if defaultRole != "none" {
				u.DefaultRole = defaultRole
			}
			if ends != "" && ends != "never" {
				t, err := parseExpiry(ends)
				if err != nil {
					return nil, err
				}
				u.EndsAt = *t
			}
			if u.Role == "" && ends == "" && defaultRole == "" {
				return nil, fmt.Errorf("give --role, --default-role, --ends, or more than one")
			}
			return c.api.UpdateMember(c.ctx, c.org, c.args[0], u)
		}, func(t *tw, m *client.Member) {
			t.row("USER_ID", "EMAIL", "ROLE", "DEFAULT_ROLE", "MEMBERSHIP_ENDS")
			t.row(m.UserID, m.Email, m.Role, m.DefaultRole, membershipEnd(*m))
		}),
	}
	update.Flags().StringVar(&role, "role", "", "new org role")
	update.Flags().StringVar(&defaultRole, "default-role", "", "the member's default role, what grants with role \"default\" give them; none clears it")
	update.Flags().StringVar(&ends, "ends", "", "when the membership ends: an RFC 3339 time, a date (YYYY-MM-DD) or a duration (720h); never takes the end away")
	del := &cobra.Command{
		Use: "delete USER_ID", Aliases: []string{"remove"}, Short: "Remove a member (their grants go, their resources stay)", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			return c.api.RemoveMember(c.ctx, c.org, c.args[0])
		}, past("removed")),
	}
	cmd.AddCommand(list, get, update, del, a.newAliasCmd(&org))
	return cmd
}

// newAliasCmd: the external ids (IdP subject, email, user name) a member
// is known by, which the AuthZEN endpoints resolve to her.
func (a *app) newAliasCmd(org *string) *cobra.Command {
	cmd := &cobra.Command{Use: "alias", Aliases: []string{"aliases"}, Short: "A member's aliases: the external ids the AuthZEN endpoints know her by"}
	add := &cobra.Command{
		Use: "add USER_ID ALIAS", Short: "Give a member an alias (one member per alias in the org)", Args: cobra.ExactArgs(2),
		Example: "  gatehouse member alias add u_7 'auth0|5f1c'\n  gatehouse member alias add u_7 ada@idp.example",
		RunE: a.write(org, func(c call) (int64, error) {
			return c.api.SetAlias(c.ctx, c.org, c.args[0], c.args[1])
		}, func(args []string) string { return "alias " + args[1] + " names " + args[0] }),
	}
	remove := &cobra.Command{
		Use: "remove USER_ID ALIAS", Aliases: []string{"delete"}, Short: "Take an alias away from a member", Args: cobra.ExactArgs(2),
		RunE: a.write(org, func(c call) (int64, error) {
			return c.api.RemoveAlias(c.ctx, c.org, c.args[0], c.args[1])
		}, func(args []string) string { return "removed alias " + args[1] + " of " + args[0] }),
	}
	list := &cobra.Command{
		Use: "list USER_ID", Short: "List a member's aliases", Args: cobra.ExactArgs(1),
		RunE: show(a, org, nil, func(c call) ([]string, error) {
			return c.api.ListAliases(c.ctx, c.org, c.args[0])
		}, func(t *tw, as []string) {
			t.row("ALIAS")
			for _, al := range as {
				t.row(al)
			}
		}),
	}
	cmd.AddCommand(add, remove, list)
	return cmd
}

// membershipEnd says when a membership ends, and whether it has.
func membershipEnd(m client.Member) string {
	switch {
	case m.ExpiresAt == nil:
		return "never"
	case m.Expired:
		return "ended " + ts(m.ExpiresAt)
	}
	return ts(m.ExpiresAt)
}
