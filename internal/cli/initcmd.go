package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

func (a *app) newInitCmd() *cobra.Command {
	var db, org, name, schemeID, email, password, auditKey string
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
			if _, ok := scheme.Get(schemeID); !ok {
				return fmt.Errorf("--scheme %q: built in are %s", schemeID, strings.Join(scheme.Names(), ", "))
			}
			// What keying the database says (a key made) goes to stderr:
			// stdout is the one JSON object.
			logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			res, err := bootstrap(cmd.Context(), db, auditOptions{key: auditKey}, logger, org, name, schemeID, email, password)
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
	f.StringVar(&schemeID, "scheme", "vi", "role scheme: "+strings.Join(scheme.Names(), ", "))
	f.StringVar(&email, "owner-email", "", "email of the Owner")
	f.StringVar(&password, "owner-password", "", "password of the Owner (at least 8 characters)")
	f.StringVar(&auditKey, "audit-key", "", auditKeyUsage("sealing the audit chains"))
	return cmd
}

func bootstrap(ctx context.Context, db string, ao auditOptions, logger *slog.Logger, org, name, schemeID, email, password string) (team.BootstrapResult, error) {
	if db == "" {
		return team.BootstrapResult{}, errors.New("missing --db")
	}
	au, err := openAudited(ctx, db, ao, logger)
	if err != nil {
		return team.BootstrapResult{}, err
	}
	st := au.st
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := team.New(team.Config{Store: st, Engine: authz.New(), Logger: quiet, AuditKey: au.key})
	if err := svc.Load(ctx); err != nil {
		return team.BootstrapResult{}, err
	}
	defer svc.Close()
	return svc.Bootstrap(ctx, org, name, schemeID, email, password)
}

func writeJSONCompact(w io.Writer, v any) error {
	enc := newJSONEncoder(w)
	return enc.Encode(v)
}
