package team

import (
	"context"
	"maps"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ResourceView is a resource as clients see it.
type ResourceView struct {
	Type       string            `json:"type"`
	ID         string            `json:"id"`
	Name       string            `json:"name"`
	Parent     string            `json:"parent"`
	Team       string            `json:"team"`
	Owner      string            `json:"owner"`
	Attributes map[string]string `json:"attributes"`
	CreatedAt  time.Time         `json:"created_at"`
	Revision   int64             `json:"revision,omitempty"`
}

func resourceView(r domain.Resource) ResourceView {
	attrs := r.Attributes
	if attrs == nil {
		attrs = map[string]string{}
	}
	return ResourceView{Type: r.Type, ID: r.ID, Name: r.Name, Parent: r.Parent.String(), Team: r.Team, Owner: r.Owner,
		Attributes: attrs, CreatedAt: r.CreatedAt.UTC()}
}

// ResourceRequest registers (creates or replaces) a resource.
type ResourceRequest struct {
	Type       string
	ID         string
	Name       string
	Parent     string
	Team       string
	Owner      string // user id; defaults to the calling user
	Attributes map[string]string
}

// PutResource needs the type's create permission at the parent (or, for a
// resource attached to a team, at that team), evaluated against the resource
// as it will be, so "own" conditions see its owner.
func (s *Service) PutResource(ctx context.Context, a Actor, org string, req ResourceRequest) (ResourceView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return ResourceView{}, err
	}
	t, ok := sc.Type(req.Type)
	if !ok {
		return ResourceView{}, notFound("resource type", req.Type)
	}
	if !domain.ValidID(req.ID) {
		return ResourceView{}, fault.E(fault.Unprocessable, "resource id %q: want 1-200 letters, digits, '_', '.', '-' or '@'", req.ID)
	}
	if len(req.Name) > 200 || len(req.Attributes) > 50 {
		return ResourceView{}, fault.E(fault.Unprocessable, "name up to 200 characters and up to 50 attributes")
	}
	for k, v := range req.Attributes {
		if !domain.ValidTypeName(k) || len(v) > 200 {
			return ResourceView{}, fault.E(fault.Unprocessable, "attribute %q: want a lowercase name and a value up to 200 characters", k)
		}
	}
	r := domain.Resource{Org: org, Type: req.Type, ID: req.ID, Name: req.Name, Team: req.Team, Owner: req.Owner,
		Attributes: maps.Clone(req.Attributes), CreatedAt: s.now()}
	// A replace keeps the recorded owner unless another is named.
	var old *domain.Resource
	if o.HasResource(r.Ref().String()) {
		if err := s.view(ctx, func(rd store.Reader) error {
			x, err := rd.GetResource(org, r.Ref())
			old = &x
			return err
		}); err != nil {
			return ResourceView{}, err
		}
		if r.Owner == "" {
			r.Owner = old.Owner
		}
	}
	if r.Owner == "" {
		r.Owner = a.UserID()
	}
	if r.Owner != "" {
		// Former members may still own what they made; a new owner is a
		// current member (anyone else is another tenant's user, or nobody).
		if _, ok := o.MemberRole(r.Owner); !ok && (old == nil || old.Owner != r.Owner) {
			return ResourceView{}, fault.E(fault.Unprocessable, "owner %q is not a member", r.Owner)
		}
	}
	if req.Parent != "" {
		p, err := domain.ParseRef(req.Parent)
		if err != nil {
			return ResourceView{}, fault.Wrap(fault.Unprocessable, err)
		}
		r.Parent = p
	}
	switch {
	case t.Parent == scheme.OrgType && !r.Parent.IsZero():
		return ResourceView{}, fault.E(fault.Unprocessable, "a %s has no parent", t.ID)
	case t.Parent != scheme.OrgType && r.Parent.Type != t.Parent:
		return ResourceView{}, fault.E(fault.Unprocessable, "a %s needs a parent %s", t.ID, t.Parent)
	case !r.Parent.IsZero() && !o.HasResource(r.Parent.String()):
		return ResourceView{}, notFound("resource", r.Parent.String())
	}
	if r.Team != "" {
		if !t.Teams {
			return ResourceView{}, fault.E(fault.Unprocessable, "a %s cannot be attached to a team", t.ID)
		}
		if !o.HasTeam(r.Team) {
			return ResourceView{}, notFound("team", r.Team)
		}
	}
	// Conditions hold against the people they limit: a field a condition
	// reads (the owner, an attribute such as task) may change only for
	// someone who holds the permission without reading it.
	var hidden []string
	if old != nil {
		hidden = changedFields(*old, r)
	}
	if t.CreatePermission != "" {
		ok := o.CheckNew(a.Subject.String(), t.CreatePermission, r, "", hidden, s.now().UnixNano())
		if !ok {
			return ResourceView{}, fault.E(fault.Forbidden, "registering a %s needs %s at %s", t.ID, t.CreatePermission, parentLabel(r))
		}
	}
	// Replacing a resource is removing it and registering it anew, so it
	// takes the power to do both: without it, anyone allowed to register a
	// resource of the type could take over (or move away) one they cannot
	// even see, e.g. a Labelbox Labeler a colleague's label, which its
	// "own" condition then gave them. Checked after the power to register,
	// so that callers without it learn nothing of what exists.
	if old != nil {
		ref := old.Ref().String()
		if err := s.seeResource(o, sc, a, ref); err != nil {
			return ResourceView{}, err
		}
		if t.CreatePermission != "" && !o.CheckNew(a.Subject.String(), t.CreatePermission, *old, "", hidden, s.now().UnixNano()) {
			return ResourceView{}, fault.E(fault.Forbidden, "replacing %s needs %s on it as it is, at %s", ref, t.CreatePermission, parentLabel(*old))
		}
	}
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		var before any
		if old, err := tx.GetResource(org, r.Ref()); err == nil {
			before = resourceView(old)
			r.CreatedAt = old.CreatedAt
		} else if err := s.checkResourceLimit(tx, org, t); err != nil {
			return nil, err
		}
		if err := tx.PutResource(r); err != nil {
			return nil, err
		}
		return &change{org: org, action: "resource.put", target: r.Ref().String(), before: before, after: resourceView(r),
			changes: []domain.Change{{Op: domain.OpPutResource, Resource: &r}}}, nil
	})
	if err != nil {
		return ResourceView{}, err
	}
	v := resourceView(r)
	v.Revision = rev
	return v, nil
}

