package team

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/mailer"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// InvitationView is an invitation as clients see it; Token is set only in
// the answers to its creation and resending, and only in development (see
// Config.RevealInvitationTokens): otherwise it reaches only the invitee's
// mailbox.
type InvitationView struct {
	ID        string                `json:"id"`
	Email     string                `json:"email"`
	Role      string                `json:"role"`
	Grants    []domain.InvitedGrant `json:"grants"`
	Status    string                `json:"status"`
	InvitedBy string                `json:"invited_by"`
	CreatedAt time.Time             `json:"created_at"`
	ExpiresAt time.Time             `json:"expires_at"`
	// MembershipExpiresAt ends the membership the invitation creates.
	MembershipExpiresAt *time.Time `json:"membership_expires_at"`
	Token               string     `json:"token,omitempty"`
}

func (s *Service) invitationView(i domain.Invitation) InvitationView {
	status := "pending"
	switch {
	case !i.AcceptedAt.IsZero():
		status = "accepted"
	case !i.RevokedAt.IsZero():
		status = "revoked"
	case !s.now().Before(i.ExpiresAt):
		status = "expired"
	}
	grants := i.Grants
	if grants == nil {
		grants = []domain.InvitedGrant{}
	}
	return InvitationView{ID: i.ID, Email: i.Email, Role: i.Role, Grants: grants, Status: status,
		InvitedBy: i.InvitedBy, CreatedAt: i.CreatedAt.UTC(), ExpiresAt: i.ExpiresAt.UTC(), MembershipExpiresAt: timePtr(i.MembershipExpiresAt)}
}

// InviteRequest invites an email address with an org role and initial grants.
type InviteRequest struct {
	Email          string
	Role           string
	Grants         []domain.InvitedGrant
	ExpiresInHours int
	// MembershipExpiresAt ends the membership on that date (zero: never).
	MembershipExpiresAt time.Time
}

// Invite creates an invitation and mails its accept link. Everything it
// would hand out must be within the inviter's power; it takes a seat.
func (s *Service) Invite(ctx context.Context, a Actor, org string, req InviteRequest) (InvitationView, int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return InvitationView{}, 0, err
	}
	email := normalizeEmail(req.Email)
	if err := domain.CheckEmail(email); err != nil {
		return InvitationView{}, 0, fault.Wrap(fault.Unprocessable, err)
	}
	if req.Role == "" {
		req.Role = sc.BaseRole
	}
	if req.ExpiresInHours < 0 || req.ExpiresInHours > 24*90 {
		return InvitationView{}, 0, fault.E(fault.Unprocessable, "an invitation lasts 1 to 2160 hours (90 days)")
	}
	if len(req.Grants) > 100 {
		return InvitationView{}, 0, fault.E(fault.Unprocessable, "an invitation carries at most 100 grants")
	}
	if err := checkMembershipEnd(sc, req.Role, req.MembershipExpiresAt, s.now()); err != nil {
		return InvitationView{}, 0, err
	}
	if err := s.mayInvite(o, sc, a, ActInvitationCreate, req.Role, req.Grants); err != nil {
		return InvitationView{}, 0, err
	}
	ttl := s.cfg.InvitationTTL
	if req.ExpiresInHours > 0 {
		ttl = time.Duration(req.ExpiresInHours) * time.Hour
	}
	token, hash := credential.NewToken(credential.InvitationPrefix)
	now := s.now()
	inv := domain.Invitation{Org: org, ID: credential.NewID("inv_"), Email: email, Role: req.Role, Grants: req.Grants,
		TokenHash: hash, InvitedBy: a.Subject.String(), CreatedAt: now, ExpiresAt: now.Add(ttl),
		MembershipExpiresAt: req.MembershipExpiresAt.UTC()}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if u, err := tx.GetUserByEmail(email); err == nil {
			if _, err := tx.GetMember(org, u.ID); err == nil {
				return nil, fault.E(fault.Conflict, "%s is already a member", email)
			}
		}
		invs, err := tx.ListInvitations(org)
		if err != nil {
			return nil, err
		}
		pending := 0
		for _, x := range invs {
			if x.Email == email && x.Pending(now) {
				// The id goes in the problem's existing_id, not in the sentence.
				e := fault.E(fault.Conflict, "%s already has a pending invitation; resend or revoke it", email)
				e.ExistingID = x.ID
				return nil, e
			}
			if x.Pending(now) {
				pending++
			}
		}
		if err := s.checkInvitationQuota(tx, org, pending); err != nil {
			return nil, err
		}
		if err := s.checkSeat(tx, org, 1); err != nil {
			return nil, err
		}
		if err := tx.PutInvitation(inv); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActInvitationCreate), target: "email:" + email, after: s.invitationView(inv)}, nil
	})
	if err != nil {
		return InvitationView{}, 0, err
	}
	s.sendInvitation(ctx, inv, token)
	v := s.invitationView(inv)
	v.Token = s.revealed(token)
	return v, rev, nil
}

