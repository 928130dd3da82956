package demo_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/auditchain"
	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/demo"
	"github.com/gatehouse/gatehouse/internal/mailer"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
	"github.com/gatehouse/gatehouse/internal/team"
)

// testAuditKey seals and verifies the audit chains of this package's tests.
var testAuditKey = audit.NewKey()

type discardMailer struct{}

func (discardMailer) Send(context.Context, mailer.Message) error { return nil }

func seeded(t *testing.T) (*team.Service, *demo.Result, store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.New(ctx, filepath.Join(t.TempDir(), "demo.db"), store.Options{Sealer: testAuditKey.Seal})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := team.New(team.Config{AuditKey: testAuditKey, Store: st, Mailer: discardMailer{}, RevealInvitationTokens: true})
	if err := svc.Load(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	start := time.Now()
	res, err := demo.Seed(ctx, svc)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeded %d orgs, %d logins in %v", len(res.Orgs), len(res.Logins), time.Since(start))
	return svc, res, st
}

func TestSeed(t *testing.T) {
	svc, res, st := seeded(t)
	ctx := context.Background()
	if len(res.Orgs) != 3 {
		t.Fatalf("orgs = %+v", res.Orgs)
	}
	users := map[string]string{} // org/email -> user id
	for _, l := range res.Logins {
		users[l.Org+"/"+l.Email] = l.UserID
		if l.UserID == "" {
			t.Errorf("login without user id: %+v", l)
		}
	}
	check := func(org, email, perm, resource, channel string, want bool) {
		t.Helper()
		id, ok := users[org+"/"+email]
		if !ok {
			t.Fatalf("no login %s in %s", email, org)
		}
		o, err := svc.Engine().Org(org)
		if err != nil {
			t.Fatalf("%s: %v", org, err)
		}
		d, err := o.Check(&authz.Request{Subject: "user:" + id, Permission: perm, Resource: resource, Channel: channel, Now: time.Now().UnixNano()})
		if err != nil {
			t.Fatalf("%s %s %s %s: %v", org, email, perm, resource, err)
		}
		if d.Allowed != want {
			t.Errorf("%s: %s %s %s (channel %q) = %v, want %v (%+v)", org, email, perm, resource, channel, d.Allowed, want, d.Reason)
		}
	}
	const vi, dp, lb = demo.ViOrg, demo.DeepomaticOrg, demo.LabelboxOrg
	check(vi, "owner@vi-demo.example", "billing.manage", "", "", true)
	check(vi, "admin@vi-demo.example", "billing.view", "", "", false)
	check(vi, "admin@vi-demo.example", "dataset.delete", "dataset:dogs", "", true)
	check(vi, "editor@vi-demo.example", "dataset.annotate", "dataset:cats", "", true)
	check(vi, "editor@vi-demo.example", "dataset.view", "dataset:dogs", "", false)
	check(vi, "viewer@vi-demo.example", "dataset.view", "dataset:dogs", "", true) // through the group
	check(vi, "viewer@vi-demo.example", "dataset.upload", "dataset:dogs", "", false)
	check(vi, "trainer@vi-demo.example", "dataset.view", "dataset:cats", "", true) // All Datasets
	check(vi, "contractor@vi-demo.example", "dataset.upload", "dataset:street-scenes", "", true)
	check(vi, "member@vi-demo.example", "dataset.view", "dataset:cats", "", false)
	check(vi, "member@vi-demo.example", "members.view", "", "", true)

	check(dp, "north-operator@deepomatic-demo.example", "work_order.read", "work_order:wo-1001", "backoffice", true)
	check(dp, "north-operator@deepomatic-demo.example", "work_order.read", "work_order:wo-1001", "mobile", false)
	check(dp, "north-operator@deepomatic-demo.example", "work_order.read", "work_order:wo-2001", "backoffice", false)
	check(dp, "south-field@deepomatic-demo.example", "work_order.write", "work_order:wo-2001", "mobile", true)
	check(dp, "field@deepomatic-demo.example", "work_order.read", "work_order:wo-3001", "backoffice", false)
	check(dp, "operator@deepomatic-demo.example", "work_order.read", "work_order:wo-3001", "backoffice", true)
	check(dp, "pm@deepomatic-demo.example", "users.manage", "", "", false)
	check(dp, "owner@vi-demo.example", "dataset.read", "dataset:pipes", "", true) // the vi Owner is readonly here

	check(lb, "lab1@labelbox-demo.example", "label.write", "label:ts-001", "", true)  // own
	check(lb, "lab1@labelbox-demo.example", "label.write", "label:ts-002", "", false) // someone else's
	check(lb, "lab1@labelbox-demo.example", "label.write", "label:ts-003", "", true)  // rework
	check(lb, "lab1@labelbox-demo.example", "label.view", "label:ts-001", "", true)
	check(lb, "rev1@labelbox-demo.example", "label.review", "label:ts-002", "", true)
	check(lb, "rev1@labelbox-demo.example", "label.review", "label:rs-001", "", false)
	check(lb, "qa@labelbox-demo.example", "label.review", "label:rs-001", "", true) // custom role
	check(lb, "contractor@labelbox-demo.example", "label.write", "label:rs-001", "", true)
	check(lb, "contractor@labelbox-demo.example", "label.write", "label:ts-001", "", false)
	check(lb, "lead@labelbox-demo.example", "project.manage", "project:retail-shelves", "", true) // owns it
	check(lb, "lead@labelbox-demo.example", "project.manage", "project:traffic-signs", "", false)

	// the contractor grants expire; the audit chains verify.
	for _, org := range []string{vi, lb} {
		o, _ := svc.Engine().Org(org)
		var contractor string
		for _, l := range res.Logins {
			if l.Org == org && l.Email == "contractor@"+org+".example" {
				contractor = l.UserID
			}
		}
		later := time.Now().Add(60 * 24 * time.Hour).UnixNano()
		var resource, perm string
		if org == vi {
			resource, perm = "dataset:street-scenes", "dataset.upload"
		} else {
			resource, perm = "label:rs-001", "label.write"
		}
		d, err := o.Check(&authz.Request{Subject: "user:" + contractor, Permission: perm, Resource: resource, Now: later})
		if err != nil || d.Allowed {
			t.Errorf("%s contractor still allowed in 60 days: %+v %v", org, d, err)
		}
	}
	for _, o := range res.Orgs {
		v, err := auditchain.Verify(ctx, st, testAuditKey, o.ID, nil)
		if err != nil || !v.OK || v.Events < 10 {
			t.Errorf("audit of %s: %+v %v", o.ID, v, err)
		}
		if o.Key == "" {
			t.Errorf("org %s has no key", o.ID)
		}
	}
	if _, err := demo.Seed(ctx, svc); err == nil {
		t.Fatal("a second seed on the same database succeeded")
	}
}
