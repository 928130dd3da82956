// Package server is Gatehouse's composition root: it opens the database
// with its audit key, builds the use cases, the console and the HTTP API
// over them, and serves them. `gatehouse serve` and `gatehouse init`, the
// benchmarks and every test harness start Gatehouse through it, so what is
// tested is what ships.
package server

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain"
	"github.com/gatehouse/gatehouse/internal/console"
	"github.com/gatehouse/gatehouse/internal/demo"
	"github.com/gatehouse/gatehouse/internal/httpapi"
	"github.com/gatehouse/gatehouse/internal/mailer"
	"github.com/gatehouse/gatehouse/internal/plan"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/team"
)

// Config is everything a server is started with. The zero value of a field
// takes the default the serve flag documents.
type Config struct {
	// DB is a SQLite file path or a postgres:// URL; its audit key and
	// checkpoints are as Audit says.
	DB    string
	Audit AuditFiles
	// Store is an already open store instead of DB, sealing with AuditKey
	// (embedders and tests that need the store in hand). The server closes
	// it on Shutdown. Audit checkpoints are not written for it.
	Store    store.Store
	AuditKey *audit.Key

	Addr    string // host:port to listen on; default 127.0.0.1:0
	BaseURL string // public URL for links in emails; default http://ADDR
	Logger  *slog.Logger
	// SMTPURL sends mail through an SMTP server; without it (and without
	// Mailer) mail goes to the log and invitation answers carry their
	// token, for development.
	SMTPURL string
	Mailer  mailer.Mailer
	// SchemeDir is a directory of scheme files (*.yaml) registered beside
	// the built-in schemes before anything else happens; a file that does
	// not validate, an id that shadows a built-in and two files of one id
	// refuse the start.
	SchemeDir string
	// Demo seeds one demonstration organization per built-in scheme into
	// an empty database before serving.
	Demo bool
	// NoConsole serves the API alone.
	NoConsole bool
	// Now is the clock of the use cases and the engine; default time.Now.
	Now func() time.Time

	TrustProxy         bool
	SSOIssuerHosts     []string // team.Config.SSOIssuerHosts
	SessionTTL         time.Duration
	SessionIdle        time.Duration
	HashMemory         int64 // bytes
	HashWait           time.Duration
	Quotas             team.Quotas
	Plans              *plan.Catalog // nil: the built-in plans
	PollInterval       time.Duration
	ConsistencyWait    time.Duration
	ChangelogRetention int64
	// RevealInvitationTokens puts invitation tokens in API answers even
	// with a real Mailer (tests standing in for the development setup).
	RevealInvitationTokens bool

	MaxBodyBytes   int64
	RequestTimeout time.Duration
	Registry       *prometheus.Registry // where metrics go; default a new one
}

// Server is a running Gatehouse.
type Server struct {
	URL  string // where it listens, http://HOST:PORT
	Addr string
	// Demo is what the demo seed made, when it ran.
	Demo *demo.Result
	// Empty says the database holds no organization: SetupToken then opens
	// the console's first-run page.
	Empty      bool
	SetupToken string

	svc     *team.Service
	st      store.Store
	cps     *auditchain.Checkpointer // nil without a checkpoints file
	handler http.Handler
	srv     *http.Server
	done    chan error
	log     *slog.Logger
}

// Service is the use cases the server serves.
func (s *Server) Service() *team.Service { return s.svc }

// Store is the server's store.
func (s *Server) Store() store.Store { return s.st }

// Handler is the server's whole HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Done delivers the error that stopped the server serving on its own
// (the listener failed); it is never sent after Shutdown.
func (s *Server) Done() <-chan error { return s.done }

// discardMailer drops messages: demo invitations are accepted at once.
type discardMailer struct{}

func (discardMailer) Send(context.Context, mailer.Message) error { return nil }

