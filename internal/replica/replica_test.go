package replica_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/server"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/pgtest"
	"github.com/gatehouse/gatehouse/internal/store/postgres"
	"github.com/gatehouse/gatehouse/internal/team"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// testAuditKey seals and verifies the audit chains of this package's tests.
var testAuditKey = audit.NewKey()

// The tests drive replicas through team's use cases, as a server does: the
// writes must go through the changelog the replicas follow.

// openReplica opens a Service with its own engine on a shared PostgreSQL
// database, as one more server process would.
func openReplica(t *testing.T, url string) *team.Service {
	t.Helper()
	ctx := context.Background()
	st, err := postgres.New(ctx, url, store.Options{Sealer: testAuditKey.Seal})
	if err != nil {
		t.Fatal(err)
	}
	// A long poll: only notifications can make the follower quick here.
	svc := team.New(team.Config{AuditKey: testAuditKey, Store: st, PollInterval: time.Hour})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close(); st.Close() })
	return svc
}

// newService is a server's use cases over a SQLite file of their own.
func newService(t *testing.T) (*team.Service, store.Store) {
	t.Helper()
	env := servertest.Start(t, servertest.Options{Key: testAuditKey,
		Config: server.Config{NoConsole: true, PollInterval: 50 * time.Millisecond, RevealInvitationTokens: true}})
	return env.Service(), env.Store()
}

// TestReplicasFollowEachOther: a write on one replica is visible on the
// other, at once with at_least_revision, and concurrent writes from both
// replicas all survive with distinct revisions.
func TestReplicasFollowEachOther(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	a := openReplica(t, url)
	boot, err := a.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	b := openReplica(t, url) // started after the org exists: builds it from the store
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	if _, err := b.GetOrg(ctx, owner, "acme"); err != nil {
		t.Fatalf("late replica does not know the org: %v", err)
	}
	res, err := a.PutResource(ctx, owner, "acme", team.ResourceRequest{Type: "dataset", ID: "cats"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := b.Check(ctx, owner, "acme", team.CheckRequest{Permission: "dataset.view", Resource: "dataset:cats", AtLeastRevision: res.Revision})
	if err != nil || !r.Allowed || r.Revision < res.Revision {
		t.Fatalf("check on replica b at revision %d: %+v %v", res.Revision, r, err)
	}

	// Both replicas write at once: every write lands, revisions are unique.
	var mu sync.Mutex
	revs := map[int64]bool{}
	var wg sync.WaitGroup
	for i, svc := range []*team.Service{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 10; j++ {
				v, err := svc.PutResource(ctx, owner, "acme", team.ResourceRequest{Type: "dataset", ID: fmt.Sprintf("d%d-%d", i, j)})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if revs[v.Revision] {
					t.Errorf("revision %d given twice", v.Revision)
				}
				revs[v.Revision] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var last int64
	for rev := range revs {
		last = max(last, rev)
	}
	for _, svc := range []*team.Service{a, b} {
		page, err := svc.LookupResources(ctx, owner, "acme", team.LookupResourcesRequest{Permission: "dataset.view", Type: "dataset", Limit: 1000, AtLeastRevision: last})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.IDs) != 41 {
			t.Errorf("a replica sees %d datasets, want 41", len(page.IDs))
		}
	}
}
