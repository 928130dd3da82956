// Package pgtest gives tests a real PostgreSQL database.
//
// The first call to URL in a test binary starts one private server — Debian's
// binaries from /usr/lib/postgresql/*/bin, a fresh data directory in a temp
// dir, listening only on a unix socket there, fsync off — and every call
// creates a new empty database on it, dropped when the test ends. A package
// using it calls Main from TestMain so the server stops when the binary
// exits:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		url := pgtest.URL(t) // postgres://postgres@/t3_something?host=/tmp/...
//		...
//	}
//
// Without PostgreSQL installed, URL fails the test with a hint to run
// `make test` (which installs it), unless GATEHOUSE_SKIP_POSTGRES=1 is set, in
// which case it skips. A server left behind by a run that crashed is found
// and stopped by the next run.
package pgtest
