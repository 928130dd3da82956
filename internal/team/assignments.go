package team

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/store"
)

// MaxAssignees bounds the people one named assignment names: it labels a
// duty ("QA lead"), not a group.
const MaxAssignees = 50

// AssignmentView is a named assignment with its holders named. It grants
// nothing: the RACI report reads it where the platform has no permission
// for a duty (who accepts label quality, who approves a production
// cutover).
type AssignmentView struct {
	Name string `json:"name"`
	// Scope is "" for the whole organization (All), else a resource.
	Scope     string         `json:"scope"`
	ScopeName string         `json:"scope_name,omitempty"`
	Users     []AssigneeView `json:"users"`
	UpdatedAt *time.Time     `json:"updated_at"`
	Revision  int64          `json:"revision,omitempty"`
}

// AssigneeView is one holder. Member is false once they left the
// organization: the assignment still names them until it is set again,
// and reports leave them out.
type AssigneeView struct {
	UserID string `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
	Member bool   `json:"member"`
}

// AssignmentRequest sets who holds a named assignment.
type AssignmentRequest struct {
	Users []string `json:"users"`
	Scope string   `json:"scope,omitempty"`
}

// ListAssignments: see the policy (user managers and auditors).
func (s *Service) ListAssignments(ctx context.Context, a Actor, org string) ([]AssignmentView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActAssignmentList, nil); err != nil {
		return nil, err
	}
	now := s.now().UnixNano()
	var out []AssignmentView
	err = s.view(ctx, func(r store.Reader) error {
		as, err := r.ListAssignments(org)
		if err != nil {
			return err
		}
		out = make([]AssignmentView, 0, len(as))
		for _, x := range as {
			v, err := assignmentView(r, x, func(uid string) bool { return o.Active(domain.UserSubject(uid).String(), now) })
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

func assignmentView(r store.Reader, x domain.Assignment, member func(string) bool) (AssignmentView, error) {
	v := AssignmentView{Name: x.Name, Scope: x.Scope, UpdatedAt: timePtr(x.UpdatedAt), Users: []AssigneeView{}}
	if x.Scope != "" {
		if ref, err := domain.ParseRef(x.Scope); err == nil {
			res, err := r.GetResource(x.Org, ref)
			switch {
			case err == nil:
				v.ScopeName = res.Name
			case !errors.Is(err, store.ErrNotFound):
				return v, err
			}
		}
	}
	for _, uid := range x.Users {
		u, err := r.GetUser(uid)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return v, err
		}
		v.Users = append(v.Users, AssigneeView{UserID: uid, Name: u.Name, Email: u.Email, Member: err == nil && member(uid)})
	}
	return v, nil
}

// assignmentScope reads a scope: "" or "all" for the organization, else a
// resource of the org.
func assignmentScope(scope string, has func(string) bool) (string, error) {
	scope = strings.TrimSpace(scope)
	if scope == "" || strings.EqualFold(scope, "all") {
		return "", nil
	}
	ref, err := domain.ParseRef(scope)
	if err != nil {
		return "", fault.E(fault.Unprocessable, "scope %q: want all, or a resource such as dataset:cats", scope)
	}
	if !has(ref.String()) {
		return "", fault.E(fault.Unprocessable, "scope %q: no such resource in this organization", scope)
	}
	return ref.String(), nil
}

func validAssignmentName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 || strings.ContainsAny(name, "/\n\r\t") {
		return "", fault.E(fault.Unprocessable, "the assignment name must be 1 to 100 characters, on one line, without a slash")
	}
	return name, nil
}

// SetAssignment names the members who hold an assignment (replacing who
// held it before) at a scope. Every assignee must be a member: a name in a
// report must be someone the organization can reach.
func (s *Service) SetAssignment(ctx context.Context, a Actor, org, name string, req AssignmentRequest) (AssignmentView, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return AssignmentView{}, err
	}
	if err := s.authorize(o, sc, a, ActAssignmentSet, nil); err != nil {
		return AssignmentView{}, err
	}
	if name, err = validAssignmentName(name); err != nil {
		return AssignmentView{}, err
	}
	scope, err := assignmentScope(req.Scope, o.HasResource)
	if err != nil {
		return AssignmentView{}, err
	}
	users := slices.Clone(req.Users)
	slices.Sort(users)
	users = slices.Compact(users)
	if len(users) == 0 || len(users) > MaxAssignees {
		return AssignmentView{}, fault.E(fault.Unprocessable, "name 1 to %d members (to name nobody, delete the assignment)", MaxAssignees)
	}
	now := s.now()
	for _, uid := range users {
		if !o.Active(domain.UserSubject(uid).String(), now.UnixNano()) {
			return AssignmentView{}, fault.E(fault.Unprocessable, "user %q is not a member of this organization: only members can be named", uid)
		}
	}
	x := domain.Assignment{Org: org, Name: name, Scope: scope, Users: users, UpdatedAt: now.UTC()}
	var v AssignmentView
	rev, err := s.write(ctx, a, func(tx store.Tx) (*change, error) {
		before, err := tx.GetAssignment(org, name, scope)
		var was any
		switch {
		case err == nil:
			was = map[string]any{"name": before.Name, "scope": before.Scope, "users": before.Users}
		case !errors.Is(err, store.ErrNotFound):
			return nil, err
		}
		if err := tx.PutAssignment(x); err != nil {
			return nil, err
		}
		if v, err = assignmentView(tx, x, func(string) bool { return true }); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActAssignmentSet), target: assignmentTarget(name, scope), before: was,
			after: map[string]any{"name": name, "scope": scope, "users": users}}, nil
	})
	v.Revision = rev
	return v, err
}

// DeleteAssignment removes a named assignment at a scope.
func (s *Service) DeleteAssignment(ctx context.Context, a Actor, org, name, scope string) (int64, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return 0, err
	}
	if err := s.authorize(o, sc, a, ActAssignmentDelete, nil); err != nil {
		return 0, err
	}
	name = strings.TrimSpace(name)
	// The resource may be gone already: its assignment can still be deleted.
	if scope, err = assignmentScope(scope, func(string) bool { return true }); err != nil {
		return 0, err
	}
	return s.write(ctx, a, func(tx store.Tx) (*change, error) {
		before, err := tx.GetAssignment(org, name, scope)
		if errors.Is(err, store.ErrNotFound) {
			return nil, fault.E(fault.NotFound, "no assignment %q at %s", name, assignmentScopeWords(scope))
		}
		if err != nil {
			return nil, err
		}
		if err := tx.DeleteAssignment(org, name, scope); err != nil {
			return nil, err
		}
		return &change{org: org, action: string(ActAssignmentDelete), target: assignmentTarget(before.Name, scope),
			before: map[string]any{"name": before.Name, "scope": scope, "users": before.Users}}, nil
	})
}

func assignmentTarget(name, scope string) string {
	if scope == "" {
		return "assignment:" + name
	}
	return "assignment:" + name + "@" + scope
}

func assignmentScopeWords(scope string) string {
	if scope == "" {
		return "the organization (All)"
	}
	return scope
}
