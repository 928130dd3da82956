package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := sqlite.New(context.Background(), filepath.Join(t.TempDir(), "gatehouse.db"),
			store.Options{Sealer: storetest.Seal})
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}

func TestFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	db, err := sqlite.New(context.Background(), path, store.Options{Sealer: storetest.Seal})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("database file mode %o, want 600", mode)
	}
}

// Reopening keeps the data and does not run migrations twice.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "gatehouse.db")
	opts := store.Options{Sealer: storetest.Seal}
	db, err := sqlite.New(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	rev, err := db.Update(ctx, func(tx store.Tx) error { return tx.CreateOrg(domain.Org{ID: "acme", Name: "Acme"}) })
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.New(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	org, err := store.Read(ctx, db, func(r store.Reader) (domain.Org, error) { return r.GetOrg("acme") })
	if err != nil || org.Name != "Acme" {
		t.Errorf("after reopen: %+v, %v", org, err)
	}
	cur, err := store.Read(ctx, db, func(r store.Reader) (int64, error) { return r.CurrentRevision() })
	if err != nil || cur != rev {
		t.Errorf("revision after reopen = %d, %v; want %d", cur, err, rev)
	}
}

func TestRejectsUnsupportedPaths(t *testing.T) {
	for _, path := range []string{"", ":memory:", "file:x.db", "x.db?mode=ro"} {
		if db, err := sqlite.New(context.Background(), path, store.Options{Sealer: storetest.Seal}); err == nil {
			db.Close()
			t.Errorf("New(%q) succeeded", path)
		}
	}
	if _, err := sqlite.New(context.Background(), filepath.Join(t.TempDir(), "x.db"), store.Options{}); err == nil {
		t.Error("New without a Sealer succeeded")
	}
}
