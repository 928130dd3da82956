package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/team"
)

func (a *app) newInitCmd() *cobra.Command {
	var db, org, name, schemeID, email, password string
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
			res, err := bootstrap(cmd.Context(), db, org, name, schemeID, email, password)
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
	return cmd
}

func bootstrap(ctx context.Context, db, org, name, schemeID, email, password string) (team.BootstrapResult, error) {
	st, err := openStore(ctx, db)
	if err != nil {
		return team.BootstrapResult{}, err
	}
	defer st.Close()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := team.New(team.Config{Store: st, Engine: authz.New(nil), Logger: quiet})
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

// verifyLocal verifies audit chains straight from a database.
func verifyLocal(ctx context.Context, db, org string) ([]orgVerification, error) {
	st, err := openStore(ctx, db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ids := []string{org}
	if org == "" {
		if ids, err = orgIDs(ctx, st); err != nil {
			return nil, err
		}
		slices.Sort(ids)
	} else if all, err := orgIDs(ctx, st); err != nil {
		return nil, err
	} else if !slices.Contains(all, org) {
		return nil, fmt.Errorf("organization %q not found in %s", org, redactDB(db))
	}
	out := make([]orgVerification, 0, len(ids))
	for _, id := range ids {
		v, err := team.VerifyStore(ctx, st, id)
		if err != nil {
			return nil, fmt.Errorf("verify %s: %w", id, err)
		}
		out = append(out, orgVerification{Org: id, OK: v.OK, Events: v.Events, FirstBadSeq: v.FirstBadSeq})
	}
	return out, nil
}

// orgVerification is one org's line of `audit verify`.
type orgVerification struct {
	Org         string `json:"org"`
	OK          bool   `json:"ok"`
	Events      int64  `json:"events"`
	FirstBadSeq int64  `json:"first_bad_seq,omitempty"`
}
