package authz_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/gatehouse/gatehouse/internal/authz/reference"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// TestScenariosReference replays every scenario against the naive reference
// model: its checks, lookups and subject lookups (can_grant and access are
// the engine's alone). The expectations were written from the spec, so this
// validates the reference the property tests compare the engine with.
func TestScenariosReference(t *testing.T) {
	files, err := filepath.Glob("../../testdata/scenarios/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var sc scenario
		dec := yaml.NewDecoder(strings.NewReader(string(data)))
		dec.KnownFields(true)
		if err := dec.Decode(&sc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) { runReferenceScenario(t, &sc) })
	}
}

func runReferenceScenario(t *testing.T, sc *scenario) {
	now := sc.Now
	if now.IsZero() {
		now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	}
	s, ok := scheme.Get(sc.Scheme)
	if !ok {
		t.Fatalf("unknown scheme %q", sc.Scheme)
	}
	st := reference.New(s)
	apply := func(cs []domain.Change) {
		for _, c := range cs {
			if err := st.Apply(c); err != nil {
				t.Fatalf("apply %s: %v", c.Op, err)
			}
		}
	}
	apply(stateChanges(t, &sc.State))
	assertReference(t, st, now, sc.Checks, sc.Lookups, sc.Subjects)
	for i, step := range sc.Steps {
		t.Run(fmt.Sprintf("step%d_%s", i+1, step.Name), func(t *testing.T) {
			apply(removeChanges(t, &step.Remove))
			apply(stateChanges(t, &step.State))
			assertReference(t, st, now, step.Checks, step.Lookups, step.Subjects)
		})
	}
}

func assertReference(t *testing.T, st *reference.State, now time.Time, checks []scCheck, lookups []scLookup, subjects []scSubjects) {
	t.Helper()
	at := func(x time.Time) time.Time {
		if x.IsZero() {
			return now
		}
		return x
	}
	for _, c := range checks {
		name := fmt.Sprintf("check %s %s %s ch=%q", c.Subject, c.Permission, c.Resource, c.Channel)
		ok, err := st.Check(reference.Request{Subject: c.Subject, Permission: c.Permission, Resource: c.Resource, Channel: c.Channel, Now: at(c.Now)})
		switch {
		case c.Error != "":
			if err == nil {
				t.Errorf("%s: want error %q, got none", name, c.Error)
			}
		case err != nil:
			t.Errorf("%s: %v", name, err)
		case c.Allow != nil && ok != *c.Allow:
			t.Errorf("%s: reference allowed=%v, want %v", name, ok, *c.Allow)
		}
	}
	for _, l := range lookups {
		got, err := st.LookupResources(l.Subject, l.Permission, l.Type, l.Channel, at(l.Now))
		if err != nil {
			t.Errorf("lookup %+v: %v", l, err)
			continue
		}
		want := slices.Sorted(slices.Values(l.Want))
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("reference lookup_resources %s %s %s: got %v, want %v", l.Subject, l.Permission, l.Type, got, want)
		}
	}
	for _, s := range subjects {
		got, err := st.LookupSubjects(s.Permission, s.Resource, s.Channel, at(s.Now))
		if err != nil {
			t.Errorf("lookup_subjects %+v: %v", s, err)
			continue
		}
		want := slices.Sorted(slices.Values(s.Want))
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("reference lookup_subjects %s %s: got %v, want %v", s.Permission, s.Resource, got, want)
		}
	}
}
