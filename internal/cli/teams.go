package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newCollectionCmd(kind string) *cobra.Command {
	var org string
	plural := kind + "s"
	what := map[string]string{"team": "Operation teams", "group": "Groups"}[kind]
	cmd := &cobra.Command{Use: kind, Aliases: []string{plural}, Short: what + ": list, create, rename, delete, add-member, remove-member"}
	orgFlag(cmd, &org)
	list := &cobra.Command{
		Use: "list", Short: "List " + plural + " with their members", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			var items []client.Team
			var err error
			if kind == "team" {
				items, err = c.ListTeams(cmd.Context(), org)
			} else {
				items, err = c.ListGroups(cmd.Context(), org)
			}
			if err != nil {
				return err
			}
			return a.print(items, func(t *tw) {
				t.row("ID", "NAME", "MEMBERS")
				for _, x := range items {
					t.row(x.ID, x.Name, joinSorted(x.Members))
				}
			})
		},
	}
	// named runs a create or a rename: both need --name and print the unit.
	named := func(call func(ctx context.Context, c *client.Client, args []string) (*client.Team, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "name"); err != nil {
				return err
			}
			x, err := call(cmd.Context(), a.client(), args)
			if err != nil {
				return err
			}
			return a.print(x, func(t *tw) {
				t.row("ID", "NAME")
				t.row(x.ID, x.Name)
			})
		}
	}
	var name string
	create := &cobra.Command{
		Use: "create", Short: "Create a " + kind, Args: cobra.NoArgs,
		RunE: named(func(ctx context.Context, c *client.Client, _ []string) (*client.Team, error) {
			if kind == "team" {
				return c.CreateTeam(ctx, org, name)
			}
			return c.CreateGroup(ctx, org, name)
		}),
	}
	create.Flags().StringVar(&name, "name", "", "display name")
	var newName string
	rename := &cobra.Command{
		Use: "rename ID --name NAME", Aliases: []string{"update"}, Short: "Rename a " + kind, Args: cobra.ExactArgs(1),
		RunE: named(func(ctx context.Context, c *client.Client, args []string) (*client.Team, error) {
			if kind == "team" {
				return c.RenameTeam(ctx, org, args[0], newName)
			}
			return c.RenameGroup(ctx, org, args[0], newName)
		}),
	}
	rename.Flags().StringVar(&newName, "name", "", "new display name")
	del := &cobra.Command{
		Use: "delete ID", Short: "Delete a " + kind + " and the grants it carries", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			var rev int64
			var err error
			if kind == "team" {
				rev, err = c.DeleteTeam(cmd.Context(), org, args[0])
			} else {
				rev, err = c.DeleteGroup(cmd.Context(), org, args[0])
			}
			if err != nil {
				return err
			}
			return a.done("deleted "+kind+" "+args[0], rev)
		},
	}
	member := func(add bool) *cobra.Command {
		use, short := "add-member", "Put a member in a "+kind
		if !add {
			use, short = "remove-member", "Take a member out of a "+kind
		}
		return &cobra.Command{
			Use: use + " " + strings.ToUpper(kind) + "_ID USER_ID", Short: short, Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := needOrg(org); err != nil {
					return err
				}
				c := a.client()
				var rev int64
				var err error
				switch {
				case kind == "team" && add:
					rev, err = c.AddTeamMember(cmd.Context(), org, args[0], args[1])
				case kind == "team":
					rev, err = c.RemoveTeamMember(cmd.Context(), org, args[0], args[1])
				case add:
					rev, err = c.AddGroupMember(cmd.Context(), org, args[0], args[1])
				default:
					rev, err = c.RemoveGroupMember(cmd.Context(), org, args[0], args[1])
				}
				if err != nil {
					return err
				}
				if add {
					return a.done("added "+args[1]+" to "+kind+" "+args[0], rev)
				}
				return a.done("removed "+args[1]+" from "+kind+" "+args[0], rev)
			},
		}
	}
	cmd.AddCommand(list, create, rename, del, member(true), member(false))
	return cmd
}