// Start opens the store, seeds the demo when asked, loads the engine and
// serves on cfg.Addr until Shutdown.
func Start(ctx context.Context, cfg Config) (_ *Server, err error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	s := &Server{log: cfg.logger(), done: make(chan error, 1)}
	m, err := cfg.mailer(s.log)
	if err != nil {
		return nil, err
	}
	au, err := cfg.open(ctx, s.log)
	if err != nil {
		return nil, err
	}
	s.st = au.st
	defer func() {
		if err != nil {
			s.st.Close()
		}
	}()
	ids, err := OrgIDs(ctx, s.st)
	if err != nil {
		return nil, fmt.Errorf("read database: %w", err)
	}
	addr := cfg.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			ln.Close()
		}
	}()
	s.Addr, s.Empty = ln.Addr().String(), len(ids) == 0
	s.URL = "http://" + linkHost(ln.Addr())
	base := cfg.BaseURL
	if base == "" {
		base = s.URL
	}
	if cfg.Demo && s.Empty {
		if s.Demo, err = seedDemo(ctx, cfg, au, base, s.log); err != nil {
			return nil, err
		}
		s.Empty = false
		ids = make([]string, len(s.Demo.Orgs))
	}

	tc := cfg.team(au, m, base)
	if au.checkpoints != "" {
		// After the demo seed, so its events are in the first round.
		s.cps, err = auditchain.StartCheckpoints(ctx, auditchain.CheckpointConfig{Store: s.st, Key: au.key,
			Path: au.checkpoints, Known: au.known, Logger: s.log})
		if err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				s.closeCheckpoints()
			}
		}()
		tc.AuditCheckpoints = s.cps
	}
	s.svc = team.New(tc)
	if err := s.svc.Load(ctx); err != nil {
		s.svc.Close()
		return nil, fmt.Errorf("load: %w", err)
	}
	if s.Empty {
		// The console's first-run page creates the first organization
		// from a browser for whoever knows this one-time token.
		s.SetupToken = rand.Text()
	}
	var ui http.Handler
	if !cfg.NoConsole {
		ui, err = console.New(console.Config{Service: s.svc, Logger: s.log, SetupToken: s.SetupToken,
			Secure: strings.HasPrefix(base, "https://"), TrustProxy: cfg.TrustProxy})
		if err != nil {
			s.svc.Close()
			return nil, fmt.Errorf("console: %w", err)
		}
	}
	s.handler = httpapi.New(httpapi.Config{Service: s.svc, Logger: s.log, Console: ui, TrustProxy: cfg.TrustProxy,
		MaxBodyBytes: cfg.MaxBodyBytes, RequestTimeout: cfg.RequestTimeout, Registry: cfg.Registry})
	s.srv = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	go func() {
		if err := s.srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			s.done <- err
		}
	}()
	s.log.Info("gatehouse listening", "addr", s.Addr, "url", s.URL, "db", RedactDB(cfg.DB), "orgs", len(ids),
		"mail", mailMode(cfg), "hash_slots", s.svc.HashSlots())
	return s, nil
}

func (cfg Config) check() error {
	if cfg.DB == "" && cfg.Store == nil {
		return errors.New("missing --db")
	}
	if cfg.SchemeDir != "" {
		// First: every later step (the demo, the use cases, the load) may
		// meet an organization of one of these schemes.
		if err := RegisterSchemes(cfg.SchemeDir); err != nil {
			return err
		}
	}
	if cfg.Store != nil && cfg.AuditKey == nil {
		return errors.New("server: Config.Store needs the AuditKey it seals with")
	}
	if cfg.SessionTTL < 0 || cfg.SessionIdle < 0 || cfg.HashMemory < 0 {
		return errors.New("--session-ttl, --session-idle and --hash-memory must not be negative")
	}
	if q := cfg.Quotas; q.OrgsPerUser < 0 || q.KeysPerOrg < 0 || q.RolesPerOrg < 0 || q.PendingInvitations < 0 {
		return errors.New("--max-orgs-per-user, --max-keys-per-org, --max-roles-per-org and --max-pending-invitations must not be negative (0 takes the default)")
	}
	return nil
}

// RegisterSchemes registers the scheme files of dir (--scheme-dir) beside
// the built-in schemes, each held to the management policy as well as to
// the format, so that a file missing a permission the policy names is
// refused with its name and line rather than at the load.
func RegisterSchemes(dir string) error {
	list, err := scheme.LoadDir(dir)
	if err == nil {
		var errs []error
		for _, s := range list {
			if perr := team.ValidateScheme(s); perr != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %w", s.File, s.Line("permissions"), perr))
			}
		}
		err = errors.Join(errs...)
	}
	if err == nil {
		for _, s := range list {
			if err = scheme.Register(s); err != nil {
				break
			}
		}
	}
	if err != nil {
		return fmt.Errorf("--scheme-dir %s:\n%w", dir, err)
	}
	return nil
}

func (cfg Config) logger() *slog.Logger {
	if cfg.Logger == nil {
		return slog.Default()
	}
	return cfg.Logger
}

func (cfg Config) mailer(logger *slog.Logger) (mailer.Mailer, error) {
	if cfg.Mailer != nil {
		return cfg.Mailer, nil
	}
	m, err := mailer.New(cfg.SMTPURL, logger)
	if err != nil {
		return nil, fmt.Errorf("--smtp-url: %w", err)
	}
	return m, nil
}

