package team

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// GrantRequest asks for a role at a scope for a subject.
type GrantRequest struct {
	Subject   string
	Role      string
	Scope     string
	ExpiresAt time.Time // zero: never
}

func parseGrant(req GrantRequest) (domain.Subject, domain.Scope, error) {
	subj, err := domain.ParseSubject(req.Subject)
	if err != nil {
		return subj, domain.Scope{}, fault.Wrap(fault.Unprocessable, err)
	}
	sc, err := domain.ParseScope(req.Scope)
	if err != nil {
		return subj, sc, fault.Wrap(fault.Unprocessable, err)
	}
	return subj, sc, nil
}

// CreateGrant binds a role at a scope to a member or group, under the
// policy. A key's grants are set when it is made: a key holds exactly what
// GET /keys shows. The same subject, role, scope and expiry twice is a 409
// naming the existing grant. A team-scoped grant puts its user on the
// team's roster.
func (s *Service) CreateGrant(ctx context.Context, a Actor, org string, req GrantRequest) (GrantView, int64, error) {
	o, sch, err := s.org(a, org)
	if err != nil {
		return GrantView{}, 0, err
	}
	subj, sc, err := parseGrant(req)
	if err != nil {
		return GrantView{}, 0, err
	}
	if subj.Kind == domain.SubjectKey {
		if err := s.subjectExists(o, subj); err != nil {
			return GrantView{}, 0, err
		}
		return GrantView{}, 0, fault.E(fault.Unprocessable, "a key's grants are set when it is made; make a new key instead")
	}
	if !req.ExpiresAt.IsZero() && !req.ExpiresAt.After(s.now()) {
		return GrantView{}, 0, fault.E(fault.Unprocessable, "the expiry date is in the past")
	}
	if err := s.scopeExists(o, sc); err != nil {
		return GrantView{}, 0, err
	}
	if req.Role == domain.DefaultRole {
		if err := s.defaultGrantable(o, subj, sc); err != nil {
			return GrantView{}, 0, err
		}
	}
	g := domain.Grant{Org: org, ID: credential.NewID("gr_"), Subject: subj, Role: req.Role, Scope: sc,
		ExpiresAt: req.ExpiresAt.UTC(), CreatedBy: a.Subject.String(), CreatedAt: s.now()}
	t, err := s.grantTarget(ctx, sch, org, &g)
	if err != nil {
		return GrantView{}, 0, err
	}
	if err := s.authorize(o, sch, a, ActGrantCreate, t); err != nil {
		return GrantView{}, 0, err
	}
	if err := s.subjectExists(o, subj); err != nil {
		return GrantView{}, 0, err
	}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		changes, after, err := putGrant(tx, org, g, t)
		if err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActGrantCreate), target: subj.String(), after: after, changes: changes}, nil
	})
	if err != nil {
		return GrantView{}, 0, err
	}
	return grantView(g), rev, nil
}

