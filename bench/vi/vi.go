// Package vi generates the Vi-style organization every engine of the
// comparison loads, and the request mix every engine answers.
//
// The org follows spec/PERFORMANCE.md: one owner, ten admins, members, and
// datasets; each member holds ten viewer/editor grants on distinct datasets.
// The size is given in grants; members and datasets are a tenth of that, so
// 1,000,000 grants means 100,000 members and 100,000 datasets (the "first
// 100 of 100,000 visible datasets" goal is an admin's lookup at that size).
package vi

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// OrgID is the generated organization's id in every engine.
const OrgID = "vi-bench"

// Config sizes an org.
type Config struct {
	Seed            uint64
	Grants          int // viewer/editor grants, in total
	GrantsPerMember int // default 10
	Admins          int // default 10
	EditorPct       int // percent of grants that are dataset.editor; default 30
}

// Sized returns the config of an org with n grants.
func Sized(n int) Config {
	return Config{Seed: 42, Grants: n, GrantsPerMember: 10, Admins: 10, EditorPct: 30}
}

// Grant is one viewer or editor grant.
type Grant struct {
	User    string
	Dataset string
	Role    string // "dataset.viewer" or "dataset.editor"
}

// Org is a generated organization.
type Org struct {
	Config   Config
	Owner    string
	Admins   []string
	Members  []string // plain members (every one holds grants)
	Datasets []string // ids, sorted
	Grants   []Grant
	// DatasetOwner is the creator recorded on each dataset (no decision
	// depends on it in vi; stores keep it).
	DatasetOwner []string
}

// Users is every user of the org: owner, admins, members.
func (o *Org) Users() []string {
	out := append([]string{o.Owner}, o.Admins...)
	return append(out, o.Members...)
}

// Tuples is the number of relationships the peers store: memberships,
// dataset→org links and grants.
func (o *Org) Tuples() int {
	return 1 + len(o.Admins) + len(o.Members) + len(o.Datasets) + len(o.Grants)
}

// UserID formats the i-th user's id.
func UserID(i int) string { return fmt.Sprintf("u_%07d", i) }

// DatasetID formats the i-th dataset's id.
func DatasetID(i int) string { return fmt.Sprintf("ds_%07d", i) }

// Generate builds the org described by c.
func Generate(c Config) *Org {
	if c.GrantsPerMember <= 0 {
		c.GrantsPerMember = 10
	}
	if c.Admins <= 0 {
		c.Admins = 10
	}
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x5851f42d4c957f2d))
	members := max(1, c.Grants/c.GrantsPerMember)
	datasets := max(c.GrantsPerMember*2, c.Grants/c.GrantsPerMember)
	o := &Org{Config: c, Owner: UserID(0)}
	for i := 1; i <= c.Admins; i++ {
		o.Admins = append(o.Admins, UserID(i))
	}
	for i := 0; i < members; i++ {
		o.Members = append(o.Members, UserID(1+c.Admins+i))
	}
	users := o.Users()
	for i := 0; i < datasets; i++ {
		o.Datasets = append(o.Datasets, DatasetID(i))
		o.DatasetOwner = append(o.DatasetOwner, users[rng.IntN(len(users))])
	}
	o.Grants = make([]Grant, 0, c.Grants)
	picked := make(map[int]bool, c.GrantsPerMember)
	for mi := 0; len(o.Grants) < c.Grants; mi = (mi + 1) % members {
		clear(picked)
		for k := 0; k < c.GrantsPerMember && len(o.Grants) < c.Grants; k++ {
			d := rng.IntN(datasets)
			for picked[d] {
				d = rng.IntN(datasets)
			}
			picked[d] = true
			role := "dataset.viewer"
			if rng.IntN(100) < c.EditorPct {
				role = "dataset.editor"
			}
			o.Grants = append(o.Grants, Grant{User: o.Members[mi], Dataset: o.Datasets[d], Role: role})
		}
		if mi == members-1 && len(o.Grants) < c.Grants {
			// More grants than members × GrantsPerMember: a second round
			// could repeat a (member, dataset) pair, which tuple stores
			// refuse; sizes are chosen so it never happens.
			panic("vi: grants do not divide evenly among members")
		}
	}
	return o
}

// Created is the timestamp written on generated records.
var Created = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// GrantID formats the i-th grant's id.
func GrantID(i int) string { return fmt.Sprintf("gr_%08d", i) }

// Snapshot is the org as Gatehouse's engine loads it.
func (o *Org) Snapshot() *domain.Snapshot {
	s := &domain.Snapshot{
		Org:      domain.Org{ID: OrgID, Name: "Vi benchmark", Scheme: "vi", Plan: domain.Plan{Name: "enterprise", SeatLimit: len(o.Members) + 100}, CreatedAt: Created},
		Revision: 1,
	}
	s.Members = make([]domain.Member, 0, 1+len(o.Admins)+len(o.Members))
	s.Members = append(s.Members, domain.Member{Org: OrgID, UserID: o.Owner, Role: "owner", JoinedAt: Created})
	for _, a := range o.Admins {
		s.Members = append(s.Members, domain.Member{Org: OrgID, UserID: a, Role: "admin", JoinedAt: Created})
	}
	for _, m := range o.Members {
		s.Members = append(s.Members, domain.Member{Org: OrgID, UserID: m, Role: "member", JoinedAt: Created})
	}
	s.Resources = make([]domain.Resource, len(o.Datasets))
	for i, d := range o.Datasets {
		s.Resources[i] = domain.Resource{Org: OrgID, Type: "dataset", ID: d, Name: d, Owner: o.DatasetOwner[i], CreatedAt: Created}
	}
	s.Grants = make([]domain.Grant, len(o.Grants))
	for i, g := range o.Grants {
		s.Grants[i] = domain.Grant{ID: GrantID(i), Org: OrgID, Subject: domain.UserSubject(g.User), Role: g.Role,
			Scope: domain.ResourceScope("dataset", g.Dataset), CreatedBy: "user:" + o.Owner, CreatedAt: Created}
	}
	return s
}
