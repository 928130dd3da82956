package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/auditchain"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/console"
	"github.com/gatehouse/gatehouse/internal/demo"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/mailer"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/team"
)

// serveOptions are the flags of `gatehouse serve`.
type serveOptions struct {
	db              string
	addr            string
	smtpURL         string
	baseURL         string
	logFormat       string
	logLevel        string
	demo            bool
	shutdownTimeout time.Duration
	trustProxy      bool
	sessionTTL      time.Duration
	sessionIdle     time.Duration
	hashMemoryMiB   int64
	quotas          team.Quotas
	pollInterval    time.Duration
	consistencyWait time.Duration
	retention       int64
	debugAddr       string
	audit           auditOptions
}

const defaultDB = "gatehouse.db"

func (a *app) newServeCmd() *cobra.Command {
	var o serveOptions
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the Gatehouse server",
		Long: `Run the Gatehouse server: the HTTP API under /v1, health checks, metrics and
the OpenAPI document.

--db is a file path (embedded SQLite, created when missing) or a postgres:// or
postgresql:// URL. Without --smtp-url, invitation and password-reset emails
(with their links) are written to the log, and invitation answers carry their
token (development); with it, tokens reach only the recipient's mailbox.
SIGINT or SIGTERM stop the server gracefully.

With --demo, an empty database is first filled with one demonstration
organization per built-in scheme, and their logins are printed.

The audit chains are sealed with the key in --audit-key, kept outside the
database, and each organization's signed chain head is appended to
--audit-checkpoints (at start, every minute while it moves, at shutdown) for
` + "`gatehouse audit verify --checkpoints`" + ` to hold the chain to. Chains of an
older version, made without a key, are verified and resealed at start.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			logger, err := newLogger(a.stderr, o.logFormat, o.logLevel)
			if err != nil {
				return err
			}
			return serve(cmd.Context(), o, logger, a.stdout)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.db, "db", defaultDB, "SQLite file path, or a postgres:// URL")
	f.StringVar(&o.addr, "addr", "127.0.0.1:8080", "address to listen on (host:port)")
	f.StringVar(&o.smtpURL, "smtp-url", "", "SMTP server for invitation emails, e.g. smtp://user:pass@mail:587?from=gatehouse@example.com (default: write them to the log)")
	f.StringVar(&o.baseURL, "base-url", "", "public URL of this server, for links in emails (default http://ADDR)")
	f.StringVar(&o.logFormat, "log-format", "", "log format: text or json (default: text on a terminal, else json)")
	f.StringVar(&o.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	f.BoolVar(&o.demo, "demo", false, "seed demo organizations into an empty database and print their logins")
	f.DurationVar(&o.shutdownTimeout, "shutdown-timeout", 15*time.Second, "how long a graceful shutdown waits for requests in flight")
	f.BoolVar(&o.trustProxy, "trust-proxy", false, "behind one reverse proxy: take the client address from the right-most X-Forwarded-For entry, the one the proxy appended (default: the socket's address)")
	f.DurationVar(&o.sessionTTL, "session-ttl", 7*24*time.Hour, "absolute lifetime of a session")
	f.DurationVar(&o.sessionIdle, "session-idle", 12*time.Hour, "a session unused this long ends (idle timeout)")
	f.Int64Var(&o.hashMemoryMiB, "hash-memory", team.DefaultHashMemory>>20, "memory budget in MiB of password hashes in flight (19 MiB each); with the core count it bounds concurrent hashing, past which sign-ins wait, then get 503")
	f.IntVar(&o.quotas.OrgsPerUser, "max-orgs-per-user", team.DefaultQuotas.OrgsPerUser, "organizations one user may own (create)")
	f.IntVar(&o.quotas.KeysPerOrg, "max-keys-per-org", team.DefaultQuotas.KeysPerOrg, "live secret keys per organization")
	f.IntVar(&o.quotas.RolesPerOrg, "max-roles-per-org", team.DefaultQuotas.RolesPerOrg, "custom roles per organization")
	f.IntVar(&o.quotas.PendingInvitations, "max-pending-invitations", team.DefaultQuotas.PendingInvitations, "pending invitations per organization")
	f.DurationVar(&o.pollInterval, "poll-interval", time.Second, "how often to read the changelog when no notification arrives (replicas on PostgreSQL are also woken by LISTEN/NOTIFY)")
	f.DurationVar(&o.consistencyWait, "consistency-wait", 2*time.Second, "how long a request with at_least_revision waits for this replica to catch up before answering 503")
	f.Int64Var(&o.retention, "changelog-retention", 1_000_000, "revisions of changelog to keep for replicas that fall behind (0 keeps all); a replica behind it rebuilds from the database")
	f.StringVar(&o.debugAddr, "debug-addr", "", "also serve Go's profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; off by default, never expose it")
	f.StringVar(&o.audit.key, "audit-key", "", auditKeyUsage("sealing the audit chains and signing their checkpoints"))
	f.StringVar(&o.audit.checkpoints, "audit-checkpoints", "", "file each organization's signed audit chain head is appended to, as JSON lines to ship off the host "+
		"(default: the database file's path + "+checkpointsSuffix+"; none with PostgreSQL unless given)")
	f.StringSliceVar(&o.audit.acceptBroken, "audit-accept-broken", nil, "ORG:SEQ: key an older version's audit chain of ORG although it fails at SEQ, as the refusal to start named; the break is recorded in its audit.rekey event")
	return cmd
}

// newLogger builds the process logger on w.
func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "" {
		format = "json"
		if isTerminal(w) {
			format = "text"
		}
	}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// isPostgres reports whether db names a PostgreSQL database.
func isPostgres(db string) bool {
	l := strings.ToLower(db)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// openStore opens the SQLite file or PostgreSQL database db names, sealing
// audit events with sealer.
func openStore(ctx context.Context, db string, sealer store.Sealer) (store.Store, error) {
	opts := store.Options{Sealer: sealer}
	if db == "" {
		return nil, errors.New("missing --db")
	}
	if isPostgres(db) {
		return postgres.New(ctx, db, opts)
	}
	return sqlite.New(ctx, db, opts)
}

// redactDB hides a password in a database URL, for logs.
func redactDB(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

func orgIDs(ctx context.Context, st store.Store) ([]string, error) {
	var ids []string
	err := st.View(ctx, func(r store.Reader) error {
		var err error
		ids, err = r.ListOrgIDs()
		return err
	})
	return ids, err
}

// instance is a running server.
type instance struct {
	URL   string // where it listens, http://HOST:PORT
	Addr  string
	svc   *team.Service
	st    store.Store
	cps   *auditchain.Checkpointer // nil without a checkpoints file
	srv   *http.Server
	done  chan error // Serve's result
	log   *slog.Logger
	Demo  *demo.Result
	Empty bool
	// SetupToken opens the console's first-run page on an empty database.
	SetupToken string
}

// discardMailer drops messages: demo invitations are accepted at once.
type discardMailer struct{}

func (discardMailer) Send(context.Context, mailer.Message) error { return nil }

// start opens the store, seeds the demo when asked, loads the engine and
// starts serving on o.addr. Stop it with shutdown.
func start(ctx context.Context, o serveOptions, logger *slog.Logger) (_ *instance, err error) {
	m, err := mailer.New(o.smtpURL, logger)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	if o.db == "" {
		return nil, errors.New("missing --db")
	}
	au, err := openAudited(ctx, o.db, o.audit, logger)
	if err != nil {
		return nil, err
	}
	st := au.st
	defer func() {
		if err != nil {
			st.Close()
		}
	}()
	ids, err := orgIDs(ctx, st)
	if err != nil {
		return nil, fmt.Errorf("read database: %w", err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			ln.Close()
		}
	}()
	in := &instance{Addr: ln.Addr().String(), st: st, log: logger, done: make(chan error, 1), Empty: len(ids) == 0}
	in.URL = "http://" + linkHost(ln.Addr())
	base := o.baseURL
	if base == "" {
		base = in.URL
	}

	if o.demo && in.Empty {
		logger.Info("seeding demo organizations (a few seconds)", "db", redactDB(o.db))
		began := time.Now()
		// A service of its own, silent about mail, seeds before the
		// serving one loads: the engine has a single writer at a time.
		seeder := team.New(team.Config{AuditKey: au.key, Store: st, Engine: authz.New(), Mailer: discardMailer{}, Logger: logger, BaseURL: base,
			RevealInvitationTokens: true})
		if err := seeder.Load(ctx); err != nil {
			return nil, err
		}
		res, err := demo.Seed(ctx, seeder)
		seeder.Close()
		if err != nil {
			return nil, fmt.Errorf("seed demo: %w", err)
		}
		in.Demo = res
		in.Empty = false
		logger.Info("demo organizations seeded", "orgs", len(res.Orgs), "logins", len(res.Logins), "took", time.Since(began).Round(time.Millisecond).String())
		ids = make([]string, len(res.Orgs))
	}

	if o.sessionTTL < 0 || o.sessionIdle < 0 || o.hashMemoryMiB < 0 {
		return nil, errors.New("--session-ttl, --session-idle and --hash-memory must not be negative")
	}
	if q := o.quotas; q.OrgsPerUser < 0 || q.KeysPerOrg < 0 || q.RolesPerOrg < 0 || q.PendingInvitations < 0 {
		return nil, errors.New("--max-orgs-per-user, --max-keys-per-org, --max-roles-per-org and --max-pending-invitations must not be negative (0 takes the default)")
	}
	cfg := team.Config{Store: st, Engine: authz.New(), Mailer: m, Logger: logger, BaseURL: base,
		SessionTTL: o.sessionTTL, SessionIdle: o.sessionIdle, HashMemory: o.hashMemoryMiB << 20, Quotas: o.quotas,
		PollInterval: o.pollInterval, ConsistencyWait: o.consistencyWait, ChangelogRetention: o.retention, AuditKey: au.key}
	if au.checkpoints != "" {
		// After the demo seed, so its events are in the first round.
		in.cps, err = auditchain.StartCheckpoints(ctx, auditchain.CheckpointConfig{Store: st, Key: au.key,
			Path: au.checkpoints, Known: au.known, Logger: logger})
		if err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				in.closeCheckpoints()
			}
		}()
		cfg.AuditCheckpoints = in.cps
	}
	in.svc = team.New(cfg)
	if err := in.svc.Load(ctx); err != nil {
		in.svc.Close()
		return nil, fmt.Errorf("load: %w", err)
	}
	if in.Empty {
		// The console's first-run page creates the first organization
		// from a browser for whoever knows this one-time token.
		in.SetupToken = rand.Text()
	}
	ui, err := console.New(console.Config{Service: in.svc, Logger: logger, SetupToken: in.SetupToken,
		Secure: strings.HasPrefix(base, "https://"), TrustProxy: o.trustProxy})
	if err != nil {
		in.svc.Close()
		return nil, fmt.Errorf("console: %w", err)
	}
	handler := httpapi.New(httpapi.Config{Service: in.svc, Store: st, Logger: logger, Console: ui, TrustProxy: o.trustProxy})
	in.srv = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	go func() { in.done <- in.srv.Serve(ln) }()
	logger.Info("gatehouse listening", "addr", in.Addr, "url", in.URL, "db", redactDB(o.db), "orgs", len(ids),
		"mail", mailMode(o.smtpURL), "hash_slots", in.svc.HashSlots())
	return in, nil
}

func mailMode(smtpURL string) string {
	if smtpURL == "" {
		return "log"
	}
	return "smtp"
}

// linkHost is addr as a host to put in links: an unspecified address
// (0.0.0.0, ::) becomes localhost.
func linkHost(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

// shutdown stops accepting, waits up to timeout for requests in flight,
// then stops the service and closes the store.
func (in *instance) shutdown(timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := in.srv.Shutdown(ctx)
	if err != nil {
		in.log.Warn("requests still in flight at the shutdown deadline; closing them", "err", err)
		in.srv.Close()
	}
	in.svc.Close()
	if cerr := in.closeCheckpoints(); cerr != nil && err == nil {
		err = cerr
	}
	if cerr := in.st.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// closeCheckpoints writes the last round of checkpoints, once nothing
// writes any more, and closes their file. It has time of its own: the
// shutdown deadline may be spent on requests, and this round matters more.
func (in *instance) closeCheckpoints() error {
	if in.cps == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := in.cps.Close(ctx); err != nil {
		in.log.Error("audit checkpoints: the last round was not written", "err", err)
		return err
	}
	return nil
}

func serve(ctx context.Context, o serveOptions, logger *slog.Logger, stdout io.Writer) error {
	in, err := start(ctx, o, logger)
	if err != nil {
		return err
	}
	if o.debugAddr != "" {
		stop, err := serveDebug(o.debugAddr, logger)
		if err != nil {
			in.shutdown(o.shutdownTimeout)
			return fmt.Errorf("--debug-addr: %w", err)
		}
		defer stop()
	}
	switch {
	case in.Demo != nil:
		printDemo(stdout, in.URL, in.Demo)
	case o.demo:
		logger.Info("database is not empty: serving it as it is, no demo seeding", "db", redactDB(o.db))
		fmt.Fprintf(stdout, "Gatehouse is serving %s at %s (the database already holds organizations, so no demo data was added).\n", redactDB(o.db), in.URL)
	case in.Empty:
		logger.Warn("the database holds no organization yet: create the first one in a browser at the setup URL, "+
			"or with `gatehouse init` (this server picks it up within a second)",
			"setup_url", in.URL+"/setup?token="+in.SetupToken, "command", initCommand(o.db, o.audit.key))
	}
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", o.shutdownTimeout.String())
	case err := <-in.done:
		in.svc.Close()
		in.closeCheckpoints()
		in.st.Close()
		return fmt.Errorf("serve: %w", err)
	}
	if err := in.shutdown(o.shutdownTimeout); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// serveDebug serves Go's profiler on its own listener, apart from the API
// (whose mux never routes /debug/), for profiling a server under load.
func serveDebug(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	logger.Warn("profiler listening; do not expose it", "addr", ln.Addr().String())
	return func() { srv.Close() }, nil
}

// initCommand is the command line that creates the first organization in
// db, with the audit key file the server was given (init must seal with it).
func initCommand(db, auditKey string) string {
	cmd := "gatehouse init --db " + shellQuote(redactDB(db))
	if auditKey != "" {
		cmd += " --audit-key " + shellQuote(auditKey)
	}
	return cmd + " --org acme --name \"Acme\" --scheme vi --owner-email you@example.com --owner-password 'choose-a-password'"
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	if strings.ContainsAny(s, " \"'$&;|<>()") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}

func printDemo(w io.Writer, baseURL string, res *demo.Result) {
	fmt.Fprintf(w, "\nGatehouse demo is running at %s (open it in a browser for the console)\n", baseURL)
	fmt.Fprintf(w, "Every login below has the password: %s\n\n", res.Password)
	t := newTW(w)
	t.row("ORG", "EMAIL", "ROLE", "ACCESS")
	for _, l := range res.Logins {
		t.row(l.Org, l.Email, l.Role, l.Access)
	}
	t.flush()
	fmt.Fprintln(w, "\nSecret keys (bootstrap key of each org, org role admin or the top role):")
	t = newTW(w)
	for _, o := range res.Orgs {
		t.row("  "+o.ID, "scheme "+o.Scheme, o.Key)
	}
	t.flush()
	if len(res.Orgs) > 0 {
		o := res.Orgs[0]
		fmt.Fprintf(w, "\nTry it:\n")
		fmt.Fprintf(w, "  curl -s -H 'Authorization: Bearer %s' %s/v1/orgs/%s/members\n", o.Key, baseURL, o.ID)
		fmt.Fprintf(w, "  export GATEHOUSE_SERVER=%s\n", baseURL)
		fmt.Fprintf(w, "  export GATEHOUSE_TOKEN=$(go run ./cmd/gatehouse login --email %s --password %s)\n",
			res.Logins[0].Email, res.Password)
		fmt.Fprintf(w, "  go run ./cmd/gatehouse member list --org %s\n\n", o.ID)
	}
}
