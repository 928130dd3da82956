package postgres_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := postgres.New(context.Background(), pgtest.URL(t), store.Options{Sealer: storetest.Seal})
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}
