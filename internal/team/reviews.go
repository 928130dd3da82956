package team

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// An access review (seed 002: "review team access quarterly") snapshots who
// holds what when it opens, lets its reviewers decide keep or revoke item by
// item, and applies the revocations in one write when it closes. The
// decisions, who took them and why are kept as evidence.

// ReviewRequest opens a review.
type ReviewRequest struct {
	Name      string    `json:"name"`
	DueAt     time.Time `json:"due_at"`
	Reviewers []string  `json:"reviewers"` // user ids; none: the org's user managers (and the creator)
	Scope     string    `json:"scope"`     // "org" (default) or TYPE:ID
	Undecided string    `json:"undecided"` // keep (default) or revoke
}

// ReviewView is a review as clients see it.
type ReviewView struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	Scope          string     `json:"scope"`
	Reviewers      []string   `json:"reviewers"`
	Undecided      string     `json:"undecided"`
	DueAt          time.Time  `json:"due_at"`
	Overdue        bool       `json:"overdue"`
	State          string     `json:"state"` // open or closed
	CreatedBy      string     `json:"created_by"`
	CreatedAt      time.Time  `json:"created_at"`
	ClosedAt       *time.Time `json:"closed_at"`
	ClosedBy       string     `json:"closed_by,omitempty"`
	ClosedRevision int64      `json:"closed_revision,omitempty"`
	Items          int        `json:"items"`
	Decided        int        `json:"decided"`
}

// ReviewItemView is one item, with the member's name beside the id.
type ReviewItemView struct {
	ID        string     `json:"id"`
	UserID    string     `json:"user_id"`
	Name      string     `json:"name"`
	Email     string     `json:"email"`
	Kind      string     `json:"kind"`
	Grant     string     `json:"grant,omitempty"`
	Role      string     `json:"role"`
	Scope     string     `json:"scope"`
	Via       string     `json:"via"`
	Decision  string     `json:"decision"`
	Note      string     `json:"note"`
	DecidedBy string     `json:"decided_by,omitempty"`
	DecidedAt *time.Time `json:"decided_at"`
	Outcome   string     `json:"outcome,omitempty"`
}

// The outcomes closing records on an item.
const (
	OutcomeKept    = "kept"
	OutcomeRevoked = "revoked"
	OutcomeGone    = "gone"    // it had ended before the review closed
	OutcomeRefused = "refused" // the closer could not revoke it
)

// MaxReviewNote bounds a decision's note.
const MaxReviewNote = 2000

func (s *Service) reviewView(r domain.Review, total, decided int) ReviewView {
	v := ReviewView{ID: r.ID, Name: r.Name, Scope: r.Scope, Reviewers: r.Reviewers, Undecided: r.Undecided,
		DueAt: r.DueAt.UTC(), State: "open", CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(),
		ClosedAt: timePtr(r.ClosedAt), ClosedBy: r.ClosedBy, ClosedRevision: r.ClosedRevision, Items: total, Decided: decided}
	if v.Reviewers == nil {
		v.Reviewers = []string{}
	}
	if r.Closed() {
		v.State = "closed"
	} else {
		v.Overdue = s.now().After(r.DueAt)
	}
	return v
}

func reviewTarget(r domain.Review) *Target {
	t := &Target{Reviewers: r.Reviewers}
	if r.Scope != "org" {
		t.Resource = r.Scope
	}
	return t
}

