package team

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// RACIReport is seed 000's RACI template filled in with the people who
// actually hold each duty in one organization.
type RACIReport struct {
	Org         string    `json:"org"`
	OrgName     string    `json:"org_name"`
	Scheme      string    `json:"scheme"`
	Source      string    `json:"source,omitempty"`
	GeneratedAt time.Time `json:"generated_at"`
	// Note says why Tables is empty: the scheme has no RACI template.
	Note   string      `json:"note,omitempty"`
	Tables []RACITable `json:"tables"`
}

// RACITable is one of the template's tables.
type RACITable struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Intro string `json:"intro"`
	// Per is the resource type whose resources the rows are read for.
	Per  string    `json:"per,omitempty"`
	Rows []RACIRow `json:"rows"`
}

// RACIRow is one letter of one activity: who is in it, for All and for
// each resource where that differs.
type RACIRow struct {
	Letter      string        `json:"letter"`
	Activity    string        `json:"activity"`
	Typical     string        `json:"typical"`
	Note        string        `json:"note"`
	Permissions []string      `json:"permissions,omitempty"`
	Assignments []string      `json:"assignments,omitempty"`
	Sections    []RACISection `json:"sections"`
	// Unnamed are the row's assignments nobody holds for All yet, each
	// with how to name them.
	Unnamed []RACIUnnamed `json:"unnamed,omitempty"`
}

// RACISection is the people of a row at one scope: "" is All (the
// organization, whatever the resource), else a resource.
type RACISection struct {
	Scope     string       `json:"scope"`
	ScopeName string       `json:"scope_name"`
	People    []RACIPerson `json:"people"`
}

// RACIPerson is one member and what puts them in the row: a role holding
// one of the row's permissions (at Where, for a permission of another
// resource type than the table's), a key they own, or an assignment.
type RACIPerson struct {
	UserID     string `json:"user_id"`
	Name       string `json:"name"`
	Email      string `json:"email"`
	Role       string `json:"role,omitempty"`
	RoleName   string `json:"role_name,omitempty"`
	Permission string `json:"permission,omitempty"`
	Via        string `json:"via,omitempty"` // a group the role comes through
	Where      string `json:"where,omitempty"`
	Assignment string `json:"assignment,omitempty"`
	KeyOwner   bool   `json:"key_owner,omitempty"`
}

// RACIUnnamed is an assignment the row needs and the org has not named.
type RACIUnnamed struct {
	Assignment string `json:"assignment"`
	How        string `json:"how"`
}

// Because says in words what puts the person in the row.
func (p RACIPerson) Because() string {
	switch {
	case p.Assignment != "":
		return "named " + p.Assignment
	case p.KeyOwner:
		return "owns a secret key"
	}
	s := p.RoleName + " (" + p.Permission + ")"
	if p.Via != "" {
		s += " through " + p.Via
	}
	if p.Where != "" {
		s += " at " + p.Where
	}
	return s
}

// RACI: see the policy (user managers and auditors).
func (s *Service) RACI(ctx context.Context, a Actor, org string) (RACIReport, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return RACIReport{}, err
	}
	if err := s.authorize(o, sc, a, ActReportRACI, nil); err != nil {
		return RACIReport{}, err
	}
	now := s.now()
	rep := RACIReport{Org: org, Scheme: sc.ID, GeneratedAt: now.UTC(), Tables: []RACITable{}}
	tpl := raciTemplates[sc.ID]
	if tpl == nil {
		rep.Note = "The " + sc.ID + " scheme has no RACI template: the template is seed 000's, written for Datature Vi " +
			"(the vi scheme). Named assignments can still be kept, and the access reports name who holds what."
	} else {
		rep.Source = tpl.Source
	}
	err = s.view(ctx, func(r store.Reader) error {
		og, err := r.GetOrg(org)
		if err != nil {
			return err
		}
		rep.OrgName = og.Name
		if tpl == nil {
			return nil
		}
		f := &raciFill{r: r, o: o, sc: sc, org: org, now: now, names: map[string]domain.UserRecord{},
			resources: map[string][]domain.Resource{}, holders: map[string][]raciHolder{}}
		if err := f.load(); err != nil {
			return err
		}
		for _, t := range tpl.Tables {
			rt := RACITable{ID: t.ID, Title: t.Title, Intro: t.Intro, Per: t.Per, Rows: []RACIRow{}}
			for _, row := range t.Rows {
				rr, err := f.row(t, row)
				if err != nil {
					return err
				}
				rt.Rows = append(rt.Rows, rr)
			}
			rep.Tables = append(rep.Tables, rt)
		}
		return nil
	})
	return rep, err
}