// mayInvite validates an invitation's role and grants and judges it under
// the policy's rule for act (creating, resending or accepting it): whoever
// issues the token hands out everything it carries.
func (s *Service) mayInvite(o *authz.Org, sc *scheme.Scheme, a Actor, act Action, role string, grants []domain.InvitedGrant) error {
	r, ok := o.Role(role)
	if !ok {
		return fault.E(fault.Unprocessable, "unknown role %q", role)
	}
	if r.ScopeType != scheme.OrgType {
		return fault.E(fault.Unprocessable, "role %s is bound at %s scope; an invitation's role is an org role", role, r.ScopeType)
	}
	for _, g := range grants {
		if !g.ExpiresAt.IsZero() && !g.ExpiresAt.After(s.now()) && act != ActInvitationAccept {
			return fault.E(fault.Unprocessable, "the expiry date of %s at %s is in the past", g.Role, g.Scope)
		}
		scope, err := domain.ParseScope(g.Scope)
		if err != nil {
			return fault.Wrap(fault.Unprocessable, err)
		}
		if err := s.scopeExists(o, scope); err != nil {
			return err
		}
		if sc.ScopedRolesNeedBase && role != sc.BaseRole && scope.Kind != domain.ScopeOrg {
			return fault.E(fault.Conflict, "a %s role cannot override the organization-wide role %s; invite as %s to give project roles",
				roleName(sc, g.Role), roleName(sc, role), roleName(sc, sc.BaseRole))
		}
	}
	return s.authorize(o, sc, a, act, &Target{Role: role, Grants: grants})
}

// checkSeat refuses when adding n seats would pass the plan's limit.
// Pending invitations hold seats.
func (s *Service) checkSeat(r store.Reader, org string, n int) error {
	o, err := r.GetOrg(org)
	if err != nil {
		return err
	}
	used, err := s.seatsUsed(r, org)
	if err != nil {
		return err
	}
	if used+n > o.Plan.SeatLimit {
		return fault.E(fault.Conflict, "seat limit reached: %d of %d seats in use (members and pending invitations)", used, o.Plan.SeatLimit)
	}
	return nil
}

// revealed is the token an answer may carry: none with a real mailer.
func (s *Service) revealed(token string) string {
	if s.cfg.RevealInvitationTokens {
		return token
	}
	return ""
}

func (s *Service) sendInvitation(ctx context.Context, inv domain.Invitation, token string) {
	link := strings.TrimRight(s.cfg.BaseURL, "/") + "/invite?token=" + url.QueryEscape(token)
	msg := mailer.Message{To: inv.Email, Subject: "You are invited to " + inv.Org + " on Gatehouse",
		Body: fmt.Sprintf("You have been invited to join the organization %s as %s.\n\nAccept the invitation: %s\n\nThe link expires at %s.\n",
			inv.Org, inv.Role, link, inv.ExpiresAt.UTC().Format(time.RFC1123))}
	if err := s.cfg.Mailer.Send(ctx, msg); err != nil {
		s.log.Error("send invitation", "invitation", inv.ID, "err", err)
	}
}

// ListInvitations needs user management or the audit permission.
func (s *Service) ListInvitations(ctx context.Context, a Actor, org string) ([]InvitationView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActInvitationList, nil); err != nil {
		return nil, fault.E(fault.Forbidden, "listing invitations needs user management or %s", sc.AuditPermission)
	}
	out := []InvitationView{}
	err = s.view(ctx, func(r store.Reader) error {
		invs, err := r.ListInvitations(org)
		for _, i := range invs {
			out = append(out, s.invitationView(i))
		}
		return err
	})
	return out, err
}

