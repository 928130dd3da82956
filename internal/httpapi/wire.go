package httpapi

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/decisionjson"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// The engine's and team's answers about access carry no JSON of their own:
// their wire form is defined here and, for decisions, in package
// decisionjson, once; the client package decodes exactly these shapes. The
// OpenAPI schemas take their names from these types (huma capitalises
// them: SubjectAccess, AccessEntry, ...), which is why they keep the names
// of the types they stand for. A nil list or map stays nil (null), an
// empty one empty.

type subjectAccess struct {
	Subject string              `json:"subject"`
	Name    string              `json:"name,omitempty" doc:"The member's name, or the key's (members and keys of the organization only)"`
	Email   string              `json:"email,omitempty" doc:"The member's email"`
	Reason  decisionjson.Reason `json:"via"`
}

// named is a row of an access report that names its subject.
type named interface {
	subjectRef() string
	setName(team.SubjectName)
}

func (a *subjectAccess) subjectRef() string         { return a.Subject }
func (a *subjectAccess) setName(n team.SubjectName) { a.Name, a.Email = n.Name, n.Email }
func (a *accessEntry) subjectRef() string           { return a.Subject }
func (a *accessEntry) setName(n team.SubjectName)   { a.Name, a.Email = n.Name, n.Email }

// nameEach puts names and emails beside the subject ids of one page of a
// report, read in one pass.
func nameEach[T any, P interface {
	*T
	named
}](ctx context.Context, s *server, org string, items []T) error {
	refs := make([]string, len(items))
	for i := range items {
		refs[i] = P(&items[i]).subjectRef()
	}
	names, err := s.svc.NameSubjects(ctx, actor(ctx), org, refs)
	if err != nil {
		return err
	}
	for i := range items {
		P(&items[i]).setName(names[refs[i]])
	}
	return nil
}

func subjectAccessOf(list []domain.SubjectAccess) []subjectAccess {
	if list == nil {
		return nil
	}
	out := make([]subjectAccess, len(list))
	for i, s := range list {
		out[i] = subjectAccess{Subject: s.Subject, Reason: decisionjson.ReasonOf(s.Reason)}
	}
	return out
}

type access struct {
	ID    string `json:"id"`
	Role  string `json:"role"`
	Scope string `json:"scope"`
	Via   string `json:"via"`
	Grant string `json:"grant,omitempty"`
}

type memberDetail struct {
	team.MemberView
	Grants []team.GrantView    `json:"grants"`
	Access map[string][]access `json:"access"`
}

func memberDetailOf(d team.MemberDetail) memberDetail {
	out := memberDetail{MemberView: d.MemberView, Grants: d.Grants}
	if d.Access != nil {
		out.Access = make(map[string][]access, len(d.Access))
	}
	for typ, list := range d.Access {
		if list == nil {
			out.Access[typ] = nil
			continue
		}
		w := make([]access, len(list))
		for i, a := range list {
			w[i] = access{ID: a.ID, Role: a.Role, Scope: a.Scope, Via: string(a.Via), Grant: a.Grant}
		}
		out.Access[typ] = w
	}
	return out
}

type accessEntry struct {
	Subject     string              `json:"subject"`
	Name        string              `json:"name,omitempty" doc:"The member's, group's or key's name"`
	Email       string              `json:"email,omitempty" doc:"The member's email"`
	Role        string              `json:"role"`
	Via         decisionjson.Reason `json:"via"`
	Permissions []string            `json:"permissions"`
	Conditions  map[string]string   `json:"conditions,omitempty" doc:"Permissions held only under a condition, with it (judged on each contained resource)"`
}

func accessEntriesOf(p team.Page[team.AccessEntry]) team.Page[accessEntry] {
	out := team.Page[accessEntry]{Next: p.Next}
	if p.Items != nil {
		out.Items = make([]accessEntry, len(p.Items))
	}
	for i, e := range p.Items {
		out.Items[i] = accessEntry{Subject: e.Subject, Role: e.Role, Via: decisionjson.ReasonOf(e.Via), Permissions: e.Permissions,
			Conditions: e.Conditions}
	}
	return out
}
