package engines_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/gatehouse/gatehouse/bench/engines"
	"github.com/gatehouse/gatehouse/bench/vi"
)

// TestAgreement loads the same org into every engine and requires every
// answer of the mix to match the generator's reference and so each other.
// GATEHOUSE_BENCH_AGREE_GRANTS sets the size (default 10,000 grants).
func TestAgreement(t *testing.T) {
	n := 10_000
	if s := os.Getenv("GATEHOUSE_BENCH_AGREE_GRANTS"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	org := vi.Generate(vi.Sized(n))
	mix := org.NewMix(vi.DefaultMix)
	want := engines.Expected(org, mix)

	gh, err := engines.NewGatehouse(org)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := engines.NewCasbin(org)
	if err != nil {
		t.Fatal(err)
	}
	mem, err := engines.NewOpenFGAMemory(ctx)
	if err != nil {
		t.Fatal(err)
	}
	lite, err := engines.NewOpenFGASQLite(ctx, filepath.Join(t.TempDir(), "openfga.db"))
	if err != nil {
		t.Fatal(err)
	}
	tuples := engines.OpenFGATuples(org)
	for _, f := range []*engines.OpenFGA{mem, lite} {
		if err := f.Setup(ctx); err != nil {
			t.Fatal(err)
		}
		if err := f.Load(ctx, tuples, 1000, nil); err != nil {
			t.Fatal(err)
		}
	}
	allowed := 0
	for _, a := range want.Checks {
		if a {
			allowed++
		}
	}
	if allowed < len(want.Checks)/4 || allowed > len(want.Checks)*3/4 {
		t.Errorf("mix allows %d of %d checks; want a balanced mix", allowed, len(want.Checks))
	}
	for _, e := range []engines.Engine{gh, cb, mem, lite} {
		got, err := engines.Answer(ctx, e, mix)
		if err != nil {
			t.Fatal(err)
		}
		for i, d := range engines.Compare(mix, "reference", want, e.Name(), got) {
			if i == 10 {
				t.Errorf("... and more")
				break
			}
			t.Errorf("disagreement: %v", d)
		}
		e.Close()
	}
}
