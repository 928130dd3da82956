package e2e

import (
	"crypto/rand"
	"fmt"
	"sync/atomic"

	"pgregory.net/rapid"
)

// person is a seeded user with a session.
type person struct {
	id, email, password, token string
}

var personSeq atomic.Int64

// newPerson seeds a user straight in the store and logs it in over HTTP.
func (s *inproc) newPerson(t rapid.TB, label string) person {
	t.Helper()
	n := personSeq.Add(1)
	p := person{email: fmt.Sprintf("%s-%d@people.test", label, n), password: fmt.Sprintf("pw-%s-%d-%s", label, n, randomText())}
	p.id = s.seedUser(t, p.email, p.password)
	p.token = s.login(t, p.email, p.password)
	return p
}

// newOrg creates an organization over HTTP; owner gets the top role.
func (s *inproc) newOrg(t rapid.TB, owner person, id, scheme string) {
	t.Helper()
	s.do(t, owner.token, "POST", "/v1/orgs", map[string]any{"id": id, "name": "Org " + id, "scheme": scheme}).want(t, 201)
}

// join invites p into org with role (and grants) through inviter and
// accepts as the existing user p; it returns the acceptance's revision.
func (s *inproc) join(t rapid.TB, inviter string, org string, p person, role string, grants ...map[string]any) int64 {
	t.Helper()
	body := map[string]any{"email": p.email, "role": role}
	if len(grants) > 0 {
		body["grants"] = grants
	}
	inv := s.do(t, inviter, "POST", "/v1/orgs/"+org+"/invitations", body).want(t, 201)
	acc := s.do(t, "", "POST", "/v1/invitations/accept", map[string]any{"token": inv.str(t, "token"),
		"email": p.email, "password": p.password}).want(t, 200)
	return acc.revision()
}

// newKey creates a secret key through creator and returns its id and secret.
func (s *inproc) newKey(t rapid.TB, creator, org, role, scope string) (id, secret string) {
	t.Helper()
	r := s.do(t, creator, "POST", "/v1/orgs/"+org+"/keys", map[string]any{"name": "key", "role": role, "scope": scope}).want(t, 201)
	return r.str(t, "id"), r.str(t, "secret")
}

func grantOf(role, scope string) map[string]any { return map[string]any{"role": role, "scope": scope} }

func randomText() string { return rand.Text()[:10] }
