package storetest

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

func res(org, typ, id string, parent domain.Ref) domain.Resource {
	return domain.Resource{Org: org, Type: typ, ID: id, Name: typ + " " + id, Parent: parent, CreatedAt: t0}
}

func (e *env) putResources(rs ...domain.Resource) {
	e.t.Helper()
	e.mustWrite(func(tx store.Tx) error {
		for _, r := range rs {
			if err := tx.PutResource(r); err != nil {
				return err
			}
		}
		return nil
	})
}

func getResource(e *env, org string, ref domain.Ref) (domain.Resource, error) {
	return read(e, func(r store.Reader) (domain.Resource, error) { return r.GetResource(org, ref) })
}

func testResources(e *env) {
	t := e.t
	e.org("acme")
	ds := domain.Resource{Org: "acme", Type: "dataset", ID: "ds1", Name: "Cats", Team: "t1", Owner: "u1",
		Attributes: map[string]string{"task": "rework", "stage": "qa"}, CreatedAt: t0}
	img := domain.Resource{Org: "acme", Type: "image", ID: "img1", Name: "cat.jpg",
		Parent: domain.Ref{Type: "dataset", ID: "ds1"}, CreatedAt: t0}
	bare := domain.Resource{Org: "acme", Type: "training", ID: "tr1"}
	e.putResources(ds, img, bare)
	for _, want := range []domain.Resource{ds, img, bare} {
		got, err := getResource(e, "acme", want.Ref())
		noErr(t, "GetResource "+want.Ref().String(), err)
		equal(t, "GetResource "+want.Ref().String(), got, want)
	}
	_, err := getResource(e, "acme", domain.Ref{Type: "dataset", ID: "nope"})
	isErr(t, "GetResource missing", err, store.ErrNotFound)
	// Type is part of the identity.
	_, err = getResource(e, "acme", domain.Ref{Type: "training", ID: "ds1"})
	isErr(t, "GetResource with the wrong type", err, store.ErrNotFound)

	// A replacement replaces everything but the creation time.
	repl := ds
	repl.Name, repl.Team, repl.Owner, repl.Attributes, repl.CreatedAt = "Dogs", "", "u2", nil, at(time.Hour)
	e.putResources(repl)
	want := repl
	want.CreatedAt = ds.CreatedAt
	got, err := getResource(e, "acme", ds.Ref())
	noErr(t, "GetResource after replace", err)
	equal(t, "GetResource after replace", got, want)

	isErr(t, "PutResource under a missing parent", e.write(func(tx store.Tx) error {
		return tx.PutResource(res("acme", "image", "img2", domain.Ref{Type: "dataset", ID: "ghost"}))
	}), store.ErrNotFound)
	isErr(t, "PutResource in a missing org", e.write(func(tx store.Tx) error {
		return tx.PutResource(res("nope", "dataset", "ds1", domain.Ref{}))
	}), store.ErrNotFound)
}

// testResourceParents checks the tree cannot get a cycle, which would cut
// resources off from every root.
func testResourceParents(e *env) {
	t := e.t
	e.org("acme")
	a := res("acme", "folder", "a", domain.Ref{})
	b := res("acme", "folder", "b", a.Ref())
	c := res("acme", "folder", "c", b.Ref())
	e.putResources(a, b, c)
	for _, parent := range []domain.Ref{a.Ref(), b.Ref(), c.Ref()} {
		moved := a
		moved.Parent = parent
		isErr(t, fmt.Sprintf("PutResource a under %s", parent), e.write(func(tx store.Tx) error {
			return tx.PutResource(moved)
		}), store.ErrConflict)
	}
	// Moving c up to the root and a under it is fine.
	c.Parent = domain.Ref{}
	a.Parent = c.Ref()
	e.putResources(c, a)
	got, err := getResource(e, "acme", a.Ref())
	noErr(t, "GetResource a", err)
	equal(t, "a moved", got.Parent, c.Ref())
}

