package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/scheme"
)

func newMatrixCmd() *cobra.Command {
	var name, format string
	cmd := &cobra.Command{
		Use:   "matrix",
		Short: "Print a scheme's rights matrix (roles × permissions)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, ok := scheme.Get(name)
			if !ok {
				return fmt.Errorf("unknown scheme %q (built in: %s)", name, strings.Join(scheme.Names(), ", "))
			}
			return scheme.NewMatrix(s).Write(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&name, "scheme", "vi", "scheme: "+strings.Join(scheme.Names(), ", "))
	cmd.Flags().StringVar(&format, "format", "md", "output format: "+strings.Join(scheme.Formats, ", "))
	return cmd
}
