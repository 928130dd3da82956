package team_test

import (
	"slices"
	"testing"

	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/team"
)

func TestPageOf(t *testing.T) {
	items := make([]int, 2500)
	for i := range items {
		items[i] = i
	}
	// Every item once, in order, at every page size, the limit clamped.
	for _, limit := range []int{0, 1, 7, 1000, 5000} {
		var got []int
		tok, pages := "", 0
		for {
			p, err := team.PageOf(items, limit, tok)
			if err != nil {
				t.Fatal(err)
			}
			if want := min(max(limit, 0), team.MaxPageSize); limit > 0 && len(p.Items) > want {
				t.Errorf("limit %d: a page of %d", limit, len(p.Items))
			}
			got = append(got, p.Items...)
			pages++
			if tok = p.Next; tok == "" {
				break
			}
		}
		if !slices.Equal(got, items) {
			t.Errorf("limit %d: %d items over %d pages", limit, len(got), pages)
		}
	}
	if p, _ := team.PageOf(items, 0, ""); len(p.Items) != team.DefaultPageSize {
		t.Errorf("default page: %d", len(p.Items))
	}
	for _, bad := range []string{"x", "eDox", "bzphYmM", "bzotMQ"} {
		if _, err := team.PageOf(items, 10, bad); fault.CodeOf(err) != fault.Invalid {
			t.Errorf("token %q: %v", bad, err)
		}
	}
	if p, err := team.PageOf([]int{}, 10, ""); err != nil || p.Items == nil || p.Next != "" {
		t.Errorf("empty list: %+v %v", p, err)
	}
}
