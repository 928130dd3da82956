package authz_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/synth"
)

// A Loader fed the grants in batches builds the index Load builds from the
// whole snapshot: every decision and reason agrees.
func TestLoaderInBatchesMatchesLoad(t *testing.T) {
	cfg := synth.Small()
	org := synth.Generate(cfg)
	whole := authz.New()
	whole.AddScheme(synth.Scheme)
	if err := whole.Load(&org.Snapshot); err != nil {
		t.Fatal(err)
	}

	parts := authz.New()
	parts.AddScheme(synth.Scheme)
	head := org.Snapshot
	head.Grants = nil
	l, err := parts.NewLoader(&head, len(org.Snapshot.Grants))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parts.Org(org.Snapshot.Org.ID); !errors.Is(err, authz.ErrUnknownOrg) {
		t.Fatal("the org is visible before Install")
	}
	for gs := org.Snapshot.Grants; len(gs) > 0; {
		n := min(len(gs), 777)
		if err := l.Add(gs[:n]); err != nil {
			t.Fatal(err)
		}
		gs = gs[n:]
	}
	l.Install()

	a, _ := whole.Org(org.Snapshot.Org.ID)
	b, err := parts.Org(org.Snapshot.Org.ID)
	if err != nil {
		t.Fatal("no org after Install")
	}
	reqs := checkRequests(org, 20000, cfg.Now.UnixNano())
	allowed := 0
	for i := range reqs {
		da, errA := a.Check(&reqs[i])
		db, errB := b.Check(&reqs[i])
		if errA != nil || errB != nil || da.Allowed != db.Allowed || da.Reason != db.Reason {
			t.Fatalf("%+v: Load %+v %v, Loader %+v %v", reqs[i], da, errA, db, errB)
		}
		if da.Allowed {
			allowed++
		}
	}
	if allowed == 0 || allowed == len(reqs) {
		t.Fatalf("%d of %d checks allowed: the comparison says nothing", allowed, len(reqs))
	}
}

func TestLoaderErrors(t *testing.T) {
	cfg := synth.Small()
	org := synth.Generate(cfg)
	e := authz.New()
	e.AddScheme(synth.Scheme)

	unknown := org.Snapshot
	unknown.Org.Scheme = "nope"
	if _, err := e.NewLoader(&unknown, 0); err == nil || !strings.Contains(err.Error(), "unknown scheme") {
		t.Errorf("unknown scheme: %v", err)
	}
	head := org.Snapshot
	head.Grants = nil
	l, err := e.NewLoader(&head, 1)
	if err != nil {
		t.Fatal(err)
	}
	bad := org.Snapshot.Grants[0]
	bad.Role = "no.such.role"
	if err := l.Add([]domain.Grant{bad}); err != nil {
		t.Fatalf("a grant of an unknown role stops the load before every use is listed: %v", err)
	}
	if err := l.Err(); err == nil || !strings.Contains(err.Error(), `role "no.such.role"`) {
		t.Errorf("grant of an unknown role: %v", err)
	}
}
