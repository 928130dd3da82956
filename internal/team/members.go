package team

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// MemberView is a row of the member list.
type MemberView struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Name   string `json:"name"`
	Role   string `json:"role"`
	// OrgRoles are the roles the member holds across the organization: the
	// org role first, then those granted at the organization to them or to
	// a group of theirs (a Deepomatic Drive role beside a business role).
	// Filled in lists; a grant that has ended is not one.
	OrgRoles    []string   `json:"org_roles,omitempty"`
	JoinedAt    *time.Time `json:"joined_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
	// ExpiresAt ends the membership (a contractor's); from then on the
	// member holds no access and no seat until it is extended. Expired says
	// it has ended.
	ExpiresAt *time.Time `json:"expires_at"`
	Expired   bool       `json:"expired"`
	// DefaultRole is what each grant made with the default role ("role":
	// "default") gives the member; "" is none.
	DefaultRole string `json:"default_role"`
}

// GrantView is a grant as clients see it.
type GrantView struct {
	ID        string     `json:"id"`
	Subject   string     `json:"subject"`
	Role      string     `json:"role"`
	Scope     string     `json:"scope"`
	ExpiresAt *time.Time `json:"expires_at"`
	CreatedBy string     `json:"created_by,omitempty"`
	Via       string     `json:"via,omitempty"`
	// Expired says the grant has ended: it gives nothing, and stays listed
	// until it is revoked. Set where grants are listed.
	Expired bool `json:"expired"`
}

func grantView(g domain.Grant) GrantView {
	return GrantView{ID: g.ID, Subject: g.Subject.String(), Role: g.Role, Scope: g.Scope.String(),
		ExpiresAt: timePtr(g.ExpiresAt), CreatedBy: g.CreatedBy}
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// MemberDetail is the Member Access dialog: the member, its grants (own and
// through groups) and its effective access by resource type; httpapi
// defines its wire form.
type MemberDetail struct {
	MemberView
	Grants []GrantView
	Access map[string][]domain.Access
}

// ListMembers needs members.view (every vi member has it).
func (s *Service) ListMembers(ctx context.Context, a Actor, org, after string, limit int) (Page[MemberView], error) {
	return s.SearchMembers(ctx, a, org, MemberQuery{After: after, Limit: limit})
}

// MemberQuery searches, orders and pages the member list.
type MemberQuery struct {
	Q    string // name or email contains it (ASCII letters in any case)
	Role string // org role
	// Sort is name, email, joined or last_login, "-" before it for the
	// reverse; empty is by user id. Members who never signed in come last
	// either way.
	Sort string
	// State is active or expired: only memberships running, or ended, now.
	State string
	After string
	Limit int
}

// MemberSorts are the orders SearchMembers knows, for API documentation.
var MemberSorts = []string{"name", "-name", "email", "-email", "joined", "-joined", "last_login", "-last_login"}

func (q MemberQuery) store(now time.Time) (store.MemberQuery, error) {
	sq := store.MemberQuery{Q: strings.TrimSpace(q.Q), Role: q.Role, At: now}
	if len(sq.Q) > 200 {
		return sq, fault.E(fault.Invalid, "q: at most 200 characters")
	}
	switch store.MemberState(q.State) {
	case store.MemberAnyState, store.MemberActive, store.MemberExpired:
		sq.State = store.MemberState(q.State)
	default:
		return sq, fault.E(fault.Invalid, "state: want active or expired")
	}
	if q.Sort == "" {
		return sq, nil
	}
	if !slices.Contains(MemberSorts, q.Sort) {
		return sq, fault.E(fault.Invalid, "sort: want one of %s", strings.Join(MemberSorts, ", "))
	}
	name, desc := strings.CutPrefix(q.Sort, "-")
	sq.Sort, sq.Desc = store.MemberSort(name), desc
	return sq, nil
}

// SearchMembers pages the members that match q, in its order; it needs
// members.view, as the plain list does.
func (s *Service) SearchMembers(ctx context.Context, a Actor, org string, q MemberQuery) (Page[MemberView], error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return Page[MemberView]{}, err
	}
	if err := s.authorize(o, sc, a, ActMemberList, nil); err != nil {
		return Page[MemberView]{}, err
	}
	sq, err := q.store(s.now())
	if err != nil {
		return Page[MemberView]{}, err
	}
	if q.After != "" && sq.Sort != store.MemberByID {
		if n, err := strconv.Atoi(q.After); err != nil || n < 0 {
			return Page[MemberView]{}, fault.E(fault.Invalid, "invalid page_token")
		}
	}
	page := Page[MemberView]{Items: []MemberView{}}
	err = s.view(ctx, func(r store.Reader) error {
		ms, next, err := r.FindMembers(org, sq, q.After, clampLimit(q.Limit))
		if err != nil {
			return err
		}
		page.Next = next
		for _, m := range ms {
			u, err := r.GetUser(m.UserID)
			if err != nil {
				return err
			}
			page.Items = append(page.Items, s.memberView(m, u))
		}
		return addOrgRoles(r, org, page.Items, s.now())
	})
	return page, err
}

// addOrgRoles fills each member's OrgRoles from the grants at the
// organization: one read of those grants and of the groups that hold one.
func addOrgRoles(r store.Reader, org string, ms []MemberView, now time.Time) error {
	gs, _, err := r.ListGrants(org, store.GrantFilter{Scope: domain.OrgScope()}, "", 0)
	if err != nil {
		return err
	}
	byUser := map[string][]string{}
	groupMembers := map[string][]domain.Membership{}
	for _, g := range gs {
		if g.Expired(now) {
			continue
		}
		switch g.Subject.Kind {
		case domain.SubjectUser:
			byUser[g.Subject.ID] = append(byUser[g.Subject.ID], g.Role)
		case domain.SubjectGroup:
			ms, ok := groupMembers[g.Subject.ID]
			if !ok {
				if ms, err = r.ListGroupMembers(org, g.Subject.ID); err != nil {
					return err
				}
				groupMembers[g.Subject.ID] = ms
			}
			for _, m := range ms {
				byUser[m.UserID] = append(byUser[m.UserID], g.Role)
			}
		}
	}
	for i := range ms {
		roles := []string{ms[i].Role}
		for _, role := range byUser[ms[i].UserID] {
			if !slices.Contains(roles, role) {
				roles = append(roles, role)
			}
		}
		ms[i].OrgRoles = roles
	}
	return nil
}

// CountMembers counts the members that match q (its Q and Role), and all
// of them, for "3 of 72 members".
func (s *Service) CountMembers(ctx context.Context, a Actor, org string, q MemberQuery) (matched, total int, err error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, 0, err
	}
	if err := s.authorize(o, sc, a, ActMemberList, nil); err != nil {
		return 0, 0, err
	}
	sq, err := q.store(s.now())
	if err != nil {
		return 0, 0, err
	}
	err = s.view(ctx, func(r store.Reader) error {
		if matched, err = r.CountFoundMembers(org, sq); err != nil {
			return err
		}
		total, err = r.CountMembers(org)
		return err
	})
	return matched, total, err
}

func (s *Service) memberView(m domain.Member, u domain.UserRecord) MemberView {
	return MemberView{UserID: m.UserID, Email: u.Email, Name: u.Name, Role: m.Role, JoinedAt: timePtr(m.JoinedAt),
		LastLoginAt: timePtr(u.LastLoginAt), ExpiresAt: timePtr(m.ExpiresAt), Expired: m.Expired(s.now()), DefaultRole: m.DefaultRole}
}

// clampLimit keeps list pages bounded whatever the client asks.

// GetMember returns the Member Access dialog. Members see their own; seeing
// another's needs user management or the audit permission.
func (s *Service) GetMember(ctx context.Context, a Actor, org, userID string) (MemberDetail, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return MemberDetail{}, err
	}
	if err := s.authorize(o, sc, a, ActMemberDetail, &Target{Member: userID}); err != nil {
		if lerr := s.authorize(o, sc, a, ActMemberList, nil); lerr != nil {
			return MemberDetail{}, lerr // nothing of others is theirs to see
		}
		return MemberDetail{}, fault.E(fault.Forbidden, "seeing another member's access needs user management or %s", sc.AuditPermission)
	}
	var d MemberDetail
	err = s.view(ctx, func(r store.Reader) error {
		m, err := r.GetMember(org, userID)
		if err != nil {
			return notFound("member", userID)
		}
		u, err := r.GetUser(userID)
		if err != nil {
			return err
		}
		d.MemberView = s.memberView(m, u)
		d.Grants = []GrantView{}
		own, _, err := r.ListGrants(org, store.GrantFilter{Subject: domain.UserSubject(userID)}, "", 0)
		if err != nil {
			return err
		}
		for _, g := range own {
			v := grantView(g)
			v.Via = string(domain.ViaDirect)
			v.Expired = g.Expired(s.now())
			d.Grants = append(d.Grants, v)
		}
		groups, err := r.ListGroupsOfUser(org, userID)
		if err != nil {
			return err
		}
		for _, gm := range groups {
			gs, _, err := r.ListGrants(org, store.GrantFilter{Subject: domain.GroupSubject(gm.Parent)}, "", 0)
			if err != nil {
				return err
			}
			for _, g := range gs {
				v := grantView(g)
				v.Via = g.Subject.String()
				v.Expired = g.Expired(s.now())
				d.Grants = append(d.Grants, v)
			}
		}
		return nil
	})
	if err != nil {
		return MemberDetail{}, err
	}
	d.Access = o.EffectiveAccess(domain.UserSubject(userID).String(), s.now().UnixNano())
	return d, nil
}

// ChangeRole changes a member's org role in place.
func (s *Service) ChangeRole(ctx context.Context, a Actor, org, userID, role string) (MemberView, int64, error) {
	return s.UpdateMember(ctx, a, org, userID, MemberUpdate{Role: &role})
}

// keepsTop refuses a change that would leave the org without its top role
// holder, or with two where the top role is unique.
func (s *Service) keepsTop(o *authz.Org, sc *scheme.Scheme, cur, next string) error {
	if cur == sc.TopRole && sc.UniqueTop {
		return fault.E(fault.Conflict, "the %s's role changes only by transferring ownership", sc.TopRole)
	}
	if cur == sc.TopRole && next != sc.TopRole && o.RoleHolders(sc.TopRole) <= 1 {
		return fault.E(fault.Conflict, "the organization must keep at least one %s", sc.TopRole)
	}
	return nil
}

// sameRole re-checks, inside the write's transaction, what ChangeRole and
// RemoveMember decided from the engine's view before it: the member still
// has the role judged (else Conflict: retry), and taking the top role from
// a holder leaves another holder (next is "" for a removal). Writers run
// one at a time, so two such writes at once cannot both pass.
func sameRole(tx store.MemberReader, sc *scheme.Scheme, org string, m domain.Member, judged, next string) error {
	if m.Role != judged {
		return fault.E(fault.Conflict, "the role of %s changed meanwhile (now %s); retry", m.UserID, m.Role)
	}
	if m.Role != sc.TopRole || next == sc.TopRole {
		return nil
	}
	if sc.UniqueTop {
		return fault.E(fault.Conflict, "the %s's role changes only by transferring ownership", sc.TopRole)
	}
	all, _, err := tx.ListMembers(org, "", 0)
	if err != nil {
		return err
	}
	holders := 0
	for _, x := range all {
		if x.Role == sc.TopRole {
			holders++
		}
	}
	if holders <= 1 {
		return fault.E(fault.Conflict, "the organization must keep at least one %s", sc.TopRole)
	}
	return nil
}

func (s *Service) memberViewOf(ctx context.Context, org, userID string, rev int64) (MemberView, int64, error) {
	var v MemberView
	err := s.view(ctx, func(r store.Reader) error {
		m, err := r.GetMember(org, userID)
		if err != nil {
			return err
		}
		u, err := r.GetUser(userID)
		v = s.memberView(m, u)
		return err
	})
	return v, rev, err
}

// Removal is what removing a member ended.
type Removal struct {
	UserID string `json:"user_id"`
	// StoppedKeys are the keys the member owned: bounded by their owner's
	// power, they hold nothing from now on (transfer them to keep them).
	StoppedKeys []KeyView `json:"stopped_keys"`
	EndedGrants int       `json:"ended_grants"`
}

// RemoveMember revokes a member's access at once (membership, grants, group
// and team memberships; the keys they own stop) and keeps their work:
// resources stay, owner recorded. It takes the power to end all of it.
func (s *Service) RemoveMember(ctx context.Context, a Actor, org, userID string) (Removal, int64, error) {
	_, sc, out, ends, cur, err := s.prepareRemoval(ctx, a, org, userID)
	if err != nil {
		return Removal{}, 0, err
	}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		m, err := tx.GetMember(org, userID)
		if err != nil {
			return nil, err
		}
		if err := sameRole(tx, sc, org, m, cur, ""); err != nil {
			return nil, err
		}
		now, err := s.grantsReaching(tx, org, userID)
		if err != nil {
			return nil, err
		}
		if len(now) != len(ends) {
			return nil, fault.E(fault.Conflict, "the grants of %s changed meanwhile; retry", userID)
		}
		if err := tx.DeleteMember(org, userID); err != nil {
			return nil, err
		}
		changes := []domain.Change{{Op: domain.OpDeleteMember, Member: &m}}
		grants, err := tx.DeleteGrantsOfSubject(org, domain.UserSubject(userID))
		if err != nil {
			return nil, err
		}
		for i := range grants {
			changes = append(changes, domain.Change{Op: domain.OpDeleteGrant, Grant: &grants[i]})
		}
		groups, err := tx.ListGroupsOfUser(org, userID)
		if err != nil {
			return nil, err
		}
		for i := range groups {
			if err := tx.DeleteGroupMember(org, groups[i].Parent, userID); err != nil {
				return nil, err
			}
			changes = append(changes, domain.Change{Op: domain.OpDeleteGroupMember, Membership: &groups[i]})
		}
		teams, err := tx.ListTeamsOfUser(org, userID)
		if err != nil {
			return nil, err
		}
		for i := range teams {
			if err := tx.DeleteTeamMember(org, teams[i].Parent, userID); err != nil {
				return nil, err
			}
			changes = append(changes, domain.Change{Op: domain.OpDeleteTeamMember, Membership: &teams[i]})
		}
		views := make([]GrantView, len(grants))
		for i, g := range grants {
			views[i] = grantView(g)
		}
		out.EndedGrants = len(grants)
		keyIDs := make([]string, len(out.StoppedKeys))
		for i, k := range out.StoppedKeys {
			keyIDs[i] = k.ID
		}
		return &change{org: org, action: string(ActMemberRemove), target: "user:" + userID,
			before: map[string]any{"role": m.Role, "grants": views}, after: map[string]any{"stopped_keys": keyIDs}, changes: changes}, nil
	})
	if err != nil {
		return Removal{}, 0, err
	}
	return out, rev, nil
}

// PreviewRemoval answers what RemoveMember would end, under the same rule,
// without ending it: the console's confirmation shows it.
func (s *Service) PreviewRemoval(ctx context.Context, a Actor, org, userID string) (Removal, error) {
	_, _, out, ends, _, err := s.prepareRemoval(ctx, a, org, userID)
	out.EndedGrants = len(ends)
	return out, err
}

func (s *Service) prepareRemoval(ctx context.Context, a Actor, org, userID string) (*authz.Org, *scheme.Scheme, Removal, []domain.Grant, string, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, nil, Removal{}, nil, "", err
	}
	cur, ok := o.MemberRole(userID)
	if !ok {
		return nil, nil, Removal{}, nil, "", notFound("member", userID)
	}
	if cur == sc.TopRole && (sc.UniqueTop || o.RoleHolders(cur) <= 1) {
		return nil, nil, Removal{}, nil, "", fault.E(fault.Conflict, "the %s cannot be removed; transfer ownership first", cur)
	}
	out := Removal{UserID: userID, StoppedKeys: []KeyView{}}
	var ends []domain.Grant
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		if ends, err = s.grantsReaching(r, org, userID); err != nil {
			return err
		}
		keys, _, err := r.ListKeys(org, store.KeyFilter{Owner: userID, State: store.UnrevokedKey}, "", 0)
		if err != nil {
			return err
		}
		out.StoppedKeys, err = keyViews(r, org, keys)
		return err
	}); err != nil {
		return nil, nil, Removal{}, nil, "", err
	}
	if err := s.authorize(o, sc, a, ActMemberRemove, &Target{Member: userID, Current: cur, Ends: ends}); err != nil {
		return nil, nil, Removal{}, nil, "", err
	}
	return o, sc, out, ends, cur, nil
}

// grantsReaching lists the grants a member holds directly and through
// their groups: what ends, for them, when they leave.
func (s *Service) grantsReaching(r store.Reader, org, userID string) ([]domain.Grant, error) {
	out, _, err := r.ListGrants(org, store.GrantFilter{Subject: domain.UserSubject(userID)}, "", 0)
	if err != nil {
		return nil, err
	}
	groups, err := r.ListGroupsOfUser(org, userID)
	if err != nil {
		return nil, err
	}
	for _, gm := range groups {
		gs, _, err := r.ListGrants(org, store.GrantFilter{Subject: domain.GroupSubject(gm.Parent)}, "", 0)
		if err != nil {
			return nil, err
		}
		out = append(out, gs...)
	}
	return out, nil
}
