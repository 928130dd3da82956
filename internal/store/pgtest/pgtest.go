package pgtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// SkipEnv, set to 1, turns "PostgreSQL is not installed" into a skip.
const SkipEnv = "GATEHOUSE_SKIP_POSTGRES"

var (
	startOnce sync.Once
	srv       *server
	startErr  error
	dbCounter atomic.Int64
)

// URL returns the connection URL of a new, empty database that lives until
// t ends.
func URL(t testing.TB) string {
	t.Helper()
	startOnce.Do(func() { srv, startErr = start() })
	if errors.Is(startErr, errNotInstalled) {
		if os.Getenv(SkipEnv) == "1" {
			t.Skipf("pgtest: %v (%s=1)", startErr, SkipEnv)
		}
		t.Fatalf("pgtest: %v: run `make test`, which installs it, or set %s=1 to skip these tests", startErr, SkipEnv)
	}
	if startErr != nil {
		t.Fatalf("pgtest: starting PostgreSQL: %v", startErr)
	}

	name := dbName(dbCounter.Add(1), t.Name())
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := srv.admin(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		// FORCE: a pool the test forgot to close must not keep the
		// database (and the disk it uses) alive.
		if err := srv.admin(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	return srv.url(name)
}

// Main runs the tests, stops the server if one started, and exits.
func Main(m *testing.M) {
	code := m.Run()
	if srv != nil {
		if err := srv.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: stopping PostgreSQL: %v\n", err)
		}
	}
	os.Exit(code)
}

// dbName makes a database name unique within the server and still
// recognizable in its logs: "t<n>_<test name>", within PostgreSQL's 63
// bytes.
func dbName(n int64, testName string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "t%d_", n)
	for _, r := range strings.ToLower(testName) {
		if b.Len() >= 63 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}