// RevokeInvitation: its inviter or anyone managing users.
func (s *Service) RevokeInvitation(ctx context.Context, a Actor, org, id string) (int64, error) {
	return s.updateInvitation(ctx, a, org, id, ActInvitationRevoke, func(i *domain.Invitation) error {
		i.RevokedAt = s.now()
		return nil
	})
}

// ResendInvitation issues a new link (the old one stops working), extends
// the expiry and mails it again. The new token is a new invitation: the
// resender needs the power to issue it, and becomes its inviter, whose
// power acceptance judges.
func (s *Service) ResendInvitation(ctx context.Context, a Actor, org, id string) (InvitationView, int64, error) {
	token, hash := credential.NewToken(credential.InvitationPrefix)
	var inv domain.Invitation
	rev, err := s.updateInvitation(ctx, a, org, id, ActInvitationResend, func(i *domain.Invitation) error {
		i.TokenHash = hash
		i.InvitedBy = a.Subject.String()
		i.ExpiresAt = s.now().Add(s.cfg.InvitationTTL)
		inv = *i
		return nil
	})
	if err != nil {
		return InvitationView{}, 0, err
	}
	s.sendInvitation(ctx, inv, token)
	v := s.invitationView(inv)
	v.Token = s.revealed(token)
	return v, rev, nil
}

func (s *Service) updateInvitation(ctx context.Context, a Actor, org, id string, act Action, edit func(*domain.Invitation) error) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	var judged domain.Invitation
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		judged, err = r.GetInvitation(org, id)
		return err
	}); err != nil {
		return 0, notFound("invitation", id)
	}
	if act == ActInvitationResend {
		err = s.mayInvite(o, sc, a, act, judged.Role, judged.Grants)
	} else {
		err = s.authorize(o, sc, a, act, &Target{Owner: judged.InvitedBy})
	}
	if err != nil {
		return 0, err
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		inv, err := tx.GetInvitation(org, id)
		if err != nil {
			return nil, notFound("invitation", id)
		}
		if inv.Role != judged.Role || len(inv.Grants) != len(judged.Grants) || inv.InvitedBy != judged.InvitedBy {
			return nil, fault.E(fault.Conflict, "the invitation of %s changed meanwhile; retry", inv.Email)
		}
		if !inv.Pending(s.now()) && act != ActInvitationResend {
			return nil, fault.E(fault.Conflict, "the invitation of %s is no longer pending", inv.Email)
		}
		if !inv.AcceptedAt.IsZero() || !inv.RevokedAt.IsZero() {
			return nil, fault.E(fault.Conflict, "the invitation of %s was already %s", inv.Email, s.invitationView(inv).Status)
		}
		before := s.invitationView(inv)
		if err := edit(&inv); err != nil {
			return nil, err
		}
		if err := tx.PutInvitation(inv); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(act), target: "email:" + inv.Email, before: before, after: s.invitationView(inv)}, nil
	})
}

// AcceptRequest accepts an invitation: a new user gives name and password;
// an existing user gives email and password instead.
type AcceptRequest struct {
	Token     string
	Name      string
	Password  string
	Email     string
	RequestID string
	Client    Client // for the throttle of the existing account's password
}

// Accepted is the new member's identity and a session token.
type Accepted struct {
	UserID string `json:"user_id"`
	Org    string `json:"org"`
	Token  string `json:"token"`
}