// CreateReview opens a review and snapshots its items in the same write.
func (s *Service) CreateReview(ctx context.Context, a Actor, org string, req ReviewRequest) (ReviewView, int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return ReviewView{}, 0, err
	}
	if err := validName("review name", req.Name); err != nil {
		return ReviewView{}, 0, err
	}
	if req.DueAt.IsZero() {
		return ReviewView{}, 0, fault.E(fault.Unprocessable, "due_at is required: the date by which the review should be closed")
	}
	switch req.Undecided {
	case "":
		req.Undecided = domain.DecisionKeep
	case domain.DecisionKeep, domain.DecisionRevoke:
	default:
		return ReviewView{}, 0, fault.E(fault.Unprocessable, "undecided must be keep or revoke, not %q", req.Undecided)
	}
	var ref domain.Ref
	if req.Scope == "" || req.Scope == "org" {
		req.Scope = "org"
	} else {
		if ref, err = domain.ParseRef(req.Scope); err != nil {
			return ReviewView{}, 0, fault.E(fault.Unprocessable, "scope must be org or a resource TYPE:ID, not %q", req.Scope)
		}
		if !o.HasResource(ref.String()) {
			return ReviewView{}, 0, notFound("resource", ref.String())
		}
		req.Scope = ref.String()
	}
	t := &Target{}
	if req.Scope != "org" {
		t.Resource = req.Scope
	}
	if err := s.authorize(o, sc, a, ActReviewCreate, t); err != nil {
		return ReviewView{}, 0, err
	}
	now := s.now()
	if len(req.Reviewers) == 0 {
		if req.Reviewers, err = s.userManagers(ctx, o, sc, org); err != nil {
			return ReviewView{}, 0, err
		}
		if u := a.UserID(); u != "" && !slices.Contains(req.Reviewers, u) {
			req.Reviewers = append(req.Reviewers, u)
		}
	}
	seen := map[string]bool{}
	reviewers := []string{}
	for _, u := range req.Reviewers {
		u = strings.TrimPrefix(u, "user:")
		if seen[u] {
			continue
		}
		seen[u] = true
		if _, ok := o.MemberRole(u); !ok {
			return ReviewView{}, 0, fault.E(fault.Unprocessable, "reviewer %q is not a member of the organization", u)
		}
		reviewers = append(reviewers, u)
	}
	if len(reviewers) == 0 {
		return ReviewView{}, 0, fault.E(fault.Unprocessable, "the review needs at least one reviewer")
	}
	rv := domain.Review{Org: org, ID: credential.NewID("ar_"), Name: strings.TrimSpace(req.Name), Scope: req.Scope,
		Reviewers: reviewers, Undecided: req.Undecided, DueAt: req.DueAt.UTC(), CreatedBy: a.Subject.String(), CreatedAt: now}
	var items int
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := tx.PutReview(rv); err != nil {
			return nil, err
		}
		snap, err := s.snapshotAccess(tx, o, sc, org, ref, now)
		if err != nil {
			return nil, err
		}
		items = len(snap)
		for _, it := range snap {
			it.Org, it.Review, it.ID = org, rv.ID, credential.NewID("ri_")
			if err := tx.PutReviewItem(it); err != nil {
				return nil, err
			}
		}
		return &change{org: org, action: string(ActReviewCreate), target: "review:" + rv.ID,
			after: map[string]any{"name": rv.Name, "scope": rv.Scope, "reviewers": rv.Reviewers, "undecided": rv.Undecided,
				"due_at": rv.DueAt, "items": items}}, nil
	})
	if err != nil {
		return ReviewView{}, 0, err
	}
	return s.reviewView(rv, items, 0), rev, nil
}

// userManagers lists the members holding one of the scheme's user
// management permissions at the org, by user id.
func (s *Service) userManagers(ctx context.Context, o *authz.Org, sc *scheme.Scheme, org string) ([]string, error) {
	var out []string
	err := s.view(ctx, func(r store.Reader) error {
		ms, _, err := r.ListMembers(org, "", 0)
		for _, m := range ms {
			j := &judge{s: s, o: o, sc: sc, a: Actor{Subject: domain.UserSubject(m.UserID)}}
			if userManager.check(j, &Target{}) == nil {
				out = append(out, m.UserID)
			}
		}
		return err
	})
	return out, err
}