// raciFill reads one org's holders once for the whole report.
type raciFill struct {
	r         store.Reader
	o         *authz.Org
	sc        *scheme.Scheme
	org       string
	now       time.Time
	names     map[string]domain.UserRecord
	resources map[string][]domain.Resource // by type
	holders   map[string][]raciHolder      // by permission
	assigned  []domain.Assignment
	keyOwners []string
}

// raciHolder is a user who holds a permission, where ("" the org) and how.
type raciHolder struct {
	user, scope string
	reason      domain.Reason
}

func (f *raciFill) load() error {
	for _, t := range f.sc.Types {
		rs, _, err := f.r.ListResources(f.org, t.ID, "", 0)
		if err != nil {
			return err
		}
		f.resources[t.ID] = rs
	}
	as, err := f.r.ListAssignments(f.org)
	if err != nil {
		return err
	}
	f.assigned = as
	ks, _, err := f.r.ListKeys(f.org, store.KeyFilter{State: store.LiveKey, At: f.now}, "", 0)
	if err != nil {
		return err
	}
	for _, k := range ks {
		if k.Owner != "" && f.member(k.Owner) && !slices.Contains(f.keyOwners, k.Owner) {
			f.keyOwners = append(f.keyOwners, k.Owner)
		}
	}
	slices.Sort(f.keyOwners)
	return nil
}

func (f *raciFill) member(uid string) bool {
	return f.o.Active(domain.UserSubject(uid).String(), f.now.UnixNano())
}

// holdersOf lists who holds permission p: at the organization (scope "")
// for an org permission, else on each resource of its type, split into
// who holds it org-wide (scope "") and who holds it there alone. People
// only: keys act for their owners, who are listed themselves.
func (f *raciFill) holdersOf(p string) ([]raciHolder, error) {
	if hs, ok := f.holders[p]; ok {
		return hs, nil
	}
	perm, ok := f.sc.Permission(p)
	if !ok {
		return nil, errors.New("raci: the template names permission " + p + ", unknown to scheme " + f.sc.ID)
	}
	var out []raciHolder
	add := func(resource string) error {
		// Responsibility is held by role: a gate decides when they may act,
		// not who answers for it.
		subs, _, err := f.o.LookupSubjects(&authz.SubjectQuery{Permission: p, Resource: resource, Now: f.now.UnixNano(), Ungated: true})
		if err != nil {
			return err
		}
		for _, sa := range subs {
			uid, ok := strings.CutPrefix(sa.Subject, "user:")
			if !ok {
				continue
			}
			scope := resource
			if sa.Reason.Scope == "org" {
				scope = ""
			}
			out = append(out, raciHolder{user: uid, scope: scope, reason: sa.Reason})
		}
		return nil
	}
	if perm.Type == scheme.OrgType {
		if err := add(""); err != nil {
			return nil, err
		}
	}
	for _, x := range f.resources[perm.Type] {
		if err := add(domain.Ref{Type: x.Type, ID: x.ID}.String()); err != nil {
			return nil, err
		}
	}
	f.holders[p] = out
	return out, nil
}

func (f *raciFill) person(uid string) (RACIPerson, error) {
	u, ok := f.names[uid]
	if !ok {
		var err error
		if u, err = f.r.GetUser(uid); err != nil && !errors.Is(err, store.ErrNotFound) {
			return RACIPerson{}, err
		}
		f.names[uid] = u
	}
	return RACIPerson{UserID: uid, Name: u.Name, Email: u.Email}, nil
}

func (f *raciFill) roleName(id string) string {
	if r, ok := f.o.Role(id); ok && r.Name != "" {
		return r.Name
	}
	return id
}

func (f *raciFill) resourceName(ref string) string {
	typ, id, _ := strings.Cut(ref, ":")
	for _, x := range f.resources[typ] {
		if x.ID == id && x.Name != "" {
			return x.Name
		}
	}
	return ref
}

