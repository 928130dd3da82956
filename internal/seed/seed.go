// Package seed is the format of an organization's state written by hand:
// members with their org roles, custom roles, teams, groups, keys,
// resources with owners, parents and attributes, and grants. The decision
// scenarios (testdata/scenarios) and the scheme test suites
// (gatehouse scheme test) both write their state in it.
package seed

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
)

// DefaultNow is the clock of a state that names none: a fixed instant, so
// that expiries in a file decide the same way every day.
var DefaultNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// State is records to put.
type State struct {
	Members []struct{ User, Role string } `yaml:"members"`
	Roles   []domain.Role                 `yaml:"custom_roles"`
	Teams   []string                      `yaml:"teams"`
	Groups  []struct {
		ID      string   `yaml:"id"`
		Members []string `yaml:"members"`
	} `yaml:"groups"`
	Keys []struct {
		ID      string    `yaml:"id"`
		Expires time.Time `yaml:"expires"`
		Owner   string    `yaml:"owner"` // user id whose power bounds the key's
	} `yaml:"keys"`
	Resources []struct {
		Ref    string            `yaml:"ref"`
		Parent string            `yaml:"parent"`
		Team   string            `yaml:"team"`
		Owner  string            `yaml:"owner"`
		Attrs  map[string]string `yaml:"attrs"`
	} `yaml:"resources"`
	Grants []struct {
		ID      string    `yaml:"id"`
		Subject string    `yaml:"subject"`
		Role    string    `yaml:"role"`
		Scope   string    `yaml:"scope"`
		Expires time.Time `yaml:"expires"`
	} `yaml:"grants"`
}

// Changes are the changes that put st, in an order the engine accepts
// in one revision: roles before the members holding them, parents before
// children as listed, resources before the grants on them.
func (st *State) Changes() ([]domain.Change, error) {
	var cs []domain.Change
	for i := range st.Roles {
		r := st.Roles[i]
		cs = append(cs, domain.Change{Op: domain.OpPutRole, Role: &r})
	}
	for _, m := range st.Members {
		cs = append(cs, domain.Change{Op: domain.OpPutMember, Member: &domain.Member{UserID: m.User, Role: m.Role}})
	}
	for _, id := range st.Teams {
		cs = append(cs, domain.Change{Op: domain.OpPutTeam, Team: &domain.Team{ID: id}})
	}
	for _, g := range st.Groups {
		cs = append(cs, domain.Change{Op: domain.OpPutGroup, Group: &domain.Group{ID: g.ID}})
		for _, u := range g.Members {
			cs = append(cs, domain.Change{Op: domain.OpPutGroupMember, Membership: &domain.Membership{Parent: g.ID, UserID: u}})
		}
	}
	for _, k := range st.Keys {
		cs = append(cs, domain.Change{Op: domain.OpPutKey, Key: &domain.KeyRecord{ID: k.ID, ExpiresAt: k.Expires, Owner: k.Owner}})
	}
	for _, r := range st.Resources {
		ref, err := domain.ParseRef(r.Ref)
		if err != nil {
			return nil, fmt.Errorf("resource %q: %w", r.Ref, err)
		}
		res := &domain.Resource{Type: ref.Type, ID: ref.ID, Team: r.Team, Owner: r.Owner, Attributes: r.Attrs}
		if r.Parent != "" {
			if res.Parent, err = domain.ParseRef(r.Parent); err != nil {
				return nil, fmt.Errorf("resource %s: parent %q: %w", r.Ref, r.Parent, err)
			}
		}
		cs = append(cs, domain.Change{Op: domain.OpPutResource, Resource: res})
	}
	for _, g := range st.Grants {
		subj, err := domain.ParseSubject(g.Subject)
		if err != nil {
			return nil, fmt.Errorf("grant %s: subject %q: %w", g.ID, g.Subject, err)
		}
		scope, err := domain.ParseScope(g.Scope)
		if err != nil {
			return nil, fmt.Errorf("grant %s: scope %q: %w", g.ID, g.Scope, err)
		}
		cs = append(cs, domain.Change{Op: domain.OpPutGrant, Grant: &domain.Grant{ID: g.ID, Subject: subj, Role: g.Role, Scope: scope, ExpiresAt: g.Expires}})
	}
	return cs, nil
}
