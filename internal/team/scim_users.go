package team

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// SCIM provisioning of users. A SCIM user is a membership of the org: its
// id is the user id, its userName the account's email. The account is
// shared with every other org the person belongs to, so provisioning never
// changes it once made (not its email, not its name): what the identity
// provider says beyond the membership is kept as the org's SCIM record.
// Every step is one of the management actions, judged for the token's
// maker: creating is inviting with the token's role, suspending and
// resuming is member.expiry, deleting is member.remove.

// SCIMUser is one provisioned (or otherwise present) member.
type SCIMUser struct {
	ID       string
	Email    string
	Name     string
	Active   bool
	JoinedAt time.Time
	Record   domain.SCIMRecord
	Groups   []SCIMRef
}

// SCIMRef names a user or group a SCIM resource points at.
type SCIMRef struct {
	ID      string
	Display string
}

// SCIMUserInput is what a create or replace sets.
type SCIMUserInput struct {
	Email  string
	Name   string
	Active bool
	Record domain.SCIMRecord
}

func scimActor(a Actor) error {
	if a.SCIMTokenID == "" {
		return fault.E(fault.Forbidden, "SCIM provisioning takes a SCIM token")
	}
	return nil
}

// SCIMUsers lists the org's members as SCIM users, by user id.
func (s *Service) SCIMUsers(ctx context.Context, a Actor, org string) ([]SCIMUser, error) {
	if err := scimActor(a); err != nil {
		return nil, err
	}
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActMemberList, nil); err != nil {
		return nil, err
	}
	var out []SCIMUser
	err = s.view(ctx, func(r store.Reader) error {
		out, err = s.scimUsers(r, org, "")
		return err
	})
	return out, err
}

// SCIMGetUser is one member as a SCIM user.
func (s *Service) SCIMGetUser(ctx context.Context, a Actor, org, userID string) (SCIMUser, error) {
	if err := scimActor(a); err != nil {
		return SCIMUser{}, err
	}
	o, sc, err := s.org(a, org)
	if err != nil {
		return SCIMUser{}, err
	}
	if err := s.authorize(o, sc, a, ActMemberList, nil); err != nil {
		return SCIMUser{}, err
	}
	var out []SCIMUser
	err = s.view(ctx, func(r store.Reader) error {
		out, err = s.scimUsers(r, org, userID)
		return err
	})
	if err != nil {
		return SCIMUser{}, err
	}
	if len(out) == 0 {
		return SCIMUser{}, notFound("user", userID)
	}
	return out[0], nil
}

// scimUsers reads every member of org (or only userID), with account,
// record and groups.
func (s *Service) scimUsers(r store.Reader, org, userID string) ([]SCIMUser, error) {
	var ms []domain.Member
	if userID != "" {
		m, err := r.GetMember(org, userID)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		ms = []domain.Member{m}
	} else {
		for after := ""; ; {
			page, next, err := r.ListMembers(org, after, 1000)
			if err != nil {
				return nil, err
			}
			ms = append(ms, page...)
			if next == "" {
				break
			}
			after = next
		}
	}
	recs, err := r.SCIMUsers(org)
	if err != nil {
		return nil, err
	}
	groupNames := map[string]string{}
	gs, err := r.ListGroups(org)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		groupNames[g.ID] = g.Name
	}
	now := s.now()
	out := make([]SCIMUser, 0, len(ms))
	for _, m := range ms {
		u, err := r.GetUser(m.UserID)
		if err != nil {
			return nil, err
		}
		su := SCIMUser{ID: m.UserID, Email: u.Email, Name: u.Name, Active: !m.Expired(now), JoinedAt: m.JoinedAt, Record: recs[m.UserID]}
		of, err := r.ListGroupsOfUser(org, m.UserID)
		if err != nil {
			return nil, err
		}
		for _, g := range of {
			su.Groups = append(su.Groups, SCIMRef{ID: g.Parent, Display: groupNames[g.Parent]})
		}
		out = append(out, su)
	}
	slices.SortFunc(out, func(x, y SCIMUser) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// SCIMCreateUser provisions a member: the account is made (without a
// password: the person signs in through the org's identity provider or sets
// one by reset), then the membership with the token's role. An email
// already a member is a conflict, as SCIM asks; so is one with an account
// elsewhere, which joins only by accepting an invitation.
func (s *Service) SCIMCreateUser(ctx context.Context, a Actor, org string, in SCIMUserInput) (SCIMUser, error) {
	if err := scimActor(a); err != nil {
		return SCIMUser{}, err
	}
	o, sc, err := s.org(a, org)
	if err != nil {
		return SCIMUser{}, err
	}
	email := normalizeEmail(in.Email)
	if err := domain.CheckEmail(email); err != nil {
		return SCIMUser{}, fault.Wrap(fault.Unprocessable, err)
	}
	if err := s.mayInvite(o, sc, a, ActSCIMUserCreate, a.SCIMRole, nil); err != nil {
		return SCIMUser{}, err
	}
	name := strings.TrimSpace(in.Name)
	if len(name) > 200 {
		name = name[:200]
	}
	now := s.now()
	var userID string
	_, err = s.write(ctx, a, func(tx store.Tx) (*change, error) {
		u, err := tx.GetUserByEmail(email)
		switch {
		case errors.Is(err, store.ErrNotFound):
			u = domain.UserRecord{ID: credential.NewID("u_"), Email: email, Name: name, CreatedAt: now}
			if err := tx.CreateUser(u); err != nil {
				return nil, err
			}
		case err != nil:
			return nil, err
		default:
			if _, err := tx.GetMember(org, u.ID); err == nil {
				e := fault.E(fault.Conflict, "%s is already a member", email)
				e.ExistingID = u.ID
				return nil, e
			}
			// The account is someone's already, perhaps of another org: an
			// IdP that could attach it would then sign in as them. They join
			// by an invitation they accept.
			return nil, fault.E(fault.Conflict, "%s has a Gatehouse account already; invite it, and the person joins by accepting", email)
		}
		if err := s.checkSeat(tx, org, 1); err != nil {
			return nil, err
		}
		m := domain.Member{Org: org, UserID: u.ID, Role: a.SCIMRole, JoinedAt: now}
		if !in.Active {
			m.ExpiresAt = now // provisioned suspended
		}
		if err := tx.PutMember(m); err != nil {
			return nil, err
		}
		if err := tx.SetSCIMUser(org, u.ID, in.Record); err != nil {
			return nil, err
		}
		userID = u.ID
		return &change{org: org, action: string(ActSCIMUserCreate), target: "user:" + u.ID,
			after:   map[string]any{"email": email, "role": m.Role, "active": in.Active, "external_id": in.Record.ExternalID, "scim_token": a.SCIMTokenID},
			changes: []domain.Change{{Op: domain.OpPutMember, Member: &m}}}, nil
	})
	if err != nil {
		return SCIMUser{}, err
	}
	return s.SCIMGetUser(ctx, a, org, userID)
}

// SCIMReplaceUser sets what the identity provider says of a member: its
// record, and whether it is active. The email is the shared account's and
// stays; a different one is refused ("" is no change).
func (s *Service) SCIMReplaceUser(ctx context.Context, a Actor, org, userID string, in SCIMUserInput) (SCIMUser, error) {
	cur, err := s.SCIMGetUser(ctx, a, org, userID)
	if err != nil {
		return SCIMUser{}, err
	}
	if in.Email != "" && normalizeEmail(in.Email) != cur.Email {
		return SCIMUser{}, fault.E(fault.Unprocessable, "userName is the account's email, which other organizations share; it cannot change through SCIM")
	}
	if cur.Active != in.Active {
		if err := s.scimSetActive(ctx, a, org, userID, in.Active); err != nil {
			return SCIMUser{}, err
		}
	}
	if string(cur.Record.Attributes) != string(in.Record.Attributes) || cur.Record.ExternalID != in.Record.ExternalID {
		_, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
			if err := tx.SetSCIMUser(org, userID, in.Record); err != nil {
				return nil, err
			}
			return &change{org: org, action: "scim.user.update", target: "user:" + userID,
				before: map[string]any{"external_id": cur.Record.ExternalID}, after: map[string]any{"external_id": in.Record.ExternalID, "scim_token": a.SCIMTokenID}}, nil
		})
		if err != nil {
			return SCIMUser{}, err
		}
	}
	return s.SCIMGetUser(ctx, a, org, userID)
}

