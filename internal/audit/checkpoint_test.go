package audit

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

var cpTime = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func head(events []domain.AuditEvent, seq int64) Checkpoint {
	e := events[seq-1]
	return testKey.Checkpoint(e.Org, e.Seq, e.Hash, cpTime.Add(time.Duration(seq)*time.Minute))
}

func TestCheckpointsHoldTheChain(t *testing.T) {
	events := chain(6)
	cps := []Checkpoint{head(events, 2), head(events, 4), head(events, 4)}

	if ok, bad := testKey.Verify(events, cps...); !ok {
		t.Fatalf("intact chain past its checkpoints: bad seq %d", bad)
	}
	if ok, _ := testKey.Verify(events[:4], cps...); !ok {
		t.Fatal("a chain ending exactly at its newest checkpoint does not verify")
	}

	// Truncation: the newest events deleted. Without checkpoints a prefix
	// verifies; with them the first missing event is named.
	v := testKey.Verifier(cps...)
	for _, e := range events[:3] {
		v.Add(e)
	}
	if ok, bad := v.Result(); ok || bad != 4 || !strings.Contains(v.Reason(), "missing") || !strings.Contains(v.Reason(), "seq 4") {
		t.Fatalf("truncated to 3: %v, %d, %q; want false, 4, a reason naming the missing seq", ok, bad, v.Reason())
	}
	if ok, bad := testKey.Verify(nil, cps...); ok || bad != 1 {
		t.Fatalf("every event deleted: %v, %d; want false, 1", ok, bad)
	}

	// Rewritten by someone holding the key, from seq 3 on: the MACs agree,
	// the checkpoint at 4 does not.
	forged := chain(6)
	forged[2].Actor = "user:u_mallory"
	for i := 2; i < len(forged); i++ {
		testKey.Seal(forged[i-1].Hash, &forged[i])
	}
	if ok, _ := testKey.Verify(forged); !ok {
		t.Fatal("the forged chain should be self-consistent")
	}
	v = testKey.Verifier(cps...)
	for _, e := range forged {
		v.Add(e)
	}
	if ok, bad := v.Result(); ok || bad != 4 || !strings.Contains(v.Reason(), "checkpoint") {
		t.Fatalf("rewritten with the key: %v, %d, %q; want false, 4", ok, bad, v.Reason())
	}

	// Reordered rows fail where the order breaks, before any checkpoint.
	swapped := chain(6)
	swapped[1], swapped[2] = swapped[2], swapped[1]
	if ok, bad := testKey.Verify(swapped, cps...); ok || bad != 3 {
		t.Fatalf("reordered: %v, %d; want false, 3", ok, bad)
	}
}

func TestVerifierReasons(t *testing.T) {
	for _, c := range []struct {
		name, want string
		tamper     func([]domain.AuditEvent)
	}{
		{"rehashed unkeyed", "unkeyed formula", func(ev []domain.AuditEvent) { ev[2].Target = "x"; LegacySeal(ev[2].PrevHash, &ev[2]) }},
		{"another key", "does not verify with the audit key", func(ev []domain.AuditEvent) { ev[2].Target = "x"; NewKey().Seal(ev[2].PrevHash, &ev[2]) }},
		{"edited", "does not verify with the audit key", func(ev []domain.AuditEvent) { ev[2].Target = "x" }},
		{"relinked", "does not link", func(ev []domain.AuditEvent) { ev[2].PrevHash = ev[0].Hash }},
	} {
		events := chain(5)
		c.tamper(events)
		v := testKey.Verifier()
		for _, e := range events {
			v.Add(e)
		}
		if ok, bad := v.Result(); ok || bad != 3 || !strings.Contains(v.Reason(), c.want) {
			t.Errorf("%s: %v, %d, %q; want false, 3 and %q", c.name, ok, bad, v.Reason(), c.want)
		}
	}
	// An old chain verifies with the old formula only, and only intact.
	old := chain(3)
	for i := range old {
		prev := Genesis
		if i > 0 {
			prev = old[i-1].Hash
		}
		LegacySeal(prev, &old[i])
	}
	if ok, _ := VerifyLegacy(old); !ok {
		t.Error("an intact unkeyed chain does not verify with VerifyLegacy")
	}
	if ok, bad := testKey.Verify(old); ok || bad != 1 {
		t.Errorf("an unkeyed chain under the key: %v, %d; want false, 1", ok, bad)
	}
	old[1].Actor = "user:u_mallory"
	if ok, bad := VerifyLegacy(old); ok || bad != 2 {
		t.Errorf("an edited unkeyed chain: %v, %d; want false, 2", ok, bad)
	}
}

