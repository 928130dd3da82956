package authz_test

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/scenario"
)

// TestScenarios plays testdata/scenarios against the engine: every kind of
// expectation, reasons and error texts included.
func TestScenarios(t *testing.T) {
	scs, err := scenario.Load("../../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, sc := range scs {
		t.Run(sc.File, func(t *testing.T) {
			total += scenario.Run(t, sc, scenario.NewEngine(t, sc.Scheme, sc.Now))
		})
	}
	t.Logf("%d scenario cases in %d files", total, len(scs))
}

// TestScenariosReference replays every scenario against the naive reference
// model: its checks, lookups and subject lookups (can_grant and access are
// the engine's alone). The expectations were written from the spec, so this
// validates the reference the property tests compare the engine with.
func TestScenariosReference(t *testing.T) {
	scs, err := scenario.Load("../../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		t.Run(sc.File, func(t *testing.T) { scenario.Run(t, sc, scenario.NewReference(t, sc.Scheme)) })
	}
}
