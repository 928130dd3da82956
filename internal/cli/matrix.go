package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

func (a *app) newMatrixCmd() *cobra.Command {
	var name, format, org, schemeDir string
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Print a rights matrix (roles × permissions)",
		Long: `Print the rights matrix of a scheme (built in, or from --scheme-dir), straight from the scheme file (no
server needed), or with --org the live matrix of an organization from the server,
custom roles included.`,
		Example: "  gatehouse matrix --scheme deepomatic --format md\n  gatehouse matrix --org acme --format csv",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The matrix has formats of its own; -o json is honoured as
			// everywhere else, unless --format asks for another.
			if a.output == "json" && !cmd.Flags().Changed("format") {
				format = "json"
			}
			// --scheme given on the command line wins over an --org that may
			// come from GATEHOUSE_ORG.
			if org != "" && !cmd.Flags().Changed("scheme") {
				b, err := a.client().Matrix(cmd.Context(), org, format)
				if err != nil {
					return err
				}
				_, err = cmd.OutOrStdout().Write(b)
				return err
			}
			if err := registerSchemeDir(schemeDir); err != nil {
				return err
			}
			s, ok := scheme.Get(name)
			if !ok {
				return fmt.Errorf("unknown scheme %q (known: %s)", name, strings.Join(scheme.Names(), ", "))
			}
			return team.MatrixOf(s).Write(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&name, "scheme", "vi", "scheme: "+strings.Join(scheme.Names(), ", ")+", or one of --scheme-dir")
	schemeDirFlag(cmd.Flags(), &schemeDir)
	cmd.Flags().StringVar(&format, "format", "md", "output format: "+strings.Join(scheme.Formats, ", ")+" (json with -o json)")
	cmd.Flags().StringVar(&org, "org", "", "ask the server for this organization's matrix (custom roles included)")
	return cmd
}
