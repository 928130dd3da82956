package team

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// SubjectName is who a subject reference stands for, for answers that
// people read: a member's name and email, a key's name.
type SubjectName struct {
	Name  string
	Email string
}

// NameSubjects names the users and keys among refs ("user:ID", "key:ID")
// for the access reports (lookup subjects, resource access), which list
// ids. It takes what those reports take (the audit permission) and names
// only members and keys of the org: a reference to anyone else stays a
// bare id. Callers name a page, not a whole answer.
func (s *Service) NameSubjects(ctx context.Context, a Actor, org string, refs []string) (map[string]SubjectName, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(o, sc, a, ActAuditRead, nil); err != nil {
		return nil, err
	}
	out := make(map[string]SubjectName, len(refs))
	err = s.view(ctx, func(r store.Reader) error {
		for _, ref := range refs {
			if _, done := out[ref]; done {
				continue
			}
			sub, err := domain.ParseSubject(ref)
			if err != nil {
				continue
			}
			n, err := subjectName(r, org, sub)
			if errors.Is(err, store.ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			out[ref] = n
		}
		return nil
	})
	return out, err
}

func subjectName(r store.Reader, org string, sub domain.Subject) (SubjectName, error) {
	switch sub.Kind {
	case domain.SubjectUser:
		if _, err := r.GetMember(org, sub.ID); err != nil {
			return SubjectName{}, err
		}
		u, err := r.GetUser(sub.ID)
		return SubjectName{Name: u.Name, Email: u.Email}, err
	case domain.SubjectKey:
		k, err := r.GetKey(org, sub.ID)
		return SubjectName{Name: k.Name}, err
	case domain.SubjectGroup:
		g, err := r.GetGroup(org, sub.ID)
		return SubjectName{Name: g.Name}, err
	}
	return SubjectName{}, store.ErrNotFound
}
