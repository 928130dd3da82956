package cli

import (
	"strconv"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newOrgCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "org", Aliases: []string{"orgs"}, Short: "Organizations: list, get, create, update, transfer, billing"}
	orgFlag(cmd, &org)
	printOrg := func(o *client.Org) error {
		return a.print(o, func(t *tw) {
			t.kv("id", o.ID)
			t.kv("name", o.Name)
			t.kv("scheme", o.Scheme)
			t.kv("plan", o.Plan.Name)
			t.kv("seat limit", strconv.Itoa(o.Plan.SeatLimit))
			t.kv("revision", i64(o.Revision))
		})
	}
	list := &cobra.Command{
		Use: "list", Short: "List the organizations of --token", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			me, err := a.client().Me(cmd.Context())
			if err != nil {
				return err
			}
			return a.print(me.Orgs, func(t *tw) {
				t.row("ID", "NAME", "ROLE")
				for _, o := range me.Orgs {
					t.row(o.ID, o.Name, o.Role)
				}
			})
		},
	}
	get := &cobra.Command{
		Use: "get", Short: "Show an organization", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			o, err := a.client().GetOrg(cmd.Context(), org)
			if err != nil {
				return err
			}
			return printOrg(o)
		},
	}
	var id, name, schemeID string
	create := &cobra.Command{
		Use: "create", Short: "Create an organization (you get the scheme's top role)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required(cmd, "id", "name"); err != nil {
				return err
			}
			o, err := a.client().CreateOrg(cmd.Context(), id, name, schemeID)
			if err != nil {
				return err
			}
			return printOrg(o)
		},
	}
	create.Flags().StringVar(&id, "id", "", "organization id: lowercase letters, digits and dashes (never changes)")
	create.Flags().StringVar(&name, "name", "", "display name")
	create.Flags().StringVar(&schemeID, "scheme", "vi", "role scheme: vi, deepomatic or labelbox")
	var newName string
	update := &cobra.Command{
		Use: "update", Aliases: []string{"rename"}, Short: "Rename an organization (the id never changes)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "name"); err != nil {
				return err
			}
			o, err := a.client().RenameOrg(cmd.Context(), org, newName)
			if err != nil {
				return err
			}
			return printOrg(o)
		},
	}
	update.Flags().StringVar(&newName, "name", "", "new display name")
	var userID string
	transfer := &cobra.Command{
		Use: "transfer", Short: "Transfer ownership to an Admin (you become Admin)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "user-id"); err != nil {
				return err
			}
			rev, err := a.client().TransferOwnership(cmd.Context(), org, userID)
			if err != nil {
				return err
			}
			return a.print(client.Revision{Revision: rev}, func(t *tw) {
				t.row("ownership of "+org+" transferred to "+userID, "revision "+i64(rev))
			})
		},
	}
	transfer.Flags().StringVar(&userID, "user-id", "", "the Admin who becomes Owner")
	var plan, billingEmail string
	var seats int
	billing := &cobra.Command{
		Use: "billing", Short: "Show the plan and billing contact, or change them with --plan, --seat-limit, --billing-email", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			var b *client.Billing
			var err error
			var u client.BillingUpdate
			fl := cmd.Flags()
			if fl.Changed("plan") {
				u.Plan = &plan
			}
			if fl.Changed("seat-limit") {
				u.SeatLimit = &seats
			}
			if fl.Changed("billing-email") {
				u.BillingEmail = &billingEmail
			}
			if u.Plan != nil || u.SeatLimit != nil || u.BillingEmail != nil {
				b, err = c.UpdateBilling(cmd.Context(), org, u)
			} else {
				b, err = c.GetBilling(cmd.Context(), org)
			}
			if err != nil {
				return err
			}
			return a.print(b, func(t *tw) {
				t.kv("plan", b.Plan)
				t.kv("seat limit", strconv.Itoa(b.SeatLimit))
				t.kv("seats used", strconv.Itoa(b.SeatsUsed))
				t.kv("billing email", b.BillingEmail)
			})
		},
	}
	billing.Flags().StringVar(&plan, "plan", "", "plan name")
	billing.Flags().IntVar(&seats, "seat-limit", 0, "seat limit")
	billing.Flags().StringVar(&billingEmail, "billing-email", "", "billing contact")
	cmd.AddCommand(list, get, create, update, transfer, billing)
	return cmd
}
