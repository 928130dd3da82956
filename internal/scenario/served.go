package scenario

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/client"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/servertest"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/team"
)

// probe is the member, and its key, that asks a served scenario's
// questions: it holds the top role, so it may ask about anyone. It is the
// one subject a scenario did not write, and is left out of the answers.
const probe = "scenario_probe"

// Served writes a scenario's state straight into a real server's store, as
// the use cases would have, and asks the server: through the use cases
// (NewService) or over HTTP with the SDK (NewSDK). The server learns the
// state the way every replica does, from the changelog.
type Served struct {
	env    *servertest.Env
	sdk    *client.Client // nil: ask team.Service
	actor  team.Actor
	rev    int64
	users  map[string]bool
	scheme *scheme.Scheme
}

// NewService asks env's use cases.
func NewService(t testing.TB, env *servertest.Env, schemeID string, now time.Time) *Served {
	return newServed(t, env, schemeID, now, false)
}

// NewSDK asks env over HTTP through the Go SDK, with a secret key.
func NewSDK(t testing.TB, env *servertest.Env, schemeID string, now time.Time) *Served {
	return newServed(t, env, schemeID, now, true)
}

func newServed(t testing.TB, env *servertest.Env, schemeID string, now time.Time, sdk bool) *Served {
	t.Helper()
	sc, ok := scheme.Get(schemeID)
	if !ok {
		t.Fatalf("unknown scheme %q", schemeID)
	}
	env.Clock.Set(now)
	d := &Served{env: env, users: map[string]bool{}, scheme: sc}
	secret, prefix, hash := credential.NewKey()
	key := domain.KeyRecord{Org: Org, ID: probe, Name: probe, Prefix: prefix, Hash: hash, Owner: probe, CreatedBy: "user:" + probe, CreatedAt: now}
	member := domain.Member{Org: Org, UserID: probe, Role: sc.TopRole, JoinedAt: now}
	grant := domain.Grant{ID: "gr_" + probe, Org: Org, Subject: domain.KeySubject(probe), Role: sc.TopRole, Scope: domain.OrgScope(), CreatedAt: now}
	d.write(t, func(tx store.Tx) ([]domain.Change, error) {
		if err := tx.CreateOrg(domain.Org{ID: Org, Name: "Scenario", Scheme: schemeID, CreatedAt: now}); err != nil {
			return nil, err
		}
		if err := d.ensureUser(tx, probe); err != nil {
			return nil, err
		}
		for _, err := range []error{tx.PutMember(member), tx.PutKey(key), tx.PutGrant(grant)} {
			if err != nil {
				return nil, err
			}
		}
		return []domain.Change{{Op: domain.OpPutMember, Member: &member}, {Op: domain.OpPutKey, Key: &key}, {Op: domain.OpPutGrant, Grant: &grant}}, nil
	})
	d.actor = team.Actor{Subject: domain.UserSubject(probe)}
	// A key is authenticated before its request waits for a revision, so
	// the probe's own revision is awaited here, once.
	if _, err := env.Service().Check(context.Background(), d.actor, Org,
		team.CheckRequest{Permission: sc.AuditPermission, AtLeastRevision: d.rev}); err != nil {
		t.Fatalf("the server did not take the scenario's org: %v", err)
	}
	if sdk {
		d.sdk = client.New(env.URL, secret)
	}
	return d
}

func (d *Served) Caps() Caps {
	return Caps{Reasons: true, ErrorText: true, Access: true, AccessUsersOnly: true}
}

// write runs fn in one transaction and records the changes it returns.
func (d *Served) write(t testing.TB, fn func(tx store.Tx) ([]domain.Change, error)) {
	t.Helper()
	rev, err := d.env.Store().Update(context.Background(), func(tx store.Tx) error {
		cs, err := fn(tx)
		if err != nil || len(cs) == 0 {
			return err
		}
		return tx.AppendChanges(Org, cs)
	})
	if err != nil {
		t.Fatalf("write the scenario's state: %v", err)
	}
	d.rev = max(d.rev, rev)
}

func (d *Served) ensureUser(tx store.Tx, id string) error {
	if d.users[id] {
		return nil
	}
	err := tx.CreateUser(domain.UserRecord{ID: id, Email: strings.ToLower(id) + "@scenario.test", Name: id})
	if err != nil && !errors.Is(err, store.ErrConflict) {
		return err
	}
	d.users[id] = true
	return nil
}

