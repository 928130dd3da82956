// Package servertest starts real Gatehouse servers for tests: server.Start
// over a real SQLite file or a real PostgreSQL database (from pgtest), on
// loopback, with the pieces tests watch and move: a clock, a mailbox, the
// server log, and the secrets it showed. Every test harness starts its
// servers here, so they are wired exactly as `gatehouse serve` is.
//
// A package whose tests use the postgres backend runs them under
// pgtest.Main in its TestMain.
package servertest

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the raw SQL of postgres tests
	_ "modernc.org/sqlite"             // and of SQLite tests

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/mailer"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// Backends are the stores end-to-end tests run against.
var Backends = []string{"sqlite", "postgres"}

// Options say what to start; the zero value is a SQLite server in a
// temporary directory with a new audit key.
type Options struct {
	Backend string // "sqlite" (default) or "postgres"
	Dir     string // the SQLite file's directory; default t.TempDir()
	PGURL   string // a PostgreSQL database to share; default a new one
	Key     *audit.Key
	// Wrap, when set, wraps the store the server is given (a store whose
	// reads can be made to fail, say).
	Wrap func(store.Store) store.Store
	// Config is everything else. Store, AuditKey, Now, Mailer and Logger
	// are the Env's unless set.
	Config server.Config
	// KeepLog shows the server log in the test output when the test fails.
	KeepLog bool
}

// Env is a running server and what its test watches.
type Env struct {
	*server.Server
	Backend string
	DSN     string // the SQLite file or the PostgreSQL URL
	Key     *audit.Key
	Clock   *Clock
	Mail    *Mailbox
	Logs    *LogBuffer
	Secrets *Secrets
	// Client talks to the server over loopback.
	Client *http.Client
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, o Options) *Env {
	t.Helper()
	e := &Env{Backend: o.Backend, Key: o.Key, Clock: &Clock{}, Mail: &Mailbox{}, Logs: &LogBuffer{}, Secrets: &Secrets{}}
	if e.Backend == "" {
		e.Backend = "sqlite"
	}
	if e.Key == nil {
		e.Key = audit.NewKey()
	}
	st := e.open(t, o)
	if o.Wrap != nil {
		st = o.Wrap(st)
	}
	cfg := o.Config
	cfg.Store, cfg.AuditKey = st, e.Key
	if cfg.Now == nil {
		cfg.Now = e.Clock.Now
	}
	if cfg.Mailer == nil {
		cfg.Mailer = e.Mail
	}
	if cfg.Logger == nil {
		cfg.Logger = e.Logs.Logger()
	}
	srv, err := server.Start(context.Background(), cfg)
	if err != nil {
		st.Close()
		t.Fatalf("start server: %v", err)
	}
	e.Server = srv
	e.Client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		e.Client.CloseIdleConnections()
	})
	t.Cleanup(func() {
		if (t.Failed() && o.KeepLog) || os.Getenv("GATEHOUSE_TEST_LOGS") != "" {
			log, _ := e.Logs.Since(0)
			if len(log) > 50000 {
				log = "…" + log[len(log)-50000:]
			}
			t.Logf("server log:\n%s", log)
		}
	})
	return e
}

func (e *Env) open(t testing.TB, o Options) store.Store {
	t.Helper()
	var st store.Store
	var err error
	opts := store.Options{Sealer: e.Key.Seal}
	switch e.Backend {
	case "sqlite":
		dir := o.Dir
		if dir == "" {
			dir = t.TempDir()
		}
		e.DSN = filepath.Join(dir, "gatehouse.db")
		st, err = sqlite.New(context.Background(), e.DSN, opts)
	case "postgres":
		e.DSN = o.PGURL
		if e.DSN == "" {
			e.DSN = pgtest.URL(t)
		}
		st, err = postgres.New(context.Background(), e.DSN, opts)
	default:
		t.Fatalf("unknown backend %q", e.Backend)
	}
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// Exec runs SQL behind the store's back, to tamper with what it holds.
func (e *Env) Exec(t testing.TB, query string, args ...any) {
	t.Helper()
	driver := "sqlite"
	if e.Backend == "postgres" {
		driver = "pgx"
	}
	db, err := sql.Open(driver, e.DSN)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// Clock is the server's time, which tests move forward, or stop.
type Clock struct {
	mu     sync.Mutex
	offset time.Duration
	frozen time.Time // when set, the time, standing still
}

func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.frozen.IsZero() {
		return c.frozen.Add(c.offset)
	}
	return time.Now().Add(c.offset)
}

// Set stops the clock at t, for tests that ask about exact instants.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frozen, c.offset = t, 0
}

func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// Mailbox keeps what the server mails.
type Mailbox struct {
	// Max bounds what is kept, the oldest dropped first, for tests that
	// send thousands; 0 keeps everything.
	Max  int
	mu   sync.Mutex
	msgs []mailer.Message
}

func (m *Mailbox) Send(_ context.Context, msg mailer.Message) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	if m.Max > 0 && len(m.msgs) > m.Max {
		m.msgs = append([]mailer.Message(nil), m.msgs[len(m.msgs)-m.Max/2:]...)
	}
	return nil
}

// All is every message kept, oldest first.
func (m *Mailbox) All() []mailer.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]mailer.Message(nil), m.msgs...)
}

// LogBuffer collects the server log.
type LogBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// Since returns what was written from offset on, and the new offset.
func (l *LogBuffer) Since(off int) (string, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.b.Bytes()
	off = min(off, len(b))
	return string(b[off:]), len(b)
}

// Logger logs everything, as JSON, into the buffer.
func (l *LogBuffer) Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// Secrets are the tokens, keys and passwords a test saw the server show or
// gave it, to look for where they must never appear.
type Secrets struct {
	mu sync.Mutex
	m  map[string]bool
}

func (s *Secrets) Remember(secret string) {
	if secret == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]bool{}
	}
	s.m[secret] = true
}

// Forget drops secrets a test no longer needs looked for.
func (s *Secrets) Forget(secrets ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range secrets {
		delete(s.m, k)
	}
}

// Known is every secret remembered.
func (s *Secrets) Known() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.m))
	for k := range s.m {
		out = append(out, k)
	}
	return out
}
