package e2e

// TestCrashSafety runs `gatehouse serve` (the real binary) on SQLite and on
// PostgreSQL under concurrent writers, kills it with SIGKILL at a random
// moment, checks the database as the crash left it, restarts the server and
// checks again through the API, GATEHOUSE_CRASH_KILLS times per backend
// (default 50; 10 under -short). After every kill:
//
//   - every write the server acknowledged is in the database: resources,
//     grants, keys, accepted invitations, removals;
//   - nothing is half-applied: every key holds exactly its one grant, every
//     member who joined by invitation holds the invitation's grants and
//     its invitation is marked accepted, no grant or group membership
//     names a user who is not a member, no grant names a missing resource;
//   - SQLite's PRAGMA integrity_check says ok (and foreign_key_check finds
//     nothing);
//   - the audit chain verifies, on the database and through the API, and
//     holds at least one event per acknowledged write;
//   - after the restart the engine, rebuilt from the store, allows what the
//     acknowledged grants give.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// crashAcks are the writes the server acknowledged, across every life of it.
type crashAcks struct {
	mu        sync.Mutex
	resources map[string]bool   // dataset ids
	grants    map[string]string // grant id -> dataset
	keys      map[string]string // key id -> its grant's scope
	joined    map[string]bool   // user id -> member (true) or removed (false), last acknowledged
	removing  map[string]bool   // removal sent, not (yet) acknowledged: either state is right
	writes    int
}

func (a *crashAcks) add(f func()) {
	a.mu.Lock()
	defer a.mu.Unlock()
	f()
	a.writes++
}

// crashUser is a user seeded with a cheap password, to be invited.
type crashUser struct{ id, email, password string }

func TestCrashSafety(t *testing.T) {
	if testing.Short() && os.Getenv("GATEHOUSE_CRASH_KILLS") == "" {
		t.Setenv("GATEHOUSE_CRASH_KILLS", "10")
	}
	kills := envInt("GATEHOUSE_CRASH_KILLS", 50)
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			crashRun(t, backend, kills)
		})
	}
}