// Apply writes each change's record with the store's own calls, in one
// transaction, the changes as its changelog entry.
func (d *Served) Apply(t testing.TB, changes []domain.Change) {
	t.Helper()
	if len(changes) == 0 {
		return
	}
	d.write(t, func(tx store.Tx) ([]domain.Change, error) {
		var out []domain.Change
		for _, c := range changes {
			extra, err := d.put(tx, c)
			if err != nil {
				return nil, err
			}
			out = append(out, c)
			out = append(out, extra...)
		}
		return out, nil
	})
}

// put writes one change; it returns what else the write changed (grants
// at a deleted resource go with it, as the use case deletes them).
func (d *Served) put(tx store.Tx, c domain.Change) ([]domain.Change, error) {
	switch c.Op {
	case domain.OpPutMember:
		c.Member.Org = Org
		if err := d.ensureUser(tx, c.Member.UserID); err != nil {
			return nil, err
		}
		return nil, tx.PutMember(*c.Member)
	case domain.OpDeleteMember:
		return nil, ignoreMissing(tx.DeleteMember(Org, c.Member.UserID))
	case domain.OpPutGrant:
		c.Grant.Org = Org
		return nil, tx.PutGrant(*c.Grant)
	case domain.OpDeleteGrant:
		return nil, ignoreMissing(tx.DeleteGrant(Org, c.Grant.ID))
	case domain.OpPutResource:
		c.Resource.Org = Org
		return nil, tx.PutResource(*c.Resource)
	case domain.OpDeleteResource:
		refs, err := tx.DeleteResource(Org, domain.Ref{Type: c.Resource.Type, ID: c.Resource.ID})
		if err = ignoreMissing(err); err != nil {
			return nil, err
		}
		gs, err := store.DeleteGrantsAt(tx, Org, refs)
		if err != nil {
			return nil, err
		}
		gone := make([]domain.Change, len(gs))
		for i := range gs {
			gone[i] = domain.Change{Op: domain.OpDeleteGrant, Grant: &gs[i]}
		}
		return gone, nil
	case domain.OpPutTeam:
		c.Team.Org = Org
		return nil, tx.CreateTeam(*c.Team)
	case domain.OpDeleteTeam:
		return nil, ignoreMissing(tx.DeleteTeam(Org, c.Team.ID))
	case domain.OpPutGroup:
		c.Group.Org = Org
		return nil, tx.CreateGroup(*c.Group)
	case domain.OpDeleteGroup:
		return nil, ignoreMissing(tx.DeleteGroup(Org, c.Group.ID))
	case domain.OpPutGroupMember:
		c.Membership.Org = Org
		if err := d.ensureUser(tx, c.Membership.UserID); err != nil {
			return nil, err
		}
		return nil, tx.PutGroupMember(*c.Membership)
	case domain.OpDeleteGroupMember:
		return nil, ignoreMissing(tx.DeleteGroupMember(Org, c.Membership.Parent, c.Membership.UserID))
	case domain.OpPutRole:
		c.Role.Org = Org
		return nil, tx.PutRole(*c.Role)
	case domain.OpDeleteRole:
		return nil, ignoreMissing(tx.DeleteRole(Org, c.Role.ID))
	case domain.OpPutKey:
		k := *c.Key
		k.Org, k.Name = Org, k.ID
		if old, err := tx.GetKey(Org, k.ID); err == nil {
			k.Hash, k.Prefix = old.Hash, old.Prefix
		} else {
			_, k.Prefix, k.Hash = credential.NewKey()
		}
		*c.Key = k
		return nil, tx.PutKey(k)
	case domain.OpDeleteKey:
		k, err := tx.GetKey(Org, c.Key.ID)
		if err != nil {
			return nil, ignoreMissing(err)
		}
		k.RevokedAt = d.env.Clock.Now()
		return nil, tx.PutKey(k)
	}
	return nil, errors.New("scenario: no store write for " + string(c.Op))
}

