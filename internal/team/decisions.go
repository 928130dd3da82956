package team

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// MaxBatch bounds a batch check.
const MaxBatch = 1000

// CheckRequest is one decision asked over the API.
type CheckRequest struct {
	Subject         string `json:"subject,omitempty"` // empty: the caller
	Permission      string `json:"permission"`
	Resource        string `json:"resource,omitempty"` // empty: the org
	Channel         string `json:"channel,omitempty"`
	AtLeastRevision int64  `json:"at_least_revision,omitempty"`
	// Props are the properties the caller states (AuthZEN's
	// subject.properties and the like); they count only for a caller the
	// policy lets state them.
	Props *scheme.Props `json:"-"`
}

// CheckResult is one decision. It has no JSON form of its own: httpapi
// defines the wire form of decisions.
type CheckResult struct {
	Allowed  bool
	Revision int64
	Reason   *domain.Reason // set when allowed, or when a condition failed
	// PropsIgnored: the caller stated properties it may not state, and the
	// decision was made without them.
	PropsIgnored bool
}

// awaitRevision never answers from state older than rev (see
// replica.AwaitRevision).
func (s *Service) awaitRevision(ctx context.Context, rev int64) error {
	return mapStoreErr(s.replica.AwaitRevision(ctx, rev))
}

// subjectFor resolves whom a check is about: the caller, or someone else
// for holders of the audit permission.
func (s *Service) subjectFor(o *authz.Org, sc *scheme.Scheme, a Actor, subject string) (string, error) {
	if subject == "" || subject == a.Subject.String() {
		return a.Subject.String(), nil
	}
	if s.authorize(o, sc, a, ActAuditRead, nil) != nil {
		return "", fault.E(fault.Forbidden, "asking about another subject needs %s", sc.AuditPermission)
	}
	return subject, nil
}

// Check answers one decision.
func (s *Service) Check(ctx context.Context, a Actor, org string, req CheckRequest) (CheckResult, error) {
	if err := s.awaitRevision(ctx, req.AtLeastRevision); err != nil {
		return CheckResult{}, err
	}
	applied := s.engine.Revision()
	o, sc, err := s.org(a, org)
	if err != nil {
		return CheckResult{}, err
	}
	return s.check(o, sc, a, 0, req, s.now().UnixNano(), applied)
}

