package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

// newCollectionCmd makes the team or the group command: both are named
// sets of members, with the same subcommands over their own endpoints.
func (a *app) newCollectionCmd(kind string) *cobra.Command {
	var org string
	plural := kind + "s"
	team := kind == "team"
	what := map[string]string{"team": "Operation teams", "group": "Groups"}[kind]
	cmd := &cobra.Command{Use: kind, Aliases: []string{plural}, Short: what + ": list, create, rename, delete, add-member, remove-member"}
	orgFlag(cmd, &org)
	list := &cobra.Command{
		Use: "list", Short: "List " + plural + " with their members", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.Team, error) {
			if team {
				return c.api.ListTeams(c.ctx, c.org)
			}
			return c.api.ListGroups(c.ctx, c.org)
		}, func(t *tw, items []client.Team) {
			t.row("ID", "NAME", "MEMBERS")
			for _, x := range items {
				t.row(x.ID, x.Name, joinSorted(x.Members))
			}
		}),
	}
	table := func(t *tw, x *client.Team) {
		t.row("ID", "NAME")
		t.row(x.ID, x.Name)
	}
	var name string
	create := &cobra.Command{
		Use: "create", Short: "Create a " + kind, Args: cobra.NoArgs,
		RunE: show(a, &org, []string{"name"}, func(c call) (*client.Team, error) {
			if team {
				return c.api.CreateTeam(c.ctx, c.org, name)
			}
			return c.api.CreateGroup(c.ctx, c.org, name)
		}, table),
	}
	create.Flags().StringVar(&name, "name", "", "display name")
	var newName string
	rename := &cobra.Command{
		Use: "rename ID --name NAME", Aliases: []string{"update"}, Short: "Rename a " + kind, Args: cobra.ExactArgs(1),
		RunE: show(a, &org, []string{"name"}, func(c call) (*client.Team, error) {
			if team {
				return c.api.RenameTeam(c.ctx, c.org, c.args[0], newName)
			}
			return c.api.RenameGroup(c.ctx, c.org, c.args[0], newName)
		}, table),
	}
	rename.Flags().StringVar(&newName, "name", "", "new display name")
	del := &cobra.Command{
		Use: "delete ID", Short: "Delete a " + kind + " and the grants it carries", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			if team {
				return c.api.DeleteTeam(c.ctx, c.org, c.args[0])
			}
			return c.api.DeleteGroup(c.ctx, c.org, c.args[0])
		}, past("deleted "+kind)),
	}
	add := &cobra.Command{
		Use: "add-member " + strings.ToUpper(kind) + "_ID USER_ID", Short: "Put a member in a " + kind, Args: cobra.ExactArgs(2),
		RunE: a.write(&org, func(c call) (int64, error) {
			if team {
				return c.api.AddTeamMember(c.ctx, c.org, c.args[0], c.args[1])
			}
			return c.api.AddGroupMember(c.ctx, c.org, c.args[0], c.args[1])
		}, func(args []string) string { return "added " + args[1] + " to " + kind + " " + args[0] }),
	}
	remove := &cobra.Command{
		Use: "remove-member " + strings.ToUpper(kind) + "_ID USER_ID", Short: "Take a member out of a " + kind, Args: cobra.ExactArgs(2),
		RunE: a.write(&org, func(c call) (int64, error) {
			if team {
				return c.api.RemoveTeamMember(c.ctx, c.org, c.args[0], c.args[1])
			}
			return c.api.RemoveGroupMember(c.ctx, c.org, c.args[0], c.args[1])
		}, func(args []string) string { return "removed " + args[1] + " from " + kind + " " + args[0] }),
	}
	cmd.AddCommand(list, create, rename, del, add, remove)
	return cmd
}
