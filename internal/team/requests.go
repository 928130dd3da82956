package team

import (
	"context"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// An access request is a member asking for a role on a resource or on the
// org. Its deciders are the user managers and, for a resource, its owner;
// an approval makes the grant in the same write as the decision and is
// judged as grant.create for the approver, so nobody approves more than
// they could grant.

// AccessRequestInput asks for a role.
type AccessRequestInput struct {
	Role     string    `json:"role"`
	Resource string    `json:"resource"` // "org" or TYPE:ID
	Reason   string    `json:"reason"`
	Until    time.Time `json:"until"` // zero: no end asked for
}

// RequestView is an access request as clients see it. CanDecide says
// whether the caller may approve or deny it now (the approval still judges
// the grant in full).
type RequestView struct {
	ID             string     `json:"id"`
	UserID         string     `json:"user_id"`
	Name           string     `json:"name"`
	Email          string     `json:"email"`
	Role           string     `json:"role"`
	Resource       string     `json:"resource"`
	Reason         string     `json:"reason"`
	Until          *time.Time `json:"until"`
	State          string     `json:"state" enum:"pending,approved,denied,withdrawn"`
	CreatedAt      time.Time  `json:"created_at"`
	DecidedBy      string     `json:"decided_by,omitempty"`
	DecidedAt      *time.Time `json:"decided_at"`
	Note           string     `json:"note"`
	Grant          string     `json:"grant,omitempty"`
	GrantExpiresAt *time.Time `json:"grant_expires_at"`
	Revision       int64      `json:"revision,omitempty"`
	CanDecide      bool       `json:"can_decide"`
}

// RequestQuery narrows the request list; zero fields match everything.
type RequestQuery struct {
	State    string
	User     string
	Resource string
	After    string
	Limit    int
}

// MaxRequestText bounds a request's reason and a decision's note.
const MaxRequestText = 2000

func requestTarget(r domain.AccessRequest) *Target {
	t := &Target{Owner: r.UserID, Member: r.UserID}
	if r.Resource != "org" {
		t.Resource = r.Resource
	}
	return t
}

func requestScope(resource string) domain.Scope {
	if resource == "org" {
		return domain.OrgScope()
	}
	ref, _ := domain.ParseRef(resource)
	return domain.ResourceScope(ref.Type, ref.ID)
}

func (s *Service) requestView(r store.UserReader, o *authz.Org, sc *scheme.Scheme, a Actor, rq domain.AccessRequest) RequestView {
	u, _ := r.GetUser(rq.UserID) // an account outlives the org's records of it
	v := RequestView{ID: rq.ID, UserID: rq.UserID, Name: u.Name, Email: u.Email, Role: rq.Role, Resource: rq.Resource,
		Reason: rq.Reason, Until: timePtr(rq.Until), State: rq.State, CreatedAt: rq.CreatedAt.UTC(), DecidedBy: rq.DecidedBy,
		DecidedAt: timePtr(rq.DecidedAt), Note: rq.Note, Grant: rq.Grant, GrantExpiresAt: timePtr(rq.GrantEnds), Revision: rq.Revision}
	if rq.State == domain.RequestPending {
		t := requestTarget(rq)
		v.CanDecide = notRequester.check(&judge{s: s, o: o, sc: sc, a: a}, t) == nil &&
			s.authorize(o, sc, a, ActRequestDeny, t) == nil
	}
	return v
}

// audited drops what depends on who reads: the audit log keeps the request.
func audited(v RequestView) RequestView {
	v.CanDecide = false
	return v
}

func cleanText(what, v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) > MaxRequestText {
		return "", fault.E(fault.Unprocessable, "the %s is longer than %d bytes", what, MaxRequestText)
	}
	return v, nil
}