// AcceptInvitation makes the invitee a member with the invitation's role and
// grants. The inviter's power is checked again: an invitation from someone
// who has since lost it no longer works.
func (s *Service) AcceptInvitation(ctx context.Context, req AcceptRequest) (Accepted, int64, error) {
	invalid := fault.E(fault.NotFound, "invitation not found, expired or already used")
	if !credential.ValidToken(credential.InvitationPrefix, req.Token) {
		return Accepted{}, 0, invalid
	}
	var inv domain.Invitation
	var existing *domain.UserRecord
	err := s.view(ctx, func(r store.Reader) error {
		var err error
		if inv, err = r.GetInvitationByTokenHash(credential.HashToken(req.Token)); err != nil {
			return invalid
		}
		if u, err := r.GetUserByEmail(inv.Email); err == nil {
			existing = &u
		}
		return nil
	})
	if err != nil {
		return Accepted{}, 0, err
	}
	if !inv.Pending(s.now()) {
		return Accepted{}, 0, invalid
	}
	// No answer here may tell whether the invitation's email has an
	// account: a registered and an unknown email get the same status and
	// sentence for the same request, short of success.
	client := req.Client
	if client.RequestID == "" {
		client.RequestID = req.RequestID
	}
	var user domain.UserRecord
	switch {
	case strings.TrimSpace(req.Email) != "":
		// The existing-account form: the one password check, throttled, and
		// the same 401 for an unknown email, a wrong password and an
		// account other than the invitee's.
		u, err := s.verifyPassword(ctx, req.Email, req.Password, client, "invitation")
		if err != nil {
			return Accepted{}, 0, err
		}
		if u.Email != inv.Email {
			return Accepted{}, 0, wrongPair()
		}
		user, existing = u, &u
	default:
		// The new-account form. The policy speaks first, before anything
		// depends on the database.
		if err := checkNewPassword(req.Password, inv.Email, strings.TrimSpace(req.Name)); err != nil {
			return Accepted{}, 0, err
		}
		if existing != nil {
			// The email has an account, and this form cannot make a second.
			// Saying so would tell whoever holds the token that the email is
			// registered, so the password is taken as that account's, through
			// the same throttled check: right, it joins; wrong, the same 401.
			u, err := s.verifyPassword(ctx, inv.Email, req.Password, client, "invitation")
			if err != nil {
				return Accepted{}, 0, err
			}
			user, existing = u, &u
		} else if user, err = s.newUser(ctx, inv.Email, strings.TrimSpace(req.Name), req.Password); err != nil {
			return Accepted{}, 0, err
		}
	}
	o, err := s.engine.Org(inv.Org)
	if errors.Is(err, authz.ErrUnknownOrg) {
		return Accepted{}, 0, invalid
	}
	if err != nil {
		return Accepted{}, 0, err
	}
	sc, _ := scheme.Get(o.SchemeID())
	inviter, err := domain.ParseSubject(inv.InvitedBy)
	if err != nil {
		return Accepted{}, 0, invalid
	}
	if err := s.mayInvite(o, sc, Actor{Subject: inviter}, ActInvitationAccept, inv.Role, inv.Grants); err != nil {
		return Accepted{}, 0, fault.E(fault.Conflict, "the invitation is no longer valid: its inviter may not grant it any more (%v)", err)
	}
	actor := Actor{Subject: domain.UserSubject(user.ID), RequestID: req.RequestID}
	now := s.now()
	rev, err := s.write(ctx, actor, func(tx store.Tx) (*change, error) {
		cur, err := tx.GetInvitation(inv.Org, inv.ID)
		if err != nil || !cur.Pending(now) || !credential.Equal(cur.TokenHash, inv.TokenHash) {
			return nil, invalid
		}
		if existing == nil {
			if err := tx.CreateUser(user); err != nil {
				return nil, fault.E(fault.Conflict, "a user with email %s exists", user.Email)
			}
		} else if _, err := tx.GetMember(inv.Org, user.ID); err == nil {
			return nil, fault.E(fault.Conflict, "%s is already a member", user.Email)
		}
		// The invitation held a seat; accepting turns it into a member.
		cur.AcceptedAt = now
		if err := tx.PutInvitation(cur); err != nil {
			return nil, err
		}
		if err := s.checkSeat(tx, inv.Org, 1); err != nil {
			return nil, err
		}
		if !cur.MembershipExpiresAt.IsZero() && !cur.MembershipExpiresAt.After(now) {
			return nil, fault.E(fault.Conflict, "the membership this invitation offers ended on %s; ask for a new invitation",
				cur.MembershipExpiresAt.UTC().Format(time.DateOnly))
		}
		m := domain.Member{Org: inv.Org, UserID: user.ID, Role: inv.Role, JoinedAt: now, ExpiresAt: cur.MembershipExpiresAt}
		if err := tx.PutMember(m); err != nil {
			return nil, err
		}
		changes := []domain.Change{{Op: domain.OpPutMember, Member: &m}}
		var views []GrantView
		var rostered []string
		for _, ig := range inv.Grants {
			if !ig.ExpiresAt.IsZero() && !ig.ExpiresAt.After(now) {
				continue // ended before it began
			}
			scope, _ := domain.ParseScope(ig.Scope)
			g := domain.Grant{Org: inv.Org, ID: credential.NewID("gr_"), Subject: domain.UserSubject(user.ID), Role: ig.Role,
				Scope: scope, ExpiresAt: ig.ExpiresAt.UTC(), CreatedBy: inv.InvitedBy, CreatedAt: now}
			if err := tx.PutGrant(g); err != nil {
				return nil, err
			}
			changes = append(changes, domain.Change{Op: domain.OpPutGrant, Grant: &g})
			views = append(views, grantView(g))
			// A team role holds at the team only for those on its roster, so the
			// grant puts the new member there, as CreateGrant does.
			if scope.Kind == domain.ScopeTeam && !slices.Contains(rostered, scope.ID) {
				tm := domain.Membership{Org: inv.Org, Parent: scope.ID, UserID: user.ID}
				if err := tx.PutTeamMember(tm); err != nil {
					return nil, err
				}
				changes = append(changes, domain.Change{Op: domain.OpPutTeamMember, Membership: &tm})
				rostered = append(rostered, scope.ID)
			}
		}
		after := map[string]any{"invitation": inv.ID, "role": inv.Role, "grants": views}
		if len(rostered) > 0 {
			after["added_to_rosters"] = rostered
		}
		return &change{org: inv.Org, action: string(ActInvitationAccept), target: "user:" + user.ID,
			after: after, changes: changes}, nil
	})
	if err != nil {
		return Accepted{}, 0, err
	}
	token, err := s.openSession(ctx, &user, client)
	if err != nil {
		return Accepted{}, 0, err
	}
	return Accepted{UserID: user.ID, Org: inv.Org, Token: token}, rev, nil
}

