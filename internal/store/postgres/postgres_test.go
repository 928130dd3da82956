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

// Replicas start together: their migrations must not trip over each other.
func TestConcurrentNew(t *testing.T) {
	url := pgtest.URL(t)
	const replicas = 4
	errs := make(chan error, replicas)
	dbs := make(chan *postgres.DB, replicas)
	for range replicas {
		go func() {
			db, err := postgres.New(context.Background(), url, store.Options{Sealer: storetest.Seal})
			errs <- err
			dbs <- db
		}()
	}
	for range replicas {
		if err := <-errs; err != nil {
			t.Error(err)
		}
		if db := <-dbs; db != nil {
			defer db.Close()
		}
	}
}

func TestNewRequiresSealer(t *testing.T) {
	if _, err := postgres.New(context.Background(), "postgres://nowhere.invalid/x", store.Options{}); err == nil {
		t.Error("New without a Sealer succeeded")
	}
}
