package storetest

import (
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/store"
)

// testMemberDefaultRole: a member's default role is kept by PutMember,
// read back by every member read, changed and cleared.
func testMemberDefaultRole(e *env) {
	t := e.t
	e.org("acme")
	e.mustWrite(func(tx store.Tx) error {
		for _, id := range []string{"u1", "u2"} {
			if err := tx.CreateUser(domain.UserRecord{ID: id, Email: id + "@acme.test", Name: id}); err != nil {
				return err
			}
		}
		if err := tx.PutMember(domain.Member{Org: "acme", UserID: "u1", Role: "member", JoinedAt: at(0), DefaultRole: "reviewer"}); err != nil {
			return err
		}
		return tx.PutMember(domain.Member{Org: "acme", UserID: "u2", Role: "member", JoinedAt: at(0)})
	})
	want := map[string]string{"u1": "reviewer", "u2": ""}
	got := mustRead(e, func(r store.Reader) (domain.Member, error) { return r.GetMember("acme", "u1") })
	if got.DefaultRole != "reviewer" {
		t.Errorf("GetMember default role = %q, want reviewer", got.DefaultRole)
	}
	listed := mustRead(e, func(r store.Reader) ([]domain.Member, error) {
		ms, _, err := r.ListMembers("acme", "", 0)
		return ms, err
	})
	found := mustRead(e, func(r store.Reader) ([]domain.Member, error) {
		ms, _, err := r.FindMembers("acme", store.MemberQuery{}, "", 0)
		return ms, err
	})
	for name, ms := range map[string][]domain.Member{"ListMembers": listed, "FindMembers": found} {
		if len(ms) != 2 {
			t.Fatalf("%s: %d members, want 2", name, len(ms))
		}
		for _, m := range ms {
			if m.DefaultRole != want[m.UserID] {
				t.Errorf("%s: %s default role = %q, want %q", name, m.UserID, m.DefaultRole, want[m.UserID])
			}
		}
	}
	got.DefaultRole = "labeler"
	e.mustWrite(func(tx store.Tx) error { return tx.PutMember(got) })
	if m := mustRead(e, func(r store.Reader) (domain.Member, error) { return r.GetMember("acme", "u1") }); m.DefaultRole != "labeler" {
		t.Errorf("after change: default role = %q, want labeler", m.DefaultRole)
	}
	got.DefaultRole = ""
	e.mustWrite(func(tx store.Tx) error { return tx.PutMember(got) })
	if m := mustRead(e, func(r store.Reader) (domain.Member, error) { return r.GetMember("acme", "u1") }); m.DefaultRole != "" {
		t.Errorf("after clearing: default role = %q, want none", m.DefaultRole)
	}
}
