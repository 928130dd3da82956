package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain/tamper"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/team"
)

// copyDB copies a stopped server's SQLite database with the files beside
// it (its audit key and checkpoints) to a new directory.
func copyDB(t *testing.T, db string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(db))
	for _, suffix := range []string{"", "-wal", "-shm", keySuffix, checkpointsSuffix} {
		b, err := os.ReadFile(db + suffix)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst+suffix, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// stoppedServer is a SQLite database after a server made 5 audit events
// in acme (the bootstrap, the test's sign-in and three resources) and
// stopped.
func stoppedServer(t *testing.T) string {
	t.Helper()
	s := startServer(t)
	for _, id := range []string{"a", "b", "c"} {
		ok(t, s.env, "resource", "put", "dataset:"+id, "--name", "Set "+id)
	}
	if err := shutdown(s.in, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	return s.db
}

func TestServeKeepsKeyAndCheckpointsBesideTheDatabase(t *testing.T) {
	db := stoppedServer(t)
	for _, f := range []string{db + keySuffix, db + checkpointsSuffix} {
		fi, err := os.Stat(f)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v; want a file of mode 600", f, fi, err)
		}
	}
	key, err := audit.LoadKeyFile(db + keySuffix)
	if err != nil {
		t.Fatal(err)
	}
	cps, torn, err := key.ReadCheckpointsFile(db + checkpointsSuffix)
	if err != nil || torn || len(cps) < 2 {
		t.Fatalf("checkpoints: %+v %v %v", cps, torn, err)
	}
	// At start the head was init's event; at shutdown, the last write's.
	if first, last := cps[0], cps[len(cps)-1]; first.Org != "acme" || first.Seq != 1 || last.Seq != 5 ||
		last.KeyID != key.ID() || last.VerifySignature(key.PublicKey()) != nil {
		t.Fatalf("checkpoints: first %+v, last %+v", first, last)
	}
}

// TestAuditVerifyHoldsChainsToCheckpoints: deleting the newest events and
// reordering are caught against the checkpoints; a wrong or missing key,
// and a checkpoints file edited, stop the verification with a sentence.
func TestAuditVerifyHoldsChainsToCheckpoints(t *testing.T) {
	orig := stoppedServer(t)

	db := copyDB(t, orig)
	tamper.Truncate(t, db, "acme", 2)
	r := fails(t, nil, 1, "audit", "verify", "--db", db)
	if !hasRow(r.stdout, "acme", "2", "BROKEN:", "first", "bad", "seq", "3") || !strings.Contains(r.stdout, "missing") {
		t.Fatalf("truncation not reported:\n%s\n%s", r.stdout, r.stderr)
	}
	// The same checkpoints shipped elsewhere, named on the command line.
	shipped := filepath.Join(t.TempDir(), "shipped.jsonl")
	if err := os.Rename(db+checkpointsSuffix, shipped); err != nil {
		t.Fatal(err)
	}
	r = fails(t, nil, 1, "audit", "verify", "--db", db, "--checkpoints", shipped)
	if !hasRow(r.stdout, "acme", "2", "BROKEN:", "first", "bad", "seq", "3") {
		t.Fatalf("truncation against --checkpoints not reported:\n%s\n%s", r.stdout, r.stderr)
	}
	// Without any, a prefix verifies, and the command says what it cannot see.
	r = cli(t, nil, "audit", "verify", "--db", db)
	if r.code != 0 || !hasRow(r.stdout, "acme", "2", "ok") || !strings.Contains(r.stderr, "no checkpoints") {
		t.Fatalf("without checkpoints: %+v", r)
	}
	fails(t, nil, 1, "audit", "verify", "--db", db, "--checkpoints", shipped+".missing")

	db = copyDB(t, orig)
	tamper.Truncate(t, db, "acme", 0)
	if r := fails(t, nil, 1, "audit", "verify", "--db", db); !hasRow(r.stdout, "acme", "0", "BROKEN:", "first", "bad", "seq", "1") {
		t.Fatalf("every event deleted:\n%s", r.stdout)
	}

	db = copyDB(t, orig)
	tamper.Swap(t, db, "acme", 2, 3)
	if r := fails(t, nil, 1, "audit", "verify", "--db", db); !hasRow(r.stdout, "acme", "5", "BROKEN:", "first", "bad", "seq", "2") {
		t.Fatalf("reordering not reported:\n%s", r.stdout)
	}

	// Another key: refused, naming both ids.
	other := filepath.Join(t.TempDir(), "other-key")
	otherKey, err := audit.CreateKeyFile(other)
	if err != nil {
		t.Fatal(err)
	}
	r = fails(t, nil, 1, "audit", "verify", "--db", orig, "--audit-key", other)
	if !strings.Contains(r.stderr, otherKey.ID()) || !strings.Contains(r.stderr, "keyed") {
		t.Fatalf("verify with another key: %+v", r)
	}
	// No key: refused, saying where it was looked for.
	db = copyDB(t, orig)
	os.Remove(db + keySuffix)
	if r := fails(t, nil, 1, "audit", "verify", "--db", db); !strings.Contains(r.stderr, db+keySuffix) || !strings.Contains(r.stderr, "--audit-key") {
		t.Fatalf("verify without the key: %+v", r)
	}
	// A server refuses to start on it too, rather than make a new key.
	if _, err := start(context.Background(), serveOptions{db: db, addr: "127.0.0.1:0"}, testLogger(t)); err == nil ||
		!strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("serve without the key of a keyed database: %v", err)
	}
	if _, err := os.Stat(db + keySuffix); !os.IsNotExist(err) {
		t.Fatal("a new key file was made for a keyed database")
	}

	// A checkpoint edited (here: moved back to an older seq, which would
	// hide a truncation): its signature fails, the line is named.
	db = copyDB(t, orig)
	text, _ := os.ReadFile(db + checkpointsSuffix)
	lines := strings.SplitAfter(string(text), "\n")
	last := lines[len(lines)-2]
	if !strings.Contains(last, `"seq":5,`) {
		t.Fatalf("the last checkpoint is not the head's, seq 5: %s", last)
	}
	lines[len(lines)-2] = strings.Replace(last, `"seq":5,`, `"seq":2,`, 1)
	os.WriteFile(db+checkpointsSuffix, []byte(strings.Join(lines, "")), 0o600)
	if r := fails(t, nil, 1, "audit", "verify", "--db", db); !strings.Contains(r.stderr, "line ") || !strings.Contains(r.stderr, "signature") {
		t.Fatalf("edited checkpoint: %+v", r)
	}
}