func parentLabel(r domain.Resource) string {
	if r.Parent.IsZero() {
		return "the organization"
	}
	return r.Parent.String()
}

// changedFields names the fields a replace changes, as conditions name
// them: scheme.OwnerField and attribute names.
func changedFields(old, next domain.Resource) []string {
	var out []string
	if old.Owner != next.Owner {
		out = append(out, scheme.OwnerField)
	}
	for k, v := range old.Attributes {
		if nv, ok := next.Attributes[k]; !ok || nv != v {
			out = append(out, k)
		}
	}
	for k := range next.Attributes {
		if _, ok := old.Attributes[k]; !ok {
			out = append(out, k)
		}
	}
	return out
}

// seeResource returns NotFound unless the actor holds some permission on the
// resource (or the audit permission): existence must not leak.
func (s *Service) seeResource(o *authz.Org, sc *scheme.Scheme, a Actor, ref string) error {
	if !o.HasResource(ref) {
		return notFound("resource", ref)
	}
	if s.authorize(o, sc, a, ActAuditRead, nil) == nil {
		return nil
	}
	for _, p := range sc.Permissions {
		if p.Type != scheme.OrgType && s.allowed(o, a, p.ID, ref) {
			return nil
		}
	}
	return notFound("resource", ref)
}

// GetResource returns a resource the actor can see.
func (s *Service) GetResource(ctx context.Context, a Actor, org string, ref domain.Ref) (ResourceView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return ResourceView{}, err
	}
	if err := s.seeResource(o, sc, a, ref.String()); err != nil {
		return ResourceView{}, err
	}
	var r domain.Resource
	err = s.view(ctx, func(rd store.Reader) error {
		var err error
		r, err = rd.GetResource(org, ref)
		return err
	})
	return resourceView(r), err
}

// DeleteResource removes a resource and its children; it takes the power to
// register it. Grants at those resources go with them.
func (s *Service) DeleteResource(ctx context.Context, a Actor, org string, ref domain.Ref) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if err := s.seeResource(o, sc, a, ref.String()); err != nil {
		return 0, err
	}
	var r domain.Resource
	if err := s.view(ctx, func(rd store.Reader) error {
		var err error
		r, err = rd.GetResource(org, ref)
		return err
	}); err != nil {
		return 0, err
	}
	t, _ := sc.Type(ref.Type)
	if t.CreatePermission != "" && !o.CheckNew(a.Subject.String(), t.CreatePermission, r, "", nil, s.now().UnixNano()) {
		return 0, fault.E(fault.Forbidden, "removing a %s needs %s at %s", t.ID, t.CreatePermission, parentLabel(r))
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		refs, err := tx.DeleteResource(org, ref)
		if err != nil {
			return nil, err
		}
		changes := []domain.Change{{Op: domain.OpDeleteResource, Resource: &r}}
		gone, err := store.DeleteGrantsAt(tx, org, refs)
		if err != nil {
			return nil, err
		}
		for i := range gone {
			changes = append(changes, domain.Change{Op: domain.OpDeleteGrant, Grant: &gone[i]})
		}
		removed := make([]string, len(refs))
		for i, x := range refs {
			removed[i] = x.String()
		}
		return &change{org: org, action: "resource.delete", target: ref.String(),
			before: map[string]any{"resource": resourceView(r), "removed": removed}, changes: changes}, nil
	})
}

