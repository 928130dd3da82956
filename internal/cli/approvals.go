package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

// newGateCmd: the permissions that need approval.
func (a *app) newGateCmd() *cobra.Command {
	var org, approver string
	cmd := &cobra.Command{Use: "gate", Aliases: []string{"gates"},
		Short: "Approval gates: permissions (training.export) a check allows only inside an approval window: list, set, delete"}
	orgFlag(cmd, &org)
	gateTable := func(t *tw, gs []client.Gate) {
		t.row("PERMISSION", "APPROVER_ROLE", "SET_BY", "SET_AT")
		for _, g := range gs {
			t.row(g.Permission, g.ApproverRole, g.CreatedBy, ts(g.CreatedAt))
		}
	}
	list := &cobra.Command{
		Use: "list", Short: "List the permissions that need approval, and the role that approves each", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.Gate, error) { return c.api.ListGates(c.ctx, c.org) }, gateTable),
	}
	set := &cobra.Command{
		Use: "set PERMISSION --approver-role ROLE", Short: "Make a permission need approval by a holder of a role",
		Args:    cobra.ExactArgs(1),
		Example: "  gatehouse gate set training.export --org acme --approver-role training.owner",
		RunE: show(a, &org, []string{"approver-role"}, func(c call) (*client.Gate, error) {
			return c.api.SetGate(c.ctx, c.org, c.args[0], approver)
		}, func(t *tw, g *client.Gate) { gateTable(t, []client.Gate{*g}) }),
	}
	set.Flags().StringVar(&approver, "approver-role", "", "the role whose holders approve (built-in or custom)")
	del := &cobra.Command{
		Use: "delete PERMISSION", Short: "Lift a gate: the permission's holders may use it again without approval", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			return c.api.DeleteGate(c.ctx, c.org, c.args[0])
		}, past("lifted the gate on")),
	}
	cmd.AddCommand(list, set, del)
	return cmd
}

// newApprovalCmd: approval windows on gated permissions.
func (a *app) newApprovalCmd() *cobra.Command {
	var org, subject, permission, resource, until, reason, state string
	cmd := &cobra.Command{Use: "approval", Aliases: []string{"approvals"},
		Short: "Approval windows on gated permissions: create, list, end"}
	orgFlag(cmd, &org)
	table := func(t *tw, as []client.Approval) {
		t.row("ID", "SUBJECT", "PERMISSION", "RESOURCE", "UNTIL", "APPROVER", "STATE", "REASON")
		for _, x := range as {
			t.row(x.ID, x.Subject, x.Permission, x.Resource, ts(&x.Until), x.Approver, x.State, x.Reason)
		}
	}
	one := func(t *tw, x *client.Approval) { table(t, []client.Approval{*x}) }
	create := &cobra.Command{
		Use: "create", Short: "Approve a gated permission for another user or key, until a time", Args: cobra.NoArgs,
		Example: "  gatehouse approval create --org acme --subject u_7hx2 --permission training.export \\\n" +
			"    --resource training:resnet --until 24h --reason 'release v2 weights'",
		RunE: show(a, &org, []string{"subject", "permission", "until", "reason"}, func(c call) (*client.Approval, error) {
			at, err := parseExpiry(until)
			if err != nil {
				return nil, err
			}
			if at == nil {
				return nil, errors.New("--until needs a time, a date or a duration")
			}
			return c.api.CreateApproval(c.ctx, c.org, client.ApprovalRequest{Subject: subject, Permission: permission,
				Resource: resource, Until: *at, Reason: reason})
		}, one),
	}
	create.Flags().StringVar(&subject, "subject", "", "user id (or user:ID, key:ID) the approval is for")
	create.Flags().StringVar(&permission, "permission", "", "the gated permission")
	create.Flags().StringVar(&resource, "resource", "", "TYPE:ID, or org (default) for the whole organization")
	create.Flags().StringVar(&until, "until", "", "when it ends: RFC 3339 time, date or duration from now (at most 30 days)")
	create.Flags().StringVar(&reason, "reason", "", "what it is for (kept in the record)")
	list := &cobra.Command{
		Use: "list", Short: "List approval windows, newest first", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.Approval, error) {
			return c.api.ListApprovals(c.ctx, c.org, state)
		}, table),
	}
	list.Flags().StringVar(&state, "state", "", "active or ended (default both)")
	end := &cobra.Command{
		Use: "end ID", Short: "End an approval window early", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.Approval, error) { return c.api.EndApproval(c.ctx, c.org, c.args[0]) }, one),
	}
	cmd.AddCommand(create, list, end)
	return cmd
}