func crashRun(t *testing.T, backend string, kills int) {
	db := filepath.Join(t.TempDir(), "crash.db")
	if backend == "postgres" {
		db = pgtest.URL(t)
	}
	out, err := gatehouse(t, "init", "--db", db, "--org", "acme", "--name", "Acme", "--scheme", "vi",
		"--owner-email", "owner@acme.test", "--owner-password", "correct horse battery").Output()
	if err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	var boot struct {
		UserID    string `json:"user_id"`
		SecretKey string `json:"secret_key"`
	}
	if err := json.Unmarshal(out[bytes.IndexByte(out, '{'):], &boot); err != nil {
		t.Fatalf("init printed %q: %v", out, err)
	}
	// Users to invite, with cheap password hashes, and room for them.
	users := make([]crashUser, 400)
	withStore(t, backend, db, func(st store.Store) {
		if _, err := st.Update(context.Background(), func(tx store.Tx) error {
			o, err := tx.GetOrg("acme")
			if err != nil {
				return err
			}
			o.Plan = domain.Plan{Name: "enterprise", SeatLimit: 1000}
			if err := tx.UpdateOrg(o); err != nil {
				return err
			}
			for i := range users {
				u := crashUser{id: credential.NewID("u_"), email: fmt.Sprintf("user%d@acme.test", i), password: fmt.Sprintf("password-%d", i)}
				users[i] = u
				if err := tx.CreateUser(domain.UserRecord{ID: u.id, Email: u.email, Name: "User", PasswordHash: cheapHash(u.password), CreatedAt: time.Now()}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatalf("seed users: %v", err)
		}
	})

	acks := &crashAcks{resources: map[string]bool{}, grants: map[string]string{}, keys: map[string]string{}, joined: map[string]bool{}, removing: map[string]bool{}}
	addr := freeAddr(t)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var nextUser int
	var lives []int // acknowledged writes per life
	began := time.Now()
	for life := range kills {
		srv := startReplica(t, fmt.Sprintf("%s-%d", backend, life), db, addr)
		before := acks.writes
		if life > 0 {
			crashCheckAPI(t, srv, boot.SecretKey, boot.UserID, acks)
		}
		// Writers until the kill.
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := 0; ; n++ {
					select {
					case <-stop:
						return
					default:
					}
					var ok bool
					switch (w + n) % 4 {
					case 0, 1:
						ok = crashResourceAndGrant(srv, boot.SecretKey, boot.UserID, fmt.Sprintf("l%d-w%d-%d", life, w, n), acks)
					case 2:
						ok = crashKey(srv, boot.SecretKey, acks)
					case 3:
						acks.mu.Lock()
						i := nextUser
						nextUser++
						acks.mu.Unlock()
						if i >= len(users) {
							continue
						}
						ok = crashMember(srv, boot.SecretKey, users[i], acks, n%3 == 0)
					}
					if !ok {
						return // the server is gone
					}
				}
			}()
		}
		time.Sleep(time.Duration(100+rng.IntN(700)) * time.Millisecond)
		srv.cmd.Process.Signal(syscall.SIGKILL)
		srv.cmd.Wait()
		close(stop)
		wg.Wait()
		lives = append(lives, acks.writes-before)
		crashCheckDB(t, backend, db, boot.UserID, users, acks)
		if t.Failed() {
			t.FailNow()
		}
	}
	// A last life: everything acknowledged is served.
	srv := startReplica(t, backend+"-last", db, addr)
	crashCheckAPI(t, srv, boot.SecretKey, boot.UserID, acks)
	srv.kill()
	slices.Sort(lives)
	t.Logf("%s: %d SIGKILLs at random moments under 4 concurrent writers, %d acknowledged writes (per life: min %d, median %d, max %d), 0 lost, 0 half-applied, integrity and audit chain ok after each, %v",
		backend, kills, acks.writes, lives[0], lives[len(lives)/2], lives[len(lives)-1], time.Since(began).Round(time.Second))
}

// crashCall sends one request; ok is false when the server did not answer.
func crashCall(srv *replica, method, path, token string, body any) (int, map[string]any, bool) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, "http://"+srv.addr+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	c := &http.Client{Timeout: 30 * time.Second}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, false
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, nil, false
	}
	var m map[string]any
	json.Unmarshal(data, &m)
	if res.StatusCode >= 500 {
		srv.t.Errorf("%s %s: %d %s", method, path, res.StatusCode, data)
		return res.StatusCode, m, false
	}
	return res.StatusCode, m, true
}

func crashResourceAndGrant(srv *replica, key, owner, id string, acks *crashAcks) bool {
	code, _, ok := crashCall(srv, "PUT", "/v1/orgs/acme/resources/dataset/"+id, key, map[string]any{"name": "Set " + id})
	if !ok || code != 200 {
		return ok && code == 200
	}
	acks.add(func() { acks.resources[id] = true })
	code, m, ok := crashCall(srv, "POST", "/v1/orgs/acme/grants", key, map[string]any{"subject": "user:" + owner, "role": "dataset.viewer", "scope": "dataset:" + id})
	if !ok || code != 201 {
		return ok && code == 201
	}
	acks.add(func() { acks.grants[m["id"].(string)] = id })
	return true
}

func crashKey(srv *replica, key string, acks *crashAcks) bool {
	code, m, ok := crashCall(srv, "POST", "/v1/orgs/acme/keys", key, map[string]any{"name": "crash", "role": "member"})
	if !ok || code != 201 {
		return ok && code == 201
	}
	acks.add(func() { acks.keys[m["id"].(string)] = "org" })
	return true
}