// row fills one row: sections for All, then each resource of the table's
// type with people of its own, in the resources' order.
func (f *raciFill) row(t raciTable, row raciRow) (RACIRow, error) {
	out := RACIRow{Letter: row.Letter, Activity: row.Activity, Typical: row.Typical, Note: row.Note,
		Permissions: row.Permissions, Assignments: row.Assignments, Sections: []RACISection{}}
	sections := map[string]*RACISection{}
	order := []string{""}
	sections[""] = &RACISection{Scope: "", ScopeName: "All", People: []RACIPerson{}}
	for _, x := range f.resources[t.Per] {
		ref := domain.Ref{Type: x.Type, ID: x.ID}.String()
		order = append(order, ref)
		sections[ref] = &RACISection{Scope: ref, ScopeName: f.resourceName(ref), People: []RACIPerson{}}
	}
	seen := map[string]bool{}
	put := func(scope string, p RACIPerson) {
		// One line per person and path: a role holding two of the row's
		// permissions is named once, with the first.
		k := strings.Join([]string{scope, p.UserID, p.Role, p.Via, p.Where, p.Assignment, strconv.FormatBool(p.KeyOwner)}, "\x00")
		if seen[k] {
			return
		}
		seen[k] = true
		sections[scope].People = append(sections[scope].People, p)
	}
	// Who holds Without where the row is read, to leave out.
	without := map[string]bool{}
	if row.Without != "" {
		hs, err := f.holdersOf(row.Without)
		if err != nil {
			return out, err
		}
		for _, h := range hs {
			without[h.scope+"\x00"+h.user] = true
		}
	}
	for _, p := range row.Permissions {
		perm, _ := f.sc.Permission(p)
		hs, err := f.holdersOf(p)
		if err != nil {
			return out, err
		}
		for _, h := range hs {
			if without[h.scope+"\x00"+h.user] || without["\x00"+h.user] {
				continue
			}
			who, err := f.person(h.user)
			if err != nil {
				return out, err
			}
			who.Role, who.RoleName, who.Permission = h.reason.Role, f.roleName(h.reason.Role), p
			if strings.HasPrefix(string(h.reason.Via), "group:") {
				who.Via = string(h.reason.Via)
			}
			scope := h.scope
			if perm.Type != t.Per && scope != "" {
				// Another type's resource (dataset owners in the training
				// table): All, naming where.
				who.Where, scope = f.resourceName(scope), ""
			}
			put(scope, who)
		}
	}
	if row.KeyOwners {
		for _, uid := range f.keyOwners {
			who, err := f.person(uid)
			if err != nil {
				return out, err
			}
			who.KeyOwner = true
			put("", who)
		}
	}
	for _, name := range row.Assignments {
		namedForAll := false
		for _, x := range f.assigned {
			if !strings.EqualFold(x.Name, name) {
				continue
			}
			scope := x.Scope
			if _, ok := sections[scope]; !ok {
				// An assignment for a resource of another type, or gone:
				// All, naming where.
				scope = ""
			}
			for _, uid := range x.Users {
				if !f.member(uid) {
					continue
				}
				who, err := f.person(uid)
				if err != nil {
					return out, err
				}
				who.Assignment = x.Name
				if scope == "" && x.Scope != "" {
					who.Where = f.resourceName(x.Scope)
				}
				put(scope, who)
				namedForAll = namedForAll || x.Scope == ""
			}
		}
		if !namedForAll {
			out.Unnamed = append(out.Unnamed, RACIUnnamed{Assignment: name, How: "not named yet: name them with PUT /v1/orgs/" + f.org +
				"/assignments/" + url.PathEscape(name) + ` {"users":["u_…"]}, gatehouse assignment set "` + name +
				`" --user u_…, or on the console's RACI page`})
		}
	}
	for _, scope := range order {
		sec := sections[scope]
		if scope == "" || len(sec.People) > 0 {
			slices.SortStableFunc(sec.People, func(a, b RACIPerson) int {
				return strings.Compare(strings.ToLower(a.Name+"\x00"+a.Email), strings.ToLower(b.Name+"\x00"+b.Email))
			})
			out.Sections = append(out.Sections, *sec)
		}
	}
	return out, nil
}