// InvitationQuery searches, orders and pages the invitations.
type InvitationQuery struct {
	Q      string   // the email contains it, in any case
	Status []string // any of pending, expired, accepted, revoked; none: all
	// Sort is email, created or expires, "-" before it for the reverse;
	// empty is creation order.
	Sort  string
	After string
	Limit int
}

// InvitationSorts are the orders SearchInvitations knows.
var InvitationSorts = []string{"email", "-email", "created", "-created", "expires", "-expires"}

// SearchInvitations pages the invitations that match q. An org's
// invitations are bounded by its seats and quota, so the list is read
// whole and paged here (the token is an offset).
func (s *Service) SearchInvitations(ctx context.Context, a Actor, org string, q InvitationQuery) (Page[InvitationView], error) {
	if q.Sort != "" && !slices.Contains(InvitationSorts, q.Sort) {
		return Page[InvitationView]{}, fault.E(fault.Invalid, "sort: want one of %s", strings.Join(InvitationSorts, ", "))
	}
	for _, st := range q.Status {
		if !slices.Contains([]string{"pending", "expired", "accepted", "revoked"}, st) {
			return Page[InvitationView]{}, fault.E(fault.Invalid, "status: want pending, expired, accepted or revoked")
		}
	}
	all, err := s.ListInvitations(ctx, a, org)
	if err != nil {
		return Page[InvitationView]{}, err
	}
	needle := strings.ToLower(strings.TrimSpace(q.Q))
	var out []InvitationView
	for _, i := range all {
		if (len(q.Status) == 0 || slices.Contains(q.Status, i.Status)) && strings.Contains(strings.ToLower(i.Email), needle) {
			out = append(out, i)
		}
	}
	key, desc := strings.CutPrefix(q.Sort, "-")
	slices.SortStableFunc(out, func(x, y InvitationView) int {
		c := 0
		switch key {
		case "email":
			c = strings.Compare(x.Email, y.Email)
		case "created":
			c = x.CreatedAt.Compare(y.CreatedAt)
		case "expires":
			c = x.ExpiresAt.Compare(y.ExpiresAt)
		}
		if desc {
			c = -c
		}
		return c
	})
	return PageOf(out, q.Limit, q.After)
}
