package cli

import (
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newOrgCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "org", Aliases: []string{"orgs"}, Short: "Organizations: list, get, create, update, transfer, billing, usage, plans"}
	orgFlag(cmd, &org)
	list := &cobra.Command{
		Use: "list", Short: "List the organizations of --token", Args: cobra.NoArgs,
		RunE: show(a, nil, nil, func(c call) ([]client.MeOrg, error) {
			me, err := c.api.Me(c.ctx)
			if err != nil {
				return nil, err
			}
			return me.Orgs, nil
		}, func(t *tw, orgs []client.MeOrg) {
			t.row("ID", "NAME", "ROLE")
			for _, o := range orgs {
				t.row(o.ID, o.Name, o.Role)
			}
		}),
	}
	get := &cobra.Command{
		Use: "get", Short: "Show an organization", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) (*client.Org, error) {
			return c.api.GetOrg(c.ctx, c.org)
		}, orgTable),
	}
	var id, name, schemeID string
	create := &cobra.Command{
		Use: "create", Short: "Create an organization (you get the scheme's top role)", Args: cobra.NoArgs,
		RunE: show(a, nil, []string{"id", "name"}, func(c call) (*client.Org, error) {
			return c.api.CreateOrg(c.ctx, id, name, schemeID)
		}, orgTable),
	}
	create.Flags().StringVar(&id, "id", "", "organization id: lowercase letters, digits and dashes (never changes)")
	create.Flags().StringVar(&name, "name", "", "display name")
	create.Flags().StringVar(&schemeID, "scheme", "vi", "role scheme: vi, deepomatic, labelbox or one the server loaded with --scheme-dir")
	var newName string
	var capDays int
	update := &cobra.Command{
		Use: "update", Aliases: []string{"rename"}, Short: "Rename an organization (the id never changes) or cap its personal access tokens", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) (*client.Org, error) {
			named, capped := c.cmd.Flags().Changed("name"), c.cmd.Flags().Changed("pat-max-days")
			if !named && !capped {
				return nil, errors.New("give --name, --pat-max-days or both")
			}
			var o *client.Org
			var err error
			if named {
				if o, err = c.api.RenameOrg(c.ctx, c.org, newName); err != nil {
					return nil, err
				}
			}
			if capped {
				o, err = c.api.SetTokenCap(c.ctx, c.org, capDays)
			}
			return o, err
		}, orgTable),
	}
	update.Flags().StringVar(&newName, "name", "", "new display name")
	update.Flags().IntVar(&capDays, "pat-max-days", 0, "longest lifetime in days of personal access tokens made from now on (0: no cap)")
	var userID string
	transfer := &cobra.Command{
		Use: "transfer", Short: "Transfer ownership to an Admin (you become Admin)", Args: cobra.NoArgs,
		RunE: show(a, &org, []string{"user-id"}, func(c call) (client.Revision, error) {
			rev, err := c.api.TransferOwnership(c.ctx, c.org, userID)
			return client.Revision{Revision: rev}, err
		}, func(t *tw, r client.Revision) {
			t.row("ownership of "+org+" transferred to "+userID, "revision "+i64(r.Revision))
		}),
	}
	transfer.Flags().StringVar(&userID, "user-id", "", "the Admin who becomes Owner")
	var plan, billingEmail string
	var seats int
	billing := &cobra.Command{
		Use: "billing", Short: "Show the plan and billing contact, or change them with --plan, --seat-limit, --billing-email", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) (*client.Billing, error) {
			var u client.BillingUpdate
			fl := c.cmd.Flags()
			if fl.Changed("plan") {
				u.Plan = &plan
			}
			if fl.Changed("seat-limit") {
				u.SeatLimit = &seats
			}
			if fl.Changed("billing-email") {
				u.BillingEmail = &billingEmail
			}
			if u.Plan == nil && u.SeatLimit == nil && u.BillingEmail == nil {
				return c.api.GetBilling(c.ctx, c.org)
			}
			return c.api.UpdateBilling(c.ctx, c.org, u)
		}, func(t *tw, b *client.Billing) {
			t.kv("plan", b.Plan)
			t.kv("seat limit", strconv.Itoa(b.SeatLimit))
			t.kv("seats used", strconv.Itoa(b.SeatsUsed))
			t.kv("billing email", b.BillingEmail)
		}),
	}
	billing.Flags().StringVar(&plan, "plan", "", "plan id, one the server offers (gatehouse org plans)")
	billing.Flags().IntVar(&seats, "seat-limit", 0, "seat limit")
	billing.Flags().StringVar(&billingEmail, "billing-email", "", "billing contact")
	usage := &cobra.Command{
		Use: "usage", Short: "Show what the organization uses against its plan's limits", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) (*client.Usage, error) { return c.api.GetUsage(c.ctx, c.org) },
			func(t *tw, u *client.Usage) {
				name := u.Plan.Name
				if !u.Plan.Listed {
					name += " (not offered by this server: no plan limits)"
				}
				t.kv("plan", name)
				for _, it := range u.Items {
					v := strconv.Itoa(it.Used)
					if it.Limit != nil {
						v += " of " + strconv.Itoa(*it.Limit) + ", " + strconv.Itoa(*it.Left) + " left"
					}
					t.kv(strings.ToLower(it.Name), v)
				}
			}),
	}
	plans := &cobra.Command{
		Use: "plans", Short: "List the plans this server offers and their limits", Args: cobra.NoArgs,
		RunE: show(a, nil, nil, func(c call) (*client.PlanCatalog, error) { return c.api.ListPlans(c.ctx) },
			func(t *tw, cat *client.PlanCatalog) {
				t.row("ID", "NAME", "LIMITS")
				for _, p := range cat.Plans {
					var limits []string
					for _, id := range slices.Sorted(maps.Keys(p.Limits)) {
						limits = append(limits, id+"="+strconv.Itoa(p.Limits[id]))
					}
					id := p.ID
					if id == cat.Default {
						id += " (default)"
					}
					if len(limits) == 0 {
						limits = []string{"none"}
					}
					t.row(id, p.Name, strings.Join(limits, " "))
				}
			}),
	}
	cmd.AddCommand(list, get, create, update, transfer, billing, usage, plans)
	return cmd
}

func orgTable(t *tw, o *client.Org) {
	t.kv("id", o.ID)
	t.kv("name", o.Name)
	t.kv("scheme", o.Scheme)
	t.kv("plan", o.Plan.Name)
	t.kv("seat limit", strconv.Itoa(o.Plan.SeatLimit))
	if o.PATMaxDays > 0 {
		t.kv("token lifetime cap", strconv.Itoa(o.PATMaxDays)+" days")
	}
	t.kv("revision", i64(o.Revision))
}