// Over the API the server holds the chain to the newest checkpoint it
// signed: events deleted under a running server are caught there too.
func TestAuditVerifyOverTheAPIHoldsToCheckpoints(t *testing.T) {
	s := startServer(t)
	for _, id := range []string{"a", "b"} {
		ok(t, s.env, "resource", "put", "dataset:"+id, "--name", "Set "+id)
	}
	if err := s.in.FlushCheckpoints(context.Background()); err != nil {
		t.Fatal(err)
	}
	// The bootstrap, the test's sign-in and the two resources.
	if out := ok(t, s.env, "audit", "verify"); !hasRow(out, "acme", "4", "ok") {
		t.Fatalf("verify:\n%s", out)
	}
	tamper.Truncate(t, s.db, "acme", 2)
	r := fails(t, s.env, 1, "audit", "verify")
	if !hasRow(r.stdout, "acme", "2", "BROKEN:", "first", "bad", "seq", "3") || !strings.Contains(r.stdout, "missing") {
		t.Fatalf("truncation over the API:\n%s\n%s", r.stdout, r.stderr)
	}
}

// oldDatabase makes a SQLite database as the version before audit keys
// left it: chains of the unkeyed formula, no key recorded, no key file.
func oldDatabase(t *testing.T, orgs ...string) string {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "gatehouse.db")
	st, err := sqlite.New(ctx, db, store.Options{Sealer: audit.LegacySeal})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc := team.New(team.Config{Store: st, Logger: testLogger(t)})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	for _, org := range orgs {
		if _, err := svc.Bootstrap(ctx, org, org, "vi", "owner@"+org+".test", ownerPassword); err != nil {
			t.Fatal(err)
		}
	}
	return db
}

// rekeyEvent is org's audit event at seq, which must be the rekey, and
// returns what it records of the old chain. (The events after it are the
// test's own, such as its sign-in.)
func rekeyEvent(t *testing.T, env map[string]string, org string, seq int64) map[string]any {
	t.Helper()
	list := okJSON[client.Page[client.AuditEvent]](t, env, "audit", "list", "--org", org)
	i := slices.IndexFunc(list.Items, func(e client.AuditEvent) bool { return e.Seq == seq })
	if i < 0 {
		t.Fatalf("no event %d of %s: %+v", seq, org, list.Items)
	}
	e := list.Items[i]
	if e.Action != "audit.rekey" || e.Actor != "system:gatehouse" || e.Target != "org:"+org {
		t.Fatalf("event %d of %s: %+v", seq, org, e)
	}
	var before map[string]any
	if err := json.Unmarshal(e.Before, &before); err != nil {
		t.Fatal(err)
	}
	return before
}

func loginEnv(t *testing.T, in *server.Server, org string) map[string]string {
	t.Helper()
	tok := strings.TrimSpace(ok(t, map[string]string{"GATEHOUSE_SERVER": in.URL},
		"login", "--email", "owner@"+org+".test", "--password", ownerPassword))
	return map[string]string{"GATEHOUSE_SERVER": in.URL, "GATEHOUSE_TOKEN": tok}
}

