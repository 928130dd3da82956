// Package demo seeds a fresh Gatehouse database with one demonstration
// organization per built-in scheme (vi, deepomatic, labelbox), so that
// `gatehouse serve --demo` shows every feature on first start.
//
// Everything goes through the team use cases, exactly as the API would do
// it: the organizations are bootstrapped, people are invited and accept,
// resources are registered, grants are given under the no-escalation rule,
// and every step lands in the hash-chained audit log.
package demo

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/team"
)

// Password is the password of every demo login.
const Password = "gatehouse-demo"

// Org is a seeded organization.
type Org struct {
	ID     string
	Name   string
	Scheme string
	// Key is the secret of the org's bootstrap key (org role admin, or the
	// top role where the scheme has no admin), for trying the API with curl.
	Key string
}

// Login is a seeded person of one organization.
type Login struct {
	Org    string
	Email  string
	Name   string
	UserID string
	Role   string // org role
	Access string // what else they hold, in words
}

// Result is what Seed made.
type Result struct {
	Password string
	Orgs     []Org
	Logins   []Login
}

// Seed creates the demo organizations. It expects an empty database: on
// one that already holds the demo org ids it fails with a conflict.
func Seed(ctx context.Context, svc *team.Service) (*Result, error) {
	// The three organizations are seeded side by side: writes queue in the
	// service anyway, but password hashing (most of the time) overlaps.
	seeds := []func(context.Context, *seeder) error{seedVi, seedDeepomatic, seedLabelbox}
	seeders := make([]*seeder, len(seeds))
	errs := make([]error, len(seeds))
	var wg sync.WaitGroup
	for i, seed := range seeds {
		seeders[i] = &seeder{svc: svc, res: &Result{}, users: map[string]string{}}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = seed(ctx, seeders[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	res := &Result{Password: Password}
	for _, s := range seeders {
		res.Orgs = append(res.Orgs, s.res.Orgs...)
		res.Logins = append(res.Logins, s.res.Logins...)
	}
	// One person in two organizations: the vi Owner also reads the
	// deepomatic org.
	vi, dp := seeders[0], seeders[1]
	const email = "owner@vi-demo.example"
	dp.join(ctx, email, vi.users[email], "readonly", "reads everything (and is the Owner of vi-demo)")
	if dp.err != nil {
		return nil, dp.err
	}
	joined := dp.res.Logins[len(dp.res.Logins)-1]
	at := 0
	for i, l := range res.Logins {
		if l.Org == DeepomaticOrg {
			at = i + 1
		}
	}
	res.Logins = slices.Insert(res.Logins, at, joined)
	return res, nil
}

// seeder carries one organization's seeding: its owner acts, users are
// remembered by email.
type seeder struct {
	svc   *team.Service
	res   *Result
	org   string
	owner team.Actor
	users map[string]string // email -> user id
	err   error
}

func (s *seeder) fail(err error, format string, args ...any) {
	if s.err == nil && err != nil {
		s.err = fmt.Errorf("demo %s: %s: %w", s.org, fmt.Sprintf(format, args...), err)
	}
}

// bootstrap creates the org and its top-role holder.
func (s *seeder) bootstrap(ctx context.Context, id, name, scheme, email, role string) {
	s.org = id
	b, err := s.svc.Bootstrap(ctx, id, name, scheme, email, Password)
	if err != nil {
		s.fail(err, "bootstrap")
		return
	}
	s.owner = team.Actor{Subject: domain.UserSubject(b.UserID), RequestID: "demo-seed"}
	s.users[email] = b.UserID
	s.res.Orgs = append(s.res.Orgs, Org{ID: id, Name: name, Scheme: scheme, Key: b.SecretKey})
	s.res.Logins = append(s.res.Logins, Login{Org: id, Email: email, Name: "Owner", UserID: b.UserID, Role: role,
		Access: "everything (top role)"})
}

// member invites email with an org role and accepts as a new user.
func (s *seeder) member(ctx context.Context, email, name, role, access string, grants ...domain.InvitedGrant) string {
	if s.err != nil {
		return ""
	}
	inv, _, err := s.svc.Invite(ctx, s.owner, s.org, team.InviteRequest{Email: email, Role: role, Grants: grants})
	if err != nil {
		s.fail(err, "invite %s", email)
		return ""
	}
	acc, _, err := s.svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Name: name, Password: Password})
	if err != nil {
		s.fail(err, "accept %s", email)
		return ""
	}
	s.users[email] = acc.UserID
	s.res.Logins = append(s.res.Logins, Login{Org: s.org, Email: email, Name: name, UserID: acc.UserID, Role: role, Access: access})
	return acc.UserID
}

// join makes an already registered user (of another demo org) a member.
func (s *seeder) join(ctx context.Context, email, userID, role, access string) {
	if s.err != nil {
		return
	}
	inv, _, err := s.svc.Invite(ctx, s.owner, s.org, team.InviteRequest{Email: email, Role: role})
	if err != nil {
		s.fail(err, "invite %s", email)
		return
	}
	if _, _, err := s.svc.AcceptInvitation(ctx, team.AcceptRequest{Token: inv.Token, Email: email, Password: Password}); err != nil {
		s.fail(err, "accept %s", email)
		return
	}
	s.users[email] = userID
	s.res.Logins = append(s.res.Logins, Login{Org: s.org, Email: email, UserID: userID, Role: role, Access: access})
}

// pending leaves an invitation open.
func (s *seeder) pending(ctx context.Context, email, role string, grants ...domain.InvitedGrant) {
	if s.err != nil {
		return
	}
	_, _, err := s.svc.Invite(ctx, s.owner, s.org, team.InviteRequest{Email: email, Role: role, Grants: grants})
	s.fail(err, "invite %s", email)
}

func (s *seeder) resource(ctx context.Context, ref, name, parent, teamID, ownerEmail string, attrs map[string]string) {
	if s.err != nil {
		return
	}
	r, err := domain.ParseRef(ref)
	if err != nil {
		s.fail(err, "resource %s", ref)
		return
	}
	owner := ""
	if ownerEmail != "" {
		owner = s.users[ownerEmail]
	}
	_, err = s.svc.PutResource(ctx, s.owner, s.org, team.ResourceRequest{Type: r.Type, ID: r.ID, Name: name,
		Parent: parent, Team: teamID, Owner: owner, Attributes: attrs})
	s.fail(err, "resource %s", ref)
}

func (s *seeder) grant(ctx context.Context, subject, role, scope string, expires time.Time) {
	if s.err != nil {
		return
	}
	_, _, err := s.svc.CreateGrant(ctx, s.owner, s.org, team.GrantRequest{Subject: subject, Role: role, Scope: scope, ExpiresAt: expires})
	s.fail(err, "grant %s %s at %s", subject, role, scope)
}

func (s *seeder) user(email string) string { return "user:" + s.users[email] }

func (s *seeder) team(ctx context.Context, name string, memberEmails ...string) string {
	if s.err != nil {
		return ""
	}
	t, err := s.svc.CreateTeam(ctx, s.owner, s.org, name)
	if err != nil {
		s.fail(err, "team %s", name)
		return ""
	}
	for _, e := range memberEmails {
		_, err := s.svc.SetTeamMember(ctx, s.owner, s.org, t.ID, s.users[e], false)
		s.fail(err, "team %s member %s", name, e)
	}
	return t.ID
}

func (s *seeder) group(ctx context.Context, name string, memberEmails ...string) string {
	if s.err != nil {
		return ""
	}
	g, err := s.svc.CreateGroup(ctx, s.owner, s.org, name)
	if err != nil {
		s.fail(err, "group %s", name)
		return ""
	}
	for _, e := range memberEmails {
		_, err := s.svc.SetGroupMember(ctx, s.owner, s.org, g.ID, s.users[e], false)
		s.fail(err, "group %s member %s", name, e)
	}
	return g.ID
}

func (s *seeder) key(ctx context.Context, name, role, scope string) {
	if s.err != nil {
		return
	}
	_, _, err := s.svc.CreateKey(ctx, s.owner, s.org, team.KeyRequest{Name: name, Role: role, Scope: scope})
	s.fail(err, "key %s", name)
}

func ig(role, scope string) domain.InvitedGrant { return domain.InvitedGrant{Role: role, Scope: scope} }

// now is the seeding clock for expiring grants; a variable for tests.
var now = time.Now
