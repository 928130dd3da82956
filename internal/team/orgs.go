package team

import (
	"context"
	"net/mail"
	"strings"

	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/plan"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// OrgView is an organization as clients see it.
type OrgView struct {
	ID     string      `json:"id"`
	Name   string      `json:"name"`
	Scheme string      `json:"scheme"`
	Plan   domain.Plan `json:"plan"`
	// PATMaxDays caps the lifetime of personal access tokens made here, in
	// days; 0 leaves them the server's bounds.
	PATMaxDays int   `json:"pat_max_days"`
	Revision   int64 `json:"revision"`
}

func orgView(o domain.Org, rev int64) OrgView {
	return OrgView{ID: o.ID, Name: o.Name, Scheme: o.Scheme, Plan: o.Plan, PATMaxDays: o.PATMaxDays, Revision: rev}
}

func validateOrg(id, name, schemeID string) (*scheme.Scheme, error) {
	if !domain.ValidOrgID(id) {
		return nil, fault.E(fault.Unprocessable, "organization id %q: want 2-63 lowercase letters, digits or dashes, starting with a letter or digit", id)
	}
	if err := validName("organization name", name); err != nil {
		return nil, err
	}
	if schemeID == "" {
		schemeID = "vi"
	}
	sc, ok := scheme.Get(schemeID)
	if !ok {
		return nil, fault.E(fault.Unprocessable, "unknown scheme %q (known: %s)", schemeID, strings.Join(scheme.Names(), ", "))
	}
	return sc, nil
}

func validName(what, name string) error {
	if strings.TrimSpace(name) == "" || len(name) > 200 {
		return fault.E(fault.Unprocessable, "the %s must be 1 to 200 characters", what)
	}
	return nil
}

// CreateOrg creates an organization; its creator gets the scheme's top role.
func (s *Service) CreateOrg(ctx context.Context, a Actor, id, name, schemeID string) (OrgView, error) {
	if a.IsKey() {
		return OrgView{}, fault.E(fault.Forbidden, "secret keys cannot create organizations")
	}
	if a.IsToken() {
		return OrgView{}, fault.E(fault.Forbidden, "a personal access token acts in its one organization only; sign in to create one")
	}
	if a.SessionOrg != "" {
		return OrgView{}, fault.E(fault.Forbidden, "this session was opened through %s's SSO and acts there alone; sign in with a password to create an organization", a.SessionOrg)
	}
	sc, err := validateOrg(id, name, schemeID)
	if err != nil {
		return OrgView{}, err
	}
	org := domain.Org{ID: id, Name: strings.TrimSpace(name), Scheme: sc.ID, CreatedAt: s.now(),
		Plan: s.newOrgPlan()}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		if err := s.checkOrgQuota(tx, a.UserID()); err != nil {
			return nil, err
		}
		if err := tx.CreateOrg(org); err != nil {
			if fault.CodeOf(mapStoreErr(err)) == fault.Conflict {
				return nil, fault.E(fault.Conflict, "organization id %q is taken", id)
			}
			return nil, err
		}
		m := domain.Member{Org: id, UserID: a.UserID(), Role: sc.TopRole, JoinedAt: s.now()}
		if err := tx.PutMember(m); err != nil {
			return nil, err
		}
		return &change{org: id, scheme: sc.ID, action: "org.create", target: "org:" + id, after: orgView(org, 0),
			changes: []domain.Change{{Op: domain.OpPutMember, Member: &m}}}, nil
	})
	if err != nil {
		return OrgView{}, err
	}
	return orgView(org, rev), nil
}

// BootstrapResult is what `gatehouse init` prints.
type BootstrapResult struct {
	Org       string `json:"org"`
	UserID    string `json:"user_id"`
	SecretKey string `json:"secret_key"`
}

