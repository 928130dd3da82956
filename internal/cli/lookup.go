package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newLookupCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "lookup", Short: "Reverse questions: which resources may a subject act on, who may act on a resource"}
	orgFlag(cmd, &org)
	var subject, permission, typ, channel string
	var pf pageFlags
	resources := &cobra.Command{
		Use: "resources", Short: "Every resource of a type the subject may act on (complete, paginated)", Args: cobra.NoArgs,
		Example: "  gatehouse lookup resources --org acme --subject user:u_1 --permission dataset.view --type dataset",
		RunE: show(a, &org, []string{"permission", "type"}, func(c call) (*client.ResourceIDs, error) {
			req := client.LookupResourcesRequest{Subject: subject, Permission: permission, Type: typ, Limit: pf.limit, PageToken: pf.pageToken}
			if channel != "" {
				req.Context = &client.CheckContext{Channel: channel}
			}
			if pf.limit > 0 || pf.pageToken != "" {
				p, err := c.api.LookupResources(c.ctx, c.org, req)
				if err == nil && p.NextPageToken != "" && a.output == "table" {
					fmt.Fprintf(a.stderr, "more: --page-token %s\n", p.NextPageToken)
				}
				return p, err
			}
			req.Limit = 1000
			ids, rev, err := c.api.LookupAllResources(c.ctx, c.org, req)
			if err != nil {
				return nil, err
			}
			return &client.ResourceIDs{Items: ids, Revision: rev}, nil
		}, func(t *tw, out *client.ResourceIDs) {
			t.row("RESOURCE")
			for _, id := range out.Items {
				t.row(typ + ":" + id)
			}
		}),
	}
	resources.Flags().StringVar(&subject, "subject", "", "user:ID, group:ID or key:ID (default: the caller)")
	resources.Flags().StringVar(&permission, "permission", "", "permission id")
	resources.Flags().StringVar(&typ, "type", "", "resource type")
	resources.Flags().StringVar(&channel, "channel", "", "request channel")
	pf.add(resources)
	var sPermission, sResource, sChannel string
	subjects := &cobra.Command{
		Use: "subjects", Short: "Every user and key that may exercise a permission on a resource, and through what", Args: cobra.NoArgs,
		Example: "  gatehouse lookup subjects --org acme --permission dataset.view --resource dataset:cats",
		RunE: show(a, &org, []string{"permission"}, func(c call) ([]client.SubjectAccess, error) {
			req := client.LookupSubjectsRequest{Permission: sPermission, Resource: sResource}
			if sChannel != "" {
				req.Context = &client.CheckContext{Channel: sChannel}
			}
			return c.api.LookupSubjects(c.ctx, c.org, req)
		}, func(t *tw, subs []client.SubjectAccess) {
			t.row("SUBJECT", "ROLE", "SCOPE", "VIA", "GRANT", "CONDITION", "WHO")
			for _, s := range subs {
				t.row(s.Subject, s.Via.Role, s.Via.Scope, s.Via.Via, s.Via.Grant, s.Via.Condition, who(s.Name, s.Email))
			}
		}),
	}
	subjects.Flags().StringVar(&sPermission, "permission", "", "permission id")
	subjects.Flags().StringVar(&sResource, "resource", "", "resource TYPE:ID (default: the organization)")
	subjects.Flags().StringVar(&sChannel, "channel", "", "request channel")
	cmd.AddCommand(resources, subjects)
	return cmd
}

// who is a subject as people read it: "Ada Lovelace <ada@acme.test>", a
// key's name, or nothing when the server named none.
func who(name, email string) string {
	if email == "" {
		return name
	}
	return name + " <" + email + ">"
}
