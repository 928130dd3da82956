package seed_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/engines"
	"github.com/gatehouse/gatehouse/bench/seed"
	"github.com/gatehouse/gatehouse/bench/vi"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestSeedSQLite writes an org into SQLite and reads it back as the server
// does at start: the engine built from the stored snapshot must answer the
// mix like the generator's reference.
func TestSeedSQLite(t *testing.T) {
	n := 2000
	if s := os.Getenv("GATEHOUSE_BENCH_SEED_GRANTS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	ctx := context.Background()
	st, err := sqlite.New(ctx, filepath.Join(t.TempDir(), "g.db"), store.Options{Sealer: audit.NewKey().Seal})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	o := vi.Generate(vi.Sized(n))
	t0 := time.Now()
	secret, err := seed.Gatehouse(ctx, st, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d grants in %s", n, time.Since(t0))
	if secret == "" {
		t.Fatal("no secret")
	}
	t0 = time.Now()
	snap, err := store.Read(ctx, st, func(r store.Reader) (domain.Snapshot, error) { return r.Snapshot(vi.OrgID) })
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("snapshot read in %s", time.Since(t0))
	gh, err := engines.NewGatehouseFrom(&snap)
	if err != nil {
		t.Fatal(err)
	}
	mix := o.NewMix(vi.DefaultMix)
	got, err := engines.Answer(ctx, gh, mix)
	if err != nil {
		t.Fatal(err)
	}
	// The stored org also holds the benchmark key (an admin): it is not a
	// user, so the mix's answers do not change.
	for _, d := range engines.Compare(mix, "reference", engines.Expected(o, mix), "stored", got) {
		t.Error(d)
	}
}
