package team

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// AuthZEN 1.0's entities, as the PDP reads them. Properties are what the
// caller states: conditions on subject., resource. and action. test them,
// and they count only for a caller holding the scheme's properties
// permission (docs/properties.md).
type (
	AZSubject struct {
		Type, ID   string
		Properties map[string]any
	}
	AZAction struct {
		Name       string
		Properties map[string]any
	}
	AZResource struct {
		Type, ID   string
		Properties map[string]any
	}
	// AZEvaluation is one access evaluation: may Subject do Action on
	// Resource.
	AZEvaluation struct {
		Subject  AZSubject
		Action   AZAction
		Resource AZResource
	}
)

// AZOrgType is the resource type AuthZEN callers use for the organization
// itself.
const AZOrgType = "org"

// PDP is one organization's AuthZEN policy decision point as one request
// sees it: one state of the engine, one time.
type PDP struct {
	s       *Service
	a       Actor
	org     string
	o       *authz.Org
	sc      *scheme.Scheme
	now     int64
	applied int64
}

// PDP opens org's decision point for a caller. AuthZEN callers are
// services: a secret key of the org holding the scheme's audit permission,
// since every question is about another subject. Anyone else is refused
// (404 outside the org, as everywhere; 403 inside).
func (s *Service) PDP(ctx context.Context, a Actor, org string) (*PDP, error) {
	applied := s.engine.Revision()
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if !a.IsKey() {
		return nil, fault.E(fault.Forbidden, "the AuthZEN endpoints take a secret key of the organization")
	}
	if err := s.authorize(o, sc, a, ActAuditRead, nil); err != nil {
		return nil, fault.E(fault.Forbidden, "the AuthZEN endpoints need a key holding %s", sc.AuditPermission)
	}
	return &PDP{s: s, a: a, org: org, o: o, sc: sc, now: s.now().UnixNano(), applied: applied}, nil
}

// Org is the organization's id.
func (p *PDP) Org() string { return p.org }

// subject is the engine's reference of an AuthZEN subject, a member's user
// id or one of her aliases; ok is false for one that names nobody here (a
// type the scheme does not give people, an unknown id).
func (p *PDP) subject(sub AZSubject) (string, bool) {
	if !p.sc.NamesPerson(sub.Type) || sub.ID == "" {
		return "", false
	}
	uid, ok := p.o.ResolveUser(sub.ID)
	if !ok {
		return "", false
	}
	return domain.UserSubject(uid).String(), true
}

// Permission is the permission an action name asks about: the scheme's
// authzen_actions entry, else the name itself.
func (p *PDP) Permission(name string) string {
	if perm, ok := p.sc.AuthZENActions[name]; ok {
		return perm
	}
	return name
}

// actionName is Permission's inverse: the action name callers know a
// permission by.
func (p *PDP) actionName(perm string) string {
	var names []string
	for name, pm := range p.sc.AuthZENActions {
		if pm == perm {
			names = append(names, name)
		}
	}
	if len(names) == 0 {
		return perm
	}
	slices.Sort(names)
	return names[0]
}

// ref is the engine's reference of an AuthZEN resource: "" for the org.
func (p *PDP) ref(r AZResource) (string, bool) {
	if r.Type == AZOrgType {
		return "", r.ID == p.org
	}
	if _, ok := p.sc.Type(r.Type); !ok {
		return "", false
	}
	return r.Type + ":" + r.ID, true
}

// AZAnswer is the answer to one access evaluation.
type AZAnswer struct {
	Decision bool
	// PropsIgnored: the caller stated properties it may not state, and the
	// decision was made without them.
	PropsIgnored bool
}

// Evaluate decides one access evaluation through the same path as
// /check. A subject, action or resource Gatehouse does not know is a deny,
// not an error: AuthZEN answers every well-formed question with a
// decision. A resource Gatehouse does not hold is unknown unless its type
// is stateless.
func (p *PDP) Evaluate(e AZEvaluation) (AZAnswer, error) {
	subject, ok := p.subject(e.Subject)
	if !ok {
		return AZAnswer{}, nil
	}
	perm := p.Permission(e.Action.Name)
	if _, ok := p.sc.Permission(perm); !ok {
		return AZAnswer{}, nil
	}
	ref, ok := p.ref(e.Resource)
	if !ok || !p.known(e.Resource.Type, ref) {
		return AZAnswer{}, nil
	}
	props := p.props(e.Subject.Properties, e.Action.Properties, e.Resource)
	res, err := p.s.check(p.o, p.sc, p.a, 0, CheckRequest{Subject: subject, Permission: perm, Resource: ref, Props: props}, p.now, p.applied)
	switch fault.CodeOf(err) {
	case fault.NotFound, fault.Unprocessable:
		return AZAnswer{}, nil
	}
	return AZAnswer{Decision: res.Allowed, PropsIgnored: res.PropsIgnored}, err
}

// known reports whether a question may name the resource: the org, one
// Gatehouse holds, or any id of a stateless type.
func (p *PDP) known(typ, ref string) bool {
	if ref == "" || p.o.HasResource(ref) {
		return true
	}
	t, ok := p.sc.Type(typ)
	return ok && t.Stateless
}

