// Package engines puts Gatehouse, OpenFGA and Casbin behind one interface
// so the same Vi-style org and the same request mix run against each.
package engines

import (
	"context"
	"fmt"
	"slices"

	"github.com/gatehouse/gatehouse/bench/vi"
)

// Engine answers the request mix.
type Engine interface {
	Name() string
	Check(ctx context.Context, c vi.Check) (bool, error)
	BatchCheck(ctx context.Context, cs []vi.Check) ([]bool, error)
	// ListDatasets is every dataset the user may act on with perm, complete,
	// sorted by id.
	ListDatasets(ctx context.Context, user, perm string) ([]string, error)
	// WhoCanAccess is every user who may act on the dataset with perm,
	// sorted by id.
	WhoCanAccess(ctx context.Context, dataset, perm string) ([]string, error)
	Close() error
}

// Disagreement is a request whose answers differ between two engines.
type Disagreement struct {
	What        string
	Left, Right string // engine names
	LeftAnswer  any
	RightAnswer any
}

func (d Disagreement) Error() string {
	return fmt.Sprintf("%s: %s answered %v, %s answered %v", d.What, d.Left, d.LeftAnswer, d.Right, d.RightAnswer)
}

// Answers is one engine's answers to a whole mix.
type Answers struct {
	Checks  []bool
	Batches [][]bool
	Lists   [][]string
	Access  [][]string
}

// Answer runs the whole mix once on e.
func Answer(ctx context.Context, e Engine, m *vi.Mix) (*Answers, error) {
	a := &Answers{}
	for _, c := range m.Checks {
		ok, err := e.Check(ctx, c)
		if err != nil {
			return nil, fmt.Errorf("%s: check %v: %w", e.Name(), c, err)
		}
		a.Checks = append(a.Checks, ok)
	}
	for i, b := range m.Batches {
		res, err := e.BatchCheck(ctx, b)
		if err != nil {
			return nil, fmt.Errorf("%s: batch %d: %w", e.Name(), i, err)
		}
		a.Batches = append(a.Batches, res)
	}
	for _, u := range m.ListUsers {
		ids, err := e.ListDatasets(ctx, u, vi.View)
		if err != nil {
			return nil, fmt.Errorf("%s: list datasets of %s: %w", e.Name(), u, err)
		}
		a.Lists = append(a.Lists, ids)
	}
	for _, d := range m.AccessDatasets {
		users, err := e.WhoCanAccess(ctx, d, vi.View)
		if err != nil {
			return nil, fmt.Errorf("%s: who can access %s: %w", e.Name(), d, err)
		}
		a.Access = append(a.Access, users)
	}
	return a, nil
}

// Compare returns every request of the mix on which two engines' answers
// differ.
func Compare(m *vi.Mix, ln string, l *Answers, rn string, r *Answers) []Disagreement {
	var out []Disagreement
	for i, c := range m.Checks {
		if l.Checks[i] != r.Checks[i] {
			out = append(out, Disagreement{fmt.Sprintf("check %d %+v", i, c), ln, rn, l.Checks[i], r.Checks[i]})
		}
	}
	for i, b := range m.Batches {
		for j, c := range b {
			if len(l.Batches[i]) != len(b) || len(r.Batches[i]) != len(b) {
				out = append(out, Disagreement{fmt.Sprintf("batch %d length", i), ln, rn, len(l.Batches[i]), len(r.Batches[i])})
				break
			}
			if l.Batches[i][j] != r.Batches[i][j] {
				out = append(out, Disagreement{fmt.Sprintf("batch %d item %d %+v", i, j, c), ln, rn, l.Batches[i][j], r.Batches[i][j]})
			}
		}
	}
	for i, u := range m.ListUsers {
		if !slices.Equal(l.Lists[i], r.Lists[i]) {
			out = append(out, Disagreement{"datasets " + u + " can view", ln, rn, l.Lists[i], r.Lists[i]})
		}
	}
	for i, d := range m.AccessDatasets {
		if !slices.Equal(l.Access[i], r.Access[i]) {
			out = append(out, Disagreement{"who can view " + d, ln, rn, l.Access[i], r.Access[i]})
		}
	}
	return out
}

// Expected answers the mix from the generator's own lists, with no engine:
// the reference every engine is compared to.
func Expected(o *vi.Org, m *vi.Mix) *Answers {
	admin := map[string]bool{o.Owner: true}
	for _, a := range o.Admins {
		admin[a] = true
	}
	type key struct{ u, d string }
	roles := map[key]string{}
	byUser := map[string][]vi.Grant{}
	byDataset := map[string][]vi.Grant{}
	for _, g := range o.Grants {
		roles[key{g.User, g.Dataset}] = g.Role
		byUser[g.User] = append(byUser[g.User], g)
		byDataset[g.Dataset] = append(byDataset[g.Dataset], g)
	}
	allows := func(role, perm string) bool {
		return role == "dataset.editor" || (role == "dataset.viewer" && perm == vi.View)
	}
	check := func(c vi.Check) bool {
		if admin[c.User] {
			return true
		}
		r, ok := roles[key{c.User, c.Dataset}]
		return ok && allows(r, c.Perm)
	}
	a := &Answers{}
	for _, c := range m.Checks {
		a.Checks = append(a.Checks, check(c))
	}
	for _, b := range m.Batches {
		res := make([]bool, len(b))
		for j, c := range b {
			res[j] = check(c)
		}
		a.Batches = append(a.Batches, res)
	}
	for _, u := range m.ListUsers {
		var ids []string
		for _, g := range byUser[u] {
			ids = append(ids, g.Dataset)
		}
		slices.Sort(ids)
		a.Lists = append(a.Lists, ids)
	}
	for _, d := range m.AccessDatasets {
		users := []string{o.Owner}
		users = append(users, o.Admins...)
		for _, g := range byDataset[d] {
			users = append(users, g.User)
		}
		slices.Sort(users)
		a.Access = append(a.Access, slices.Compact(users))
	}
	return a
}
