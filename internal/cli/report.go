package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

func (a *app) newReportCmd() *cobra.Command {
	var org, format string
	var days int
	cmd := &cobra.Command{Use: "report", Short: "Reports for access reviews: stale-access, raci"}
	orgFlag(cmd, &org)
	stale := &cobra.Command{
		Use:   "stale-access",
		Short: "Members without a sign-in, keys unused, expired grants and groups without members, for --days",
		Example: "  gatehouse report stale-access --org acme --days 90\n" +
			"  gatehouse report stale-access --org acme --days 30 --format csv > stale.csv",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			// -o json is honoured as everywhere else, unless --format asks
			// for another.
			if a.output == "json" && !cmd.Flags().Changed("format") {
				format = "json"
			}
			if days < 1 {
				return errors.New("--days must be at least 1")
			}
			b, err := a.client().StaleAccess(cmd.Context(), org, days, format)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	stale.Flags().IntVar(&days, "days", 90, "no use for this many days counts as stale")
	stale.Flags().StringVar(&format, "format", "csv", "csv or json (json with -o json)")
	var raciFormat string
	raci := &cobra.Command{
		Use:   "raci",
		Short: "Who is responsible, accountable, consulted and informed (seed 000's RACI tables), by name",
		Example: "  gatehouse report raci --org acme\n" +
			"  gatehouse report raci --org acme --format csv > raci.csv\n" +
			"  gatehouse report raci --org acme --format html > raci.html",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			f := raciFormat
			if f == "" && a.output == "json" {
				f = "json"
			}
			if f == "" {
				f = "md"
			}
			b, err := a.client().RACI(cmd.Context(), org, f)
			if err != nil {
				return err
			}
			_, err = cmd.OutOrStdout().Write(b)
			return err
		},
	}
	raci.Flags().StringVar(&raciFormat, "format", "", "md (default; json with -o json), csv, json or html")
	cmd.AddCommand(stale, raci)
	return cmd
}
