package replica_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/team"
)

// TestFollowerAfterPrune: a process whose changelog position was pruned
// away rebuilds from snapshots and still answers from the newest state.
func TestFollowerAfterPrune(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "g.db")
	open := func(poll time.Duration) (*team.Service, store.Store) {
		st, err := sqlite.New(ctx, path, store.Options{Sealer: testAuditKey.Seal})
		if err != nil {
			t.Fatal(err)
		}
		svc := team.New(team.Config{AuditKey: testAuditKey, Store: st, PollInterval: poll})
		if err := svc.Load(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { svc.Close(); st.Close() })
		return svc, st
	}
	a, st := open(10 * time.Millisecond)
	boot, err := a.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := open(300 * time.Millisecond)
	owner := team.Actor{Subject: domain.UserSubject(boot.UserID)}
	res, err := a.PutResource(ctx, owner, "acme", team.ResourceRequest{Type: "dataset", ID: "cats"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PruneChanges(ctx, res.Revision+1); err != nil {
		t.Fatal(err)
	}
	r, err := b.Check(ctx, owner, "acme", team.CheckRequest{Permission: "dataset.view", Resource: "dataset:cats", AtLeastRevision: res.Revision})
	if err != nil || !r.Allowed {
		t.Fatalf("after prune: %+v %v", r, err)
	}
}
