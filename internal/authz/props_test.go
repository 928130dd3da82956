package authz_test

import (
	"os"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

func propsOrg(t *testing.T) *authz.Org {
	t.Helper()
	data, err := os.ReadFile("testdata/stated.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s, err := scheme.Parse("stated.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	e := authz.New()
	e.AddScheme(s)
	changes := []domain.Change{
		{Op: domain.OpPutMember, Member: &domain.Member{Org: "o", UserID: "alice", Role: "writer"}},
		{Op: domain.OpPutMember, Member: &domain.Member{Org: "o", UserID: "bob", Role: "writer"}},
		{Op: domain.OpPutMember, Member: &domain.Member{Org: "o", UserID: "ed", Role: "editor"}},
		{Op: domain.OpPutResource, Resource: &domain.Resource{Org: "o", Type: "record", ID: "record-1"}},
		{Op: domain.OpPutResource, Resource: &domain.Resource{Org: "o", Type: "record", ID: "record-2"}},
	}
	if err := e.Apply("o", "propstest", 1, changes); err != nil {
		t.Fatal(err)
	}
	o, err := e.Org("o")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestStatedProperties(t *testing.T) {
	o := propsOrg(t)
	now := time.Now().UnixNano()
	props := func(sub, res, act map[string]string) *scheme.Props {
		return &scheme.Props{Subject: sub, Resource: res, Action: act}
	}
	archived := map[string]string{"status": "archived"}
	for _, c := range []struct {
		name, subject, perm, res string
		props                    *scheme.Props
		want                     bool
	}{
		{"unconditional read", "alice", "read", "record:record-1", nil, true},
		{"write, active", "alice", "write", "record:record-1", props(nil, map[string]string{"status": "active"}, nil), true},
		{"write, archived", "alice", "write", "record:record-2", props(nil, archived, nil), false},
		{"write, archived, stated admin", "bob", "write", "record:record-2", props(map[string]string{"role": "admin"}, archived, nil), true},
		{"write, archived, another role", "bob", "write", "record:record-2", props(map[string]string{"role": "viewer"}, archived, nil), false},
		// A property not stated fails its test, "not in" included: saying
		// nothing gets no more than saying the worst.
		{"write, status not stated", "alice", "write", "record:record-1", nil, false},
		{"soft delete", "alice", "delete", "record:record-1", props(nil, nil, map[string]string{"soft": "true"}), true},
		{"hard delete", "alice", "delete", "record:record-1", props(nil, nil, map[string]string{"soft": "false"}), false},
		{"delete, nothing stated", "alice", "delete", "record:record-1", nil, false},
	} {
		d, err := o.Check(&authz.Request{Subject: "user:" + c.subject, Permission: c.perm, Resource: c.res, Props: c.props, Now: now})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d.Allowed != c.want {
			t.Errorf("%s: allowed = %v, want %v (%+v)", c.name, d.Allowed, c.want, d.Reason)
		}
	}

	// Lookups see the same properties as checks.
	page, err := o.LookupResources(&authz.ResourceQuery{Subject: "user:alice", Permission: "write", Type: "record",
		Props: props(nil, map[string]string{"status": "active"}, nil), Now: now})
	if err != nil || len(page.IDs) != 2 {
		t.Errorf("records alice may write when active: %v %v", page.IDs, err)
	}
	page, _ = o.LookupResources(&authz.ResourceQuery{Subject: "user:alice", Permission: "write", Type: "record", Now: now})
	if len(page.IDs) != 0 {
		t.Errorf("records alice may write, status not stated: %v", page.IDs)
	}
	subs, _, err := o.LookupSubjects(&authz.SubjectQuery{Permission: "write", Resource: "record:record-2",
		Props: props(nil, archived, nil), Now: now})
	if err != nil || len(subs) != 0 {
		t.Errorf("who may write an archived record: %v %v", subs, err)
	}
	subs, _, _ = o.LookupSubjects(&authz.SubjectQuery{Permission: "write", Resource: "record:record-2",
		Props: props(map[string]string{"role": "admin"}, archived, nil), Now: now})
	if len(subs) != 2 {
		t.Errorf("who may write an archived record as a stated admin: %v", subs)
	}
}

func TestStatelessType(t *testing.T) {
	o := propsOrg(t)
	now := time.Now().UnixNano()
	for _, c := range []struct {
		name, subject, perm, res, owner string
		want                            bool
	}{
		{"view any todo", "ed", "todo.view", "todo:7", "", true},
		{"update one's own", "ed", "todo.update", "todo:7", "user:ed", true},
		{"update another's", "ed", "todo.update", "todo:7", "user:alice", false},
		{"update, owner unknown", "ed", "todo.update", "todo:7", "", false},
		{"no role on todos", "alice", "todo.view", "todo:7", "", false},
	} {
		d, err := o.Check(&authz.Request{Subject: "user:" + c.subject, Permission: c.perm, Resource: c.res, Owner: c.owner, Now: now})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if d.Allowed != c.want {
			t.Errorf("%s: allowed = %v, want %v", c.name, d.Allowed, c.want)
		}
	}
	// A registered type stays registered: an unknown record is an error,
	// and a stated owner never overrides a stored one.
	if _, err := o.Check(&authz.Request{Subject: "user:alice", Permission: "read", Resource: "record:nope", Now: now}); err != authz.ErrUnknownResource {
		t.Errorf("unknown record: %v", err)
	}
	if _, err := o.Check(&authz.Request{Subject: "user:ed", Permission: "todo.view", Resource: "todo:*", Now: now}); err != authz.ErrUnknownResource {
		t.Errorf("the wildcard is not a todo: %v", err)
	}
	subs, _, err := o.LookupSubjects(&authz.SubjectQuery{Permission: "todo.update", Resource: "todo:7", Owner: "user:ed", Now: now})
	if err != nil || len(subs) != 1 || subs[0].Subject != "user:ed" {
		t.Errorf("who may update ed's todo: %v %v", subs, err)
	}
}
