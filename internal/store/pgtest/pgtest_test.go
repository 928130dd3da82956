package pgtest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/gatehouse/gatehouse/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// Each URL is its own database: what one test writes, another cannot see.
func TestURLGivesFreshDatabases(t *testing.T) {
	ctx := context.Background()
	a, b := pgtest.URL(t), pgtest.URL(t)
	if a == b {
		t.Fatalf("two calls returned the same URL %q", a)
	}
	ca, err := pgx.Connect(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	cb, err := pgx.Connect(ctx, b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	if _, err := ca.Exec(ctx, `CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := cb.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = 'only_in_a'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("a table created through one URL is visible through another")
	}
}

// Database names derive from test names; odd ones must still make valid,
// distinct identifiers.
func TestOddTestNames(t *testing.T) {
	for _, name := range []string{"with spaces", "Ünïcode/ünd slashes", "long-" + strings.Repeat("x", 80)} {
		t.Run(name, func(t *testing.T) {
			conn, err := pgx.Connect(context.Background(), pgtest.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			conn.Close(context.Background())
		})
	}
}