// grantTarget is what grant.create judges for a grant about to be made:
// whether it puts its user on a team's roster, and the members of a group
// it goes to. Approving an access request judges the same.
func (s *Service) grantTarget(ctx context.Context, sch *scheme.Scheme, org string, g *domain.Grant) (*Target, error) {
	t := &Target{Grant: g}
	subj, sc := g.Subject, g.Scope
	if sc.Kind == domain.ScopeTeam && subj.Kind == domain.SubjectUser {
		on, err := s.onTeam(ctx, org, sc.ID, subj.ID)
		if err != nil {
			return nil, err
		}
		if !on {
			t.Team = sc.ID
		}
	}
	if subj.Kind == domain.SubjectGroup && sch.ScopedRolesNeedBase && sc.Kind != domain.ScopeOrg {
		if err := s.view(ctx, func(r store.Reader) error {
			ms, err := r.ListGroupMembers(org, subj.ID)
			for _, m := range ms {
				t.Holders = append(t.Holders, m.UserID)
			}
			return err
		}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// putGrant writes a grant judged with grantTarget, inside the caller's
// write: the same subject, role, scope and expiry twice is a 409 naming
// the existing grant, and a team-scoped grant rosters its user.
func putGrant(tx store.Tx, org string, g domain.Grant, t *Target) ([]domain.Change, grantEvent, error) {
	subj, sc := g.Subject, g.Scope
	same, _, err := tx.ListGrants(org, store.GrantFilter{Subject: subj, Scope: sc}, "", 0)
	if err != nil {
		return nil, grantEvent{}, err
	}
	for _, x := range same {
		if x.Role == g.Role && x.ExpiresAt.Equal(g.ExpiresAt) {
			e := fault.E(fault.Conflict, "%s already holds %s at %s with this expiry (grant %s)", subj, g.Role, sc, x.ID)
			e.ExistingID = x.ID
			return nil, grantEvent{}, e
		}
	}
	if err := tx.PutGrant(g); err != nil {
		return nil, grantEvent{}, err
	}
	changes := []domain.Change{{Op: domain.OpPutGrant, Grant: &g}}
	after := grantEvent{GrantView: grantView(g)}
	if t.Team != "" {
		m := domain.Membership{Org: org, Parent: t.Team, UserID: subj.ID}
		if err := tx.PutTeamMember(m); err != nil {
			return nil, grantEvent{}, err
		}
		changes = append(changes, domain.Change{Op: domain.OpPutTeamMember, Membership: &m})
		after.Roster = t.Team
	}
	return changes, after, nil
}

// defaultGrantable: a grant made with the default role ("assign to the
// project, and let each member's Default role decide") names a resource or
// a resource type, and a user it names has a default role already, so it
// grants what the granter saw.
func (s *Service) defaultGrantable(o *authz.Org, subj domain.Subject, sc domain.Scope) error {
	if sc.Kind != domain.ScopeResource && sc.Kind != domain.ScopeType {
		return fault.E(fault.Unprocessable, "a grant with the default role is made at a resource or a resource type, not at %s", sc)
	}
	if subj.Kind != domain.SubjectUser {
		return nil
	}
	if err := s.subjectExists(o, subj); err != nil {
		return err
	}
	if o.DefaultRoleOf(subj.ID) == "" {
		return fault.E(fault.Conflict, "%s has no default role; set one first (PATCH their membership with default_role), or grant a named role", subj)
	}
	return nil
}

// grantEvent is a grant's audit record; Roster names the team whose
// roster the grant put its user on.
type grantEvent struct {
	GrantView
	Roster string `json:"added_to_roster,omitempty"`
}

// onTeam reports whether a user is on a team's roster.
func (s *Service) onTeam(ctx context.Context, org, team, user string) (bool, error) {
	on := false
	err := s.view(ctx, func(r store.Reader) error {
		ts, err := r.ListTeamsOfUser(org, user)
		for _, m := range ts {
			on = on || m.Parent == team
		}
		return err
	})
	return on, err
}

// scopeExists: a grant names an existing resource or team (404 otherwise,
// also for another org's).
func (s *Service) scopeExists(o *authz.Org, sc domain.Scope) error {
	switch sc.Kind {
	case domain.ScopeResource:
		if !o.HasResource(sc.Type + ":" + sc.ID) {
			return notFound("resource", sc.String())
		}
	case domain.ScopeTeam:
		if !o.HasTeam(sc.ID) {
			return notFound("team", sc.ID)
		}
	}
	return nil
}

// subjectExists: grants go to members, existing groups and live keys.
func (s *Service) subjectExists(o *authz.Org, subj domain.Subject) error {
	if !o.Active(subj.String(), s.now().UnixNano()) {
		return notFound(subj.Kind.String(), subj.ID)
	}
	return nil
}

// ListGrants lists an org's grants, optionally for one subject or scope.
// Anyone may list their own and their groups'; the rest needs user
// management or audit.
func (s *Service) ListGrants(ctx context.Context, a Actor, org string, q GrantQuery) (Page[GrantView], error) {
	o, sch, err := s.org(a, org)
	if err != nil {
		return Page[GrantView]{}, err
	}
	subject, scope, after, limit := q.Subject, q.Scope, q.After, q.Limit
	now := s.now()
	f := store.GrantFilter{At: now}
	switch q.State {
	case "":
	case "active":
		f.State = store.ActiveGrant
	case "expired":
		f.State = store.ExpiredGrant
	default:
		return Page[GrantView]{}, fault.E(fault.Invalid, "state: want active or expired")
	}
	if subject != "" {
		if f.Subject, err = domain.ParseSubject(subject); err != nil {
			return Page[GrantView]{}, fault.Wrap(fault.Invalid, err)
		}
	}
	if scope != "" {
		if f.Scope, err = domain.ParseScope(scope); err != nil {
			return Page[GrantView]{}, fault.Wrap(fault.Invalid, err)
		}
	}
	// A group's grants are its members' own access, so a member lists them
	// as they list their own.
	own := f.Subject == a.Subject
	if !own && f.Subject.Kind == domain.SubjectGroup && !a.IsKey() {
		if err := s.view(ctx, func(r store.Reader) error {
			gs, err := r.ListGroupsOfUser(org, a.UserID())
			for _, g := range gs {
				own = own || g.Parent == f.Subject.ID
			}
			return err
		}); err != nil {
			return Page[GrantView]{}, err
		}
	}
	if !own {
		if err := s.authorize(o, sch, a, ActGrantList, nil); err != nil {
			return Page[GrantView]{}, fault.E(fault.Forbidden, "listing others' grants needs user management or %s; subject=%s lists your own", sch.AuditPermission, a.Subject)
		}
	}
	page := Page[GrantView]{Items: []GrantView{}}
	err = s.view(ctx, func(r store.Reader) error {
		gs, next, err := r.ListGrants(org, f, after, clampLimit(limit))
		page.Next = next
		for _, g := range gs {
			v := grantView(g)
			v.Expired = g.Expired(now)
			page.Items = append(page.Items, v)
		}
		return err
	})
	return page, err
}

// GrantQuery narrows the grant list; zero fields match everything.
type GrantQuery struct {
	Subject string // a subject reference, user:ID, group:ID or key:ID
	Scope   string // a scope, org, TYPE:*, TYPE:ID or team:ID
	// State is active or expired: only grants running, or ended, now (an
	// ended grant stays listed until it is revoked).
	State string
	After string
	Limit int
}

// DeleteGrant revokes a grant; it takes the same power as making it.
func (s *Service) DeleteGrant(ctx context.Context, a Actor, org, id string) (int64, error) {
	o, sch, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	var g domain.Grant
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		g, err = r.GetGrant(org, id)
		return err
	}); err != nil {
		return 0, notFound("grant", id)
	}
	if g.Subject.Kind == domain.SubjectKey {
		return 0, fault.E(fault.Unprocessable, "a key's grants end with the key; revoke the key instead")
	}
	if err := s.authorize(o, sch, a, ActGrantDelete, &Target{Grant: &g}); err != nil {
		return 0, err
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := tx.DeleteGrant(org, id); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActGrantDelete), target: g.Subject.String(), before: grantView(g),
			changes: []domain.Change{{Op: domain.OpDeleteGrant, Grant: &g}}}, nil
	})
}
