package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

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
