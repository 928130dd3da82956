package replica_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/replica"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// TestAwaitRevision: a revision not yet written is the caller's mistake
// (422 at once), one written but not applied is 503 after the wait, and one
// applied passes; Ready reports the store's newest revision.
func TestAwaitRevision(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.New(ctx, filepath.Join(t.TempDir(), "g.db"), store.Options{Sealer: testAuditKey.Seal})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	// Not loaded: nothing is applied, so every written revision is behind.
	r := replica.New(replica.Config{Store: st, ConsistencyWait: 50 * time.Millisecond})
	defer r.Close()
	rev, err := st.Update(ctx, func(store.Tx) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if got, err := r.Ready(ctx); err != nil || got != rev {
		t.Fatalf("Ready = %d, %v; want %d", got, err, rev)
	}
	if err := r.AwaitRevision(ctx, 0); err != nil {
		t.Fatalf("no revision asked: %v", err)
	}
	if err := r.AwaitRevision(ctx, rev+1); fault.CodeOf(err) != fault.Unprocessable {
		t.Fatalf("unwritten revision: got %v, want unprocessable", err)
	}
	began := time.Now()
	if err := r.AwaitRevision(ctx, rev); fault.CodeOf(err) != fault.Unavailable {
		t.Fatalf("revision not applied: got %v, want unavailable", err)
	}
	if waited := time.Since(began); waited < 50*time.Millisecond {
		t.Errorf("answered 503 after %s, before the consistency wait", waited)
	}
	if err := r.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if err := r.AwaitRevision(ctx, rev); err != nil {
		t.Fatalf("revision applied by the load: %v", err)
	}
}
