package replica_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/team"
)

// countingStore counts the batches of grants its readers hand over.
type countingStore struct {
	store.Store
	batches atomic.Int64
}

func (c *countingStore) View(ctx context.Context, fn func(store.Reader) error) error {
	return c.Store.View(ctx, func(r store.Reader) error { return fn(countingReader{r, c}) })
}

type countingReader struct {
	store.Reader
	c *countingStore
}

func (r countingReader) SnapshotGrants(org string, fn func([]domain.Grant) error) error {
	return r.Reader.SnapshotGrants(org, func(gs []domain.Grant) error {
		r.c.batches.Add(1)
		return fn(gs)
	})
}

// TestLoadRefusesABadGrant: a grant the index cannot take (on a resource
// that does not exist, written behind the service's back) fails the
// start-up load with the index's reason, and the read stops early rather
// than reading every batch after it. (A grant of a role the scheme no
// longer has is another matter: the read goes on to list every such use,
// see authz.StaleError.)
func TestLoadRefusesABadGrant(t *testing.T) {
	t.Parallel() // slow under the race detector: 37,000 rows written
	ctx := context.Background()
	svc, st := newService(t)
	boot, err := svc.Bootstrap(ctx, "acme", "Acme", "vi", "owner@acme.test", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	// Ten batches of 4,096; with the index's queue of four, a read that
	// stops reads at most seven.
	const n = 37_000
	if _, err := st.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			role, scope := "admin", domain.OrgScope()
			if i == 10 {
				role, scope = "dataset.viewer", domain.ResourceScope("dataset", "nowhere")
			}
			g := domain.Grant{ID: fmt.Sprintf("gr_%05d", i), Org: "acme", Subject: domain.UserSubject(boot.UserID),
				Role: role, Scope: scope}
			if err := tx.PutGrant(g); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	counted := &countingStore{Store: st}
	again := team.New(team.Config{AuditKey: testAuditKey, Store: counted})
	defer again.Close()
	err = again.Load(ctx)
	if err == nil || !strings.Contains(err.Error(), `scope dataset:nowhere: not found`) {
		t.Fatalf("load with a bad grant: %v", err)
	}
	if got := counted.batches.Load(); got >= n/4096 {
		t.Errorf("the read went on for %d batches after the index refused the first", got)
	}
}
