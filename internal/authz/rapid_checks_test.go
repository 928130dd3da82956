package authz_test

import (
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"
)

// defaultRapidChecks is the number of cases each property test runs locally;
// scripts/test.sh sets GATEHOUSE_RAPID_CHECKS=10000 for CI.
const defaultRapidChecks = 500

var rapidChecksOnce sync.Once

// setRapidChecks sets rapid's -rapid.checks from GATEHOUSE_RAPID_CHECKS (or
// the local default) unless -rapid.checks was given on the command line or
// through rapid's own RAPID_CHECKS. Property tests call it first: reading
// the environment inside a test (not in TestMain) lets go test's cache see
// the variable, so changing it reruns the tests.
func setRapidChecks(t *testing.T) {
	n, fromEnv := os.Getenv("GATEHOUSE_RAPID_CHECKS"), true
	_, rapidEnv := os.LookupEnv("RAPID_CHECKS")
	rapidChecksOnce.Do(func() {
		given := false
		flag.Visit(func(f *flag.Flag) { given = given || f.Name == "rapid.checks" })
		if given {
			return
		}
		if n == "" {
			if rapidEnv {
				return // rapid took it as its default
			}
			n, fromEnv = fmt.Sprint(defaultRapidChecks), false
		}
		if err := flag.Set("rapid.checks", n); err != nil {
			t.Fatalf("GATEHOUSE_RAPID_CHECKS=%q (from env: %v): %v", n, fromEnv, err)
		}
	})
}
