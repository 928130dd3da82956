package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newResourceCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "resource", Aliases: []string{"resources"}, Short: "Resources: list, get, put, delete, access"}
	orgFlag(cmd, &org)
	printResource := func(r *client.Resource) error {
		return a.print(r, func(t *tw) {
			t.row("RESOURCE", "NAME", "PARENT", "TEAM", "OWNER", "ATTRIBUTES")
			t.row(r.Ref(), r.Name, r.Parent, r.Team, r.Owner, attrs(r.Attributes))
		})
	}
	var typ string
	var pf pageFlags
	list := &cobra.Command{
		Use: "list", Short: "List resources, of one --type or of all", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			page, err := fetch(cmd.Context(), a, pf, func(ctx context.Context, o *client.ListOptions) (*client.Page[client.Resource], error) {
				return c.ListResources(ctx, org, typ, o)
			})
			if err != nil {
				return err
			}
			return a.print(page, func(t *tw) {
				t.row("RESOURCE", "NAME", "PARENT", "TEAM", "OWNER", "ATTRIBUTES")
				for _, r := range page.Items {
					t.row(r.Ref(), r.Name, r.Parent, r.Team, r.Owner, attrs(r.Attributes))
				}
			})
		},
	}
	list.Flags().StringVar(&typ, "type", "", "resource type")
	pf.add(list)
	get := &cobra.Command{
		Use: "get TYPE:ID", Short: "Show a resource", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			typ, id, err := splitRef(args[0])
			if err != nil {
				return err
			}
			r, err := a.client().GetResource(cmd.Context(), org, typ, id)
			if err != nil {
				return err
			}
			return printResource(r)
		},
	}
	var req client.ResourceRequest
	var attrList []string
	put := &cobra.Command{
		Use: "put TYPE:ID", Aliases: []string{"create", "update"}, Short: "Register (create or replace) a resource", Args: cobra.ExactArgs(1),
		Example: "  gatehouse resource put dataset:cats --org acme --name Cats\n  gatehouse resource put label:l1 --org lb --parent project:p1 --attr task=rework",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			typ, id, err := splitRef(args[0])
			if err != nil {
				return err
			}
			r := req
			for _, kv := range attrList {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return fmt.Errorf("--attr %q: want KEY=VALUE", kv)
				}
				if r.Attributes == nil {
					r.Attributes = map[string]string{}
				}
				r.Attributes[k] = v
			}
			res, err := a.client().PutResource(cmd.Context(), org, typ, id, r)
			if err != nil {
				return err
			}
			return printResource(res)
		},
	}
	put.Flags().StringVar(&req.Name, "name", "", "display name")
	put.Flags().StringVar(&req.Parent, "parent", "", "parent resource TYPE:ID")
	put.Flags().StringVar(&req.Team, "team", "", "team id to attach it to")
	put.Flags().StringVar(&req.Owner, "owner", "", "owner user id (default: you)")
	put.Flags().StringArrayVar(&attrList, "attr", nil, "attribute KEY=VALUE, repeatable")
	del := &cobra.Command{
		Use: "delete TYPE:ID", Short: "Remove a resource and its children", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			typ, id, err := splitRef(args[0])
			if err != nil {
				return err
			}
			rev, err := a.client().DeleteResource(cmd.Context(), org, typ, id)
			if err != nil {
				return err
			}
			return a.done("deleted "+args[0], rev)
		},
	}
	access := &cobra.Command{
		Use: "access TYPE:ID", Short: "Who can access a resource, and through which grant", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			typ, id, err := splitRef(args[0])
			if err != nil {
				return err
			}
			entries, err := a.client().ResourceAccess(cmd.Context(), org, typ, id)
			if err != nil {
				return err
			}
			return a.print(entries, func(t *tw) {
				t.row("SUBJECT", "ROLE", "SCOPE", "VIA", "GRANT", "PERMISSIONS")
				for _, e := range entries {
					t.row(e.Subject, e.Role, e.Via.Scope, e.Via.Via, e.Via.Grant, strings.Join(e.Permissions, ","))
				}
			})
		},
	}
	cmd.AddCommand(list, get, put, del, access)
	return cmd
}
