package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// t0 has microseconds, the precision both backends keep, so values written
// from it come back equal.
var t0 = time.Date(2025, 3, 4, 5, 6, 7, 123456000, time.UTC)

// at is t0 plus d.
func at(d time.Duration) time.Time { return t0.Add(d) }

// env is one subtest's store with helpers that fail the test on error.
type env struct {
	t   *testing.T
	s   store.Store
	ctx context.Context
}

func (e *env) update(fn func(store.Tx) error) int64 {
	e.t.Helper()
	rev, err := e.s.Update(e.ctx, fn)
	if err != nil {
		e.t.Fatalf("Update: %v", err)
	}
	return rev
}

func (e *env) view(fn func(store.Reader) error) {
	e.t.Helper()
	if err := e.s.View(e.ctx, fn); err != nil {
		e.t.Fatalf("View: %v", err)
	}
}

// read runs one query in a View and returns its result.
func read[T any](e *env, fn func(store.Reader) (T, error)) (T, error) {
	return store.Read(e.ctx, e.s, fn)
}

// mustRead is read for queries that must succeed.
func mustRead[T any](e *env, fn func(store.Reader) (T, error)) T {
	e.t.Helper()
	v, err := read(e, fn)
	if err != nil {
		e.t.Fatalf("View: %v", err)
	}
	return v
}

// write runs one write in an Update and returns its error.
func (e *env) write(fn func(store.Tx) error) error {
	_, err := e.s.Update(e.ctx, fn)
	return err
}

func (e *env) mustWrite(fn func(store.Tx) error) {
	e.t.Helper()
	if err := e.write(fn); err != nil {
		e.t.Fatalf("Update: %v", err)
	}
}

func (e *env) revision() int64 {
	e.t.Helper()
	return mustRead(e, func(r store.Reader) (int64, error) { return r.CurrentRevision() })
}

// org creates an organization with defaults.
func (e *env) org(id string) domain.Org {
	e.t.Helper()
	o := domain.Org{ID: id, Name: "Org " + id, Scheme: "vi", Plan: domain.Plan{Name: "free", SeatLimit: 5},
		BillingEmail: "billing@" + id + ".test", CreatedAt: t0}
	e.mustWrite(func(tx store.Tx) error { return tx.CreateOrg(o) })
	return o
}

// user creates a user whose email derives from the id.
func (e *env) user(id string) domain.UserRecord {
	e.t.Helper()
	u := domain.UserRecord{ID: id, Email: id + "@example.test", Name: "User " + id,
		PasswordHash: "$argon2id$" + id, CreatedAt: t0}
	e.mustWrite(func(tx store.Tx) error { return tx.CreateUser(u) })
	return u
}

// member creates a user and makes it a member of org.
func (e *env) member(org, id, role string) domain.Member {
	e.t.Helper()
	e.user(id)
	m := domain.Member{Org: org, UserID: id, Role: role, JoinedAt: t0}
	e.mustWrite(func(tx store.Tx) error { return tx.PutMember(m) })
	return m
}

// equal compares through JSON, which compares times as instants in UTC
// and needs no per-type code; the records hold nothing JSON loses.
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	g, err1 := json.Marshal(got)
	w, err2 := json.Marshal(want)
	if err1 != nil || err2 != nil {
		t.Fatalf("%s: cannot compare: %v %v", what, err1, err2)
	}
	if string(g) != string(w) {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func isErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func id(prefix string, i int) string { return fmt.Sprintf("%s%04d", prefix, i) }