func mailMode(cfg Config) string {
	switch {
	case cfg.Mailer != nil:
		return "custom"
	case cfg.SMTPURL == "":
		return "log"
	}
	return "smtp"
}

// open opens the database with its audit key, or takes the store given,
// and keys its chains either way.
func (cfg Config) open(ctx context.Context, logger *slog.Logger) (*audited, error) {
	if cfg.Store == nil {
		return openAudited(ctx, cfg.DB, cfg.Audit, logger)
	}
	if err := keyChains(ctx, cfg.Store, cfg.AuditKey, cfg.Audit.AcceptBroken, nil, logger); err != nil {
		return nil, explainPrepare(err, "the given key", "")
	}
	return &audited{st: cfg.Store, key: cfg.AuditKey}, nil
}

// team is the use cases' configuration.
func (cfg Config) team(au *audited, m mailer.Mailer, base string) team.Config {
	return team.Config{Store: au.st, Now: cfg.Now, Mailer: m, Logger: cfg.logger(), BaseURL: base,
		SessionTTL: cfg.SessionTTL, SessionIdle: cfg.SessionIdle, HashMemory: cfg.HashMemory, HashWait: cfg.HashWait,
		Quotas: cfg.Quotas, Plans: cfg.Plans, PollInterval: cfg.PollInterval, ConsistencyWait: cfg.ConsistencyWait,
		ChangelogRetention: cfg.ChangelogRetention, AuditKey: au.key, RevealInvitationTokens: cfg.RevealInvitationTokens,
		SSOIssuerHosts: cfg.SSOIssuerHosts}
}

// seedDemo fills an empty database with the demo organizations through a
// service of its own, silent about mail, before the serving one loads: the
// engine has a single writer at a time.
func seedDemo(ctx context.Context, cfg Config, au *audited, base string, logger *slog.Logger) (*demo.Result, error) {
	logger.Info("seeding demo organizations (a few seconds)", "db", RedactDB(cfg.DB))
	began := time.Now()
	// The operator's limits are for the people who use the server; the
	// demo is the server's own data and takes the defaults.
	seeder := team.New(team.Config{Store: au.st, Mailer: discardMailer{}, Logger: logger, BaseURL: base,
		AuditKey: au.key, RevealInvitationTokens: true})
	if err := seeder.Load(ctx); err != nil {
		return nil, err
	}
	res, err := demo.Seed(ctx, seeder)
	seeder.Close()
	if err != nil {
		return nil, fmt.Errorf("seed demo: %w", err)
	}
	logger.Info("demo organizations seeded", "orgs", len(res.Orgs), "logins", len(res.Logins), "took", time.Since(began).Round(time.Millisecond).String())
	return res, nil
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

// Shutdown stops accepting, waits until ctx ends for requests in flight,
// then stops the service, writes the last checkpoints and closes the store.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.srv.Shutdown(ctx)
	if err != nil {
		s.log.Warn("requests still in flight at the shutdown deadline; closing them", "err", err)
		s.srv.Close()
	}
	s.svc.Close()
	if cerr := s.closeCheckpoints(); cerr != nil && err == nil {
		err = cerr
	}
	if cerr := s.st.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return err
}

// FlushCheckpoints signs and appends every organization's chain head now,
// rather than at the next round; nothing without a checkpoints file.
func (s *Server) FlushCheckpoints(ctx context.Context) error {
	if s.cps == nil {
		return nil
	}
	return s.cps.Flush(ctx)
}

// closeCheckpoints writes the last round of checkpoints, once nothing
// writes any more, and closes their file. It has time of its own: the
// shutdown deadline may be spent on requests, and this round matters more.
func (s *Server) closeCheckpoints() error {
	if s.cps == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.cps.Close(ctx); err != nil {
		s.log.Error("audit checkpoints: the last round was not written", "err", err)
		return err
	}
	return nil
}

// Init creates an organization with its Owner and an admin secret key in
// cfg's database, without serving: `gatehouse init`.
func Init(ctx context.Context, cfg Config, org, name, schemeID, email, password string) (team.BootstrapResult, error) {
	if err := cfg.check(); err != nil {
		return team.BootstrapResult{}, err
	}
	au, err := cfg.open(ctx, cfg.logger())
	if err != nil {
		return team.BootstrapResult{}, err
	}
	defer au.st.Close()
	tc := cfg.team(au, discardMailer{}, cfg.BaseURL)
	svc := team.New(tc)
	if err := svc.Load(ctx); err != nil {
		return team.BootstrapResult{}, err
	}
	defer svc.Close()
	return svc.Bootstrap(ctx, org, name, schemeID, email, password)
}
