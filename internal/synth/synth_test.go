package synth

import "testing"

func TestSmallShape(t *testing.T) {
	c := Small()
	o := Generate(c)
	if got := len(o.Snapshot.Grants); got != c.Grants {
		t.Fatalf("grants = %d, want %d", got, c.Grants)
	}
	want := 1
	total := 0
	for _, f := range c.Fanout {
		want *= f
		total += want
	}
	if got := len(o.Snapshot.Resources); got != total {
		t.Fatalf("resources = %d, want %d", got, total)
	}
	if len(o.Snapshot.Members) != c.Members || len(o.Snapshot.Groups) != c.Groups {
		t.Fatalf("members/groups = %d/%d", len(o.Snapshot.Members), len(o.Snapshot.Groups))
	}
}
