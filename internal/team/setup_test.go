package team_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/team"
)

func TestInitialized(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.New(ctx, filepath.Join(t.TempDir(), "g.db"), store.Options{Sealer: audit.Seal})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := team.New(team.Config{Store: st, Engine: authz.New(nil)})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := svc.Initialized(ctx); err != nil || ok {
		t.Fatalf("empty store: Initialized = %v, %v; want false", ok, err)
	}
	if _, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse"); err != nil {
		t.Fatal(err)
	}
	if ok, err := svc.Initialized(ctx); err != nil || !ok {
		t.Fatalf("after bootstrap: Initialized = %v, %v; want true", ok, err)
	}
}