// CreateRequest records a member's request for a role on a resource or on
// the org, for themself. The role must be one that could be granted there;
// the same request while one is pending is a 409 naming it.
func (s *Service) CreateRequest(ctx context.Context, a Actor, org string, in AccessRequestInput) (RequestView, int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return RequestView{}, 0, err
	}
	if err := s.authorize(o, sc, a, ActRequestCreate, nil); err != nil {
		return RequestView{}, 0, err
	}
	res := strings.TrimSpace(in.Resource)
	if res == "" || res == "org" {
		res = "org"
	} else {
		ref, err := domain.ParseRef(res)
		if err != nil {
			return RequestView{}, 0, fault.E(fault.Unprocessable, "resource must be org or a resource TYPE:ID, not %q", in.Resource)
		}
		if !o.HasResource(ref.String()) {
			return RequestView{}, 0, notFound("resource", ref.String())
		}
		res = ref.String()
	}
	if in.Role == "" {
		return RequestView{}, 0, fault.E(fault.Unprocessable, "role is required: the role you ask for")
	}
	role, ok := o.Role(in.Role)
	if !ok {
		return RequestView{}, 0, fault.E(fault.Unprocessable, "unknown role %q", in.Role)
	}
	if err := sc.GrantableAt(role, requestScope(res)); err != nil {
		return RequestView{}, 0, fault.Wrap(fault.Unprocessable, err)
	}
	if !in.Until.IsZero() && !in.Until.After(s.now()) {
		return RequestView{}, 0, fault.E(fault.Unprocessable, "until is in the past: ask for an end after now, or none")
	}
	reason, err := cleanText("reason", in.Reason)
	if err != nil {
		return RequestView{}, 0, err
	}
	rq := domain.AccessRequest{Org: org, ID: credential.NewID("rq_"), UserID: a.UserID(), Role: in.Role, Resource: res,
		Reason: reason, Until: in.Until.UTC().Truncate(time.Microsecond), State: domain.RequestPending, CreatedAt: s.now()}
	var v RequestView
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		same, _, err := tx.ListAccessRequests(org, store.RequestFilter{State: domain.RequestPending, UserID: rq.UserID, Resource: res}, "", 0)
		if err != nil {
			return nil, err
		}
		for _, x := range same {
			if x.Role == rq.Role {
				e := fault.E(fault.Conflict, "you already asked for %s on %s (request %s is pending)", roleName(sc, rq.Role), res, x.ID)
				e.ExistingID = x.ID
				return nil, e
			}
		}
		if err := tx.PutAccessRequest(rq); err != nil {
			return nil, err
		}
		v = s.requestView(tx, o, sc, a, rq)
		return &change{org: org, action: string(ActRequestCreate), target: "request:" + rq.ID, after: audited(v)}, nil
	})
	if err != nil {
		return RequestView{}, 0, err
	}
	return v, rev, nil
}

// loadRequest finds a request the actor may see (404 for another org's).
func (s *Service) loadRequest(ctx context.Context, a Actor, org, id string) (*authz.Org, *scheme.Scheme, domain.AccessRequest, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, nil, domain.AccessRequest{}, err
	}
	var rq domain.AccessRequest
	if err := s.view(ctx, func(r store.Reader) error {
		var err error
		if rq, err = r.GetAccessRequest(org, id); err != nil {
			return notFound("access request", id)
		}
		return nil
	}); err != nil {
		return nil, nil, rq, err
	}
	if err := s.authorize(o, sc, a, ActRequestView, requestTarget(rq)); err != nil {
		return nil, nil, rq, err
	}
	return o, sc, rq, nil
}

// GetRequest: a request, for its requester, its deciders and auditors.
func (s *Service) GetRequest(ctx context.Context, a Actor, org, id string) (RequestView, error) {
	o, sc, rq, err := s.loadRequest(ctx, a, org, id)
	if err != nil {
		return RequestView{}, err
	}
	var v RequestView
	err = s.view(ctx, func(r store.Reader) error {
		v = s.requestView(r, o, sc, a, rq)
		return nil
	})
	return v, err
}

// ListRequests lists, newest first, the requests the actor may see: their
// own, and for a decider or auditor the ones they decide or audit. A page
// may hold fewer than limit (those the actor may not see are left out).
func (s *Service) ListRequests(ctx context.Context, a Actor, org string, q RequestQuery) (Page[RequestView], error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return Page[RequestView]{}, err
	}
	f := store.RequestFilter{State: q.State, UserID: strings.TrimPrefix(q.User, "user:")}
	switch q.State {
	case "", domain.RequestPending, domain.RequestApproved, domain.RequestDenied, domain.RequestWithdrawn:
	default:
		return Page[RequestView]{}, fault.E(fault.Invalid, "state: want pending, approved, denied or withdrawn, not %q", q.State)
	}
	if q.Resource != "" && q.Resource != "org" {
		ref, err := domain.ParseRef(q.Resource)
		if err != nil {
			return Page[RequestView]{}, fault.E(fault.Invalid, "resource: want org or TYPE:ID, not %q", q.Resource)
		}
		f.Resource = ref.String()
	} else {
		f.Resource = q.Resource
	}
	page := Page[RequestView]{Items: []RequestView{}}
	err = s.view(ctx, func(r store.Reader) error {
		rs, next, err := r.ListAccessRequests(org, f, q.After, clampLimit(q.Limit))
		if err != nil {
			return err
		}
		page.Next = next
		for _, rq := range rs {
			if s.authorize(o, sc, a, ActRequestView, requestTarget(rq)) != nil {
				continue
			}
			page.Items = append(page.Items, s.requestView(r, o, sc, a, rq))
		}
		return nil
	})
	return page, err
}

// ApproveInput is an approval: the grant's end (zero: the one asked for,
// or none) and why.
type ApproveInput struct {
	Until time.Time
	Note  string
}

