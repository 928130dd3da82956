//go:build race

package e2e

// raceEnabled: the servers under test are built with the race detector
// when the tests are.
const raceEnabled = true