// ListResources lists resources of a type for those who hold the audit
// permission or the type's create permission at the org.
func (s *Service) ListResources(ctx context.Context, a Actor, org, typ, after string, limit int) (Page[ResourceView], error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return Page[ResourceView]{}, err
	}
	if typ != "" {
		if _, ok := sc.Type(typ); !ok {
			return Page[ResourceView]{}, notFound("resource type", typ)
		}
	}
	if s.authorize(o, sc, a, ActResourceList, nil) != nil {
		t, ok := sc.Type(typ)
		if !ok || t.CreatePermission == "" || !s.allowed(o, a, t.CreatePermission, "") {
			return Page[ResourceView]{}, fault.E(fault.Forbidden, "listing every resource needs %s, and listing one type needs its create permission; to find what you can act on, look up your own resources instead", sc.AuditPermission)
		}
	}
	page := Page[ResourceView]{Items: []ResourceView{}}
	err = s.view(ctx, func(r store.Reader) error {
		rs, next, err := r.ListResources(org, typ, after, clampLimit(limit))
		page.Next = next
		for _, x := range rs {
			page.Items = append(page.Items, resourceView(x))
		}
		return err
	})
	return page, err
}

// AccessEntry is one row of "who can access this resource"; httpapi
// defines its wire form. Conditions maps a permission held only under a
// condition to it: for a permission on what the resource contains (a
// label of a project) the condition is judged on each of those, not here.
type AccessEntry struct {
	Subject     string
	Role        string
	Via         domain.Reason
	Permissions []string
	Conditions  map[string]string
}

// ResourceAccess lists who can act on a resource, or on what it contains,
// with which permissions and through what: membership roles, direct
// grants, groups' grants and teams' grants, each its own entry. Needs the
// audit permission.
func (s *Service) ResourceAccess(ctx context.Context, a Actor, org string, ref domain.Ref) ([]AccessEntry, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	// The permission first: a caller without it learns nothing of which
	// resources exist.
	if err := s.authorize(o, sc, a, ActAuditRead, nil); err != nil {
		return nil, err
	}
	if !o.HasResource(ref.String()) {
		return nil, notFound("resource", ref.String())
	}
	type key struct{ subject, grant, role string }
	index := map[key]int{}
	out := []AccessEntry{}
	add := func(p string, subs []domain.SubjectAccess) {
		for _, sa := range subs {
			k := key{sa.Subject, sa.Reason.Grant, sa.Reason.Role}
			i, ok := index[k]
			if !ok {
				i = len(out)
				index[k] = i
				via := sa.Reason
				via.Condition = ""
				out = append(out, AccessEntry{Subject: sa.Subject, Role: sa.Reason.Role, Via: via})
			}
			out[i].Permissions = append(out[i].Permissions, p)
			if sa.Reason.Condition != "" {
				if out[i].Conditions == nil {
					out[i].Conditions = map[string]string{}
				}
				out[i].Conditions[p] = sa.Reason.Condition
			}
		}
	}
	now := s.now().UnixNano()
	for _, p := range sc.Permissions {
		if p.Type == scheme.OrgType {
			continue
		}
		switch {
		case sc.Within(ref.Type, p.Type):
			// On the resource itself (or a type it is in): decided in full.
			subs, _, err := o.LookupSubjects(&authz.SubjectQuery{Permission: p.ID, Resource: ref.String(), Now: now})
			if err != nil {
				return nil, err
			}
			add(p.ID, subs)
		case sc.Within(p.Type, ref.Type):
			// On what it contains: whoever holds it along the chain.
			subs, err := o.SubjectsWithin(&authz.SubjectQuery{Permission: p.ID, Resource: ref.String(), Now: now})
			if err != nil {
				return nil, err
			}
			add(p.ID, subs)
		}
	}
	return out, nil
}
