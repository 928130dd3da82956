package cli

import (
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

// newAssignmentCmd: named assignments ("QA lead"), which the RACI report
// names and which grant nothing.
func (a *app) newAssignmentCmd() *cobra.Command {
	var org, scope string
	var users []string
	cmd := &cobra.Command{Use: "assignment", Aliases: []string{"assignments"},
		Short: "Named assignments (QA lead, security lead) for the RACI report: list, set, delete; they grant nothing"}
	orgFlag(cmd, &org)
	list := &cobra.Command{
		Use: "list", Short: "List named assignments and who holds them", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.Assignment, error) {
			return c.api.ListAssignments(c.ctx, c.org)
		}, func(t *tw, items []client.Assignment) {
			t.row("NAME", "SCOPE", "HOLDERS")
			for _, x := range items {
				t.row(x.Name, assignmentScope(x), assignees(x.Users))
			}
		}),
	}
	set := &cobra.Command{
		Use: "set NAME --user USER_ID [--user USER_ID…] [--scope all|TYPE:ID]", Short: "Name the members who hold an assignment (replaces who held it)",
		Example: `  gatehouse assignment set "QA lead" --org acme --user u_7hx2 --user u_k3p9
  gatehouse assignment set "QA lead" --org acme --scope dataset:cats --user u_m4q1`,
		Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.Assignment, error) {
			return c.api.SetAssignment(c.ctx, c.org, c.args[0], scope, users)
		}, func(t *tw, x *client.Assignment) {
			t.row("NAME", "SCOPE", "HOLDERS")
			t.row(x.Name, assignmentScope(*x), assignees(x.Users))
		}),
	}
	set.Flags().StringArrayVar(&users, "user", nil, "user id of a member who holds it (repeatable)")
	set.Flags().StringVar(&scope, "scope", "", "all (default) or the resource it is for, e.g. dataset:cats")
	del := &cobra.Command{
		Use: "delete NAME [--scope all|TYPE:ID]", Short: "Delete a named assignment", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			return c.api.DeleteAssignment(c.ctx, c.org, c.args[0], scope)
		}, past("deleted assignment")),
	}
	del.Flags().StringVar(&scope, "scope", "", "all (default) or the resource it is for")
	cmd.AddCommand(list, set, del)
	return cmd
}

func assignmentScope(x client.Assignment) string {
	switch {
	case x.Scope == "":
		return "All"
	case x.ScopeName != "":
		return x.ScopeName + " (" + x.Scope + ")"
	}
	return x.Scope
}

func assignees(us []client.Assignee) string {
	var out []string
	for _, u := range us {
		s := u.Name + " <" + u.Email + ">"
		if !u.Member {
			s += " (no longer a member)"
		}
		out = append(out, s)
	}
	return strings.Join(out, ", ")
}
