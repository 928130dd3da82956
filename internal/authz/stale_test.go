package authz_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
)

// TestStaleRecordsAreListed: a snapshot written under another version of
// its scheme loads only if every record is still in the scheme's terms;
// otherwise the error lists each record that is not, grants included,
// however many batches they come in.
func TestStaleRecordsAreListed(t *testing.T) {
	user := domain.UserSubject("u1")
	ok := domain.Snapshot{Org: domain.Org{ID: "acme", Scheme: "vi"},
		Members:   []domain.Member{{UserID: "u1", Role: "owner"}},
		Resources: []domain.Resource{{Type: "dataset", ID: "cats"}},
		Roles:     []domain.Role{{ID: "qa", Name: "QA", ScopeType: "dataset", Permissions: []domain.RolePermission{{ID: "dataset.view"}}}},
	}
	for _, c := range []struct {
		name   string
		change func(*domain.Snapshot)
		grants [][]domain.Grant
		uses   []string // substrings, one per use; nil: loads
	}{
		{"in the scheme's terms", func(*domain.Snapshot) {},
			[][]domain.Grant{{{ID: "g1", Subject: user, Role: "qa", Scope: domain.ResourceScope("dataset", "cats")}}}, nil},
		{"an unknown scheme", func(s *domain.Snapshot) { s.Org.Scheme = "gone" }, nil,
			[]string{`org acme: unknown scheme "gone": neither built in nor registered`}},
		{"everything at once", func(s *domain.Snapshot) {
			s.Members = append(s.Members, domain.Member{UserID: "u2", Role: "chief"})
			s.Resources = append(s.Resources, domain.Resource{Type: "scan", ID: "s1"},
				domain.Resource{Type: "dataset", ID: "dogs", Parent: domain.Ref{Type: "dataset", ID: "cats"}})
			s.Roles = append(s.Roles, domain.Role{ID: "old", Name: "Old", ScopeType: "dataset", Permissions: []domain.RolePermission{{ID: "dataset.fly"}}})
			s.Gates = []domain.Gate{{Permission: "training.launch", ApproverRole: "pilot"}}
			s.Approvals = []domain.Approval{{ID: "ap1", Subject: user, Permission: "training.launch"}}
		}, [][]domain.Grant{
			{{ID: "g1", Subject: user, Role: "qa", Scope: domain.ResourceScope("dataset", "cats")}, {ID: "g2", Subject: user, Role: "scan.reader", Scope: domain.OrgScope()}},
			{{ID: "g3", Subject: user, Role: "qa", Scope: domain.TypeScope("scan")}},
		}, []string{
			`custom role old: unknown permission "dataset.fly"`,
			`member u2 holds org role "chief"`,
			`resource scan:s1 is of resource type "scan"`,
			`resource dataset:dogs has parent dataset:cats, but a dataset now has none`,
			`approval gate on training.launch: a permission`,
			`approval gate on training.launch: approver role "pilot"`,
			`approval ap1 is for permission "training.launch"`,
			`grant g2 gives role "scan.reader" to user:u1 at org`,
			`grant g3 gives qa at scan:*, of resource type "scan"`,
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			snap := ok
			snap.Members = append([]domain.Member(nil), ok.Members...)
			snap.Resources = append([]domain.Resource(nil), ok.Resources...)
			snap.Roles = append([]domain.Role(nil), ok.Roles...)
			c.change(&snap)
			e := authz.New()
			l, err := e.NewLoader(&snap, 0)
			if err == nil {
				for _, b := range c.grants {
					if err = l.Add(b); err != nil {
						t.Fatalf("add: %v", err)
					}
				}
				err = l.Err()
			}
			if c.uses == nil {
				if err != nil {
					t.Fatal(err)
				}
				l.Install()
				return
			}
			se, isStale := err.(*authz.StaleError)
			if !isStale {
				t.Fatalf("want a StaleError, got %v", err)
			}
			if n := len(se.Uses); n != len(c.uses) && !(se.Unknown && n == 0) {
				t.Errorf("%d uses, want %d:\n%v", len(se.Uses), len(c.uses), err)
			}
			for _, want := range c.uses {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("lacks %q:\n%v", want, err)
				}
			}
		})
	}
}
