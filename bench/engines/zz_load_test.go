package engines_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/engines"
	"github.com/gatehouse/gatehouse/bench/vi"
)

func TestLoadTimes(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("N"))
	ctx := context.Background()
	t0 := time.Now()
	org := vi.Generate(vi.Sized(n))
	fmt.Println("gen", time.Since(t0))
	t0 = time.Now()
	engines.NewGatehouse(org)
	fmt.Println("gatehouse", time.Since(t0))
	t0 = time.Now()
	engines.NewCasbin(org)
	fmt.Println("casbin", time.Since(t0))
	tuples := engines.OpenFGATuples(org)
	if os.Getenv("MEM") != "" {
		mem, _ := engines.NewOpenFGAMemory(ctx)
		mem.Setup(ctx)
		t0 = time.Now()
		mem.Load(ctx, tuples, 1000, func(d int) {
			if d%10000 == 0 {
				fmt.Println("mem", d, time.Since(t0))
			}
		})
		fmt.Println("openfga mem", time.Since(t0))
	}
	lite, err := engines.NewOpenFGASQLite(ctx, filepath.Join(t.TempDir(), "openfga.db"))
	if err != nil {
		t.Fatal(err)
	}
	lite.Setup(ctx)
	t0 = time.Now()
	lite.Load(ctx, tuples, 1000, func(d int) {
		if d%50000 == 0 {
			fmt.Println("lite", d, time.Since(t0))
		}
	})
	fmt.Println("openfga sqlite", time.Since(t0))
}
