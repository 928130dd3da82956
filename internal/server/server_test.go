package server_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/team"
)

// The demo is the server's own data: the quotas an operator sets for users
// do not stop it from being seeded.
func TestDemoSeedIgnoresUserQuotas(t *testing.T) {
	ctx := context.Background()
	srv, err := server.Start(ctx, server.Config{DB: filepath.Join(t.TempDir(), "g.db"), Demo: true, NoConsole: true,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Quotas: team.Quotas{OrgsPerUser: 1, KeysPerOrg: 1, RolesPerOrg: 1, PendingInvitations: 1}})
	if err != nil {
		t.Fatalf("serve --demo with quotas of 1: %v", err)
	}
	defer func() {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	if srv.Demo == nil || len(srv.Demo.Orgs) != 3 {
		t.Fatalf("demo: %+v", srv.Demo)
	}
}
