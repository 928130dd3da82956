package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain/tamper"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestInitOutputShape(t *testing.T) {
	db := filepath.Join(t.TempDir(), "g.db")
	args := []string{"init", "--db", db, "--org", "acme", "--name", "Acme", "--scheme", "vi",
		"--owner-email", "o@acme.test", "--owner-password", "a long password"}
	out := ok(t, nil, args...)
	if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "}\n") {
		t.Fatalf("want one JSON object on one line, got %q", out)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	if len(m) != 3 || m["org"] != "acme" ||
		!regexp.MustCompile(`^u_\w+$`).MatchString(m["user_id"].(string)) ||
		!regexp.MustCompile(`^gsk_\w+$`).MatchString(m["secret_key"].(string)) {
		t.Fatalf("init printed %v", m)
	}
	// The same org again: a conflict, exit 1, nothing on stdout.
	r := fails(t, nil, 1, args...)
	if r.stdout != "" || !strings.Contains(r.stderr, "taken") && !strings.Contains(r.stderr, "exists") {
		t.Fatalf("second init: %+v", r)
	}
	// Flags from the environment; a missing one is named.
	env := map[string]string{"GATEHOUSE_DB": db, "GATEHOUSE_ORG": "beta", "GATEHOUSE_NAME": "Beta",
		"GATEHOUSE_SCHEME": "labelbox", "GATEHOUSE_OWNER_EMAIL": "b@beta.test"}
	r = fails(t, env, 1, "init")
	if !strings.Contains(r.stderr, "--owner-password") {
		t.Fatalf("missing flag not named: %q", r.stderr)
	}
	env["GATEHOUSE_OWNER_PASSWORD"] = "beta owns a long phrase"
	var b bootstrapped
	if err := json.Unmarshal([]byte(ok(t, env, "init")), &b); err != nil || b.Org != "beta" {
		t.Fatalf("init from env: %+v %v", b, err)
	}
	// An explicit flag wins over the environment.
	if err := json.Unmarshal([]byte(ok(t, env, "init", "--org", "gamma", "--owner-email", "g@gamma.test")), &b); err != nil || b.Org != "gamma" {
		t.Fatalf("flag over env: %+v %v", b, err)
	}
	out = ok(t, nil, "audit", "verify", "--db", db)
	for _, org := range []string{"acme", "beta", "gamma"} {
		if !hasRow(out, org, "1", "ok") {
			t.Errorf("audit verify --db: no ok row for %s:\n%s", org, out)
		}
	}
}