// props are the properties an evaluation states, as text. The owner
// property of a stateless type names a member by user id or alias; it is
// replaced by her user id, or dropped when it names nobody here.
func (p *PDP) props(subject, action map[string]any, r AZResource) *scheme.Props {
	props := &scheme.Props{Subject: statedText(subject), Resource: statedText(r.Properties), Action: statedText(action)}
	if t, ok := p.sc.Type(r.Type); ok && t.OwnerProperty != "" {
		if v, ok := props.Resource[t.OwnerProperty]; ok {
			if uid, found := p.o.ResolveUser(v); found {
				props.Resource[t.OwnerProperty] = uid
			} else {
				delete(props.Resource, t.OwnerProperty)
			}
		}
	}
	if props.Empty() {
		return nil
	}
	return props
}

// statedText renders stated properties as conditions compare them: a
// string as itself, a boolean or a number as JSON writes it. Objects,
// arrays and null state nothing a condition can test.
func statedText(m map[string]any) map[string]string {
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool:
			out[k] = strconv.FormatBool(v)
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		case json.Number: // as the request wrote it
			out[k] = v.String()
		}
	}
	return out
}

// AZPage is a page of search results. Token is the caller's page.token,
// Limit its page.limit (0: the default).
type AZPage struct {
	Token string
	Limit int
}

// SearchSubjects lists the users who may do action on resource (AuthZEN
// subject search), each named by her primary alias when she has one, else
// her user id. A type the scheme does not give people, an unknown action or resource
// finds nobody.
func (p *PDP) SearchSubjects(subjectType string, action AZAction, res AZResource, pg AZPage) ([]AZSubject, string, error) {
	perm := p.Permission(action.Name)
	ref, ok := p.ref(res)
	if !p.sc.NamesPerson(subjectType) || !ok {
		return nil, "", nil
	}
	if _, ok := p.sc.Permission(perm); !ok || !p.known(res.Type, ref) {
		return nil, "", nil
	}
	props := p.props(nil, action.Properties, res)
	props, _ = p.s.stated(p.o, p.sc, p.a, props)
	subs, _, err := p.o.LookupSubjects(&authz.SubjectQuery{Permission: perm, Resource: ref, Props: props,
		Owner: p.s.statedOwner(p.o, p.sc, ref, props), Now: p.now})
	if err != nil {
		return nil, "", err
	}
	primary := p.o.PrimaryAliases()
	var out []AZSubject
	for _, sa := range subs {
		kind, id, _ := strings.Cut(sa.Subject, ":")
		if kind != "user" {
			continue
		}
		name := id
		if a, ok := primary[id]; ok {
			name = a
		}
		out = append(out, AZSubject{Type: subjectType, ID: name})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return pageOf(out, pg)
}

// SearchResources lists the resources of a type the subject may do action
// on (AuthZEN resource search), through the engine's resource lookup.
func (p *PDP) SearchResources(sub AZSubject, action AZAction, resourceType string, pg AZPage) ([]AZResource, string, error) {
	subject, ok := p.subject(sub)
	if !ok {
		return nil, "", nil
	}
	perm := p.Permission(action.Name)
	if _, ok := p.sc.Permission(perm); !ok {
		return nil, "", nil
	}
	if _, ok := p.sc.Type(resourceType); !ok {
		return nil, "", nil
	}
	props := p.props(sub.Properties, action.Properties, AZResource{Type: resourceType})
	props, _ = p.s.stated(p.o, p.sc, p.a, props)
	page, err := p.o.LookupResources(&authz.ResourceQuery{Subject: subject, Permission: perm, Type: resourceType,
		Props: props, Limit: clampLimit(pg.Limit), PageToken: pg.Token, Now: p.now})
	switch {
	case errors.Is(err, authz.ErrBadCursor):
		return nil, "", fault.E(fault.Invalid, "invalid page.token")
	case errors.Is(err, authz.ErrUnknownPermission), errors.Is(err, authz.ErrUnknownType):
		return nil, "", nil
	case err != nil:
		return nil, "", err
	}
	out := make([]AZResource, len(page.IDs))
	for i, id := range page.IDs {
		out[i] = AZResource{Type: resourceType, ID: id}
	}
	return out, page.Next, nil
}

// SearchActions lists the actions the subject may do on the resource
// (AuthZEN action search): each permission of the scheme that acts on the
// resource's type (or on the org, for the org), decided as Evaluate
// decides, in catalog order.
func (p *PDP) SearchActions(sub AZSubject, res AZResource, pg AZPage) ([]AZAction, string, error) {
	typ := res.Type
	var out []AZAction
	for _, perm := range p.sc.Permissions {
		if perm.Type != typ {
			continue
		}
		ans, err := p.Evaluate(AZEvaluation{Subject: sub, Action: AZAction{Name: perm.ID}, Resource: res})
		if err != nil {
			return nil, "", err
		}
		if ans.Decision {
			out = append(out, AZAction{Name: p.actionName(perm.ID)})
		}
	}
	return pageOf(out, pg)
}

// pageOf pages a whole result held in memory; the token is the offset.
func pageOf[T any](all []T, pg AZPage) ([]T, string, error) {
	from := 0
	if pg.Token != "" {
		n, err := strconv.Atoi(pg.Token)
		if err != nil || n < 0 || n > len(all) {
			return nil, "", fault.E(fault.Invalid, "invalid page.token")
		}
		from = n
	}
	limit := clampLimit(pg.Limit)
	to := min(len(all), from+limit)
	next := ""
	if to < len(all) {
		next = fmt.Sprint(to)
	}
	return all[from:to], next, nil
}

// PublicURL is where the server is reached (Config.BaseURL), without a
// trailing slash: the AuthZEN metadata names its endpoints under it.
func (s *Service) PublicURL() string { return strings.TrimRight(s.cfg.BaseURL, "/") }
