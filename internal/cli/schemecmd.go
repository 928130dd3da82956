package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/schemesuite"
	"github.com/gatehouse/gatehouse/internal/team"
)

// Exit statuses of the scheme commands, as `fga model test` and test
// runners have them: a failed check is not a broken input.
const (
	exitFailed  = 1
	exitInvalid = 2
)

func (a *app) newSchemeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "scheme",
		Short: "Validate scheme files and run scheme test suites (no server needed)",
		Long: `Work on scheme files, the role models Gatehouse serves with --scheme-dir
(docs/schemes.md explains the format).`,
	}
	cmd.AddCommand(a.newSchemeValidateCmd(), a.newSchemeTestCmd())
	return cmd
}

// schemeFileResult is one file of `scheme validate`.
type schemeFileResult struct {
	File        string   `json:"file"`
	ID          string   `json:"id,omitempty"`
	Valid       bool     `json:"valid"`
	Types       int      `json:"resource_types,omitempty"`
	Permissions int      `json:"permissions,omitempty"`
	Roles       int      `json:"roles,omitempty"`
	Errors      []string `json:"errors,omitempty"`
}

func (a *app) newSchemeValidateCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Check scheme files as serve --scheme-dir would",
		Long: `Check each scheme file as serve --scheme-dir would load it: the format, every
reference between its parts, the permissions the management policy needs, and an
id that is not a built-in scheme's. Each problem is printed as FILE:LINE: what is
wrong. The exit status is 0 when every file is valid, 2 otherwise.`,
		Example: "  gatehouse scheme validate schemes/radiology.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			var out []schemeFileResult
			bad := false
			for _, f := range files {
				r := schemeFileResult{File: f}
				s, err := loadSchemeFile(f)
				if err != nil {
					r.Errors = strings.Split(err.Error(), "\n")
					bad = true
				} else {
					r.ID, r.Valid, r.Types, r.Permissions, r.Roles = s.ID, true, len(s.Types), len(s.Permissions), len(s.Roles)
				}
				out = append(out, r)
			}
			if a.output == "json" {
				if err := writeJSON(a.stdout, out); err != nil {
					return err
				}
			} else {
				for _, r := range out {
					if r.Valid {
						fmt.Fprintf(a.stdout, "%s: ok (scheme %s: %d resource types, %d permissions, %d roles)\n", r.File, r.ID, r.Types, r.Permissions, r.Roles)
					}
					for _, e := range r.Errors {
						fmt.Fprintln(a.stderr, e)
					}
				}
			}
			if bad {
				return &exitError{code: exitInvalid}
			}
			return nil
		},
	}
}

// loadSchemeFile parses a scheme file and holds it to what serving it
// needs beyond the format: an id of its own and the management policy's
// permissions.
func loadSchemeFile(path string) (*scheme.Scheme, error) {
	s, err := scheme.ParseFile(path)
	if err != nil {
		return nil, err
	}
	var errs []string
	if scheme.Builtin(s.ID) {
		errs = append(errs, fmt.Sprintf("%s:%d: scheme id %q is a built-in scheme's; choose another id", path, s.Line("id"), s.ID))
	}
	if err := team.ValidateScheme(s); err != nil {
		errs = append(errs, fmt.Sprintf("%s:%d: %v", path, s.Line("permissions"), err))
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "\n"))
	}
	return s, nil
}

// suiteRun is the answer of `scheme test`.
type suiteRun struct {
	Suites  []*schemesuite.Report `json:"suites"`
	Invalid []invalidSuite        `json:"invalid"`
	Passed  int                   `json:"passed"`
	Failed  int                   `json:"failed"`
}

type invalidSuite struct {
	File   string   `json:"file"`
	Errors []string `json:"errors"`
}

func (a *app) newSchemeTestCmd() *cobra.Command {
	var schemeDir string
	cmd := &cobra.Command{
		Use:   "test SUITE...",
		Short: "Run scheme test suites: a scheme, a state, and the decisions it must give",
		Long: `Run each suite file against the decision engine, in process: put its state
(members, custom roles, teams, groups, keys, resources, grants) into an
organization of its scheme, then ask every check and compare the decision with
its want (allow or deny). A failure names the check, the decision wanted, the
one given and why the engine gave it.

The exit status is 0 when every check passes, 1 when one fails, 2 when a suite
cannot be run (unreadable, an unknown field, a scheme that does not validate, a
state the scheme refuses). A suite names its scheme by file (relative to the
suite) or by id: a built-in scheme, or one of --scheme-dir. docs/schemes.md
describes the suite format.`,
		Example: "  gatehouse scheme test testdata/schemes/radiology_test.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			if err := registerSchemeDir(schemeDir); err != nil {
				return &exitError{code: exitInvalid, msg: err.Error()}
			}
			run := suiteRun{Suites: []*schemesuite.Report{}, Invalid: []invalidSuite{}}
			for _, f := range files {
				rep, err := runSuite(f)
				if err != nil {
					run.Invalid = append(run.Invalid, invalidSuite{File: f, Errors: strings.Split(err.Error(), "\n")})
					continue
				}
				run.Suites = append(run.Suites, rep)
				run.Passed += rep.Passed
				run.Failed += rep.Failed
			}
			if a.output == "json" {
				if err := writeJSON(a.stdout, run); err != nil {
					return err
				}
			} else {
				a.printSuites(run)
			}
			switch {
			case len(run.Invalid) > 0:
				return &exitError{code: exitInvalid}
			case run.Failed > 0:
				return &exitError{code: exitFailed}
			}
			return nil
		},
	}
	schemeDirFlag(cmd.Flags(), &schemeDir)
	return cmd
}

func runSuite(file string) (*schemesuite.Report, error) {
	s, err := schemesuite.Load(file)
	if err != nil {
		return nil, err
	}
	var sc *scheme.Scheme
	if path := s.SchemeFile(); path != "" {
		if sc, err = loadSchemeFile(path); err != nil {
			return nil, err
		}
	} else if known, ok := scheme.Get(s.Scheme); ok {
		sc = known
	} else {
		return nil, fmt.Errorf("%s: scheme %q: neither a file (name it with .yaml, relative to the suite) nor a known scheme (%s)",
			file, s.Scheme, strings.Join(scheme.Names(), ", "))
	}
	return schemesuite.Run(s, sc)
}

func (a *app) printSuites(run suiteRun) {
	for _, inv := range run.Invalid {
		for _, e := range inv.Errors {
			fmt.Fprintln(a.stderr, e)
		}
	}
	for _, rep := range run.Suites {
		for _, r := range rep.Results {
			c := r.Check
			what := fmt.Sprintf("%s %s %s", c.Subject, c.Permission, orgIfEmpty(c.Resource))
			if c.Channel != "" {
				what += " channel " + c.Channel
			}
			if c.Name != "" {
				what = c.Name + ": " + what
			}
			if r.Pass {
				fmt.Fprintf(a.stdout, "PASS %s:%d %s: %s: %s\n", rep.File, r.Line, what, r.Got, r.Reason)
				continue
			}
			fmt.Fprintf(a.stdout, "FAIL %s:%d %s: want %s, got %s: %s\n", rep.File, r.Line, what, r.Want, r.Got, r.Reason)
		}
	}
	fmt.Fprintf(a.stdout, "%d passed, %d failed", run.Passed, run.Failed)
	if len(run.Invalid) > 0 {
		fmt.Fprintf(a.stdout, ", %d suite(s) not run: invalid", len(run.Invalid))
	}
	fmt.Fprintln(a.stdout)
}

func orgIfEmpty(resource string) string {
	if resource == "" {
		return "org"
	}
	return resource
}