// scimSetActive suspends (the membership ends now: every request of the
// member to the org is refused from this revision on, a live session's
// included) or resumes a member. Both are member.expiry, judged for the
// token's maker.
func (s *Service) scimSetActive(ctx context.Context, a Actor, org, userID string, active bool) error {
	o, sc, err := s.org(a, org)
	if err != nil {
		return err
	}
	cur, ok := o.MemberRole(userID)
	if !ok {
		return notFound("user", userID)
	}
	if !active && cur == sc.TopRole {
		return fault.E(fault.Conflict, "a %s cannot be suspended; change the role first", roleName(sc, cur))
	}
	var ends []domain.Grant
	if err := s.view(ctx, func(r store.Reader) error {
		ends, err = s.grantsReaching(r, org, userID)
		return err
	}); err != nil {
		return err
	}
	if err := s.authorize(o, sc, a, ActMemberExpiry, &Target{Member: userID, Current: cur, Ends: ends}); err != nil {
		return err
	}
	now := s.now()
	_, err = s.write(ctx, a, func(tx store.Tx) (*change, error) {
		m, err := tx.GetMember(org, userID)
		if err != nil {
			return nil, err
		}
		if err := sameRole(tx, sc, org, m, cur, cur); err != nil {
			return nil, err
		}
		before := timePtr(m.ExpiresAt)
		if active {
			if !m.Expired(now) {
				return nil, nil
			}
			if err := s.checkSeat(tx, org, 1); err != nil {
				return nil, err
			}
			m.ExpiresAt = time.Time{}
		} else {
			if m.Expired(now) {
				return nil, nil
			}
			m.ExpiresAt = now
		}
		if err := tx.PutMember(m); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActMemberExpiry), target: "user:" + userID,
			before: map[string]any{"expires_at": before}, after: map[string]any{"expires_at": timePtr(m.ExpiresAt), "active": active, "scim_token": a.SCIMTokenID},
			changes: []domain.Change{{Op: domain.OpPutMember, Member: &m}}}, nil
	})
	return err
}

// SCIMDeleteUser removes the membership as member.remove does (grants,
// group and team memberships end, owned keys stop) and keeps the work:
// resources they own stay, and so does the account.
func (s *Service) SCIMDeleteUser(ctx context.Context, a Actor, org, userID string) error {
	if err := scimActor(a); err != nil {
		return err
	}
	if userID == a.UserID() {
		return fault.E(fault.Conflict, "a SCIM token cannot remove the member who made it; revoke the token first")
	}
	_, _, err := s.RemoveMember(ctx, a, org, userID)
	return err
}
