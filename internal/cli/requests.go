package cli

import (
	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newRequestCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "request", Aliases: []string{"requests"},
		Short: "Access requests: create, list, show, approve, deny, withdraw"}
	orgFlag(cmd, &org)
	one := func(t *tw, r *client.AccessRequest) {
		t.row("ID", "MEMBER", "ROLE", "RESOURCE", "STATE", "UNTIL", "GRANT", "GRANT_ENDS")
		t.row(r.ID, orDash(r.Email), r.Role, r.Resource, r.State, ts(r.Until), orDash(r.Grant), ts(r.GrantExpiresAt))
	}
	var role, resource, reason, until string
	create := &cobra.Command{
		Use: "create", Short: "Ask for a role on a resource (or the org), for yourself", Args: cobra.NoArgs,
		Example: "  gatehouse request create --org acme --role dataset.editor --resource dataset:cats --reason 'Q3 labelling' --until 720h",
		RunE: show(a, &org, []string{"role", "resource"}, func(c call) (*client.AccessRequest, error) {
			at, err := parseExpiry(until)
			if err != nil {
				return nil, err
			}
			return c.api.CreateAccessRequest(c.ctx, c.org, client.AccessRequestInput{Role: role, Resource: resource, Reason: reason, Until: at})
		}, one),
	}
	create.Flags().StringVar(&role, "role", "", "the role asked for")
	create.Flags().StringVar(&resource, "resource", "", "org, or the resource TYPE:ID")
	create.Flags().StringVar(&reason, "reason", "", "why, for the deciders")
	create.Flags().StringVar(&until, "until", "", "the end asked for: RFC 3339 time, date or duration from now")
	var f client.AccessRequestFilter
	list := &cobra.Command{
		Use: "list", Short: "List the requests you may see, newest first", Args: cobra.NoArgs,
		Example: "  gatehouse request list --org acme --state pending",
		RunE: show(a, &org, nil, func(c call) ([]client.AccessRequest, error) {
			return c.api.ListAccessRequests(c.ctx, c.org, f)
		}, func(t *tw, rs []client.AccessRequest) {
			t.row("ID", "MEMBER", "ROLE", "RESOURCE", "STATE", "UNTIL", "CREATED")
			for _, r := range rs {
				t.row(r.ID, orDash(r.Email), r.Role, r.Resource, r.State, ts(r.Until), ts(&r.CreatedAt))
			}
		}),
	}
	list.Flags().StringVar(&f.State, "state", "", "pending, approved, denied or withdrawn")
	list.Flags().StringVar(&f.User, "user", "", "only this user's requests")
	list.Flags().StringVar(&f.Resource, "resource", "", "only requests on this resource (org or TYPE:ID)")
	get := &cobra.Command{
		Use: "show ID", Aliases: []string{"get"}, Short: "Show a request", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.AccessRequest, error) {
			return c.api.GetAccessRequest(c.ctx, c.org, c.args[0])
		}, one),
	}
	var note, ends string
	approve := &cobra.Command{
		Use: "approve ID", Short: "Approve a request: make its grant (only what you could grant yourself; never your own)",
		Args:    cobra.ExactArgs(1),
		Example: "  gatehouse request approve --org acme rq_1 --until 168h --note 'one week'",
		RunE: show(a, &org, nil, func(c call) (*client.AccessRequest, error) {
			at, err := parseExpiry(ends)
			if err != nil {
				return nil, err
			}
			return c.api.ApproveAccessRequest(c.ctx, c.org, c.args[0], at, note)
		}, one),
	}
	approve.Flags().StringVar(&ends, "until", "", "when the grant ends (default: the end asked for, or none)")
	approve.Flags().StringVar(&note, "note", "", "why")
	deny := &cobra.Command{
		Use: "deny ID", Short: "Deny a request", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.AccessRequest, error) {
			return c.api.DenyAccessRequest(c.ctx, c.org, c.args[0], note)
		}, one),
	}
	deny.Flags().StringVar(&note, "note", "", "why")
	withdraw := &cobra.Command{
		Use: "withdraw ID", Short: "Withdraw your own pending request", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.AccessRequest, error) {
			return c.api.WithdrawAccessRequest(c.ctx, c.org, c.args[0])
		}, one),
	}
	cmd.AddCommand(create, list, get, approve, deny, withdraw)
	return cmd
}