func TestReadCheckpoints(t *testing.T) {
	events := chain(3)
	var file bytes.Buffer
	enc := json.NewEncoder(&file)
	for seq := int64(1); seq <= 3; seq++ {
		enc.Encode(head(events, seq))
	}
	good := file.String()
	cps, torn, err := testKey.ReadCheckpoints(strings.NewReader(good + "\n"))
	if err != nil || torn || len(cps) != 3 || cps[2].Seq != 3 || !cps[1].At.Equal(head(events, 2).At) {
		t.Fatalf("ReadCheckpoints = %d, %v, %v", len(cps), torn, err)
	}
	if n := Newest(cps); n["acme"].Seq != 3 {
		t.Errorf("Newest = %+v", n)
	}

	lines := strings.SplitAfter(good, "\n")
	edit := func(line int, from, to string) string {
		l := append([]string(nil), lines...)
		l[line] = strings.Replace(l[line], from, to, 1)
		return strings.Join(l, "")
	}
	for _, c := range []struct{ name, text, want string }{
		{"seq moved", edit(1, `"seq":2`, `"seq":3`), "line 2"},
		{"hash changed", edit(2, `"hash":"`, `"hash":"0`), "line 3"},
		{"not json", edit(0, "{", "["), "line 1"},
		{"another key", good + mustLine(NewKey().Checkpoint("acme", 3, events[2].Hash, cpTime)), "line 4"},
	} {
		if _, _, err := testKey.ReadCheckpoints(strings.NewReader(c.text)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want one naming %s", c.name, err, c.want)
		}
	}
	// A write cut short by a crash is reported, not fatal.
	cps, torn, err = testKey.ReadCheckpoints(strings.NewReader(good + `{"org":"acme","se`))
	if err != nil || !torn || len(cps) != 3 {
		t.Fatalf("torn last line: %d, %v, %v", len(cps), torn, err)
	}
}

func mustLine(c Checkpoint) string {
	b, _ := json.Marshal(c)
	return string(b) + "\n"
}

func TestCheckpointLog(t *testing.T) {
	events := chain(3)
	path := filepath.Join(t.TempDir(), "checkpoints")
	l, err := OpenCheckpointLog(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Append(head(events, 1), head(events, 2)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("checkpoints file mode %o, want 600", fi.Mode().Perm())
	}
	// A crash mid-line, then a new start: the next line starts clean.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"org":"acme","seq":`)
	f.Close()
	if l, err = OpenCheckpointLog(path); err != nil {
		t.Fatal(err)
	}
	if err := l.Append(head(events, 3)); err != nil {
		t.Fatal(err)
	}
	l.Close()
	cps, torn, err := testKey.ReadCheckpointsFile(path)
	if err != nil || torn || len(cps) != 3 || cps[2].Seq != 3 {
		t.Fatalf("after a torn line and a restart: %d checkpoints, torn %v, %v; want 3", len(cps), torn, err)
	}
	// A file that is nothing but a fragment.
	frag := filepath.Join(t.TempDir(), "fragment")
	os.WriteFile(frag, []byte(`{"org":`), 0o600)
	if l, err = OpenCheckpointLog(frag); err != nil {
		t.Fatal(err)
	}
	l.Close()
	if b, _ := os.ReadFile(frag); len(b) != 0 {
		t.Errorf("fragment left: %q", b)
	}
}
