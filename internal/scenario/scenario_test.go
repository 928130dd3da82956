package scenario_test

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/scenario"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestServed plays every scenario against the use cases and over HTTP
// through the SDK, on SQLite and on PostgreSQL: what the engine decides,
// the whole server decides the same way. (The engine and the reference
// model run the same files in internal/authz.)
func TestServed(t *testing.T) {
	scs, err := scenario.Load("../../testdata/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	deciders := []struct {
		name string
		new  func(testing.TB, *servertest.Env, string, time.Time) *scenario.Served
	}{{"service", scenario.NewService}, {"sdk", scenario.NewSDK}}
	for _, backend := range servertest.Backends {
		for _, dc := range deciders {
			t.Run(backend+"/"+dc.name, func(t *testing.T) {
				t.Parallel()
				total := 0
				for _, sc := range scs {
					t.Run(sc.File, func(t *testing.T) {
						env := servertest.Start(t, servertest.Options{Backend: backend,
							Config: server.Config{NoConsole: true, PollInterval: 5 * time.Millisecond}})
						total += scenario.Run(t, sc, dc.new(t, env, sc.Scheme, sc.Now))
					})
				}
				t.Logf("%d scenario cases", total)
			})
		}
	}
}
