package storetest

import (
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testMemberExpiry: a membership's end date is kept, changed and cleared by
// PutMember (a role change passes the member it read, so it keeps it), and
// FindMembers and CountFoundMembers tell running memberships from ended
// ones at a given time, the end itself counting as ended.
func testMemberExpiry(e *env) {
	t := e.t
	e.org("acme")
	ends := map[string]time.Duration{"u1": 0, "u2": 2 * time.Hour, "u3": 4 * time.Hour}
	e.mustWrite(func(tx store.Tx) error {
		for _, id := range []string{"u1", "u2", "u3"} {
			if err := tx.CreateUser(domain.UserRecord{ID: id, Email: id + "@acme.test", Name: id}); err != nil {
				return err
			}
			m := domain.Member{Org: "acme", UserID: id, Role: "member", JoinedAt: at(time.Hour)}
			if d := ends[id]; d > 0 {
				m.ExpiresAt = at(d)
			}
			if err := tx.PutMember(m); err != nil {
				return err
			}
		}
		return nil
	})
	got := mustRead(e, func(r store.Reader) (domain.Member, error) { return r.GetMember("acme", "u2") })
	if !got.ExpiresAt.Equal(at(2 * time.Hour)) {
		t.Errorf("GetMember end = %v, want %v", got.ExpiresAt, at(2*time.Hour))
	}
	find := func(state store.MemberState, when time.Duration) (string, int) {
		q := store.MemberQuery{State: state, At: at(when)}
		ms := mustRead(e, func(r store.Reader) ([]domain.Member, error) {
			ms, _, err := r.FindMembers("acme", q, "", 0)
			return ms, err
		})
		n := mustRead(e, func(r store.Reader) (int, error) { return r.CountFoundMembers("acme", q) })
		var ids []string
		for _, m := range ms {
			ids = append(ids, m.UserID)
		}
		return strings.Join(ids, ","), n
	}
	for _, c := range []struct {
		state store.MemberState
		when  time.Duration
		want  string
	}{
		{store.MemberActive, time.Hour, "u1,u2,u3"},
		{store.MemberExpired, time.Hour, ""},
		{store.MemberActive, 2 * time.Hour, "u1,u3"}, // the end is the end
		{store.MemberExpired, 2 * time.Hour, "u2"},
		{store.MemberExpired, 5 * time.Hour, "u2,u3"},
		{store.MemberAnyState, 5 * time.Hour, "u1,u2,u3"},
	} {
		ids, n := find(c.state, c.when)
		if ids != c.want || n != strings.Count(c.want, "u") {
			t.Errorf("state %q at +%v: found %q (count %d), want %q", c.state, c.when, ids, n, c.want)
		}
	}

	// Extending, then clearing, the end date.
	got.ExpiresAt = at(9 * time.Hour)
	e.mustWrite(func(tx store.Tx) error { return tx.PutMember(got) })
	if ids, _ := find(store.MemberExpired, 5*time.Hour); ids != "u3" {
		t.Errorf("after extending u2: expired at +5h = %q, want u3", ids)
	}
	got.ExpiresAt = time.Time{}
	e.mustWrite(func(tx store.Tx) error { return tx.PutMember(got) })
	again := mustRead(e, func(r store.Reader) (domain.Member, error) { return r.GetMember("acme", "u2") })
	if !again.ExpiresAt.IsZero() || !again.JoinedAt.Equal(at(time.Hour)) {
		t.Errorf("after clearing: end %v, joined %v; want no end, joined %v", again.ExpiresAt, again.JoinedAt, at(time.Hour))
	}
}