// crashMember invites u with a grant, accepts, and sometimes removes u.
func crashMember(srv *replica, key string, u crashUser, acks *crashAcks, remove bool) bool {
	code, m, ok := crashCall(srv, "POST", "/v1/orgs/acme/invitations", key, map[string]any{"email": u.email, "role": "member",
		"grants": []map[string]any{{"role": "dataset.viewer", "scope": "dataset:*"}}})
	if !ok || code != 201 {
		return ok && code == 201
	}
	code, _, ok = crashCall(srv, "POST", "/v1/invitations/accept", "", map[string]any{"token": m["token"], "email": u.email, "password": u.password})
	if !ok || code != 200 {
		return ok && code == 200
	}
	acks.add(func() { acks.joined[u.id] = true })
	if !remove {
		return true
	}
	acks.mu.Lock()
	acks.removing[u.id] = true
	acks.mu.Unlock()
	code, _, ok = crashCall(srv, "DELETE", "/v1/orgs/acme/members/"+u.id, key, nil)
	if !ok || code != 200 {
		return ok && code == 200
	}
	acks.add(func() { acks.joined[u.id] = false; delete(acks.removing, u.id) })
	return true
}

func withStore(t *testing.T, backend, db string, f func(store.Store)) {
	t.Helper()
	key, _ := e2eAuditKey(t)
	var st store.Store
	var err error
	if backend == "sqlite" {
		st, err = sqlite.New(context.Background(), db, store.Options{Sealer: key.Seal})
	} else {
		st, err = postgres.New(context.Background(), db, store.Options{Sealer: key.Seal})
	}
	if err != nil {
		t.Fatalf("open %s after the crash: %v", backend, err)
	}
	defer st.Close()
	f(st)
}

// crashCheckDB checks the database as the crash left it.
func crashCheckDB(t *testing.T, backend, db, owner string, users []crashUser, acks *crashAcks) {
	t.Helper()
	key, _ := e2eAuditKey(t)
	if backend == "sqlite" {
		raw, err := sql.Open("sqlite", db)
		if err != nil {
			t.Fatal(err)
		}
		var res string
		if err := raw.QueryRow("PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
			t.Errorf("PRAGMA integrity_check: %q %v", res, err)
		}
		rows, err := raw.Query("PRAGMA foreign_key_check")
		if err != nil {
			t.Errorf("PRAGMA foreign_key_check: %v", err)
		} else {
			if rows.Next() {
				t.Errorf("PRAGMA foreign_key_check found violations")
			}
			rows.Close()
		}
		raw.Close()
	}
	withStore(t, backend, db, func(st store.Store) {
		err := st.View(context.Background(), func(r store.Reader) error {
			snap, err := r.Snapshot("acme")
			if err != nil {
				return err
			}
			members := map[string]string{}
			for _, m := range snap.Members {
				members[m.UserID] = m.Role
			}
			resources := map[string]bool{}
			for _, x := range snap.Resources {
				resources[x.Type+":"+x.ID] = true
			}
			grants := map[string]domain.Grant{}
			bySubject := map[string][]domain.Grant{}
			for _, g := range snap.Grants {
				grants[g.ID] = g
				bySubject[g.Subject.String()] = append(bySubject[g.Subject.String()], g)
				if g.Scope.Kind == domain.ScopeResource && !resources[g.Scope.String()] {
					t.Errorf("grant %s names missing resource %s", g.ID, g.Scope)
				}
				if g.Subject.Kind == domain.SubjectUser {
					if _, ok := members[g.Subject.ID]; !ok {
						t.Errorf("grant %s names %s, who is not a member (half-applied removal?)", g.ID, g.Subject)
					}
				}
			}
			for _, gm := range snap.GroupMembers {
				if _, ok := members[gm.UserID]; !ok {
					t.Errorf("group %s holds %s, who is not a member", gm.Parent, gm.UserID)
				}
			}
			for _, k := range snap.Keys {
				if n := len(bySubject["key:"+k.ID]); n != 1 {
					t.Errorf("key %s holds %d grants, want 1 (half-applied creation?)", k.ID, n)
				}
			}
			invs, err := r.ListInvitations("acme")
			if err != nil {
				return err
			}
			accepted := map[string]bool{}
			for _, i := range invs {
				if !i.AcceptedAt.IsZero() {
					accepted[i.Email] = true
				}
			}
			for _, u := range users {
				_, member := members[u.id]
				if member && !accepted[u.email] {
					t.Errorf("%s is a member but its invitation is not accepted (half-applied acceptance)", u.id)
				}
				if member && len(bySubject["user:"+u.id]) != 1 {
					t.Errorf("%s is a member with %d grants, its invitation carried 1 (half-applied acceptance)", u.id, len(bySubject["user:"+u.id]))
				}
			}
			acks.mu.Lock()
			defer acks.mu.Unlock()
			for id := range acks.resources {
				if !resources["dataset:"+id] {
					t.Errorf("acknowledged dataset %s lost", id)
				}
			}
			for id, ds := range acks.grants {
				if g, ok := grants[id]; !ok || g.Scope.String() != "dataset:"+ds {
					t.Errorf("acknowledged grant %s on %s lost", id, ds)
				}
			}
			for id := range acks.keys {
				if len(bySubject["key:"+id]) != 1 {
					t.Errorf("acknowledged key %s lost", id)
				}
			}
			for id, in := range acks.joined {
				if _, member := members[id]; member != in && !acks.removing[id] {
					t.Errorf("acknowledged membership of %s (member: %v) lost: member now %v", id, in, member)
				}
			}
			evs, err := r.AllAudit("acme")
			if err != nil {
				return err
			}
			if ok, bad := key.Verify(evs); !ok {
				t.Errorf("audit chain broken at seq %d", bad)
			}
			if len(evs) < acks.writes {
				t.Errorf("%d audit events for %d acknowledged writes", len(evs), acks.writes)
			}
			return nil
		})
		if err != nil {
			t.Errorf("read after the crash: %v", err)
		}
	})
}