// snapshotAccess lists, for every member, their org role and each live
// grant they hold directly or through a group; for a resource scope, only
// what reaches that resource, what it is in, or what it contains.
func (s *Service) snapshotAccess(r store.Reader, o *authz.Org, sc *scheme.Scheme, org string, ref domain.Ref, now time.Time) ([]domain.ReviewItem, error) {
	rel, err := newRelevance(r, o, sc, org, ref)
	if err != nil {
		return nil, err
	}
	members, _, err := r.ListMembers(org, "", 0)
	if err != nil {
		return nil, err
	}
	groupGrants := map[string][]domain.Grant{}
	var out []domain.ReviewItem
	for _, m := range members {
		if rel.role(m.Role, domain.OrgScope()) {
			out = append(out, domain.ReviewItem{UserID: m.UserID, Kind: domain.ReviewItemOrgRole, Role: m.Role,
				Scope: "org", Via: string(domain.ViaMembership)})
		}
		add := func(gs []domain.Grant, via string) error {
			for _, g := range gs {
				if g.Expired(now) {
					continue
				}
				ok, err := rel.grant(g)
				if err != nil {
					return err
				}
				if ok {
					out = append(out, domain.ReviewItem{UserID: m.UserID, Kind: domain.ReviewItemGrant, Grant: g.ID,
						Role: g.Role, Scope: g.Scope.String(), Via: via})
				}
			}
			return nil
		}
		own, _, err := r.ListGrants(org, store.GrantFilter{Subject: domain.UserSubject(m.UserID)}, "", 0)
		if err != nil {
			return nil, err
		}
		if err := add(own, string(domain.ViaDirect)); err != nil {
			return nil, err
		}
		groups, err := r.ListGroupsOfUser(org, m.UserID)
		if err != nil {
			return nil, err
		}
		for _, gm := range groups {
			gs, ok := groupGrants[gm.Parent]
			if !ok {
				if gs, _, err = r.ListGrants(org, store.GrantFilter{Subject: domain.GroupSubject(gm.Parent)}, "", 0); err != nil {
					return nil, err
				}
				groupGrants[gm.Parent] = gs
			}
			if err := add(gs, domain.GroupSubject(gm.Parent).String()); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// relevance says which access a review of one resource covers: grants at
// the resource, at what it is in (its parents, its type, its team, the
// org) and at what it contains, and org-wide roles only where they carry
// a permission on its type or on what it contains.
type relevance struct {
	r      store.Reader
	sc     *scheme.Scheme
	roleOf func(string) (*scheme.Role, bool)
	org    string
	ref    domain.Ref // zero: the whole org, everything is relevant
	chain  map[domain.Ref]bool
	teams  map[string]bool
	inside map[domain.Ref]bool // memo: is this resource within ref
}

func newRelevance(r store.Reader, o *authz.Org, sc *scheme.Scheme, org string, ref domain.Ref) (*relevance, error) {
	rel := &relevance{r: r, sc: sc, roleOf: o.Role, org: org, ref: ref, chain: map[domain.Ref]bool{}, teams: map[string]bool{}, inside: map[domain.Ref]bool{}}
	for x := ref; x.ID != ""; {
		res, err := r.GetResource(org, x)
		if err != nil {
			return nil, err
		}
		rel.chain[x] = true
		if res.Team != "" {
			rel.teams[res.Team] = true
		}
		x = res.Parent
	}
	return rel, nil
}

func (rel *relevance) whole() bool { return rel.ref.ID == "" }

// role: a role held at an org-wide or type-wide scope matters when it
// carries a permission on the resource's type or on what it contains.
func (rel *relevance) role(id string, _ domain.Scope) bool {
	if rel.whole() {
		return true
	}
	ro, ok := rel.roleOf(id)
	if !ok {
		return true // unknown here: keep it in the review rather than hide it
	}
	for _, rp := range ro.Perms {
		if rel.onType(rp.Perm.Type) {
			return true
		}
	}
	return false
}

func (rel *relevance) onType(t string) bool {
	return t != scheme.OrgType && (rel.sc.Within(rel.ref.Type, t) || rel.sc.Within(t, rel.ref.Type))
}

func (rel *relevance) grant(g domain.Grant) (bool, error) {
	if rel.whole() {
		return true, nil
	}
	switch g.Scope.Kind {
	case domain.ScopeOrg:
		return rel.role(g.Role, g.Scope), nil
	case domain.ScopeType:
		return rel.onType(g.Scope.Type), nil
	case domain.ScopeTeam:
		return rel.teams[g.Scope.ID], nil
	}
	x := domain.Ref{Type: g.Scope.Type, ID: g.Scope.ID}
	if rel.chain[x] {
		return true, nil
	}
	return rel.within(x)
}

// within: x is a descendant of the reviewed resource.
func (rel *relevance) within(x domain.Ref) (bool, error) {
	if v, ok := rel.inside[x]; ok {
		return v, nil
	}
	res, err := rel.r.GetResource(rel.org, x)
	if err != nil {
		return false, nil // a grant at a resource gone meanwhile reaches nothing
	}
	v := false
	switch {
	case res.Parent.ID == "":
	case res.Parent == rel.ref:
		v = true
	default:
		if v, err = rel.within(res.Parent); err != nil {
			return false, err
		}
	}
	rel.inside[x] = v
	return v, nil
}