func ignoreMissing(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

func (d *Served) ctx() context.Context { return context.Background() }

func (d *Served) Check(t testing.TB, c Check, now time.Time) (Decision, error) {
	d.env.Clock.Set(now)
	if d.sdk != nil {
		r, err := d.sdk.Check(d.ctx(), Org, client.CheckRequest{Subject: c.Subject, Permission: c.Permission, Resource: c.Resource,
			Context: channel(c.Channel), AtLeastRevision: d.rev})
		if err != nil {
			return Decision{}, err
		}
		out := Decision{Allowed: r.Allowed}
		if r.Reason != nil {
			out.Via, out.Grant, out.Role = r.Reason.Via, r.Reason.Grant, r.Reason.Role
		}
		return out, nil
	}
	r, err := d.env.Service().Check(d.ctx(), d.actor, Org, team.CheckRequest{Subject: c.Subject, Permission: c.Permission,
		Resource: c.Resource, Channel: c.Channel, AtLeastRevision: d.rev})
	if err != nil {
		return Decision{}, err
	}
	out := Decision{Allowed: r.Allowed}
	if r.Reason != nil {
		out.Via, out.Grant, out.Role = string(r.Reason.Via), r.Reason.Grant, r.Reason.Role
	}
	return out, nil
}

func channel(ch string) *client.CheckContext {
	if ch == "" {
		return nil
	}
	return &client.CheckContext{Channel: ch}
}

func (d *Served) LookupResources(t testing.TB, l Lookup, now time.Time) ([]string, error) {
	d.env.Clock.Set(now)
	var got []string
	token := ""
	for pages := 0; pages < 10000; pages++ {
		var ids []string
		var next string
		if d.sdk != nil {
			p, err := d.sdk.LookupResources(d.ctx(), Org, client.LookupResourcesRequest{Subject: l.Subject, Permission: l.Permission,
				Type: l.Type, Context: channel(l.Channel), Limit: l.PageSize, PageToken: token, AtLeastRevision: d.rev})
			if err != nil {
				return nil, err
			}
			ids, next = p.Items, p.NextPageToken
		} else {
			p, err := d.env.Service().LookupResources(d.ctx(), d.actor, Org, team.LookupResourcesRequest{Subject: l.Subject,
				Permission: l.Permission, Type: l.Type, Channel: l.Channel, Limit: l.PageSize, PageToken: token, AtLeastRevision: d.rev})
			if err != nil {
				return nil, err
			}
			ids, next = p.IDs, p.Next
		}
		got = append(got, ids...)
		if token = next; token == "" {
			break
		}
	}
	return got, nil
}

func (d *Served) LookupSubjects(t testing.TB, s Subjects, now time.Time) ([]string, error) {
	d.env.Clock.Set(now)
	var got []string
	if d.sdk != nil {
		subs, err := d.sdk.LookupSubjects(d.ctx(), Org, client.LookupSubjectsRequest{Permission: s.Permission, Resource: s.Resource,
			Context: channel(s.Channel), AtLeastRevision: d.rev})
		if err != nil {
			return nil, err
		}
		for _, x := range subs {
			got = append(got, x.Subject)
		}
	} else {
		subs, _, err := d.env.Service().LookupSubjects(d.ctx(), d.actor, Org, team.LookupSubjectsRequest{Permission: s.Permission,
			Resource: s.Resource, Channel: s.Channel, AtLeastRevision: d.rev})
		if err != nil {
			return nil, err
		}
		for _, x := range subs {
			got = append(got, x.Subject)
		}
	}
	out := got[:0]
	for _, x := range got {
		if x != "user:"+probe && x != "key:"+probe {
			out = append(out, x)
		}
	}
	return out, nil
}

// CanGrant is not a question the API answers: Caps leaves it out.
func (d *Served) CanGrant(testing.TB, domain.Subject, string, domain.Scope) error {
	return errors.New("not served")
}

// Access reads a member's effective access from the member details. Those
// take no revision to wait for, so a check that does waits first.
func (d *Served) Access(t testing.TB, subject, typ string, now time.Time) ([]string, error) {
	if _, err := d.Check(t, Check{Subject: "user:" + probe, Permission: d.scheme.AuditPermission}, now); err != nil {
		return nil, err
	}
	user := strings.TrimPrefix(subject, "user:")
	var got []string
	// Someone who is not a member has no member details, and no access.
	if d.sdk != nil {
		m, err := d.sdk.GetMember(d.ctx(), Org, user)
		if client.IsNotFound(err) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, x := range m.Access[typ] {
			got = append(got, x.ID+"="+x.Role)
		}
		return got, nil
	}
	m, err := d.env.Service().GetMember(d.ctx(), d.actor, Org, user)
	if fault.CodeOf(err) == fault.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	for _, x := range m.Access[typ] {
		got = append(got, x.ID+"="+x.Role)
	}
	return got, nil
}
