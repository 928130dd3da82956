package main

import (
	"context"

	fgacmd "github.com/openfga/openfga/cmd"
	"github.com/openfga/openfga/cmd/run"
)

// openfgaCmd is OpenFGA's own command line (root + run), so the HTTP
// comparison runs `openfga run` exactly as its users do, from the module
// this bench depends on.
func openfgaCmd(ctx context.Context, args []string) error {
	root := fgacmd.NewRootCommand()
	root.AddCommand(run.NewRunCommand())
	root.SetArgs(args)
	return root.ExecuteContext(ctx)
}
