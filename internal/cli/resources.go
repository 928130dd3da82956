package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newResourceCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "resource", Aliases: []string{"resources"}, Short: "Resources: list, get, put, delete, access"}
	orgFlag(cmd, &org)
	var typ string
	var pf pageFlags
	list := &cobra.Command{
		Use: "list", Short: "List resources, of one --type or of all", Args: cobra.NoArgs,
		RunE: paged(a, &org, &pf, func(c call, o *client.ListOptions) (*client.Page[client.Resource], error) {
			return c.api.ListResources(c.ctx, c.org, typ, o)
		}, func(t *tw, page *client.Page[client.Resource]) {
			t.row("RESOURCE", "NAME", "PARENT", "TEAM", "OWNER", "ATTRIBUTES")
			for _, r := range page.Items {
				t.row(r.Ref(), r.Name, r.Parent, r.Team, r.Owner, attrs(r.Attributes))
			}
		}),
	}
	list.Flags().StringVar(&typ, "type", "", "resource type")
	pf.add(list)
	get := &cobra.Command{
		Use: "get TYPE:ID", Short: "Show a resource", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.Resource, error) {
			typ, id, err := splitRef(c.args[0])
			if err != nil {
				return nil, err
			}
			return c.api.GetResource(c.ctx, c.org, typ, id)
		}, resourceTable),
	}
	var req client.ResourceRequest
	var attrList []string
	put := &cobra.Command{
		Use: "put TYPE:ID", Aliases: []string{"create", "update"}, Short: "Register (create or replace) a resource", Args: cobra.ExactArgs(1),
		Example: "  gatehouse resource put dataset:cats --org acme --name Cats\n  gatehouse resource put label:l1 --org lb --parent project:p1 --attr task=rework",
		RunE: show(a, &org, nil, func(c call) (*client.Resource, error) {
			typ, id, err := splitRef(c.args[0])
			if err != nil {
				return nil, err
			}
			r := req
			for _, kv := range attrList {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return nil, fmt.Errorf("--attr %q: want KEY=VALUE", kv)
				}
				if r.Attributes == nil {
					r.Attributes = map[string]string{}
				}
				r.Attributes[k] = v
			}
			return c.api.PutResource(c.ctx, c.org, typ, id, r)
		}, resourceTable),
	}
	put.Flags().StringVar(&req.Name, "name", "", "display name")
	put.Flags().StringVar(&req.Parent, "parent", "", "parent resource TYPE:ID")
	put.Flags().StringVar(&req.Team, "team", "", "team id to attach it to")
	put.Flags().StringVar(&req.Owner, "owner", "", "owner user id (default: you)")
	put.Flags().StringArrayVar(&attrList, "attr", nil, "attribute KEY=VALUE, repeatable")
	del := &cobra.Command{
		Use: "delete TYPE:ID", Short: "Remove a resource and its children", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			typ, id, err := splitRef(c.args[0])
			if err != nil {
				return 0, err
			}
			return c.api.DeleteResource(c.ctx, c.org, typ, id)
		}, past("deleted")),
	}
	access := &cobra.Command{
		Use: "access TYPE:ID", Short: "Who can access a resource, and through which grant", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) ([]client.ResourceAccessEntry, error) {
			typ, id, err := splitRef(c.args[0])
			if err != nil {
				return nil, err
			}
			return c.api.ResourceAccess(c.ctx, c.org, typ, id)
		}, func(t *tw, entries []client.ResourceAccessEntry) {
			t.row("SUBJECT", "ROLE", "SCOPE", "VIA", "GRANT", "PERMISSIONS", "WHO")
			for _, e := range entries {
				t.row(e.Subject, e.Role, e.Via.Scope, e.Via.Via, e.Via.Grant, strings.Join(e.Permissions, ","), who(e.Name, e.Email))
			}
		}),
	}
	cmd.AddCommand(list, get, put, del, access)
	return cmd
}

func resourceTable(t *tw, r *client.Resource) {
	t.row("RESOURCE", "NAME", "PARENT", "TEAM", "OWNER", "ATTRIBUTES")
	t.row(r.Ref(), r.Name, r.Parent, r.Team, r.Owner, attrs(r.Attributes))
}