// Bootstrap creates the first organization, its Owner (a user with a
// password) and a secret key holding the org role admin.
func (s *Service) Bootstrap(ctx context.Context, orgID, name, schemeID, email, password string) (BootstrapResult, error) {
	sc, err := validateOrg(orgID, name, schemeID)
	if err != nil {
		return BootstrapResult{}, err
	}
	user, err := s.newUser(ctx, email, "Owner", password)
	if err != nil {
		return BootstrapResult{}, err
	}
	// The bootstrap key holds the org role admin where the scheme has one,
	// else the top role (deepomatic's org_admin).
	keyRole := sc.TopRole
	if r, ok := sc.Role("admin"); ok && r.ScopeType == scheme.OrgType {
		keyRole = r.ID
	}
	secret, prefix, hash := credential.NewKey()
	now := s.now()
	actor := Actor{Subject: domain.UserSubject(user.ID)}
	// created_by is a subject ("user:ID"), as for every other key.
	key := domain.KeyRecord{Org: orgID, ID: credential.NewID("k_"), Name: "bootstrap", Prefix: prefix, Hash: hash,
		CreatedBy: actor.Subject.String(), Owner: user.ID, CreatedAt: now}
	org := domain.Org{ID: orgID, Name: strings.TrimSpace(name), Scheme: sc.ID, CreatedAt: now,
		Plan: s.newOrgPlan()}
	_, err = s.write(ctx, actor, func(tx store.Tx) (*change, error) {
		if err := tx.CreateUser(user); err != nil {
			return nil, fault.E(fault.Conflict, "a user with email %s exists", user.Email)
		}
		if err := tx.CreateOrg(org); err != nil {
			return nil, fault.E(fault.Conflict, "organization id %q is taken", orgID)
		}
		m := domain.Member{Org: orgID, UserID: user.ID, Role: sc.TopRole, JoinedAt: now}
		g := domain.Grant{Org: orgID, ID: credential.NewID("gr_"), Subject: domain.KeySubject(key.ID), Role: keyRole,
			Scope: domain.OrgScope(), CreatedBy: actor.Subject.String(), CreatedAt: now}
		for _, err := range []error{tx.PutMember(m), tx.PutKey(key), tx.PutGrant(g)} {
			if err != nil {
				return nil, err
			}
		}
		return &change{org: orgID, scheme: sc.ID, action: "org.bootstrap", target: "org:" + orgID,
			after: map[string]any{"org": orgView(org, 0), "owner": userView(user), "key": keyView(key, []domain.Grant{g})},
			changes: []domain.Change{
				{Op: domain.OpPutMember, Member: &m},
				{Op: domain.OpPutKey, Key: keyChange(key)},
				{Op: domain.OpPutGrant, Grant: &g},
			}}, nil
	})
	if err != nil {
		return BootstrapResult{}, err
	}
	return BootstrapResult{Org: orgID, UserID: user.ID, SecretKey: secret}, nil
}

func (s *Service) newUser(ctx context.Context, email, name, password string) (domain.UserRecord, error) {
	email = normalizeEmail(email)
	if err := domain.CheckEmail(email); err != nil {
		return domain.UserRecord{}, fault.Wrap(fault.Unprocessable, err)
	}
	if err := checkNewPassword(password, email, name); err != nil {
		return domain.UserRecord{}, err
	}
	if name == "" {
		name = strings.Split(email, "@")[0]
	}
	if err := validName("name", name); err != nil {
		return domain.UserRecord{}, err
	}
	hash, err := s.hashNew(ctx, password)
	if err != nil {
		return domain.UserRecord{}, err
	}
	return domain.UserRecord{ID: credential.NewID("u_"), Email: email, Name: name, PasswordHash: hash, CreatedAt: s.now()}, nil
}

// GetOrg returns an organization the actor belongs to.
func (s *Service) GetOrg(ctx context.Context, a Actor, id string) (OrgView, error) {
	o, _, err := s.org(a, id)
	if err != nil {
		return OrgView{}, err
	}
	var org domain.Org
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		org, err = r.GetOrg(id)
		return err
	}); err != nil {
		return OrgView{}, err
	}
	return orgView(org, o.Revision()), nil
}

// RenameOrg changes the display name; the id never changes.
func (s *Service) RenameOrg(ctx context.Context, a Actor, id, name string) (OrgView, error) {
	return s.UpdateOrg(ctx, a, id, OrgUpdate{Name: &name})
}

// OrgUpdate changes what is set: the display name, the cap on personal
// access token lifetimes.
type OrgUpdate struct {
	Name       *string
	PATMaxDays *int
}

