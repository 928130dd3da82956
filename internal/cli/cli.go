// Package cli implements the gatehouse command: the server, bootstrap and the
// management commands that speak to a server over its HTTP API.
//
// Every flag can also come from the environment: --smtp-url from
// GATEHOUSE_SMTP_URL, --server from GATEHOUSE_SERVER and so on (GATEHOUSE_
// and the flag's name in capitals, dashes as underscores). A flag given on
// the command line wins over the environment.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gatehouse/gatehouse/client"
)

// Run executes the command line and returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return run(ctx, args, stdout, stderr, os.LookupEnv)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, env func(string) (string, bool)) int {
	a := &app{stdout: stdout, stderr: stderr, env: env}
	root := a.newRoot()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	var ex *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ex):
		if ex.msg != "" {
			fmt.Fprintln(stderr, "gatehouse:", ex.msg)
		}
		return ex.code
	}
	fmt.Fprintln(stderr, "gatehouse:", describe(err))
	return 1
}

// exitError ends the command with a code, printing msg (when set) on stderr.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return fmt.Sprintf("exit %d: %s", e.code, e.msg) }

// describe turns an API error into one readable line.
func describe(err error) string {
	var ce *client.Error
	if !errors.As(err, &ce) {
		return err.Error()
	}
	msg := fmt.Sprintf("%s (%d)", ce.Title, ce.Status)
	if ce.Detail != "" && ce.Detail != ce.Title {
		msg += ": " + ce.Detail
	}
	for _, d := range ce.Errors {
		if d.Location != "" {
			msg += fmt.Sprintf("; %s: %s", d.Location, d.Message)
		} else if d.Message != "" {
			msg += "; " + d.Message
		}
	}
	if ce.Status == 401 {
		msg += "\n  (log in with `gatehouse login --email E --password P` and pass the token with --token or GATEHOUSE_TOKEN)"
	}
	return msg
}

// app holds what every command shares.
type app struct {
	stdout, stderr io.Writer
	env            func(string) (string, bool)

	server string // base URL of the API
	token  string
	output string // table or json
}

const envPrefix = "GATEHOUSE_"

func (a *app) newRoot() *cobra.Command {
	root := &cobra.Command{
		Use:   "gatehouse",
		Short: "Team management and access control for ML data platforms",
		Long: `Gatehouse decides who may upload, label, review, train, export, pay and hand out keys
on a machine-learning data platform.

  gatehouse serve                 run the server (embedded SQLite by default)
  gatehouse init ...              create the first organization in a database
  gatehouse login ...             get a session token for the management commands

Every flag can also be set in the environment as GATEHOUSE_<FLAG> (dashes as
underscores, e.g. GATEHOUSE_SERVER, GATEHOUSE_TOKEN, GATEHOUSE_DB); a flag on the
command line wins.`,
		SilenceUsage:      true,
		SilenceErrors:     true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return a.applyEnv(cmd) },
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	pf := root.PersistentFlags()
	pf.StringVar(&a.server, "server", "http://127.0.0.1:8080", "address of the Gatehouse server (management commands)")
	pf.StringVar(&a.token, "token", "", "session token or secret key (gsk_...) for the management commands")
	pf.StringVarP(&a.output, "output", "o", "table", "output format: table or json")
	root.AddCommand(
		a.newServeCmd(),
		a.newInitCmd(),
		a.newMatrixCmd(),
		a.newSchemeCmd(),
		a.newLoginCmd(),
		a.newLogoutCmd(),
		a.newMeCmd(),
		a.newOrgCmd(),
		a.newMemberCmd(),
		a.newInviteCmd(),
		a.newGrantCmd(),
		a.newRoleCmd(),
		a.newCollectionCmd("team"),
		a.newCollectionCmd("group"),
		a.newResourceCmd(),
		a.newKeyCmd(),
		a.newTokenCmd(),
		a.newSSOCmd(),
		a.newSCIMTokenCmd(),
		a.newCheckCmd(),
		a.newLookupCmd(),
		a.newAuditCmd(),
		a.newReportCmd(),
		a.newAssignmentCmd(),
		a.newReviewCmd(),
		a.newRequestCmd(),
		a.newGateCmd(),
		a.newApprovalCmd(),
	)
	return root
}

// applyEnv fills every flag not given on the command line from its
// GATEHOUSE_ environment variable.
func (a *app) applyEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := a.env(name)
		if !ok || v == "" {
			return
		}
		if e := cmd.Flags().Set(f.Name, v); e != nil {
			err = fmt.Errorf("%s=%q: %v", name, v, e)
		}
	})
	if err != nil {
		return err
	}
	switch a.output {
	case "table", "json":
	default:
		return fmt.Errorf("--output %q: want table or json", a.output)
	}
	return nil
}

// required fails unless every named flag has a value (from the command
// line or the environment).
func required(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		f := cmd.Flags().Lookup(n)
		if f == nil || f.Value.String() == "" || f.Value.String() == "[]" {
			missing = append(missing, "--"+n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %s (or the GATEHOUSE_ environment variable)", strings.Join(missing, ", "))
	}
	return nil
}

// client returns an API client of --server with --token.
func (a *app) client() *client.Client {
	base := a.server
	if !strings.Contains(base, "://") {
		base = "http://" + base
	}
	return &client.Client{BaseURL: strings.TrimRight(base, "/"), Token: a.token, UserAgent: "gatehouse-cli"}
}

// orgFlag adds the --org flag most management commands need.
func orgFlag(cmd *cobra.Command, org *string) {
	cmd.PersistentFlags().StringVar(org, "org", "", "organization id (or GATEHOUSE_ORG)")
}

func needOrg(org string) error {
	if org == "" {
		return errors.New("missing --org (or GATEHOUSE_ORG)")
	}
	return nil
}
