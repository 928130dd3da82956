package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/internal/demo"
	"github.com/gatehouse/gatehouse/internal/plan"
	"github.com/gatehouse/gatehouse/internal/server"
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
	ssoIssuerHosts  []string
	sessionTTL      time.Duration
	sessionIdle     time.Duration
	hashMemoryMiB   int64
	quotas          team.Quotas
	plans           string
	pollInterval    time.Duration
	consistencyWait time.Duration
	retention       int64
	debugAddr       string
	audit           auditOptions
	schemeDir       string
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

--scheme-dir DIR serves the schemes of DIR's *.yaml files beside the built-in
ones (docs/schemes.md). A file that does not validate refuses the start with its
FILE:LINE errors; so does an organization whose records use a permission, role
or resource type its scheme no longer has, with every such record listed.

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
	f.StringSliceVar(&o.ssoIssuerHosts, "sso-issuer-hosts", nil, "hosts an org's SSO may name as its identity provider and its endpoints, e.g. acme.okta.com,*.okta.com,login.microsoftonline.com (default: any)")
	f.BoolVar(&o.trustProxy, "trust-proxy", false, "behind one reverse proxy: take the client address from the right-most X-Forwarded-For entry, the one the proxy appended (default: the socket's address)")
	f.DurationVar(&o.sessionTTL, "session-ttl", 7*24*time.Hour, "absolute lifetime of a session")
	f.DurationVar(&o.sessionIdle, "session-idle", 12*time.Hour, "a session unused this long ends (idle timeout)")
	f.Int64Var(&o.hashMemoryMiB, "hash-memory", team.DefaultHashMemory>>20, "memory budget in MiB of password hashes in flight (19 MiB each); with the core count it bounds concurrent hashing, past which sign-ins wait, then get 503")
	f.IntVar(&o.quotas.OrgsPerUser, "max-orgs-per-user", team.DefaultQuotas.OrgsPerUser, "organizations one user may own (create)")
	f.IntVar(&o.quotas.KeysPerOrg, "max-keys-per-org", team.DefaultQuotas.KeysPerOrg, "live secret keys per organization")
	f.IntVar(&o.quotas.RolesPerOrg, "max-roles-per-org", team.DefaultQuotas.RolesPerOrg, "custom roles per organization")
	f.IntVar(&o.quotas.PendingInvitations, "max-pending-invitations", team.DefaultQuotas.PendingInvitations, "pending invitations per organization")
	f.StringVar(&o.plans, "plans", "", "YAML file of the plans organizations may be on and their limits, replacing the built-in free, team, business and enterprise (see docs/plans.md)")
	f.DurationVar(&o.pollInterval, "poll-interval", time.Second, "how often to read the changelog when no notification arrives (replicas on PostgreSQL are also woken by LISTEN/NOTIFY)")
	f.DurationVar(&o.consistencyWait, "consistency-wait", 2*time.Second, "how long a request with at_least_revision waits for this replica to catch up before answering 503")
	f.Int64Var(&o.retention, "changelog-retention", 1_000_000, "revisions of changelog to keep for replicas that fall behind (0 keeps all); a replica behind it rebuilds from the database")
	f.StringVar(&o.debugAddr, "debug-addr", "", "also serve Go's profiler (/debug/pprof/) on this address, e.g. 127.0.0.1:6060; off by default, never expose it")
	schemeDirFlag(f, &o.schemeDir)
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

// config is the server configuration the flags describe.
func (o serveOptions) config(logger *slog.Logger) (server.Config, error) {
	accept, err := server.ParseAcceptBroken(o.audit.acceptBroken)
	if err != nil {
		return server.Config{}, err
	}
	var plans *plan.Catalog
	if o.plans != "" {
		if plans, err = plan.Load(o.plans); err != nil {
			return server.Config{}, err
		}
	}
	return server.Config{DB: o.db, Plans: plans, SchemeDir: o.schemeDir, Audit: server.AuditFiles{Key: o.audit.key, Checkpoints: o.audit.checkpoints, AcceptBroken: accept},
		Addr: o.addr, BaseURL: o.baseURL, Logger: logger, SMTPURL: o.smtpURL, Demo: o.demo, TrustProxy: o.trustProxy, SSOIssuerHosts: o.ssoIssuerHosts,
		SessionTTL: o.sessionTTL, SessionIdle: o.sessionIdle, HashMemory: o.hashMemoryMiB << 20, Quotas: o.quotas,
		PollInterval: o.pollInterval, ConsistencyWait: o.consistencyWait, ChangelogRetention: o.retention}, nil
}

// start starts the server the flags describe.
func start(ctx context.Context, o serveOptions, logger *slog.Logger) (*server.Server, error) {
	cfg, err := o.config(logger)
	if err != nil {
		return nil, err
	}
	return server.Start(ctx, cfg)
}

// shutdown stops in, waiting up to timeout for requests in flight.
func shutdown(in *server.Server, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return in.Shutdown(ctx)
}

func serve(ctx context.Context, o serveOptions, logger *slog.Logger, stdout io.Writer) error {
	in, err := start(ctx, o, logger)
	if err != nil {
		return err
	}
	if o.debugAddr != "" {
		stop, err := serveDebug(o.debugAddr, logger)
		if err != nil {
			shutdown(in, o.shutdownTimeout)
			return fmt.Errorf("--debug-addr: %w", err)
		}
		defer stop()
	}
	switch {
	case in.Demo != nil:
		printDemo(stdout, in.URL, in.Demo)
	case o.demo:
		logger.Info("database is not empty: serving it as it is, no demo seeding", "db", server.RedactDB(o.db))
		fmt.Fprintf(stdout, "Gatehouse is serving %s at %s (the database already holds organizations, so no demo data was added).\n", server.RedactDB(o.db), in.URL)
	case in.Empty:
		logger.Warn("the database holds no organization yet: create the first one in a browser at the setup URL, "+
			"or with `gatehouse init` (this server picks it up within a second)",
			"setup_url", in.URL+"/setup?token="+in.SetupToken, "command", initCommand(o.db, o.audit.key))
	}
	select {
	case <-ctx.Done():
		logger.Info("shutting down", "timeout", o.shutdownTimeout.String())
	case err := <-in.Done():
		shutdown(in, o.shutdownTimeout)
		return fmt.Errorf("serve: %w", err)
	}
	if err := shutdown(in, o.shutdownTimeout); err != nil {
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
	cmd := "gatehouse init --db " + shellQuote(server.RedactDB(db))
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