// TestServeMigratesUnkeyedDatabase: a database of the version before keys
// is verified, resealed and audited at start, and verifies after.
func TestServeMigratesUnkeyedDatabase(t *testing.T) {
	db := oldDatabase(t, "acme", "beta")
	if r := fails(t, nil, 1, "audit", "verify", "--db", db); !strings.Contains(r.stderr, "--audit-key") {
		t.Fatalf("verify of an old database without a key: %+v", r)
	}
	var logs syncBuf
	in, err := start(context.Background(), serveOptions{db: db, addr: "127.0.0.1:0"}, newTestLogger(&logs))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(in, 5*time.Second)
	if !strings.Contains(logs.String(), "resealed with the audit key") || !strings.Contains(logs.String(), "made a new audit key") {
		t.Fatalf("start-up log:\n%s", logs.String())
	}
	// Each org: its bootstrap event, the rekey right after it, then the
	// test's sign-in.
	for _, org := range []string{"acme", "beta"} {
		env := loginEnv(t, in, org)
		before := rekeyEvent(t, env, org, 2)
		if before["scheme"] != "sha256" || before["events"] != float64(1) || before["head_seq"] != float64(1) || before["first_bad_seq"] != nil {
			t.Errorf("rekey of %s: %v", org, before)
		}
		if out := ok(t, env, "audit", "verify", "--org", org); !hasRow(out, org, "3", "ok") {
			t.Errorf("verify %s over the API:\n%s", org, out)
		}
	}
	if err := shutdown(in, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	out := ok(t, nil, "audit", "verify", "--db", db)
	if !hasRow(out, "acme", "3", "ok") || !hasRow(out, "beta", "3", "ok") {
		t.Fatalf("verify after the migration:\n%s", out)
	}
	// A second start has nothing to migrate.
	var logs2 syncBuf
	in2, err := start(context.Background(), serveOptions{db: db, addr: "127.0.0.1:0"}, newTestLogger(&logs2))
	if err != nil {
		t.Fatal(err)
	}
	shutdown(in2, 5*time.Second)
	if strings.Contains(logs2.String(), "resealed") {
		t.Fatalf("second start resealed again:\n%s", logs2.String())
	}
}

// An old chain that does not verify stops the start with a sentence that
// names org and seq and the way out; taking it keys the chain as it stands
// and records the break.
func TestServeRefusesBrokenUnkeyedChain(t *testing.T) {
	db := oldDatabase(t, "acme", "beta")
	tamper.Exec(t, db, `UPDATE audit_events SET request_id = 'forged' WHERE org = 'beta' AND seq = 1`)
	_, err := start(context.Background(), serveOptions{db: db, addr: "127.0.0.1:0"}, testLogger(t))
	if err == nil || !strings.Contains(err.Error(), `organization "beta"`) || !strings.Contains(err.Error(), "seq 1") ||
		!strings.Contains(err.Error(), "--audit-accept-broken beta:1") {
		t.Fatalf("start on a broken old chain: %v", err)
	}
	// init refuses too, and writes nothing.
	r := fails(t, nil, 1, "init", "--db", db, "--org", "gamma", "--name", "G", "--owner-email", "g@gamma.test", "--owner-password", ownerPassword)
	if !strings.Contains(r.stderr, `"beta"`) || r.stdout != "" {
		t.Fatalf("init on a broken old chain: %+v", r)
	}
	if _, err := start(context.Background(), serveOptions{db: db, addr: "127.0.0.1:0",
		audit: auditOptions{acceptBroken: []string{"beta:2"}}}, testLogger(t)); err == nil {
		t.Fatal("accepting another seq than the broken one started the server")
	}
	in, err := start(context.Background(), serveOptions{db: db, addr: "127.0.0.1:0",
		audit: auditOptions{acceptBroken: []string{"beta:1"}}}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(in, 5*time.Second)
	before := rekeyEvent(t, loginEnv(t, in, "beta"), "beta", 2)
	if before["first_bad_seq"] != float64(1) || before["break_accepted"] != true {
		t.Fatalf("rekey of the accepted break: %v", before)
	}
	shutdown(in, 5*time.Second)
	// The bootstrap, the rekey and the sign-in.
	if out := ok(t, nil, "audit", "verify", "--db", db); !hasRow(out, "beta", "3", "ok") {
		t.Fatalf("verify after the accepted reseal:\n%s", out)
	}
}

// newTestLogger logs at info level to w, for tests that read the log.
func newTestLogger(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// The command an empty server suggests names the audit key it was given,
// which init must seal with too.
func TestInitCommandNamesTheAuditKey(t *testing.T) {
	for _, c := range []struct{ db, key, want string }{
		{"gatehouse.db", "", "gatehouse init --db gatehouse.db --org acme"},
		{"/srv/g.db", "/etc/gatehouse/audit key", "gatehouse init --db /srv/g.db --audit-key '/etc/gatehouse/audit key' --org acme"},
		{"postgres://gh:secret@db/gh", "/etc/gatehouse/audit-key", "--audit-key /etc/gatehouse/audit-key --org acme"},
	} {
		got := initCommand(c.db, c.key)
		if !strings.Contains(got, c.want) || strings.Contains(got, "secret@") {
			t.Errorf("initCommand(%q, %q) = %s; want it to hold %s, without the database password", c.db, c.key, got, c.want)
		}
	}
}