// crashCheckAPI checks, through a restarted server, that the engine
// rebuilt from the store serves the acknowledged writes.
func crashCheckAPI(t *testing.T, srv *replica, key, owner string, acks *crashAcks) {
	t.Helper()
	code, m, _ := crashCall(srv, "GET", "/v1/orgs/acme/audit/verify", key, nil)
	if code != 200 || m["ok"] != true {
		t.Errorf("audit/verify after restart: %d %v", code, m)
	}
	acks.mu.Lock()
	var sample []string
	for _, ds := range acks.grants {
		sample = append(sample, ds)
	}
	var joined []string
	for id, in := range acks.joined {
		if in && !acks.removing[id] {
			joined = append(joined, id)
		}
	}
	acks.mu.Unlock()
	slices.Sort(sample)
	if len(sample) > 20 {
		sample = sample[len(sample)-20:]
	}
	var checks []map[string]any
	for _, ds := range sample {
		checks = append(checks, map[string]any{"subject": "user:" + owner, "permission": "dataset.view", "resource": "dataset:" + ds})
	}
	for _, id := range joined {
		checks = append(checks, map[string]any{"subject": "user:" + id, "permission": "dataset.view", "resource": "dataset:" + sample[0]})
	}
	if len(checks) == 0 {
		return
	}
	code, m, _ = crashCall(srv, "POST", "/v1/orgs/acme/check/batch", key, map[string]any{"checks": checks[:min(len(checks), 1000)]})
	if code != 200 {
		t.Fatalf("batch check after restart: %d %v", code, m)
	}
	for i, r := range m["results"].([]any) {
		if r.(map[string]any)["allowed"] != true {
			t.Errorf("after restart, %s is denied %s although acknowledged", checks[i]["subject"], checks[i]["resource"])
		}
	}
	if log := srv.logText(); strings.Contains(log, key) {
		t.Errorf("the server log carries the secret key")
	}
}

func (r *replica) logText() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.log.String()
}
