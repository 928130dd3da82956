package cli

import (
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/server"
)

func (a *app) newInitCmd() *cobra.Command {
	var db, org, name, schemeID, email, password, auditKey, schemeDir string
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create an organization, its Owner and an admin secret key in a database",
		Long: `Create an organization with its Owner (a user who logs in with --owner-email and
--owner-password) and a secret key holding the org role admin, straight in the
database: no server needed. A running server on the same database picks the new
organization up within a second.

Prints one JSON object: {"org":"ID","user_id":"u_...","secret_key":"gsk_..."}.
The secret key is shown only here.`,
		Example: `  gatehouse init --db gatehouse.db --org acme --name "Acme" --scheme vi \
    --owner-email owner@acme.example --owner-password 'a long password'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required(cmd, "db", "org", "name", "owner-email", "owner-password"); err != nil {
				return err
			}
			if err := registerSchemeDir(schemeDir); err != nil {
				return err
			}
			if _, ok := scheme.Get(schemeID); !ok {
				return fmt.Errorf("--scheme %q: known are %s", schemeID, strings.Join(scheme.Names(), ", "))
			}
			// What keying the database says (a key made) goes to stderr:
			// stdout is the one JSON object.
			logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			res, err := server.Init(cmd.Context(), server.Config{DB: db, Audit: server.AuditFiles{Key: auditKey}, Logger: logger, SchemeDir: schemeDir},
				org, name, schemeID, email, password)
			if err != nil {
				return err
			}
			return writeJSONCompact(a.stdout, res)
		},
	}
	f := cmd.Flags()
	f.StringVar(&db, "db", defaultDB, "SQLite file path, or a postgres:// URL")
	f.StringVar(&org, "org", "", "organization id: lowercase letters, digits and dashes")
	f.StringVar(&name, "name", "", "organization display name")
	f.StringVar(&schemeID, "scheme", "vi", "role scheme: "+strings.Join(scheme.Names(), ", ")+", or one of --scheme-dir")
	schemeDirFlag(f, &schemeDir)
	f.StringVar(&email, "owner-email", "", "email of the Owner")
	f.StringVar(&password, "owner-password", "", "password of the Owner (at least 8 characters)")
	f.StringVar(&auditKey, "audit-key", "", auditKeyUsage("sealing the audit chains"))
	return cmd
}

// schemeDirFlag adds --scheme-dir, the same on every command that reads
// schemes.
func schemeDirFlag(f *pflag.FlagSet, dir *string) {
	f.StringVar(dir, "scheme-dir", "", "directory of scheme files (*.yaml) to serve beside the built-in schemes (see docs/schemes.md)")
}

// registerSchemeDir registers the schemes of --scheme-dir, when given,
// before a command looks a scheme up.
func registerSchemeDir(dir string) error {
	if dir == "" {
		return nil
	}
	return server.RegisterSchemes(dir)
}

func writeJSONCompact(w io.Writer, v any) error {
	enc := newJSONEncoder(w)
	return enc.Encode(v)
}
