package team_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/team"
)

func TestInitialized(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.New(ctx, filepath.Join(t.TempDir(), "g.db"), store.Options{Sealer: testAuditKey.Seal})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := team.New(team.Config{AuditKey: testAuditKey, Store: st, Engine: authz.New()})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if ok, err := svc.Initialized(ctx); err != nil || ok {
		t.Fatalf("empty store: Initialized = %v, %v; want false", ok, err)
	}
	res, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	// The bootstrap key records its creator as a subject, like CreateKey.
	page, err := svc.ListKeys(ctx, team.Actor{Subject: domain.UserSubject(res.UserID)}, "acme", team.KeyQuery{})
	keys := page.Items
	if err != nil || len(keys) != 1 {
		t.Fatalf("ListKeys = %v, %v", keys, err)
	}
	if want := "user:" + res.UserID; keys[0].CreatedBy != want {
		t.Errorf("bootstrap key created_by = %q, want %q", keys[0].CreatedBy, want)
	}
	if ok, err := svc.Initialized(ctx); err != nil || !ok {
		t.Fatalf("after bootstrap: Initialized = %v, %v; want true", ok, err)
	}
}