func testResourceDeleteCascades(e *env) {
	t := e.t
	e.org("acme")
	e.org("other")
	ds := res("acme", "dataset", "ds1", domain.Ref{})
	keep := res("acme", "dataset", "ds2", domain.Ref{})
	e.putResources(ds, keep,
		res("acme", "image", "i1", ds.Ref()),
		res("acme", "image", "i2", ds.Ref()),
		res("acme", "annotation", "a1", domain.Ref{Type: "image", ID: "i1"}),
		res("acme", "label", "l1", domain.Ref{Type: "annotation", ID: "a1"}),
		res("acme", "image", "i3", keep.Ref()),
		// Same ids in another org: untouched.
		res("other", "dataset", "ds1", domain.Ref{}),
		res("other", "image", "i1", domain.Ref{Type: "dataset", ID: "ds1"}),
	)
	refs := mustWriteResult(e, func(tx store.Tx) ([]domain.Ref, error) { return tx.DeleteResource("acme", ds.Ref()) })
	if len(refs) == 0 || refs[0] != ds.Ref() {
		t.Fatalf("DeleteResource = %v, want %s first", refs, ds.Ref())
	}
	equal(t, "DeleteResource refs", refs, []domain.Ref{ds.Ref(),
		{Type: "image", ID: "i1"}, {Type: "image", ID: "i2"},
		{Type: "annotation", ID: "a1"}, {Type: "label", ID: "l1"}})
	for _, ref := range refs {
		_, err := getResource(e, "acme", ref)
		isErr(t, "GetResource deleted "+ref.String(), err, store.ErrNotFound)
	}
	for _, ref := range []domain.Ref{keep.Ref(), {Type: "image", ID: "i3"}} {
		_, err := getResource(e, "acme", ref)
		noErr(t, "GetResource kept "+ref.String(), err)
	}
	for _, ref := range []domain.Ref{{Type: "dataset", ID: "ds1"}, {Type: "image", ID: "i1"}} {
		_, err := getResource(e, "other", ref)
		noErr(t, "GetResource of another org "+ref.String(), err)
	}
	isErr(t, "DeleteResource twice", e.write(func(tx store.Tx) error {
		_, err := tx.DeleteResource("acme", ds.Ref())
		return err
	}), store.ErrNotFound)
}

func testResourcesPagination(e *env) {
	t := e.t
	e.org("acme")
	e.mustWrite(func(tx store.Tx) error {
		for i := range 250 {
			if err := tx.PutResource(res("acme", "dataset", id("ds", (i*7919)%250), domain.Ref{})); err != nil {
				return err
			}
		}
		for i := range 30 {
			if err := tx.PutResource(res("acme", "training", id("tr", i), domain.Ref{})); err != nil {
				return err
			}
		}
		return nil
	})
	cases := []struct {
		typ  string
		want int
	}{{"dataset", 250}, {"training", 30}, {"", 280}, {"model", 0}}
	for _, c := range cases {
		got := pageThrough(e, "ListResources "+c.typ, 100, func(r domain.Resource) string {
			// Ordered by (type, id); the ref string sorts the same way here.
			return r.Ref().String()
		}, func(r store.Reader, after string, limit int) ([]domain.Resource, string, error) {
			return r.ListResources("acme", c.typ, after, limit)
		})
		if len(got) != c.want {
			t.Errorf("ListResources %q paged through %d, want %d", c.typ, len(got), c.want)
		}
	}
	// Counts by type, of this org only.
	e.org("other")
	e.putResources(res("other", "dataset", "x", domain.Ref{}))
	counts, err := read(e, func(r store.Reader) (map[string]int, error) { return r.CountResources("acme") })
	if err != nil {
		t.Fatal(err)
	}
	if len(counts) != 2 || counts["dataset"] != 250 || counts["training"] != 30 {
		t.Errorf("CountResources = %v, want dataset 250 and training 30", counts)
	}
	if counts, err := read(e, func(r store.Reader) (map[string]int, error) { return r.CountResources("nobody") }); err != nil || len(counts) != 0 {
		t.Errorf("CountResources of an org without resources = %v, %v", counts, err)
	}
}
