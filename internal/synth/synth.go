// Package synth makes large synthetic organizations for benchmarks: members,
// groups, teams, a resource tree of any depth and any number of grants, all
// drawn from a seeded generator so every run measures the same org.
package synth

import (
	_ "embed"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

//go:embed bench.yaml
var benchYAML []byte

// Scheme is a four-level scheme (workspace → project → dataset → item) with
// viewer and editor roles at each level, used by the benchmarks.
var Scheme = func() *scheme.Scheme {
	s, err := scheme.Parse("bench.yaml", benchYAML)
	if err != nil {
		panic(err)
	}
	return s
}()

// Levels are the resource types from the top of the tree down.
var Levels = []string{"workspace", "project", "dataset", "item"}

// Config sizes an org. Fanout[i] is the number of children of each resource
// at level i-1 (Fanout[0]: number of top-level resources).
type Config struct {
	Seed          uint64
	Members       int
	Admins        int
	Groups        int
	GroupSize     int
	Teams         int
	Fanout        []int
	Grants        int // total grants, spread over users and groups
	GroupGrantPct int // percent of grants held by groups
	ExpiringPct   int // percent of grants with an expiry (half already past)
	TeamPct       int // percent of datasets attached to a team
	Now           time.Time
}

// Large is the org of the engine's performance goals: 10,000 members, 1,000
// groups, 100 teams, about 1,000,000 resources in a 4-level tree and
// 1,000,000 grants.
func Large() Config {
	return Config{Seed: 1, Members: 10000, Admins: 10, Groups: 1000, GroupSize: 20, Teams: 100,
		Fanout: []int{100, 10, 100, 9}, Grants: 1_000_000, GroupGrantPct: 5, ExpiringPct: 5, TeamPct: 10,
		Now: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)}
}

// Small is a quick version of Large for tests.
func Small() Config {
	c := Large()
	c.Members, c.Groups, c.Teams, c.Fanout, c.Grants = 200, 20, 5, []int{5, 4, 10, 5}, 5000
	return c
}

// Org is a generated organization.
type Org struct {
	Snapshot domain.Snapshot
	ByLevel  [][]domain.Ref // resources per level
	Users    []string       // user ids, admins first
	// Wide is a member who can see, through grants at workspaces, about a
	// tenth of all items: the subject of the "list 100,000 resources" goal.
	Wide string
}

// Generate builds the org described by c.
func Generate(c Config) *Org {
	rng := rand.New(rand.NewPCG(c.Seed, c.Seed^0x9e3779b97f4a7c15))
	o := &Org{}
	snap := &o.Snapshot
	snap.Org = domain.Org{ID: "bench", Name: "Bench", Scheme: Scheme.ID, Plan: domain.Plan{Name: "enterprise", SeatLimit: c.Members * 2}}
	snap.Revision = 1
	for i := 0; i < c.Members; i++ {
		id := fmt.Sprintf("u_%06d", i)
		role := "member"
		if i < c.Admins {
			role = "admin"
		}
		if i == 0 {
			role = "owner"
		}
		o.Users = append(o.Users, id)
		snap.Members = append(snap.Members, domain.Member{Org: "bench", UserID: id, Role: role})
	}
	for i := 0; i < c.Teams; i++ {
		snap.Teams = append(snap.Teams, domain.Team{Org: "bench", ID: fmt.Sprintf("t_%03d", i), Name: fmt.Sprintf("Team %d", i)})
	}
	for i := 0; i < c.Groups; i++ {
		gid := fmt.Sprintf("g_%04d", i)
		snap.Groups = append(snap.Groups, domain.Group{Org: "bench", ID: gid, Name: gid})
		for j := 0; j < c.GroupSize; j++ {
			snap.GroupMembers = append(snap.GroupMembers, domain.Membership{Org: "bench", Parent: gid, UserID: o.Users[rng.IntN(len(o.Users))]})
		}
	}
	// The tree, level by level so parents come before children.
	o.ByLevel = make([][]domain.Ref, len(c.Fanout))
	for lvl, fan := range c.Fanout {
		typ := Levels[lvl]
		parents := []domain.Ref{{}}
		if lvl > 0 {
			parents = o.ByLevel[lvl-1]
		}
		for _, p := range parents {
			for k := 0; k < fan; k++ {
				ref := domain.Ref{Type: typ, ID: fmt.Sprintf("%s%07d", typ[:1], len(o.ByLevel[lvl]))}
				r := domain.Resource{Org: "bench", Type: typ, ID: ref.ID, Parent: p, Owner: o.Users[rng.IntN(len(o.Users))]}
				if typ == "dataset" && c.Teams > 0 && rng.IntN(100) < c.TeamPct {
					r.Team = snap.Teams[rng.IntN(c.Teams)].ID
				}
				snap.Resources = append(snap.Resources, r)
				o.ByLevel[lvl] = append(o.ByLevel[lvl], ref)
			}
		}
	}
	// The wide member: viewer on enough workspaces to see a tenth of the items.
	o.Wide = o.Users[len(o.Users)-1]
	gid := 0
	grant := func(subj domain.Subject, role string, sc domain.Scope, expires time.Time) {
		gid++
		snap.Grants = append(snap.Grants, domain.Grant{Org: "bench", ID: fmt.Sprintf("gr_%08d", gid), Subject: subj, Role: role, Scope: sc, ExpiresAt: expires})
	}
	for i := 0; i < len(o.ByLevel[0])/10+1 && i < len(o.ByLevel[0]); i++ {
		ws := o.ByLevel[0][i]
		grant(domain.UserSubject(o.Wide), "workspace.viewer", domain.ResourceScope(ws.Type, ws.ID), time.Time{})
	}
	roles := []string{"viewer", "editor"}
	for gid < c.Grants {
		var subj domain.Subject
		if c.Groups > 0 && rng.IntN(100) < c.GroupGrantPct {
			subj = domain.GroupSubject(snap.Groups[rng.IntN(c.Groups)].ID)
		} else {
			subj = domain.UserSubject(o.Users[c.Admins+rng.IntN(len(o.Users)-c.Admins)])
		}
		// Most grants sit low in the tree, as they do in labeling platforms.
		lvl := len(c.Fanout) - 1
		switch x := rng.IntN(100); {
		case x < 1:
			lvl = 0
		case x < 5:
			lvl = 1
		case x < 40:
			lvl = 2
		}
		lvl = min(lvl, len(c.Fanout)-1)
		refs := o.ByLevel[lvl]
		ref := refs[rng.IntN(len(refs))]
		var sc domain.Scope
		role := Levels[lvl] + "." + roles[rng.IntN(2)]
		if c.Teams > 0 && rng.IntN(1000) == 0 {
			sc, role = domain.TeamScope(snap.Teams[rng.IntN(c.Teams)].ID), "team.viewer"
		} else {
			sc = domain.ResourceScope(ref.Type, ref.ID)
		}
		var exp time.Time
		if rng.IntN(100) < c.ExpiringPct {
			exp = c.Now.Add(time.Duration(rng.IntN(48)-24) * time.Hour)
		}
		grant(subj, role, sc, exp)
	}
	return o
}
