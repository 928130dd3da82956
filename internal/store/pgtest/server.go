package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

var errNotInstalled = errors.New("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl, no pg_ctl on PATH)")

// port only names the socket file: the server listens on no TCP port.
const port = 5432

// dirPrefix marks our temp dirs so a later run can find stale ones.
const dirPrefix = "gatehouse-pgtest-"

type server struct {
	bin    string // directory holding initdb, pg_ctl
	dir    string // temp dir: socket, log, owner file
	data   string // data directory inside dir
	asUser string // run binaries as this user (when we are root), or ""
}

func start() (*server, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	s := &server{bin: bin}
	var uid, gid = -1, -1
	if os.Geteuid() == 0 {
		// initdb and postgres refuse to run as root.
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("running as root needs a postgres user to run the server as: %w", err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		s.asUser = "postgres"
	}
	base := tempBase()
	sweep(base, s)

	s.dir, err = os.MkdirTemp(base, dirPrefix+"*")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(s.dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		return nil, s.fail(err)
	}
	if uid >= 0 {
		if err := os.Chown(s.dir, uid, gid); err != nil {
			return nil, s.fail(err)
		}
	}
	s.data = filepath.Join(s.dir, "data")

	if out, err := s.run("initdb", "-D", s.data, "--auth=trust", "-U", "postgres", "-E", "UTF8", "--no-sync"); err != nil {
		return nil, s.fail(fmt.Errorf("initdb: %w\n%s", err, out))
	}
	// Speed over durability: the data dies with the run. max_connections
	// leaves room for parallel tests that each hold a pool.
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -p %d -F -c full_page_writes=off -c synchronous_commit=off -c max_connections=300",
		s.dir, port)
	if out, err := s.run("pg_ctl", "start", "-w", "-t", "60", "-D", s.data, "-l", filepath.Join(s.dir, "log"), "-o", opts); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		return nil, s.fail(fmt.Errorf("pg_ctl start: %w\n%s\n%s", err, out, log))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.admin(ctx, "SELECT 1"); err != nil {
		return nil, s.fail(errors.Join(err, s.stop()))
	}
	return s, nil
}

// findBin picks the newest of Debian's installed versions, else pg_ctl on
// PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var found []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "pg_ctl")); err == nil {
			found = append(found, d)
		}
	}
	if len(found) > 0 {
		version := func(d string) float64 {
			v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(d)), 64)
			return v
		}
		sort.Slice(found, func(i, j int) bool { return version(found[i]) > version(found[j]) })
		return found[0], nil
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", errNotInstalled
}

// tempBase is where the run's dir goes. The postgres user must be able to
// reach it, and a unix socket path must fit in about 100 bytes, so a long
// or private TMPDIR gives way to /tmp.
func tempBase() string {
	base := os.TempDir()
	if os.Geteuid() == 0 || len(base) > 60 {
		return "/tmp"
	}
	return base
}

// run runs one of the server's binaries, as the postgres user when we are
// root. Its working directory is the run's dir, which that user can enter.
func (s *server) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	if s.dir != "" {
		cmd.Dir = s.dir
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func (s *server) stop() error {
	out, err := s.run("pg_ctl", "stop", "-D", s.data, "-m", "immediate", "-w")
	if err != nil {
		err = fmt.Errorf("pg_ctl stop: %w\n%s", err, out)
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

// fail removes a half-made run dir and returns err.
func (s *server) fail(err error) error {
	_ = os.RemoveAll(s.dir)
	return err
}

func (s *server) url(db string) string {
	q := url.Values{"host": {s.dir}, "port": {strconv.Itoa(port)}, "sslmode": {"disable"}}
	return (&url.URL{Scheme: "postgres", User: url.User("postgres"), Path: "/" + db, RawQuery: q.Encode()}).String()
}

// admin runs one statement in the maintenance database. CREATE and DROP
// DATABASE cannot run in a transaction, so it uses a plain connection.
func (s *server) admin(ctx context.Context, sql string) error {
	conn, err := pgx.Connect(ctx, s.url("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// sweep stops and removes servers of earlier runs whose test binary is
// gone, so a crash or a timeout does not leave them running for good. Dirs
// of live binaries (parallel packages) are left alone.
func sweep(base string, s *server) {
	dirs, _ := filepath.Glob(filepath.Join(base, dirPrefix+"*"))
	for _, dir := range dirs {
		if !stale(dir) {
			continue
		}
		old := &server{bin: s.bin, asUser: s.asUser, dir: dir, data: filepath.Join(dir, "data")}
		if _, err := os.Stat(filepath.Join(old.data, "postmaster.pid")); err == nil {
			_, _ = old.run("pg_ctl", "stop", "-D", old.data, "-m", "immediate", "-w")
		}
		_ = os.RemoveAll(dir)
	}
}

func stale(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "owner"))
	if err != nil {
		// No owner yet: either just being created by a live run, or
		// abandoned right after creation. Age tells.
		fi, err := os.Stat(dir)
		return err == nil && time.Since(fi.ModTime()) > 10*time.Minute
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return true
	}
	return !alive(pid)
}