// ApproveRequest makes the requested grant and records the approval in one
// write. The approver must be a decider, not the requester, and able to
// make that grant themself now.
func (s *Service) ApproveRequest(ctx context.Context, a Actor, org, id string, in ApproveInput) (RequestView, int64, error) {
	o, sc, rq, err := s.loadRequest(ctx, a, org, id)
	if err != nil {
		return RequestView{}, 0, err
	}
	if rq.State != domain.RequestPending {
		return RequestView{}, 0, fault.E(fault.Conflict, "access request %s is %s already", id, rq.State)
	}
	note, err := cleanText("note", in.Note)
	if err != nil {
		return RequestView{}, 0, err
	}
	until := rq.Until
	if !in.Until.IsZero() {
		until = in.Until.UTC().Truncate(time.Microsecond) // what both stores keep
	}
	if !until.IsZero() && !until.After(s.now()) {
		return RequestView{}, 0, fault.E(fault.Unprocessable, "until is in the past: give the grant an end after now")
	}
	scope := requestScope(rq.Resource)
	if err := s.scopeExists(o, scope); err != nil {
		return RequestView{}, 0, err
	}
	g := domain.Grant{Org: org, ID: credential.NewID("gr_"), Subject: domain.UserSubject(rq.UserID), Role: rq.Role, Scope: scope,
		ExpiresAt: until, CreatedBy: a.Subject.String(), CreatedAt: s.now()}
	t, err := s.grantTarget(ctx, sc, org, &g)
	if err != nil {
		return RequestView{}, 0, err
	}
	rt := requestTarget(rq)
	t.Owner, t.Member, t.Resource = rt.Owner, rt.Member, rt.Resource
	if err := s.authorize(o, sc, a, ActRequestApprove, t); err != nil {
		return RequestView{}, 0, err
	}
	if !o.Active(g.Subject.String(), s.now().UnixNano()) {
		return RequestView{}, 0, fault.E(fault.Conflict, "%s is no longer a member of the organization; deny the request instead", rq.UserID)
	}
	var before, after RequestView
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		cur, err := tx.GetAccessRequest(org, id)
		if err != nil {
			return nil, err
		}
		if cur.State != domain.RequestPending {
			return nil, fault.E(fault.Conflict, "access request %s was %s meanwhile", id, cur.State)
		}
		changes, _, err := putGrant(tx, org, g, t)
		if err != nil {
			return nil, err
		}
		before = s.requestView(tx, o, sc, a, cur)
		cur.State, cur.DecidedBy, cur.DecidedAt, cur.Note = domain.RequestApproved, a.Subject.String(), s.now(), note
		cur.Grant, cur.GrantEnds, cur.Revision = g.ID, g.ExpiresAt, tx.Revision()
		if err := tx.PutAccessRequest(cur); err != nil {
			return nil, err
		}
		after = s.requestView(tx, o, sc, a, cur)
		return &change{org: org, action: string(ActRequestApprove), target: domain.UserSubject(rq.UserID).String(),
			before: audited(before), after: map[string]any{"request": audited(after), "grant": grantView(g), "added_to_roster": t.Team},
			changes: changes}, nil
	})
	if err != nil {
		return RequestView{}, 0, err
	}
	return after, rev, nil
}

// DenyRequest closes a pending request without a grant; any decider may.
func (s *Service) DenyRequest(ctx context.Context, a Actor, org, id, note string) (RequestView, int64, error) {
	return s.endRequest(ctx, a, org, id, note, ActRequestDeny, domain.RequestDenied)
}

// WithdrawRequest: the requester takes back a pending request.
func (s *Service) WithdrawRequest(ctx context.Context, a Actor, org, id string) (RequestView, int64, error) {
	return s.endRequest(ctx, a, org, id, "", ActRequestWithdraw, domain.RequestWithdrawn)
}

func (s *Service) endRequest(ctx context.Context, a Actor, org, id, note string, act Action, state string) (RequestView, int64, error) {
	o, sc, rq, err := s.loadRequest(ctx, a, org, id)
	if err != nil {
		return RequestView{}, 0, err
	}
	if rq.State != domain.RequestPending {
		return RequestView{}, 0, fault.E(fault.Conflict, "access request %s is %s already", id, rq.State)
	}
	if err := s.authorize(o, sc, a, act, requestTarget(rq)); err != nil {
		return RequestView{}, 0, err
	}
	if note, err = cleanText("note", note); err != nil {
		return RequestView{}, 0, err
	}
	var before, after RequestView
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		cur, err := tx.GetAccessRequest(org, id)
		if err != nil {
			return nil, err
		}
		if cur.State != domain.RequestPending {
			return nil, fault.E(fault.Conflict, "access request %s was %s meanwhile", id, cur.State)
		}
		before = s.requestView(tx, o, sc, a, cur)
		cur.State, cur.DecidedBy, cur.DecidedAt, cur.Note, cur.Revision = state, a.Subject.String(), s.now(), note, tx.Revision()
		if err := tx.PutAccessRequest(cur); err != nil {
			return nil, err
		}
		after = s.requestView(tx, o, sc, a, cur)
		return &change{org: org, action: string(act), target: "request:" + id, before: audited(before), after: audited(after)}, nil
	})
	if err != nil {
		return RequestView{}, 0, err
	}
	return after, rev, nil
}