// CheckBatch answers up to MaxBatch decisions in order, all from one state.
func (s *Service) CheckBatch(ctx context.Context, a Actor, org string, reqs []CheckRequest) ([]CheckResult, error) {
	if len(reqs) == 0 || len(reqs) > MaxBatch {
		return nil, fault.E(fault.Unprocessable, "a batch holds 1 to %d checks", MaxBatch)
	}
	var wait int64
	for _, r := range reqs {
		wait = max(wait, r.AtLeastRevision)
	}
	if err := s.awaitRevision(ctx, wait); err != nil {
		return nil, err
	}
	applied := s.engine.Revision()
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	now := s.now().UnixNano()
	out := make([]CheckResult, len(reqs))
	for i, r := range reqs {
		if out[i], err = s.check(o, sc, a, i, r, now, applied); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// check answers the i-th check of a request from o's state at applied.
func (s *Service) check(o *authz.Org, sc *scheme.Scheme, a Actor, i int, r CheckRequest, now, applied int64) (CheckResult, error) {
	subject, err := s.subjectFor(o, sc, a, r.Subject)
	if err != nil {
		return CheckResult{}, err
	}
	if r.Permission == "" {
		return CheckResult{}, fault.E(fault.Unprocessable, "check %d: permission is required", i)
	}
	props, ignored := s.stated(o, sc, a, r.Props)
	d, err := o.Check(&authz.Request{Subject: subject, Permission: r.Permission, Resource: r.Resource, Channel: r.Channel,
		Props: props, Owner: s.statedOwner(o, sc, r.Resource, props), Now: now})
	switch {
	case errors.Is(err, authz.ErrUnknownPermission):
		return CheckResult{}, fault.E(fault.Unprocessable, "check %d: unknown permission %q in scheme %s", i, r.Permission, sc.ID)
	case errors.Is(err, authz.ErrUnknownResource):
		return CheckResult{}, fault.E(fault.NotFound, "check %d: resource %q not found", i, r.Resource)
	case err != nil:
		return CheckResult{}, err
	}
	res := CheckResult{Allowed: d.Allowed, Revision: answeredAt(d.Revision, applied), PropsIgnored: ignored}
	if d.Allowed || d.Reason.Condition != "" || d.Reason.Approval != "" {
		reason := d.Reason
		res.Reason = &reason
	}
	return res, nil
}

// stated is what of a request's stated properties counts: all of them for
// a caller the policy lets state them, none otherwise (ignored reports
// that some were dropped). Conditions fail on a property not stated, so
// dropping them never allows more.
func (s *Service) stated(o *authz.Org, sc *scheme.Scheme, a Actor, p *scheme.Props) (_ *scheme.Props, ignored bool) {
	if p.Empty() {
		return nil, false
	}
	if s.authorize(o, sc, a, ActPropertiesState, nil) != nil {
		return nil, true
	}
	return p, false
}

// statedOwner is the owner of a resource of a stateless type as the
// request states it, in the type's owner property: a member's user id
// (the AuthZEN layer has put it there in place of an alias).
func (s *Service) statedOwner(o *authz.Org, sc *scheme.Scheme, resource string, p *scheme.Props) string {
	if p == nil {
		return ""
	}
	typ, _, _ := strings.Cut(resource, ":")
	t, ok := sc.Type(typ)
	if !ok || !t.Stateless || t.OwnerProperty == "" {
		return ""
	}
	v := p.Resource[t.OwnerProperty]
	if v == "" {
		return ""
	}
	if _, ok := o.MemberRole(v); ok {
		return domain.UserSubject(v).String()
	}
	return ""
}

// LookupResourcesRequest asks for the resources a subject may act on.
type LookupResourcesRequest struct {
	Subject         string        `json:"subject,omitempty"`
	Permission      string        `json:"permission"`
	Type            string        `json:"type"`
	Channel         string        `json:"channel,omitempty"`
	Limit           int           `json:"limit,omitempty"`
	PageToken       string        `json:"page_token,omitempty"`
	AtLeastRevision int64         `json:"at_least_revision,omitempty"`
	Props           *scheme.Props `json:"-"` // as in CheckRequest
}

// LookupResources pages through every resource of a type the subject may
// act on; never cut silently.
func (s *Service) LookupResources(ctx context.Context, a Actor, org string, req LookupResourcesRequest) (authz.ResourcePage, error) {
	if err := s.awaitRevision(ctx, req.AtLeastRevision); err != nil {
		return authz.ResourcePage{}, err
	}
	applied := s.engine.Revision()
	o, sc, err := s.org(a, org)
	if err != nil {
		return authz.ResourcePage{}, err
	}
	subject, err := s.subjectFor(o, sc, a, req.Subject)
	if err != nil {
		return authz.ResourcePage{}, err
	}
	props, _ := s.stated(o, sc, a, req.Props)
	page, err := o.LookupResources(&authz.ResourceQuery{Subject: subject, Permission: req.Permission, Type: req.Type,
		Channel: req.Channel, Props: props, Limit: clampLimit(req.Limit), PageToken: req.PageToken, Now: s.now().UnixNano()})
	switch {
	case errors.Is(err, authz.ErrUnknownPermission):
		return page, fault.E(fault.Unprocessable, "unknown permission %q in scheme %s", req.Permission, sc.ID)
	case errors.Is(err, authz.ErrUnknownType):
		return page, fault.E(fault.Unprocessable, "unknown resource type %q in scheme %s", req.Type, sc.ID)
	case errors.Is(err, authz.ErrBadCursor):
		return page, fault.E(fault.Invalid, "invalid page_token")
	}
	if page.IDs == nil {
		page.IDs = []string{}
	}
	page.Revision = answeredAt(page.Revision, applied)
	return page, err
}

// LookupSubjectsRequest asks who may act on a resource.
type LookupSubjectsRequest struct {
	Permission      string        `json:"permission"`
	Resource        string        `json:"resource,omitempty"`
	Channel         string        `json:"channel,omitempty"`
	AtLeastRevision int64         `json:"at_least_revision,omitempty"`
	Props           *scheme.Props `json:"-"` // as in CheckRequest
}

// LookupSubjects lists every user and key that may act, with the path.
// It reveals other subjects' access, so it needs the audit permission.
func (s *Service) LookupSubjects(ctx context.Context, a Actor, org string, req LookupSubjectsRequest) ([]domain.SubjectAccess, int64, error) {
	if err := s.awaitRevision(ctx, req.AtLeastRevision); err != nil {
		return nil, 0, err
	}
	applied := s.engine.Revision()
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, 0, err
	}
	if err := s.authorize(o, sc, a, ActAuditRead, nil); err != nil {
		return nil, 0, err
	}
	props, _ := s.stated(o, sc, a, req.Props)
	subs, rev, err := o.LookupSubjects(&authz.SubjectQuery{Permission: req.Permission, Resource: req.Resource,
		Channel: req.Channel, Props: props, Owner: s.statedOwner(o, sc, req.Resource, props), Now: s.now().UnixNano()})
	rev = answeredAt(rev, applied)
	switch {
	case errors.Is(err, authz.ErrUnknownPermission):
		return nil, rev, fault.E(fault.Unprocessable, "unknown permission %q in scheme %s", req.Permission, sc.ID)
	case errors.Is(err, authz.ErrUnknownResource):
		return nil, rev, fault.E(fault.NotFound, "resource %q not found", req.Resource)
	}
	return subs, rev, err
}

// answeredAt is the revision an answer is consistent with: the org's own
// last change, or the engine's applied revision read before the answer if
// later. Every revision up to that one is in the index, so an answer to
// at_least_revision N says N or more, never the older revision of the
// org's last change (which read as a stale answer).
func answeredAt(orgRev, applied int64) int64 { return max(orgRev, applied) }