// UpdateOrg judges and checks every change before writing any, then
// writes them in one revision with an audit event each: a body that
// renames and caps tokens is refused whole or applied whole.
func (s *Service) UpdateOrg(ctx context.Context, a Actor, id string, u OrgUpdate) (OrgView, error) {
	o, sc, err := s.org(a, id)
	if err != nil {
		return OrgView{}, err
	}
	if u.Name != nil {
		if err := s.authorize(o, sc, a, ActOrgRename, nil); err != nil {
			return OrgView{}, err
		}
		if err := validName("organization name", *u.Name); err != nil {
			return OrgView{}, err
		}
	}
	if u.PATMaxDays != nil {
		if err := s.authorize(o, sc, a, ActTokenPolicy, nil); err != nil {
			return OrgView{}, err
		}
		if err := validTokenCap(*u.PATMaxDays); err != nil {
			return OrgView{}, err
		}
	}
	var after domain.Org
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		before, err := tx.GetOrg(id)
		if err != nil {
			return nil, err
		}
		after = before
		if u.Name != nil {
			after.Name = strings.TrimSpace(*u.Name)
		}
		if u.PATMaxDays != nil {
			after.PATMaxDays = *u.PATMaxDays
		}
		if err := tx.UpdateOrg(after); err != nil {
			return nil, err
		}
		capChange := &change{org: id, action: string(ActTokenPolicy), target: "org:" + id,
			before: map[string]int{"pat_max_days": before.PATMaxDays}, after: map[string]int{"pat_max_days": after.PATMaxDays}}
		if u.Name == nil {
			return capChange, nil
		}
		if u.PATMaxDays != nil {
			// write appends the event of the change it is given; the
			// other one goes in here, in the same transaction.
			if err := tx.AppendAudit(&domain.AuditEvent{Org: id, Actor: a.Subject.String(), Action: capChange.action, Target: capChange.target,
				Before: marshal(capChange.before), After: marshal(capChange.after), RequestID: a.RequestID}); err != nil {
				return nil, err
			}
		}
		return &change{org: id, action: string(ActOrgRename), target: "org:" + id,
			before: map[string]string{"name": before.Name}, after: map[string]string{"name": after.Name}}, nil
	})
	if err != nil {
		return OrgView{}, err
	}
	return orgView(after, rev), nil
}

// Billing is an org's plan and billing contact.
type Billing struct {
	Plan         string `json:"plan"`
	SeatLimit    int    `json:"seat_limit"`
	SeatsUsed    int    `json:"seats_used"`
	BillingEmail string `json:"billing_email"`
	Revision     int64  `json:"revision,omitempty"`
}

// GetBilling: see the policy (vi: the Owner only).
func (s *Service) GetBilling(ctx context.Context, a Actor, id string) (Billing, error) {
	o, sc, err := s.org(a, id)
	if err != nil {
		return Billing{}, err
	}
	if err := s.authorize(o, sc, a, ActBillingView, nil); err != nil {
		return Billing{}, err
	}
	var b Billing
	err = s.view(ctx, func(r store.Reader) error {
		org, err := r.GetOrg(id)
		if err != nil {
			return err
		}
		used, err := s.seatsUsed(r, id)
		b = Billing{Plan: org.Plan.Name, SeatLimit: org.Plan.SeatLimit, SeatsUsed: used, BillingEmail: org.BillingEmail}
		return err
	})
	return b, err
}

// BillingUpdate changes what is set.
type BillingUpdate struct {
	Plan         *string
	SeatLimit    *int
	BillingEmail *string
}

// UpdateBilling: see the policy (vi: the Owner only).
func (s *Service) UpdateBilling(ctx context.Context, a Actor, id string, u BillingUpdate) (Billing, error) {
	o, sc, err := s.org(a, id)
	if err != nil {
		return Billing{}, err
	}
	if err := s.authorize(o, sc, a, ActBillingUpdate, nil); err != nil {
		return Billing{}, err
	}
	var next *plan.Plan
	if u.Plan != nil {
		p, ok := s.cfg.Plans.Get(strings.TrimSpace(*u.Plan))
		if !ok {
			return Billing{}, fault.E(fault.Unprocessable, "there is no plan %q: choose one of %s", *u.Plan, strings.Join(s.cfg.Plans.IDs(), ", "))
		}
		next = &p
	}
	if u.SeatLimit != nil && (*u.SeatLimit < 1 || *u.SeatLimit > 1_000_000) {
		return Billing{}, fault.E(fault.Unprocessable, "the seat limit must be a whole number from 1 to 1000000")
	}
	if u.BillingEmail != nil && *u.BillingEmail != "" {
		if _, err := mail.ParseAddress(*u.BillingEmail); err != nil {
			return Billing{}, fault.E(fault.Unprocessable, "the billing email %q is not a valid address", *u.BillingEmail)
		}
	}
	var b Billing
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		before, err := tx.GetOrg(id)
		if err != nil {
			return nil, err
		}
		after := before
		p, listed := s.planOf(before)
		if next != nil {
			p, listed = *next, true
			after.Plan.Name = p.ID
			if err := s.overLimits(tx, before, sc, p); err != nil {
				return nil, err
			}
		}
		// The seat limit is the seats bought, within the plan's: a plan
		// with fewer seats than the org had brings the limit down to it.
		seats := before.Plan.SeatLimit
		if u.SeatLimit != nil {
			seats = *u.SeatLimit
		}
		// Only a new plan or a new seat limit is held to the plan's seats:
		// editing the billing email leaves an org's seats alone.
		if max, ok := p.Limit(plan.Seats); ok && listed && seats > max && (next != nil || u.SeatLimit != nil) {
			if u.SeatLimit != nil {
				return nil, fault.E(fault.Conflict, "the %s plan allows at most %d seats; a larger seat limit needs another plan", p.Name, max)
			}
			seats = max
		}
		if seats != before.Plan.SeatLimit {
			used, err := s.seatsUsed(tx, id)
			if err != nil {
				return nil, err
			}
			if seats < used {
				if u.SeatLimit == nil {
					return nil, fault.E(fault.Conflict, "the %s plan allows %d seats and %d are in use (members and pending invitations)", p.Name, seats, used)
				}
				return nil, fault.E(fault.Conflict, "a seat limit of %d is below the %d seats in use (members and pending invitations)", seats, used)
			}
			after.Plan.SeatLimit = seats
		}
		if u.BillingEmail != nil {
			after.BillingEmail = normalizeEmail(*u.BillingEmail)
		}
		if err := tx.UpdateOrg(after); err != nil {
			return nil, err
		}
		used, err := s.seatsUsed(tx, id)
		b = Billing{Plan: after.Plan.Name, SeatLimit: after.Plan.SeatLimit, SeatsUsed: used, BillingEmail: after.BillingEmail}
		return &change{org: id, action: string(ActBillingUpdate), target: "org:" + id,
			before: billingOf(before), after: billingOf(after)}, err
	})
	b.Revision = rev
	return b, err
}

