package vi

import (
	"math/rand/v2"
)

// Permissions of the mix, as every engine spells them after its own prefix:
// Gatehouse "dataset.view", OpenFGA relation "can_view", Casbin action
// "dataset.view".
const (
	View     = "view"
	Annotate = "annotate"
)

// Check asks whether User may Perm ("view" or "annotate") Dataset.
type Check struct {
	User    string
	Perm    string
	Dataset string
}

// Mix is the request mix every engine answers: the same requests, in the
// same order, for the agreement test and for the timings.
type Mix struct {
	Checks  []Check
	Batches [][]Check
	// ListUsers are members whose viewable datasets are listed ("list
	// datasets this user can view").
	ListUsers []string
	// AccessDatasets are datasets whose viewers are listed ("who can
	// access this dataset").
	AccessDatasets []string
}

// MixConfig sizes a mix.
type MixConfig struct {
	Seed      uint64
	Checks    int
	Batches   int
	BatchSize int
	Lookups   int // of each kind
}

// DefaultMix is the mix of `make bench`.
var DefaultMix = MixConfig{Seed: 7, Checks: 1000, Batches: 20, BatchSize: 50, Lookups: 50}

// NewMix draws a mix over o.
//
// Checks: 45% come from an existing grant (allowed for view, allowed for
// annotate only on an editor grant), 40% pair a random member with a random
// dataset (nearly always denied after the engine found nothing), 10% ask
// for an admin and 5% for the owner (allowed through the org role), and a
// few ask for a user who is not a member at all.
func (o *Org) NewMix(c MixConfig) *Mix {
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0xda942042e4dd58b5))
	m := &Mix{}
	for range c.Checks {
		m.Checks = append(m.Checks, o.drawCheck(rng))
	}
	for range c.Batches {
		b := make([]Check, c.BatchSize)
		for j := range b {
			b[j] = o.drawCheck(rng)
		}
		m.Batches = append(m.Batches, b)
	}
	for range c.Lookups {
		m.ListUsers = append(m.ListUsers, o.Members[rng.IntN(len(o.Members))])
		m.AccessDatasets = append(m.AccessDatasets, o.Datasets[rng.IntN(len(o.Datasets))])
	}
	return m
}

func (o *Org) drawCheck(rng *rand.Rand) Check {
	perm := View
	if rng.IntN(3) == 0 {
		perm = Annotate
	}
	d := o.Datasets[rng.IntN(len(o.Datasets))]
	switch x := rng.IntN(100); {
	case x < 45:
		g := o.Grants[rng.IntN(len(o.Grants))]
		return Check{User: g.User, Perm: perm, Dataset: g.Dataset}
	case x < 84:
		return Check{User: o.Members[rng.IntN(len(o.Members))], Perm: perm, Dataset: d}
	case x < 85:
		return Check{User: "u_stranger", Perm: perm, Dataset: d}
	case x < 95:
		return Check{User: o.Admins[rng.IntN(len(o.Admins))], Perm: perm, Dataset: d}
	default:
		return Check{User: o.Owner, Perm: perm, Dataset: d}
	}
}
