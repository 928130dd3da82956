package httpapi

import (
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// The engine's and team's answers about access carry no JSON of their own:
// their wire form is defined here, once, and the client package decodes
// exactly these shapes. The OpenAPI schemas take their names from these
// types (huma capitalises them: Reason, CheckResult, ...), which is why
// they keep the names of the types they stand for. appendResult in
// fastpath.go writes the same bytes as reason and checkResult by hand.
// A nil list or map stays nil (null), an empty one empty, as before.

type reason struct {
	Grant     string `json:"grant,omitempty"`
	Role      string `json:"role,omitempty"`
	Scope     string `json:"scope,omitempty"`
	Via       string `json:"via,omitempty"`
	Condition string `json:"condition,omitempty"`
}

func reasonOf(r domain.Reason) reason {
	return reason{Grant: r.Grant, Role: r.Role, Scope: r.Scope, Via: string(r.Via), Condition: r.Condition}
}

func reasonPtr(r *domain.Reason) *reason {
	if r == nil {
		return nil
	}
	w := reasonOf(*r)
	return &w
}

type checkResult struct {
	Allowed  bool    `json:"allowed"`
	Revision int64   `json:"revision"`
	Reason   *reason `json:"reason,omitempty"`
}

func checkResultOf(r team.CheckResult) checkResult {
	return checkResult{Allowed: r.Allowed, Revision: r.Revision, Reason: reasonPtr(r.Reason)}
}

type subjectAccess struct {
	Subject string `json:"subject"`
	Reason  reason `json:"via"`
}

func subjectAccessOf(list []domain.SubjectAccess) []subjectAccess {
	if list == nil {
		return nil
	}
	out := make([]subjectAccess, len(list))
	for i, s := range list {
		out[i] = subjectAccess{Subject: s.Subject, Reason: reasonOf(s.Reason)}
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
	Subject     string   `json:"subject"`
	Role        string   `json:"role"`
	Via         reason   `json:"via"`
	Permissions []string `json:"permissions"`
}

func accessEntriesOf(p team.Page[team.AccessEntry]) team.Page[accessEntry] {
	out := team.Page[accessEntry]{Next: p.Next}
	if p.Items != nil {
		out.Items = make([]accessEntry, len(p.Items))
	}
	for i, e := range p.Items {
		out.Items[i] = accessEntry{Subject: e.Subject, Role: e.Role, Via: reasonOf(e.Via), Permissions: e.Permissions}
	}
	return out
}