func TestAuditVerifyDetectsTampering(t *testing.T) {
	s := startServer(t)
	for _, id := range []string{"a", "b", "c"} {
		ok(t, s.env, "resource", "put", "dataset:"+id, "--name", "Set "+id)
	}
	// The bootstrap, the test's sign-in and the three resources.
	out := ok(t, s.env, "audit", "verify")
	if !hasRow(out, "acme", "5", "ok") {
		t.Fatalf("audit verify over the API:\n%s", out)
	}
	list := okJSON[client.Page[client.AuditEvent]](t, s.env, "audit", "list")
	if len(list.Items) != 5 || list.Items[0].Seq != 5 || list.Items[0].Action != "resource.put" {
		t.Fatalf("audit list: %+v", list.Items)
	}
	// Stop the server (its last checkpoint is written then), and keep the
	// database as it is to tamper with copies of it.
	if err := shutdown(s.in, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	r := cli(t, nil, "audit", "verify", "--db", s.db)
	if r.code != 0 || !hasRow(r.stdout, "acme", "5", "ok") || r.stderr != "" {
		t.Fatalf("intact chain with the key and checkpoints beside the database: %+v", r)
	}

	// Event 3 rewritten the way an intruder with the file would, past the
	// append-only trigger: edited in place, then edited and rehashed with
	// today's unkeyed formula (what fooled the verifier before keys).
	for _, c := range []struct {
		name   string
		tamper func(db string)
		reason string
	}{
		{"edited", func(db string) {
			tamper.Exec(t, db, `UPDATE audit_events SET target = 'dataset:zzz' WHERE org = 'acme' AND seq = 3`)
		}, "does not verify with the audit key"},
		{"edited and rehashed without the key", func(db string) {
			tamper.Rewrite(t, db, "acme", 3, func(e *domain.AuditEvent) { e.Target = "dataset:zzz" }, audit.LegacySeal)
		}, "unkeyed formula"},
	} {
		db := copyDB(t, s.db)
		c.tamper(db)
		r := fails(t, nil, 1, "audit", "verify", "--db", db)
		if !hasRow(r.stdout, "acme", "5", "BROKEN:", "first", "bad", "seq", "3") || !strings.Contains(r.stdout, c.reason) ||
			!strings.Contains(r.stderr, "broken") {
			t.Fatalf("%s: tampering not reported:\n%s\n%s", c.name, r.stdout, r.stderr)
		}
		v := []orgVerification{}
		r = fails(t, nil, 1, "audit", "verify", "--db", db, "--org", "acme", "-o", "json")
		if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || len(v) != 1 || v[0].OK || v[0].FirstBadSeq != 3 || v[0].Org != "acme" ||
			!strings.Contains(v[0].Reason, c.reason) {
			t.Fatalf("%s: json: %s %v", c.name, r.stdout, err)
		}
	}
	fails(t, nil, 1, "audit", "verify", "--db", s.db, "--org", "nope")
}

func TestManagementCommands(t *testing.T) {
	s := startServer(t)
	env := s.env

	// who am I, which orgs
	out := ok(t, env, "me")
	if !strings.Contains(out, ownerEmail) || !hasRow(out, "acme", "Acme", "owner") {
		t.Fatalf("me:\n%s", out)
	}
	if !hasRow(ok(t, env, "org", "list"), "acme", "Acme", "owner") {
		t.Fatal("org list")
	}
	org := okJSON[client.Org](t, env, "org", "get")
	if org.ID != "acme" || org.Scheme != "vi" || org.Plan.SeatLimit == 0 {
		t.Fatalf("org get: %+v", org)
	}
	if got := okJSON[client.Org](t, env, "org", "update", "--name", "Acme Corp"); got.Name != "Acme Corp" || got.Revision <= org.Revision {
		t.Fatalf("org update: %+v", got)
	}

	// resources
	ok(t, env, "resource", "put", "dataset:cats", "--name", "Cats")
	ok(t, env, "resource", "put", "dataset:dogs", "--name", "Dogs")
	res := okJSON[client.Resource](t, env, "resource", "put", "training:detector", "--name", "Detector", "--attr", "stage=beta")
	if res.Revision == 0 || res.Attributes["stage"] != "beta" || res.Owner != s.boot.UserID {
		t.Fatalf("resource put: %+v", res)
	}
	out = ok(t, env, "resource", "list", "--type", "dataset")
	if !hasRow(out, "RESOURCE", "NAME") || !hasRow(out, "dataset:cats", "Cats") || !hasRow(out, "dataset:dogs", "Dogs") {
		t.Fatalf("resource list:\n%s", out)
	}
	if got := okJSON[client.Resource](t, env, "resource", "get", "dataset:cats"); got.Name != "Cats" {
		t.Fatalf("resource get: %+v", got)
	}

	// invite a contractor with an initial grant; accept; log in as them
	inv := okJSON[client.Invitation](t, env, "invite", "create", "--email", "con@acme.test", "--role", "member",
		"--grant", "dataset.editor@dataset:cats")
	if inv.Token == "" || len(inv.Grants) != 1 || inv.Grants[0].Scope != "dataset:cats" {
		t.Fatalf("invite create: %+v", inv)
	}
	if out := ok(t, env, "invite", "list"); !hasRow(out, inv.ID, "con@acme.test", "member", "pending") {
		t.Fatalf("invite list:\n%s", out)
	}
	// a resend replaces the token; the first one stops working
	re := okJSON[client.Invitation](t, env, "invite", "resend", inv.ID)
	if re.Token == "" || re.Token == inv.Token {
		t.Fatalf("resend: %+v", re)
	}
	fails(t, env, 1, "invite", "accept", "--invitation-token", inv.Token, "--name", "X", "--password", "contractor-pass")
	inv.Token = re.Token
	acc := okJSON[client.Accepted](t, env, // GATEHOUSE_TOKEN is set and must not be taken for the invitation's
		"invite", "accept", "--invitation-token", inv.Token, "--name", "Con Tractor", "--password", "contractor-pass")
	if acc.Org != "acme" || acc.Token == "" {
		t.Fatalf("accept: %+v", acc)
	}
	con := "user:" + acc.UserID
	conEnv := s.with("GATEHOUSE_TOKEN", strings.TrimSpace(ok(t, env, "login", "--email", "con@acme.test", "--password", "contractor-pass")))

	// members: table and json
	out = ok(t, env, "member", "list")
	if !hasRow(out, "USER_ID", "EMAIL", "NAME", "ROLE", "LAST_LOGIN") || !hasRow(out, s.boot.UserID, ownerEmail, "Owner", "owner") ||
		!hasRow(out, acc.UserID, "con@acme.test", "Con", "Tractor", "member") {
		t.Fatalf("member list:\n%s", out)
	}
	members := okJSON[client.Page[client.Member]](t, env, "member", "list")
	if len(members.Items) != 2 || members.NextPageToken != "" {
		t.Fatalf("member list -o json: %+v", members)
	}
	onePage := okJSON[client.Page[client.Member]](t, env, "member", "list", "--limit", "1")
	if len(onePage.Items) != 1 || onePage.NextPageToken == "" {
		t.Fatalf("member list --limit 1: %+v", onePage)
	}
	if r := cli(t, env, "member", "list", "--limit", "1"); !strings.Contains(r.stderr, "--page-token") {
		t.Fatalf("one page in a table should say how to get the next: %+v", r)
	}

	// grants, with an expiring one
	g := okJSON[client.Grant](t, env, "grant", "create", "--subject", con, "--role", "dataset.viewer",
		"--scope", "dataset:dogs", "--expires", "2099-12-31T00:00:00Z")
	if g.ID == "" || g.ExpiresAt == nil || g.ExpiresAt.Year() != 2099 || g.Revision == 0 {
		t.Fatalf("grant create: %+v", g)
	}
	out = ok(t, env, "grant", "list", "--subject", con)
	if !hasRow(out, g.ID, con, "dataset.viewer", "dataset:dogs", "2099-12-31T00:00:00Z") || !hasRow(out, "ID", "SUBJECT", "ROLE") {
		t.Fatalf("grant list:\n%s", out)
	}
	grants := okJSON[client.Page[client.Grant]](t, env, "grant", "list", "--subject", con)
	if len(grants.Items) != 2 {
		t.Fatalf("grant list -o json: %+v", grants)
	}
	detail := okJSON[client.MemberDetail](t, env, "member", "get", acc.UserID)
	if len(detail.Grants) != 2 || len(detail.Access["dataset"]) != 2 {
		t.Fatalf("member get: %+v", detail)
	}

	// decisions: exit 0 allowed, 1 denied
	out = ok(t, env, "check", "--subject", con, "--permission", "dataset.annotate", "--resource", "dataset:cats")
	if !hasRow(out, "allowed", "dataset.editor", "dataset:cats", "direct") {
		t.Fatalf("check allowed:\n%s", out)
	}
	r := fails(t, env, 1, "check", "--subject", con, "--permission", "dataset.annotate", "--resource", "dataset:dogs")
	if !hasRow(r.stdout, "denied") || r.stderr != "" {
		t.Fatalf("check denied: %+v", r)
	}
	d := okJSON[client.CheckResult](t, conEnv, "check", "--permission", "dataset.view", "--resource", "dataset:dogs")
	if !d.Allowed || d.Reason == nil || d.Reason.Role != "dataset.viewer" {
		t.Fatalf("check as the caller: %+v", d)
	}
	// a plain member may not ask about others
	r = fails(t, conEnv, 1, "check", "--subject", "user:"+s.boot.UserID, "--permission", "dataset.view", "--resource", "dataset:dogs")
	if !strings.Contains(r.stderr, "403") {
		t.Fatalf("check about another subject as a member: %+v", r)
	}
	batch := filepath.Join(t.TempDir(), "checks.json")
	os.WriteFile(batch, []byte(`[{"subject":"`+con+`","permission":"dataset.view","resource":"dataset:cats"},
		{"subject":"`+con+`","permission":"dataset.delete","resource":"dataset:cats"}]`), 0o600)
	br := okJSON[client.BatchCheckResult](t, env, "check", "--batch", batch)
	if len(br.Results) != 2 || !br.Results[0].Allowed || br.Results[1].Allowed {
		t.Fatalf("batch: %+v", br)
	}

	// lookups
	out = ok(t, env, "lookup", "resources", "--subject", con, "--permission", "dataset.view", "--type", "dataset")
	if !hasRow(out, "dataset:cats") || !hasRow(out, "dataset:dogs") {
		t.Fatalf("lookup resources:\n%s", out)
	}
	ids := okJSON[client.ResourceIDs](t, env, "lookup", "resources", "--subject", con, "--permission", "dataset.upload", "--type", "dataset")
	if strings.Join(ids.Items, ",") != "cats" {
		t.Fatalf("lookup resources -o json: %+v", ids)
	}
	out = ok(t, env, "lookup", "subjects", "--permission", "dataset.annotate", "--resource", "dataset:cats")
	if !hasRow(out, con, "dataset.editor") || !hasRow(out, "user:"+s.boot.UserID, "owner") {
		t.Fatalf("lookup subjects:\n%s", out)
	}
	if !strings.Contains(out, "<con@acme.test>") {
		t.Fatalf("lookup subjects names nobody:\n%s", out)
	}
	out = ok(t, env, "resource", "access", "dataset:dogs")
	if !hasRow(out, con, "dataset.viewer") {
		t.Fatalf("resource access:\n%s", out)
	}

	// revoke the grant: the next check is denied
	ok(t, env, "grant", "delete", g.ID)
	fails(t, env, 1, "check", "--subject", con, "--permission", "dataset.view", "--resource", "dataset:dogs")

	// role changes in place
	if m := okJSON[client.Member](t, env, "member", "update", acc.UserID, "--role", "admin"); m.Role != "admin" {
		t.Fatalf("member update: %+v", m)
	}
	ok(t, env, "check", "--subject", con, "--permission", "dataset.delete", "--resource", "dataset:dogs")
	ok(t, env, "member", "update", acc.UserID, "--role", "member")

	// a contractor's membership ends on a date, then no longer does
	if m := okJSON[client.Member](t, env, "member", "update", acc.UserID, "--ends", "720h"); m.ExpiresAt == nil || m.Expired {
		t.Fatalf("member update --ends: %+v", m)
	}
	if out := ok(t, env, "member", "list", "--state", "active"); !strings.Contains(out, acc.UserID) || !strings.Contains(out, "MEMBERSHIP_ENDS") {
		t.Fatalf("member list --state active:\n%s", out)
	}
	if out := ok(t, env, "member", "list", "--state", "expired"); strings.Contains(out, acc.UserID) {
		t.Fatalf("member list --state expired lists a running membership:\n%s", out)
	}
	if m := okJSON[client.Member](t, env, "member", "update", acc.UserID, "--ends", "never"); m.ExpiresAt != nil {
		t.Fatalf("member update --ends never: %+v", m)
	}
	if r := fails(t, env, 1, "member", "update", acc.UserID, "--ends", "someday"); !strings.Contains(r.stderr, "RFC 3339") {
		t.Fatalf("a bad --ends says what it wants: %s", r.stderr)
	}

	// the default role grants made with role "default" give, set and cleared
	if m := okJSON[client.Member](t, env, "member", "update", acc.UserID, "--default-role", "dataset.viewer"); m.DefaultRole != "dataset.viewer" {
		t.Fatalf("member update --default-role: %+v", m)
	}
	if out := ok(t, env, "member", "get", acc.UserID); !strings.Contains(out, "dataset.viewer") {
		t.Fatalf("member get shows no default role:\n%s", out)
	}
	if m := okJSON[client.Member](t, env, "member", "update", acc.UserID, "--default-role", "none"); m.DefaultRole != "" {
		t.Fatalf("member update --default-role none: %+v", m)
	}

	// teams and groups
	grp := okJSON[client.Group](t, env, "group", "create", "--name", "Reviewers")
	ok(t, env, "group", "add-member", grp.ID, acc.UserID)
	ok(t, env, "grant", "create", "--subject", "group:"+grp.ID, "--role", "training.viewer", "--scope", "training:detector")
	ok(t, env, "check", "--subject", con, "--permission", "training.view", "--resource", "training:detector")
	if out := ok(t, env, "group", "list"); !hasRow(out, grp.ID, "Reviewers", acc.UserID) {
		t.Fatalf("group list:\n%s", out)
	}
	if got := okJSON[client.Group](t, env, "group", "rename", grp.ID, "--name", "QA"); got.Name != "QA" {
		t.Fatalf("group rename: %+v", got)
	}
	tm := okJSON[client.Team](t, env, "team", "create", "--name", "North")
	ok(t, env, "team", "add-member", tm.ID, acc.UserID)
	ok(t, env, "team", "remove-member", tm.ID, acc.UserID)
	ok(t, env, "team", "delete", tm.ID)
	if out := ok(t, env, "team", "list"); strings.Contains(out, tm.ID) {
		t.Fatalf("team still listed:\n%s", out)
	}

	// roles, permissions, matrix
	if out := ok(t, env, "role", "list"); !hasRow(out, "dataset.viewer", "Dataset", "Viewer", "dataset", "yes") && !strings.Contains(out, "dataset.viewer") {
		t.Fatalf("role list:\n%s", out)
	}
	if out := ok(t, env, "role", "permissions"); !hasRow(out, "dataset.annotate", "dataset") {
		t.Fatalf("role permissions:\n%s", out)
	}
	if out := ok(t, env, "matrix", "--format", "csv"); !strings.Contains(out, "dataset.annotate") {
		t.Fatalf("matrix --org:\n%s", out)
	}
	if out := ok(t, nil, "matrix", "--scheme", "labelbox", "--format", "md"); !strings.Contains(out, "label.write") {
		t.Fatalf("offline matrix:\n%s", out)
	}

	// keys: create, use, list, rotate, revoke
	k := okJSON[client.Key](t, env, "key", "create", "--name", "ingest", "--role", "dataset.editor", "--scope", "dataset:cats")
	if !strings.HasPrefix(k.Secret, "gsk_") {
		t.Fatalf("key create: %+v", k)
	}
	keyEnv := s.with("GATEHOUSE_TOKEN", k.Secret)
	ok(t, keyEnv, "check", "--permission", "dataset.upload", "--resource", "dataset:cats")
	out = ok(t, env, "key", "list")
	if !hasRow(out, k.ID, "ingest", k.Prefix, "dataset.editor", "dataset:cats") || strings.Contains(out, k.Secret) {
		t.Fatalf("key list:\n%s", out)
	}
	rot := okJSON[client.Key](t, env, "key", "rotate", k.ID)
	if rot.Secret == "" || rot.Secret == k.Secret {
		t.Fatalf("rotate: %+v", rot)
	}
	ok(t, s.with("GATEHOUSE_TOKEN", rot.Secret), "check", "--permission", "dataset.upload", "--resource", "dataset:cats")
	if r := fails(t, env, 1, "key", "transfer", k.ID); !strings.Contains(r.stderr, "--owner is required") {
		t.Fatalf("key transfer without --owner: %+v", r)
	}
	if r := fails(t, env, 1, "key", "transfer", k.ID, "--owner", "u_nobody"); !strings.Contains(r.stderr, "404") {
		t.Fatalf("key transfer to a stranger: %+v", r)
	}
	ok(t, env, "key", "revoke", k.ID)
	if r := fails(t, s.with("GATEHOUSE_TOKEN", rot.Secret), 1, "me"); !strings.Contains(r.stderr, "401") {
		t.Fatalf("revoked key: %+v", r)
	}

	// billing (Owner only), member removal, audit
	b := okJSON[client.Billing](t, env, "org", "billing", "--seat-limit", "30")
	if b.SeatLimit != 30 {
		t.Fatalf("billing: %+v", b)
	}
	if r := fails(t, conEnv, 1, "org", "billing"); !strings.Contains(r.stderr, "403") {
		t.Fatalf("billing as a member: %+v", r)
	}
	// plans and usage: only a plan the server offers; usage against it
	if r := fails(t, env, 1, "org", "billing", "--plan", "platinum-ultra"); !strings.Contains(r.stderr, "free, team, business, enterprise") {
		t.Fatalf("unknown plan: %+v", r)
	}
	if out := ok(t, env, "org", "plans"); !strings.Contains(out, "team (default)") || !strings.Contains(out, "seats=50") {
		t.Fatalf("plans:\n%s", out)
	}
	u := okJSON[client.Usage](t, env, "org", "usage")
	if u.Plan.ID != "team" || len(u.Items) == 0 || u.Items[0].ID != "seats" || u.Items[0].Limit == nil || *u.Items[0].Limit != 30 {
		t.Fatalf("usage: %+v", u)
	}
	if out := ok(t, env, "org", "usage"); !strings.Contains(out, "datasets:") || !strings.Contains(out, "of 100") {
		t.Fatalf("usage table:\n%s", out)
	}
	if r := fails(t, conEnv, 1, "org", "usage"); !strings.Contains(r.stderr, "403") {
		t.Fatalf("usage as a member: %+v", r)
	}
	if out := ok(t, env, "report", "stale-access", "--days", "30"); !strings.HasPrefix(out, "kind,id,name,email,detail,last_used") {
		t.Fatalf("stale-access CSV:\n%s", out)
	}
	if rep := okJSON[map[string]any](t, env, "report", "stale-access", "--format", "json"); rep["days"] != float64(90) {
		t.Fatalf("stale-access JSON: %v", rep)
	}
	if r := fails(t, env, 1, "report", "stale-access", "--days", "0"); !strings.Contains(r.stderr, "at least 1") {
		t.Fatalf("stale-access with 0 days: %+v", r)
	}
	// named assignments and the RACI report
	as := okJSON[client.Assignment](t, env, "assignment", "set", "QA lead", "--user", acc.UserID)
	if as.Name != "QA lead" || len(as.Users) != 1 || as.Users[0].UserID != acc.UserID {
		t.Fatalf("assignment set: %+v", as)
	}
	if out := ok(t, env, "assignment", "list"); !hasRow(out, "QA", "lead", "All") {
		t.Fatalf("assignment list:\n%s", out)
	}
	if r := fails(t, env, 1, "assignment", "set", "QA lead", "--user", "u_nobody"); !strings.Contains(r.stderr, "422") {
		t.Fatalf("assignment set to a stranger: %+v", r)
	}
	if out := ok(t, env, "report", "raci"); !strings.Contains(out, "## Labeling and dataset QA") || !strings.Contains(out, "named QA lead") {
		t.Fatalf("report raci:\n%s", out)
	}
	if out := ok(t, env, "report", "raci", "--format", "csv"); !strings.HasPrefix(out, "table,letter,activity,scope,name,email,user_id,because") {
		t.Fatalf("report raci csv:\n%s", out)
	}
	if rep := okJSON[map[string]any](t, env, "report", "raci"); rep["scheme"] != "vi" {
		t.Fatalf("report raci -o json: %v", rep)
	}
	if r := fails(t, conEnv, 1, "report", "raci"); !strings.Contains(r.stderr, "403") {
		t.Fatalf("raci as a member: %+v", r)
	}
	ok(t, env, "assignment", "delete", "QA lead")
	rv := okJSON[map[string]any](t, env, "review", "create", "--name", "Q3 access", "--due", "336h")
	rid, _ := rv["id"].(string)
	if rid == "" || rv["state"] != "open" || rv["items"].(float64) < 1 {
		t.Fatalf("review create: %v", rv)
	}
	if out := ok(t, env, "review", "list"); !strings.Contains(out, rid) || !strings.Contains(out, "Q3 access") {
		t.Fatalf("review list:\n%s", out)
	}
	ritems := okJSON[[]map[string]any](t, env, "review", "items", rid)
	if len(ritems) == 0 {
		t.Fatalf("review items: none")
	}
	item, _ := ritems[0]["id"].(string)
	if out := ok(t, env, "review", "decide", rid, item, "keep", "--note", "still needed"); !strings.Contains(out, "keep") {
		t.Fatalf("review decide:\n%s", out)
	}
	if r := fails(t, conEnv, 1, "review", "decide", rid, item, "keep"); !strings.Contains(r.stderr, "403") {
		t.Fatalf("decide as a non-reviewer: %+v", r)
	}
	if r := fails(t, env, 1, "review", "decide", rid, item, "maybe"); !strings.Contains(r.stderr, "keep or revoke") {
		t.Fatalf("decide maybe: %+v", r)
	}
	if out := ok(t, env, "review", "close", rid); !strings.Contains(out, "REVOKED") {
		t.Fatalf("review close:\n%s", out)
	}
	if out := ok(t, env, "review", "evidence", rid); !strings.HasPrefix(out, "item,user_id,name,email") || !strings.Contains(out, "signed_off") ||
		!strings.Contains(out, "still needed") {
		t.Fatalf("review evidence:\n%s", out)
	}
	if shown := okJSON[map[string]any](t, env, "review", "show", rid); shown["state"] != "closed" {
		t.Fatalf("review show after close: %v", shown)
	}
	// Access requests: the contractor asks, cannot approve her own, the
	// Admin key approves with an end; a second one is withdrawn.
	rq := okJSON[map[string]any](t, conEnv, "request", "create", "--role", "dataset.viewer", "--resource", "dataset:cats", "--reason", "QA pass")
	rqID, _ := rq["id"].(string)
	if rqID == "" || rq["state"] != "pending" {
		t.Fatalf("request create: %v", rq)
	}
	if r := fails(t, conEnv, 1, "request", "create", "--role", "dataset.viewer", "--resource", "dataset:cats"); !strings.Contains(r.stderr, "409") {
		t.Fatalf("the same request twice: %+v", r)
	}
	if r := fails(t, conEnv, 1, "request", "approve", rqID); !strings.Contains(r.stderr, "403") {
		t.Fatalf("approving one's own request: %+v", r)
	}
	if out := ok(t, env, "request", "list", "--state", "pending"); !hasRow(out, rqID, "con@acme.test", "dataset.viewer", "dataset:cats", "pending") {
		t.Fatalf("request list:\n%s", out)
	}
	ap := okJSON[map[string]any](t, env, "request", "approve", rqID, "--until", "24h", "--note", "one day")
	if ap["state"] != "approved" || ap["grant"] == nil || ap["grant_expires_at"] == nil {
		t.Fatalf("request approve: %v", ap)
	}
	wd := okJSON[map[string]any](t, conEnv, "request", "create", "--role", "dataset.owner", "--resource", "dataset:cats")
	if out := ok(t, conEnv, "request", "withdraw", wd["id"].(string)); !strings.Contains(out, "withdrawn") {
		t.Fatalf("request withdraw:\n%s", out)
	}
	if shown := okJSON[map[string]any](t, conEnv, "request", "show", rqID); shown["state"] != "approved" {
		t.Fatalf("request show: %v", shown)
	}
	ok(t, env, "member", "delete", acc.UserID)
	if r := fails(t, conEnv, 1, "org", "get"); !strings.Contains(r.stderr, "404") {
		t.Fatalf("removed member still sees the org: %+v", r)
	}
	out = ok(t, env, "audit", "list", "--limit", "5")
	if !hasRow(out, "SEQ", "AT", "ACTOR", "ACTION") || !strings.Contains(out, "member.remove") {
		t.Fatalf("audit list:\n%s", out)
	}
	if out := ok(t, env, "audit", "verify"); !regexp.MustCompile(`acme\s+\d+\s+ok`).MatchString(out) {
		t.Fatalf("audit verify:\n%s", out)
	}

	// errors: problem details in one line, 401 with a hint
	r = fails(t, s.with("GATEHOUSE_TOKEN", ""), 1, "member", "list")
	if !strings.Contains(r.stderr, "401") || !strings.Contains(r.stderr, "gatehouse login") {
		t.Fatalf("no token: %+v", r)
	}
	r = fails(t, env, 1, "grant", "create", "--subject", con, "--role", "dataset.viewer", "--scope", "dataset:nope")
	if !strings.Contains(r.stderr, "404") {
		t.Fatalf("grant at an unknown resource: %+v", r)
	}
	fails(t, env, 1, "member", "list", "-o", "yaml")
	ok(t, env, "logout")
	fails(t, env, 1, "me")
}

func TestCheckExitCodes(t *testing.T) {
	s := startServer(t)
	ok(t, s.env, "resource", "put", "dataset:cats")
	// the Owner's own check, subject omitted
	ok(t, s.env, "check", "--permission", "dataset.delete", "--resource", "dataset:cats")
	// missing --permission is a usage error, not a denial
	r := fails(t, s.env, 1, "check", "--resource", "dataset:cats")
	if !strings.Contains(r.stderr, "--permission") {
		t.Fatalf("%+v", r)
	}
	// unknown permission: 422
	r = fails(t, s.env, 1, "check", "--permission", "dataset.fly", "--resource", "dataset:cats")
	if !strings.Contains(r.stderr, "422") {
		t.Fatalf("%+v", r)
	}
}

func TestServeDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds three organizations")
	}
	db := filepath.Join(t.TempDir(), "demo.db")
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuf{}
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveOptions{db: db, addr: "127.0.0.1:0", demo: true, shutdownTimeout: 5 * time.Second}, testLogger(t), out)
	}()
	// serve prints the table once seeded and listening; seeding hashes 35
	// passwords, slow under the race detector on a busy machine
	deadline := time.Now().Add(5 * time.Minute)
	for !strings.Contains(out.String(), "Try it:") {
		if time.Now().After(deadline) {
			t.Fatalf("no demo table:\n%s", out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"password: gatehouse-demo", "owner@vi-demo.example", "north-operator@deepomatic-demo.example",
		"lab1@labelbox-demo.example", "gsk_", "http://127.0.0.1:"} {
		if !strings.Contains(text, want) {
			t.Errorf("demo output lacks %q:\n%s", want, text)
		}
	}
	url := regexp.MustCompile(`running at (http://\S+)`).FindStringSubmatch(text)
	if url == nil {
		t.Fatalf("no URL in:\n%s", text)
	}

	// Serving the seeded database again with --demo adds nothing.
	in, err := start(context.Background(), serveOptions{db: db, addr: "127.0.0.1:0", demo: true}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(in, 5*time.Second)
	if in.Demo != nil || in.Empty {
		t.Fatal("second start seeded again")
	}
	env := map[string]string{"GATEHOUSE_SERVER": in.URL}
	tok := strings.TrimSpace(ok(t, env, "login", "--email", "lab1@labelbox-demo.example", "--password", "gatehouse-demo"))
	env["GATEHOUSE_TOKEN"] = tok
	env["GATEHOUSE_ORG"] = "labelbox-demo"
	ok(t, env, "check", "--permission", "label.write", "--resource", "label:ts-003") // rework
	fails(t, env, 1, "check", "--permission", "label.write", "--resource", "label:ts-002")
	ids := okJSON[client.ResourceIDs](t, env, "lookup", "resources", "--permission", "label.write", "--type", "label")
	if strings.Join(ids.Items, ",") != "ts-001,ts-003" {
		t.Fatalf("labels lab1 may write: %v", ids.Items)
	}
	// the vi Owner is in two orgs
	env["GATEHOUSE_TOKEN"] = strings.TrimSpace(ok(t, env, "login", "--email", "owner@vi-demo.example", "--password", "gatehouse-demo"))
	out2 := ok(t, env, "org", "list")
	if !hasRow(out2, "vi-demo") || !hasRow(out2, "deepomatic-demo") {
		t.Fatalf("org list of the vi owner:\n%s", out2)
	}
}

func TestEmptyDatabaseExplainsInit(t *testing.T) {
	db := filepath.Join(t.TempDir(), "empty.db")
	logs := &syncBuf{}
	logger, err := newLogger(logs, "text", "info")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, serveOptions{db: db, addr: "127.0.0.1:0", shutdownTimeout: time.Second}, logger, &strings.Builder{})
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(logs.String(), "gatehouse init") {
		if time.Now().After(deadline) {
			t.Fatalf("no init hint in:\n%s", logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(logs.String(), "gatehouse init --db "+db+" --org") {
		t.Fatalf("hint lacks the db:\n%s", logs.String())
	}
	// The console is mounted, and its first-run page opens with the token.
	setup := regexp.MustCompile(`setup_url="?([^"\s]+)`).FindStringSubmatch(logs.String())
	if setup == nil {
		t.Fatalf("no setup URL in:\n%s", logs.String())
	}
	for _, u := range []string{setup[1], strings.Split(setup[1], "/setup")[0] + "/login"} {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
			t.Fatalf("GET %s: %d %s", u, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestPostgres: the same commands on a postgres:// database, where the
// audit key is a file named on the command line (or in the environment).
func TestPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL")
	}
	url := pgtest.URL(t)
	dir := t.TempDir()
	keyFile, cpFile := filepath.Join(dir, "audit-key"), filepath.Join(dir, "checkpoints.jsonl")
	initArgs := []string{"init", "--db", url, "--org", "pg", "--name", "PG", "--scheme", "deepomatic",
		"--owner-email", "o@pg.test", "--owner-password", "tidal granite thirty"}
	// No key file named: a sentence saying what to do, and nothing written.
	if r := fails(t, nil, 1, initArgs...); !strings.Contains(r.stderr, "--audit-key") || !strings.Contains(r.stderr, "PostgreSQL") {
		t.Fatalf("init on PostgreSQL without a key: %+v", r)
	}
	var boot bootstrapped
	if err := json.Unmarshal([]byte(ok(t, map[string]string{"GATEHOUSE_AUDIT_KEY": keyFile}, initArgs...)), &boot); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file made by init: %v %v", fi, err)
	}
	if _, err := start(context.Background(), serveOptions{db: url, addr: "127.0.0.1:0"}, testLogger(t)); err == nil ||
		!strings.Contains(err.Error(), "--audit-key") {
		t.Fatalf("serve on PostgreSQL without a key: %v", err)
	}
	in, err := start(context.Background(), serveOptions{db: url, addr: "127.0.0.1:0", demo: true,
		audit: auditOptions{key: keyFile, checkpoints: cpFile}}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer shutdown(in, 5*time.Second)
	if in.Demo != nil {
		t.Fatal("seeded a database that holds an org")
	}
	env := map[string]string{"GATEHOUSE_SERVER": in.URL, "GATEHOUSE_TOKEN": boot.SecretKey, "GATEHOUSE_ORG": "pg"}
	team := okJSON[client.Team](t, env, "team", "create", "--name", "North")
	ok(t, env, "resource", "put", "work_order:wo1", "--team", team.ID)
	if out := ok(t, env, "resource", "list"); !hasRow(out, "work_order:wo1", "-", "-", team.ID) {
		t.Fatalf("resource list:\n%s", out)
	}
	ok(t, env, "audit", "verify")
	if err := shutdown(in, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	verify := []string{"audit", "verify", "--db", url, "--audit-key", keyFile, "--checkpoints", cpFile}
	if out := ok(t, nil, verify...); !hasRow(out, "pg", "3", "ok") {
		t.Fatalf("audit verify --db postgres:\n%s", out)
	}
	if r := fails(t, nil, 1, "audit", "verify", "--db", url); !strings.Contains(r.stderr, "--audit-key") {
		t.Fatalf("verify on PostgreSQL without a key: %+v", r)
	}

	// The tamper test on PostgreSQL, through the command: the newest event
	// deleted is missing against the checkpoint of the shutdown; the
	// first rewritten with today's unkeyed formula is named.
	tamper.Truncate(t, url, "pg", 2)
	r := fails(t, nil, 1, verify...)
	if !hasRow(r.stdout, "pg", "2", "BROKEN:", "first", "bad", "seq", "3") || !strings.Contains(r.stdout, "missing") {
		t.Fatalf("truncation on PostgreSQL not reported:\n%s\n%s", r.stdout, r.stderr)
	}
	tamper.Rewrite(t, url, "pg", 2, func(e *domain.AuditEvent) { e.Target = "team:t_other" }, audit.LegacySeal)
	r = fails(t, nil, 1, "audit", "verify", "--db", url, "--audit-key", keyFile)
	if !hasRow(r.stdout, "pg", "2", "BROKEN:", "first", "bad", "seq", "2") || !strings.Contains(r.stdout, "unkeyed formula") {
		t.Fatalf("unkeyed rehash on PostgreSQL not reported:\n%s\n%s", r.stdout, r.stderr)
	}
}

func TestOrgCreateAndTransfer(t *testing.T) {
	s := startServer(t)
	env := s.with("GATEHOUSE_ORG", "")
	o := okJSON[client.Org](t, env, "org", "create", "--id", "beta", "--name", "Beta", "--scheme", "vi")
	if o.ID != "beta" || o.Scheme != "vi" {
		t.Fatalf("org create: %+v", o)
	}
	if out := ok(t, env, "org", "list"); !hasRow(out, "acme", "Acme", "owner") || !hasRow(out, "beta", "Beta", "owner") {
		t.Fatalf("org list:\n%s", out)
	}
	fails(t, env, 1, "org", "create", "--id", "beta", "--name", "Again")
	env["GATEHOUSE_ORG"] = "beta"
	inv := okJSON[client.Invitation](t, env, "invite", "create", "--email", "ada@beta.test", "--role", "admin")
	acc := okJSON[client.Accepted](t, env, "invite", "accept", "--invitation-token", inv.Token, "--name", "Ada", "--password", "ada picks her words")
	out := ok(t, env, "org", "transfer", "--user-id", acc.UserID)
	if !strings.Contains(out, "transferred") {
		t.Fatalf("transfer: %s", out)
	}
	out = ok(t, env, "member", "list")
	if !hasRow(out, acc.UserID, "ada@beta.test", "Ada", "owner") || !hasRow(out, s.boot.UserID, ownerEmail, "Owner", "admin") {
		t.Fatalf("after transfer:\n%s", out)
	}
	// the old Owner, now Admin, sees no billing
	if r := fails(t, env, 1, "org", "billing"); !strings.Contains(r.stderr, "403") {
		t.Fatalf("billing as admin: %+v", r)
	}
}

// TestServeFromEnvironment: serve's flags come from GATEHOUSE_*; a
// cancelled context (the signal) ends it with exit 0.
func TestServeFromEnvironment(t *testing.T) {
	db := filepath.Join(t.TempDir(), "env.db")
	env := map[string]string{"GATEHOUSE_DB": db, "GATEHOUSE_ADDR": "127.0.0.1:0", "GATEHOUSE_LOG_FORMAT": "json",
		"GATEHOUSE_BASE_URL": "https://gatehouse.example.com"}
	ctx, cancel := context.WithCancel(context.Background())
	stderr, stdout := &syncBuf{}, &syncBuf{}
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"serve"}, stdout, stderr, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	}()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(stderr.String(), `"msg":"gatehouse listening"`) {
		if time.Now().After(deadline) {
			t.Fatalf("not listening:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if c := <-code; c != 0 {
		t.Fatalf("exit %d:\n%s", c, stderr.String())
	}
	logs := stderr.String()
	for _, want := range []string{`"db":"` + db + `"`, `"msg":"stopped"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %s:\n%s", want, logs)
		}
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("database not created at GATEHOUSE_DB: %v", err)
	}
	// A bad value names its variable.
	env["GATEHOUSE_LOG_FORMAT"] = "xml"
	if r := fails(t, env, 1, "serve"); !strings.Contains(r.stderr, "--log-format") {
		t.Fatalf("%+v", r)
	}
	env["GATEHOUSE_LOG_FORMAT"] = "json"
	env["GATEHOUSE_DEMO"] = "maybe"
	if r := fails(t, env, 1, "serve"); !strings.Contains(r.stderr, "GATEHOUSE_DEMO") {
		t.Fatalf("%+v", r)
	}
}

// --plans replaces the built-in plans; a bad file stops the start with the
// file and what is wrong in it.
func TestServePlansFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "plans.yaml")
	if err := os.WriteFile(good, []byte("default: lab\nplans:\n  - id: lab\n    name: Lab\n    limits: {seats: 8, resources.dataset: 2}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := serveOptions{db: filepath.Join(dir, "g.db"), plans: good}.config(testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := cfg.Plans.Get("lab"); !ok || cfg.Plans.Default != "lab" || p.Limits["seats"] != 8 {
		t.Fatalf("plans from the file: %+v", cfg.Plans)
	}
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("plans:\n  - id: lab\n    name: Lab\n    limits: {projects: 3}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = serveOptions{db: filepath.Join(dir, "b.db"), plans: bad}.config(testLogger(t))
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), `unknown limit "projects"`) {
		t.Fatalf("bad plans file: %v", err)
	}
	if _, err := (serveOptions{plans: filepath.Join(dir, "missing.yaml")}).config(testLogger(t)); err == nil {
		t.Fatal("a missing plans file was accepted")
	}
}
