package cli

import (
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newRoleCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "role", Aliases: []string{"roles"}, Short: "Roles: list, create (custom), delete, permissions (the catalog)"}
	orgFlag(cmd, &org)
	list := &cobra.Command{
		Use: "list", Short: "List built-in and custom roles", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.Role, error) {
			return c.api.ListRoles(c.ctx, c.org)
		}, func(t *tw, roles []client.Role) {
			t.row("ID", "NAME", "SCOPE_TYPE", "BUILTIN", "PERMISSIONS")
			for _, r := range roles {
				t.row(r.ID, r.Name, r.ScopeType, yesno(r.Builtin), strconv.Itoa(len(r.Permissions)))
			}
		}),
	}
	var id, name, scopeType string
	var perms []string
	create := &cobra.Command{
		Use: "create", Short: "Compose a custom role from the permission catalog", Args: cobra.NoArgs,
		Example: "  gatehouse role create --org lb --id qa_auditor --name 'QA Auditor' --scope-type project \\\n    --permission label.view --permission label.review --permission 'issue.manage:own'",
		RunE: show(a, &org, []string{"id", "name", "scope-type", "permission"}, func(c call) (*client.Role, error) {
			req := client.RoleRequest{ID: id, Name: name, ScopeType: scopeType}
			for _, p := range perms {
				pid, cond, _ := strings.Cut(p, ":")
				req.Permissions = append(req.Permissions, client.RolePermission{ID: strings.TrimSpace(pid), Condition: strings.TrimSpace(cond)})
			}
			return c.api.CreateRole(c.ctx, c.org, req)
		}, func(t *tw, r *client.Role) {
			t.row("ID", "NAME", "SCOPE_TYPE", "PERMISSION", "CONDITION")
			for _, p := range r.Permissions {
				t.row(r.ID, r.Name, r.ScopeType, p.ID, p.Condition)
			}
		}),
	}
	create.Flags().StringVar(&id, "id", "", "role id (lowercase, e.g. qa_auditor)")
	create.Flags().StringVar(&name, "name", "", "display name")
	create.Flags().StringVar(&scopeType, "scope-type", "org", "scope type it is granted at: org, team or a resource type")
	create.Flags().StringArrayVar(&perms, "permission", nil, "PERMISSION or PERMISSION:CONDITION, repeatable")
	del := &cobra.Command{
		Use: "delete ID", Short: "Delete a custom role no grant or member uses", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			return c.api.DeleteRole(c.ctx, c.org, c.args[0])
		}, past("deleted role")),
	}
	permissions := &cobra.Command{
		Use: "permissions", Short: "List the permission catalog of the org's scheme", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.Permission, error) {
			return c.api.ListPermissions(c.ctx, c.org)
		}, func(t *tw, ps []client.Permission) {
			t.row("ID", "RESOURCE_TYPE", "DESCRIPTION")
			for _, p := range ps {
				t.row(p.ID, p.ResourceType, p.Description)
			}
		}),
	}
	cmd.AddCommand(list, create, del, permissions)
	return cmd
}
