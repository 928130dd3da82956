package team

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// What the overview calls soon and idle.
const (
	// EndingWithin is how far ahead the overview looks for grants and keys
	// that end.
	EndingWithin = 14 * 24 * time.Hour
	// IdleAfter is how long without a sign-in (members) or a request
	// (keys) the overview calls unused.
	IdleAfter = 30 * 24 * time.Hour
	// OverviewItems is how many items each list of the overview holds; its
	// count says how many there are in all.
	OverviewItems = 10
)

// Overview is what needs looking after in an organization. Each part is
// nil when the actor may not see it: seats and invitations for those who
// list invitations or see billing, ending grants for those who list
// grants, idle members for those who list members, keys for those who
// list keys.
type Overview struct {
	Seats              *Seats               `json:"seats,omitempty"`
	PendingInvitations *int                 `json:"pending_invitations,omitempty"`
	EndingGrants       *Listed[EndingGrant] `json:"ending_grants,omitempty"`
	IdleMembers        *Listed[MemberView]  `json:"idle_members,omitempty"`
	UnusedKeys         *Listed[KeyView]     `json:"unused_keys,omitempty"`
	ExpiringKeys       *Listed[KeyView]     `json:"expiring_keys,omitempty"`
}

// Seats are the plan's seats: members and pending invitations hold one.
type Seats struct {
	Limit   int `json:"limit"`
	Used    int `json:"used"`
	Left    int `json:"left"`
	Members int `json:"members"`
	Pending int `json:"pending_invitations"`
}

// Listed is the first items of a list and how many it has in all.
type Listed[T any] struct {
	Total int `json:"total"`
	Items []T `json:"items"`
}

// EndingGrant is a grant that ends soon, with the names a person reads.
type EndingGrant struct {
	GrantView
	// SubjectName is the person's, group's or key's name; SubjectEmail a
	// person's email. Both are empty for one that is gone.
	SubjectName  string `json:"subject_name,omitempty"`
	SubjectEmail string `json:"subject_email,omitempty"`
	// ScopeName names the resource or team the grant is at; empty at the
	// organization or a whole type.
	ScopeName string `json:"scope_name,omitempty"`
}

// OverviewShown says whether someone with these capabilities (see
// Capabilities) has an overview at all: it is for those who oversee
// members, grants or keys. Anyone else gets Forbidden from Overview, and
// the console sends them where they went before.
func OverviewShown(can map[Action]bool) bool {
	return can[ActInvitationList] || can[ActGrantList] || can[ActKeyList]
}

// Overview gathers the parts the actor may see, each bounded: counts and
// the first OverviewItems, never a whole list.
func (s *Service) Overview(ctx context.Context, a Actor, org string) (Overview, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return Overview{}, err
	}
	may := func(act Action) bool { return s.authorize(o, sc, a, act, nil) == nil }
	invitations, grants, keys, members := may(ActInvitationList), may(ActGrantList), may(ActKeyList), may(ActMemberList)
	if !invitations && !grants && !keys {
		return Overview{}, fault.E(fault.Forbidden, "the overview is for those who manage members or keys, or read the audit log")
	}
	seats := invitations || may(ActBillingView)
	now := s.now()
	var ov Overview
	err = s.view(ctx, func(r store.Reader) error {
		if seats || invitations {
			rec, err := r.GetOrg(org)
			if err != nil {
				return err
			}
			m, err := r.CountMembers(org)
			if err != nil {
				return err
			}
			p, err := r.CountPendingInvitations(org, now)
			if err != nil {
				return err
			}
			if seats {
				ov.Seats = &Seats{Limit: rec.Plan.SeatLimit, Used: m + p, Left: max(0, rec.Plan.SeatLimit-m-p), Members: m, Pending: p}
			}
			if invitations {
				ov.PendingInvitations = &p
			}
		}
		if grants {
			l, err := s.endingGrants(r, org, now)
			if err != nil {
				return err
			}
			ov.EndingGrants = l
		}
		if members {
			since := now.Add(-IdleAfter)
			n, err := r.CountIdleMembers(org, since)
			if err != nil {
				return err
			}
			ms, err := r.IdleMembers(org, since, OverviewItems)
			if err != nil {
				return err
			}
			l := &Listed[MemberView]{Total: n, Items: []MemberView{}}
			for _, m := range ms {
				u, err := r.GetUser(m.UserID)
				if err != nil {
					return err
				}
				l.Items = append(l.Items, s.memberView(m, u))
			}
			ov.IdleMembers = l
		}
		if keys {
			var err error
			live := store.KeyFilter{State: store.LiveKey, At: now}
			unused, expiring := live, live
			unused.UnusedSince, expiring.ExpiresBefore = now.Add(-IdleAfter), now.Add(EndingWithin)
			if ov.UnusedKeys, err = s.someKeys(r, org, unused); err != nil {
				return err
			}
			if ov.ExpiringKeys, err = s.someKeys(r, org, expiring); err != nil {
				return err
			}
		}
		return nil
	})
	return ov, err
}

func (s *Service) someKeys(r store.Reader, org string, f store.KeyFilter) (*Listed[KeyView], error) {
	n, err := r.CountKeys(org, f)
	if err != nil {
		return nil, err
	}
	ks, _, err := r.ListKeys(org, f, "", OverviewItems)
	if err != nil {
		return nil, err
	}
	views, err := keyViews(r, org, ks)
	if err != nil {
		return nil, err
	}
	return &Listed[KeyView]{Total: n, Items: views}, nameOwners(r, views)
}

// endingGrants lists the grants ending within EndingWithin, soonest first,
// naming who holds each and where.
func (s *Service) endingGrants(r store.Reader, org string, now time.Time) (*Listed[EndingGrant], error) {
	to := now.Add(EndingWithin)
	n, err := r.CountExpiringGrants(org, now, to)
	if err != nil {
		return nil, err
	}
	gs, err := r.ExpiringGrants(org, now, to, OverviewItems)
	if err != nil {
		return nil, err
	}
	items, err := namedGrants(r, org, gs)
	return &Listed[EndingGrant]{Total: n, Items: items}, err
}

// namedGrants names who holds each grant and where, for people who read
// names: a holder or scope that is gone stays unnamed.
func namedGrants(r store.Reader, org string, gs []domain.Grant) ([]EndingGrant, error) {
	out := make([]EndingGrant, 0, len(gs))
	missing := func(err error) bool { return err != nil && !errors.Is(err, store.ErrNotFound) }
	for _, g := range gs {
		e := EndingGrant{GrantView: grantView(g)}
		switch g.Subject.Kind {
		case domain.SubjectUser:
			u, err := r.GetUser(g.Subject.ID)
			if missing(err) {
				return nil, err
			}
			e.SubjectName, e.SubjectEmail = u.Name, u.Email
		case domain.SubjectGroup:
			x, err := r.GetGroup(org, g.Subject.ID)
			if missing(err) {
				return nil, err
			}
			e.SubjectName = x.Name
		case domain.SubjectKey:
			k, err := r.GetKey(org, g.Subject.ID)
			if missing(err) {
				return nil, err
			}
			e.SubjectName = k.Name
		}
		switch g.Scope.Kind {
		case domain.ScopeTeam:
			x, err := r.GetTeam(org, g.Scope.ID)
			if missing(err) {
				return nil, err
			}
			e.ScopeName = x.Name
		case domain.ScopeResource:
			x, err := r.GetResource(org, domain.Ref{Type: g.Scope.Type, ID: g.Scope.ID})
			if missing(err) {
				return nil, err
			}
			e.ScopeName = x.Name
		}
		out = append(out, e)
	}
	return out, nil
}