func billingOf(o domain.Org) map[string]any {
	return map[string]any{"plan": o.Plan.Name, "seat_limit": o.Plan.SeatLimit, "billing_email": o.BillingEmail}
}

// seatsUsed counts members and pending invitations: both hold a seat. A
// membership that has ended holds none.
func (s *Service) seatsUsed(r store.Reader, org string) (int, error) {
	m, err := r.CountFoundMembers(org, store.MemberQuery{State: store.MemberActive, At: s.now()})
	if err != nil {
		return 0, err
	}
	p, err := r.CountPendingInvitations(org, s.now())
	return m + p, err
}

// TransferOwnership hands the unique top role (vi's Owner) to an Admin; the
// old Owner becomes Admin. Both changes land in one revision.
func (s *Service) TransferOwnership(ctx context.Context, a Actor, id, userID string) (int64, error) {
	o, sc, err := s.org(a, id)
	if err != nil {
		return 0, err
	}
	if !sc.UniqueTop {
		return 0, fault.E(fault.Conflict, "scheme %s has no unique owner: give %s the role %s instead", sc.ID, userID, sc.TopRole)
	}
	if err := s.authorize(o, sc, a, ActOrgTransfer, nil); err != nil {
		return 0, err
	}
	role, ok := o.MemberRole(userID)
	if !ok {
		return 0, notFound("member", userID)
	}
	if role != sc.TransferRole {
		return 0, fault.E(fault.Conflict, "ownership goes only to a member with role %s; %s has role %s", sc.TransferRole, userID, role)
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		newOwner := domain.Member{Org: id, UserID: userID, Role: sc.TopRole}
		oldOwner := domain.Member{Org: id, UserID: a.UserID(), Role: sc.TransferRole}
		// The roles checked above come from the engine, before this
		// transaction: two transfers at once (or a transfer racing a role
		// change) must not both land, or the org would end with two Owners
		// or none. Writers run one at a time, so reading here is current.
		want := map[*domain.Member]string{&newOwner: sc.TransferRole, &oldOwner: sc.TopRole}
		for _, m := range []*domain.Member{&newOwner, &oldOwner} {
			cur, err := tx.GetMember(id, m.UserID)
			if err != nil {
				return nil, err
			}
			if cur.Role != want[m] {
				return nil, fault.E(fault.Conflict, "%s's role changed meanwhile (now %s); retry", m.UserID, cur.Role)
			}
			// The new Owner's membership no longer ends: the top role's
			// never does (checkMembershipEnd).
			m.JoinedAt = cur.JoinedAt
			if err := tx.PutMember(*m); err != nil {
				return nil, err
			}
		}
		return &change{org: id, action: string(ActOrgTransfer), target: "user:" + userID,
			before: map[string]string{"owner": a.UserID()}, after: map[string]string{"owner": userID},
			changes: []domain.Change{{Op: domain.OpPutMember, Member: &newOwner}, {Op: domain.OpPutMember, Member: &oldOwner}}}, nil
	})
}
