package e2e

// The model of the stateful test: two organizations A and B seeded
// straight into the store, the people and keys acting on them, and the
// invariants checked after every step against the store's state.

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/authz/reference"
	"github.com/gatehouse/gatehouse/internal/credential"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
	"github.com/gatehouse/gatehouse/internal/store"
)

// actor is a credential: a person's session or a secret key's secret.
type actor struct {
	label  string
	token  string
	person *worldPerson // nil for keys
	key    *worldKey    // nil for people
}

func (a *actor) subject() string {
	if a.person != nil {
		return "user:" + a.person.id
	}
	return "key:" + a.key.id
}

type worldPerson struct {
	id, email, password string
	session             *actor
	loggedOut           []string // ended session tokens
}

// worldKey is what the test knows of a key: enough to tell whether a
// secret still authenticates.
type worldKey struct {
	id, org   string
	current   string
	prev      string
	prevUntil time.Time
	expires   time.Time
	revoked   bool
}

// live reports whether secret authenticates at now.
func (k *worldKey) live(secret string, now time.Time) bool {
	if k.revoked || !k.expires.IsZero() && !now.Before(k.expires) {
		return false
	}
	return secret == k.current || secret == k.prev && now.Before(k.prevUntil)
}

// worldOrg is one organization as the store has it.
type worldOrg struct {
	idx      int // 0 = A, 1 = B
	id       string
	prefix   string // of its resource ids
	sc       *scheme.Scheme
	snap     domain.Snapshot
	ref      *reference.State
	allowed  map[accessKey]bool
	auditSeq int64
	known    map[string]bool // identifiers that belong to this org
	former   map[string]bool // user ids of people who were members
	grantIDs []string        // every grant id ever seen here
	keyIDs   []string
	invs     []*worldInvitation
	roleIDs  []string // custom roles ever created
	groupIDs []string
	teamIDs  []string
	refs     []string // resources ever registered, "TYPE:ID"
	perms    []string // the permissions the model compares (all, or a sample)
	nextRes  int
}

type worldInvitation struct {
	id, org, token, email, inviter string
	role                           string
	grants                         []domain.InvitedGrant
}

type accessKey struct{ subject, perm, resource, channel string }

// world is one sequence of the stateful test.
type world struct {
	s       *inproc
	seq     int64
	orgs    [2]*worldOrg
	people  []*worldPerson
	byID    map[string]*worldPerson
	actors  []*actor
	keys    map[string]*worldKey
	rev     int64
	logOff  int
	secrets []string
	stats   *statefulStats
	step    int
	trace   []string
	rng     *rand.Rand // the step's choices
	names   int        // team and group names made so far
}

// uniqName is a team or group name no other of the run has: names are
// unique in an org, and the ops test authorization, not that rule.
func (w *world) uniqName(prefix string) string {
	w.names++
	return fmt.Sprintf("%s%d", prefix, w.names)
}

func (w *world) logf(format string, args ...any) {
	w.trace = append(w.trace, fmt.Sprintf("%d: ", w.step)+fmt.Sprintf(format, args...))
}

// fail reports an invariant violation with the sequence so far.
func (w *world) fail(t *rapid.T, format string, args ...any) {
	t.Helper()
	w.stats.violations.Add(1)
	tail := w.trace
	if len(tail) > 60 {
		tail = tail[len(tail)-60:]
	}
	t.Fatalf("invariant violated at step %d: %s\nsteps:\n  %s", w.step, fmt.Sprintf(format, args...), strings.Join(tail, "\n  "))
}

func (w *world) remember(secret string) {
	w.secrets = append(w.secrets, secret)
	w.s.remember(secret)
}

// orgRoles are a scheme's built-in org-level roles.
func orgRoles(sc *scheme.Scheme) []string {
	var out []string
	for _, r := range sc.Roles {
		if r.ScopeType == scheme.OrgType {
			out = append(out, r.ID)
		}
	}
	return out
}

// rolesAt are the built-in roles grantable at a scope type.
func rolesAt(sc *scheme.Scheme, typ string) []string {
	var out []string
	for _, r := range sc.Roles {
		if r.ScopeType == typ || slices.Contains(r.AlsoAt, typ) {
			out = append(out, r.ID)
		}
	}
	return out
}

// keyRole is the role a seeded key holds: as `gatehouse init` gives.
func keyRole(sc *scheme.Scheme) string {
	if r, ok := sc.Role("admin"); ok && r.ScopeType == scheme.OrgType {
		return "admin"
	}
	return sc.TopRole
}

// newWorld seeds two organizations in one transaction: A (scheme drawn)
// and B (vi), their members with sessions, a key each, resources, a
// group grant in A and, for deepomatic, a team.
func newWorld(t *rapid.T, s *inproc, stats *statefulStats, schemes []string) *world {
	w := &world{s: s, seq: stats.started.Add(1), byID: map[string]*worldPerson{}, keys: map[string]*worldKey{}, stats: stats}
	_, w.logOff = s.logs.Since(0)
	schemeA := rapid.SampledFrom(schemes).Draw(t, "scheme")
	for i, sid := range []string{schemeA, "vi"} {
		sc, _ := scheme.Get(sid)
		name := [2]string{"a", "b"}[i]
		o := &worldOrg{idx: i, id: fmt.Sprintf("org%d-%s", w.seq, name), prefix: fmt.Sprintf("x%d%s", w.seq, name), sc: sc,
			known: map[string]bool{}, former: map[string]bool{}}
		o.known[o.id] = true
		o.perms = samplePerms(t, sc, name)
		w.orgs[i] = o
	}
	now := s.clock.Now()
	type seedOrg struct {
		org     domain.Org
		members []domain.Member
		changes []domain.Change
		other   []func(tx store.Tx) error
	}
	var seeds [2]seedOrg
	users := []domain.UserRecord{}
	var sessions []domain.Session
	newPerson := func(label string) *worldPerson {
		p := &worldPerson{id: credential.NewID("u_"), email: fmt.Sprintf("%s-%d@people.test", label, w.seq),
			password: "pw-" + label + "-" + randomText()}
		users = append(users, domain.UserRecord{ID: p.id, Email: p.email, Name: label, PasswordHash: cheapHash(p.password), CreatedAt: now})
		token, hash := credential.NewToken(credential.SessionPrefix)
		sessions = append(sessions, domain.Session{TokenHash: hash, ID: credential.NewID("ses_"), UserID: p.id, CreatedAt: now, ExpiresAt: now.Add(7 * 24 * time.Hour), LastUsedAt: now})
		p.session = &actor{label: label, token: token, person: p}
		w.remember(token)
		w.remember(p.password)
		w.people = append(w.people, p)
		w.byID[p.id] = p
		w.actors = append(w.actors, p.session)
		return p
	}
	for i, o := range w.orgs {
		sd := &seeds[i]
		sd.org = domain.Org{ID: o.id, Name: "Org " + o.id, Scheme: o.sc.ID, CreatedAt: now,
			Plan: domain.Plan{Name: "team", SeatLimit: 25}}
		name := [2]string{"a", "b"}[i]
		roles := orgRoles(o.sc)
		var nonTop []string
		for _, r := range roles {
			if r != o.sc.TopRole {
				nonTop = append(nonTop, r)
			}
		}
		n := 4
		if i == 1 {
			n = 2
		}
		memberRoles := []string{o.sc.TopRole}
		for k := range n {
			switch {
			case k == 0 && o.sc.TransferRole != "":
				memberRoles = append(memberRoles, o.sc.TransferRole)
			case k == 1:
				memberRoles = append(memberRoles, o.sc.BaseRole)
			default:
				memberRoles = append(memberRoles, rapid.SampledFrom(nonTop).Draw(t, "seed_role"))
			}
		}
		if !o.sc.UniqueTop && i == 0 {
			memberRoles = append(memberRoles, o.sc.TopRole) // two holders of a shared top role
		}
		var ms []*worldPerson
		for k, role := range memberRoles {
			label := fmt.Sprintf("%s-m%d", name, k)
			if k == 0 {
				label = name + "-top"
			}
			p := newPerson(label)
			ms = append(ms, p)
			m := domain.Member{Org: o.id, UserID: p.id, Role: role, JoinedAt: now}
			sd.members = append(sd.members, m)
			sd.changes = append(sd.changes, domain.Change{Op: domain.OpPutMember, Member: &m})
		}
		// Resources: two of each top-level type (at most three types),
		// one child under the first of each parent type.
		var top []*scheme.ResourceType
		for _, rt := range o.sc.Types {
			if rt.Parent == scheme.OrgType && len(top) < 3 {
				top = append(top, rt)
			}
		}
		var res []domain.Resource
		var teamID string
		if o.sc.ID == "deepomatic" {
			teamID = credential.NewID("t_")
			tm := domain.Team{Org: o.id, ID: teamID, Name: "field"}
			sd.other = append(sd.other, func(tx store.Tx) error { return tx.CreateTeam(tm) })
			sd.changes = append(sd.changes, domain.Change{Op: domain.OpPutTeam, Team: &tm})
			mm := domain.Membership{Org: o.id, Parent: teamID, UserID: ms[2].id}
			sd.other = append(sd.other, func(tx store.Tx) error { return tx.PutTeamMember(mm) })
			sd.changes = append(sd.changes, domain.Change{Op: domain.OpPutTeamMember, Membership: &mm})
			o.teamIDs = append(o.teamIDs, teamID)
			o.known[teamID] = true
		}
		for _, rt := range top {
			for k := range 2 {
				r := domain.Resource{Org: o.id, Type: rt.ID, ID: o.newResourceID(rt.ID), Owner: ms[k%len(ms)].id, CreatedAt: now}
				if rt.Teams && teamID != "" && k == 0 {
					r.Team = teamID
				}
				res = append(res, r)
			}
		}
		for _, rt := range o.sc.Types {
			if rt.Parent == scheme.OrgType {
				continue
			}
			for _, p := range res {
				if p.Type == rt.Parent {
					r := domain.Resource{Org: o.id, Type: rt.ID, ID: o.newResourceID(rt.ID), Parent: p.Ref(), Owner: ms[len(ms)-1].id, CreatedAt: now}
					if slices.Contains(rt.Attributes, "task") {
						r.Attributes = map[string]string{"task": "label"}
					}
					res = append(res, r)
					break
				}
			}
		}
		for k := range res {
			r := res[k]
			sd.other = append(sd.other, func(tx store.Tx) error { return tx.PutResource(r) })
			sd.changes = append(sd.changes, domain.Change{Op: domain.OpPutResource, Resource: &r})
		}
		// The key, as `gatehouse init` makes one.
		secret, prefix, hash := credential.NewKey()
		key := domain.KeyRecord{Org: o.id, ID: credential.NewID("k_"), Name: "seed", Prefix: prefix, Hash: hash,
			CreatedBy: "user:" + ms[0].id, Owner: ms[0].id, CreatedAt: now}
		kg := domain.Grant{Org: o.id, ID: credential.NewID("gr_"), Subject: domain.KeySubject(key.ID), Role: keyRole(o.sc),
			Scope: domain.OrgScope(), CreatedBy: "user:" + ms[0].id, CreatedAt: now}
		sd.other = append(sd.other, func(tx store.Tx) error { return tx.PutKey(key) }, func(tx store.Tx) error { return tx.PutGrant(kg) })
		sd.changes = append(sd.changes, domain.Change{Op: domain.OpPutKey, Key: &domain.KeyRecord{Org: o.id, ID: key.ID, Owner: ms[0].id}},
			domain.Change{Op: domain.OpPutGrant, Grant: &kg})
		wk := &worldKey{id: key.ID, org: o.id, current: secret}
		w.keys[key.ID] = wk
		w.remember(secret)
		w.actors = append(w.actors, &actor{label: name + "-key", token: secret, key: wk})
		// A resource grant for the base-role member, and a group holding a
		// resource role with a member in it.
		var grants []domain.Grant
		for _, r := range res {
			if roles := rolesAt(o.sc, r.Type); len(roles) > 0 {
				grants = append(grants, domain.Grant{Org: o.id, ID: credential.NewID("gr_"), Subject: domain.UserSubject(ms[2].id),
					Role: rapid.SampledFrom(roles).Draw(t, "seed_grant_role"), Scope: domain.ResourceScope(r.Type, r.ID),
					CreatedBy: "user:" + ms[0].id, CreatedAt: now})
				break
			}
		}
		if i == 0 {
			gid := credential.NewID("g_")
			g := domain.Group{Org: o.id, ID: gid, Name: "crew"}
			gm := domain.Membership{Org: o.id, Parent: gid, UserID: ms[len(ms)-1].id}
			sd.other = append(sd.other, func(tx store.Tx) error { return tx.CreateGroup(g) }, func(tx store.Tx) error { return tx.PutGroupMember(gm) })
			sd.changes = append(sd.changes, domain.Change{Op: domain.OpPutGroup, Group: &g}, domain.Change{Op: domain.OpPutGroupMember, Membership: &gm})
			o.groupIDs = append(o.groupIDs, gid)
			if r := res[len(res)-1]; len(rolesAt(o.sc, r.Type)) > 0 {
				grants = append(grants, domain.Grant{Org: o.id, ID: credential.NewID("gr_"), Subject: domain.GroupSubject(gid),
					Role: rapid.SampledFrom(rolesAt(o.sc, r.Type)).Draw(t, "seed_group_role"), Scope: domain.ResourceScope(r.Type, r.ID),
					CreatedBy: "user:" + ms[0].id, CreatedAt: now})
			}
		}
		if teamID != "" {
			grants = append(grants, domain.Grant{Org: o.id, ID: credential.NewID("gr_"), Subject: domain.UserSubject(ms[2].id),
				Role: rapid.SampledFrom(rolesAt(o.sc, scheme.TeamType)).Draw(t, "seed_team_role"), Scope: domain.TeamScope(teamID),
				CreatedBy: "user:" + ms[0].id, CreatedAt: now})
		}
		for k := range grants {
			g := grants[k]
			sd.other = append(sd.other, func(tx store.Tx) error { return tx.PutGrant(g) })
			sd.changes = append(sd.changes, domain.Change{Op: domain.OpPutGrant, Grant: &g})
		}
	}
	// People in no organization: one to invite, one outsider.
	newPerson("candidate")
	newPerson("outsider")

	// One transaction for the people, then one per organization, as every
	// write of the service touches a single organization.
	rev, err := s.st.Update(context.Background(), func(tx store.Tx) error {
		for _, u := range users {
			if err := tx.CreateUser(u); err != nil {
				return err
			}
		}
		for _, ss := range sessions {
			if err := tx.PutSession(ss); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seed people: %v", err)
	}
	for i := range seeds {
		sd := &seeds[i]
		rev, err = s.st.Update(context.Background(), func(tx store.Tx) error {
			if err := tx.CreateOrg(sd.org); err != nil {
				return err
			}
			for _, m := range sd.members {
				if err := tx.PutMember(m); err != nil {
					return err
				}
			}
			for _, f := range sd.other {
				if err := f(tx); err != nil {
					return err
				}
			}
			ev := &domain.AuditEvent{Org: sd.org.ID, Actor: "test:seed", Action: "test.seed", Target: "org:" + sd.org.ID}
			if err := tx.AppendAudit(ev); err != nil {
				return err
			}
			return tx.AppendChanges(sd.org.ID, sd.changes)
		})
		if err != nil {
			t.Fatalf("seed %s: %v", sd.org.ID, err)
		}
	}
	// The org's first change names its scheme for the engine: the
	// follower reads it from the store, as for an org made by the API.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.svc.Engine().WaitFor(ctx, rev); err != nil {
		t.Fatalf("engine did not apply the seed revision %d: %v", rev, err)
	}
	w.rev = rev
	for _, o := range w.orgs {
		w.reload(t, o)
		o.auditSeq = s.lastAuditSeq(t, o.id)
		w.recompute(t, o, s.clock.Now(), nil)
	}
	w.logf("seeded %s (%s) and %s (vi) at revision %d", w.orgs[0].id, w.orgs[0].sc.ID, w.orgs[1].id, rev)
	return w
}

func (o *worldOrg) newResourceID(typ string) string {
	o.nextRes++
	id := fmt.Sprintf("%s-%s-%d", o.prefix, strings.ReplaceAll(typ, "_", ""), o.nextRes)
	o.known[id] = true
	return id
}

// samplePerms is the part of the catalog a sequence compares: every
// permission that creates a resource, manages users or audits, and a
// random sample of ten others (across sequences, the whole catalog).
func samplePerms(t *rapid.T, sc *scheme.Scheme, label string) []string {
	must := map[string]bool{sc.AuditPermission: true, "org.view": true, "members.view": true, "keys.manage": true}
	for _, um := range sc.UserManagement {
		must[um.Permission] = true
	}
	for _, typ := range sc.Types {
		if typ.CreatePermission != "" {
			must[typ.CreatePermission] = true
		}
	}
	var rest []string
	for _, p := range sc.PermissionIDs() {
		if !must[p] {
			rest = append(rest, p)
		}
	}
	out := slices.Sorted(maps.Keys(must))
	for range 10 {
		if len(rest) == 0 {
			break
		}
		i := rapid.IntRange(0, len(rest)-1).Draw(t, "perm_sample_"+label)
		out = append(out, rest[i])
		rest = slices.Delete(rest, i, i+1)
	}
	return out
}

// reload reads an org's state from the store into the model.
func (w *world) reload(t *rapid.T, o *worldOrg) {
	o.snap = w.s.snapshot(t, o.id)
	ref, err := refFromSnapshot(o.sc, &o.snap)
	if err != nil {
		w.fail(t, "%s: the store's state does not load into the reference: %v", o.id, err)
	}
	o.ref = ref
	for _, m := range o.snap.Members {
		o.former[m.UserID] = true
		o.known[m.UserID] = true
		if p := w.byID[m.UserID]; p != nil {
			o.known[p.email] = true
		}
	}
	for _, g := range o.snap.Grants {
		if !slices.Contains(o.grantIDs, g.ID) {
			o.grantIDs = append(o.grantIDs, g.ID)
		}
		o.known[g.ID] = true
		o.known[g.Subject.ID] = true
	}
	for _, k := range o.snap.Keys {
		if !slices.Contains(o.keyIDs, k.ID) {
			o.keyIDs = append(o.keyIDs, k.ID)
		}
		o.known[k.ID] = true
	}
	for _, r := range o.snap.Roles {
		o.known[r.ID] = true
	}
	for _, g := range o.snap.Groups {
		o.known[g.ID] = true
	}
	for _, tm := range o.snap.Teams {
		o.known[tm.ID] = true
	}
	for _, r := range o.snap.Resources {
		ref := r.Type + ":" + r.ID
		if !slices.Contains(o.refs, ref) {
			o.refs = append(o.refs, ref)
		}
		o.known[r.ID] = true
		if r.Owner != "" {
			o.known[r.Owner] = true
		}
	}
}

// refFromSnapshot loads a snapshot into the reference model.
func refFromSnapshot(sc *scheme.Scheme, snap *domain.Snapshot) (*reference.State, error) {
	st := reference.New(sc)
	var cs []domain.Change
	for i := range snap.Roles {
		cs = append(cs, domain.Change{Op: domain.OpPutRole, Role: &snap.Roles[i]})
	}
	for i := range snap.Members {
		cs = append(cs, domain.Change{Op: domain.OpPutMember, Member: &snap.Members[i]})
	}
	for i := range snap.Teams {
		cs = append(cs, domain.Change{Op: domain.OpPutTeam, Team: &snap.Teams[i]})
	}
	for i := range snap.Groups {
		cs = append(cs, domain.Change{Op: domain.OpPutGroup, Group: &snap.Groups[i]})
	}
	for i := range snap.GroupMembers {
		cs = append(cs, domain.Change{Op: domain.OpPutGroupMember, Membership: &snap.GroupMembers[i]})
	}
	for i := range snap.Resources {
		cs = append(cs, domain.Change{Op: domain.OpPutResource, Resource: &snap.Resources[i]})
	}
	for i := range snap.Keys {
		cs = append(cs, domain.Change{Op: domain.OpPutKey, Key: &snap.Keys[i]})
	}
	for i := range snap.Grants {
		cs = append(cs, domain.Change{Op: domain.OpPutGrant, Grant: &snap.Grants[i]})
	}
	for _, c := range cs {
		if err := st.Apply(c); err != nil {
			return nil, fmt.Errorf("%s: %w", c.Op, err)
		}
	}
	return st, nil
}

// subjects are who the model asks about: members, former members, keys,
// groups and someone who never was anything.
func (w *world) subjects(o *worldOrg) []string {
	var out []string
	for _, id := range slices.Sorted(maps.Keys(o.former)) {
		out = append(out, "user:"+id)
	}
	for _, k := range o.keyIDs {
		out = append(out, "key:"+k)
	}
	for _, g := range o.groupIDs {
		out = append(out, "group:"+g)
	}
	return append(out, "user:u_nobody0000000000")
}

// targets are the org itself and every live resource.
func targets(ref *reference.State) []string {
	return append([]string{""}, slices.Sorted(maps.Keys(ref.Resources))...)
}

// permsFor are the compared permissions that apply to a target: org-level
// ones at the org, the target's type and its ancestors' below it.
func permsFor(o *worldOrg, target string) []string {
	var types []string
	if target == "" {
		types = []string{scheme.OrgType}
	} else {
		typ, _, _ := strings.Cut(target, ":")
		types = append([]string{typ}, o.sc.Ancestors(typ)...)
		types = types[:len(types)-1] // not org
	}
	var out []string
	for _, id := range o.perms {
		p, _ := o.sc.Permission(id)
		if slices.Contains(types, p.Type) || target == "" && p.Anywhere {
			out = append(out, id)
		}
	}
	return out
}

func channelsOf(sc *scheme.Scheme) []string {
	if len(sc.Channels) > 0 {
		return []string{"", sc.Channels[0]}
	}
	return []string{""}
}

// recompute asks the reference every (subject, permission, target,
// channel) of the org, compares the engine's answer on each, and returns
// what became allowed since the last time (nil the first time).
func (w *world) recompute(t *rapid.T, o *worldOrg, now time.Time, prev map[accessKey]bool) []accessKey {
	eo, err := w.s.svc.Engine().Org(o.id)
	if err != nil {
		w.fail(t, "the engine has no org %s", o.id)
	}
	allowed := map[accessKey]bool{}
	var gained []accessKey
	subjects := w.subjects(o)
	for _, target := range targets(o.ref) {
		for _, perm := range permsFor(o, target) {
			for _, ch := range channelsOf(o.sc) {
				for _, subj := range subjects {
					want, err := o.ref.Check(reference.Request{Subject: subj, Permission: perm, Resource: target, Channel: ch, Now: now})
					if err != nil {
						w.fail(t, "reference check %s %s %q: %v", subj, perm, target, err)
					}
					d, err := eo.Check(&authz.Request{Subject: subj, Permission: perm, Resource: target, Channel: ch, Now: now.UnixNano()})
					if err != nil {
						w.fail(t, "engine check %s %s %q: %v", subj, perm, target, err)
					}
					w.stats.compared.Add(1)
					if d.Allowed != want {
						w.fail(t, "%s: engine says %v, reference %v for %s %s on %q (channel %q); engine reason %+v",
							o.id, d.Allowed, want, subj, perm, target, ch, d.Reason)
					}
					if want {
						k := accessKey{subj, perm, target, ch}
						allowed[k] = true
						if prev != nil && !prev[k] {
							gained = append(gained, k)
						}
					}
				}
			}
		}
	}
	o.allowed = allowed
	return gained
}

// compareLookups compares the engine's lookups with the reference's for a
// few drawn questions.
func (w *world) compareLookups(t *rapid.T, o *worldOrg, now time.Time) {
	eo, _ := w.s.svc.Engine().Org(o.id)
	subjects := w.subjects(o)
	for range 2 {
		subj := rapid.SampledFrom(subjects).Draw(t, "lookup_subject")
		typ := rapid.SampledFrom(o.sc.Types).Draw(t, "lookup_type").ID
		perms := permsFor(o, typ+":x")
		if len(perms) == 0 {
			continue
		}
		perm := rapid.SampledFrom(perms).Draw(t, "lookup_perm")
		want, err := o.ref.LookupResources(subj, perm, typ, "", now)
		if err != nil {
			w.fail(t, "reference lookup: %v", err)
		}
		var got []string
		token := ""
		for pages := 0; ; pages++ {
			page, err := eo.LookupResources(&authz.ResourceQuery{Subject: subj, Permission: perm, Type: typ, Limit: 2, PageToken: token, Now: now.UnixNano()})
			if err != nil {
				w.fail(t, "engine lookup %s %s %s: %v", subj, perm, typ, err)
			}
			got = append(got, page.IDs...)
			token = page.Next
			if token == "" || pages > 100 {
				break
			}
		}
		if !slices.Equal(got, want) && len(got)+len(want) > 0 {
			w.fail(t, "%s: lookup_resources %s %s %s: engine %v, reference %v", o.id, subj, perm, typ, got, want)
		}
	}
	if len(o.ref.Resources) > 0 {
		res := rapid.SampledFrom(slices.Sorted(maps.Keys(o.ref.Resources))).Draw(t, "ls_resource")
		perms := permsFor(o, res)
		if len(perms) > 0 {
			perm := rapid.SampledFrom(perms).Draw(t, "ls_perm")
			subs, _, err := eo.LookupSubjects(&authz.SubjectQuery{Permission: perm, Resource: res, Now: now.UnixNano()})
			if err != nil {
				w.fail(t, "engine lookup_subjects: %v", err)
			}
			var got []string
			for _, sa := range subs {
				got = append(got, sa.Subject)
			}
			want, _ := o.ref.LookupSubjects(perm, res, "", now)
			if !slices.Equal(got, want) && len(got)+len(want) > 0 {
				w.fail(t, "%s: lookup_subjects %s %s: engine %v, reference %v", o.id, perm, res, got, want)
			}
		}
	}
}

// topHolders counts the holders of the top role in the model's state.
func (o *worldOrg) topHolders() int {
	n := 0
	for _, m := range o.snap.Members {
		if m.Role == o.sc.TopRole {
			n++
		}
	}
	return n
}

// expires reports whether anything of the org's access depends on time.
func (o *worldOrg) expires() bool {
	for _, g := range o.snap.Grants {
		if !g.ExpiresAt.IsZero() {
			return true
		}
	}
	for _, k := range o.snap.Keys {
		if !k.ExpiresAt.IsZero() {
			return true
		}
	}
	return false
}

func (o *worldOrg) memberRole(userID string) (string, bool) {
	r, ok := o.ref.Members[userID]
	return r, ok
}

// --- Authorisation, recomputed independently with the reference ---

// mayGrant is rule 2 from the definitions, on the state before the step:
// actor is active, holds a user-management permission covering the role
// at the scope unconditionally, and every permission of the role there
// (a conditional one only under the same condition); the top role only by
// a holder, never where it is unique.
func mayGrant(o *worldOrg, actor, roleID string, sc domain.Scope, now time.Time) error {
	ref := o.ref
	if !ref.Active(actor, now) {
		return fmt.Errorf("%s is not active", actor)
	}
	role, ok := ref.Role(roleID)
	if !ok {
		return fmt.Errorf("unknown role %s", roleID)
	}
	if err := o.sc.GrantableAt(role, sc); err != nil {
		return err
	}
	if roleID == o.sc.TopRole {
		a, _ := domain.ParseSubject(actor)
		if o.sc.UniqueTop || a.Kind != domain.SubjectUser || ref.Members[a.ID] != o.sc.TopRole {
			return fmt.Errorf("%s may not make a %s", actor, roleID)
		}
	}
	managed := false
	for _, um := range o.sc.UserManagement {
		if um.Manages(roleID, scheme.ScopeTypeOf(sc)) && ref.Held(actor, um.Permission, sc, now).Unconditional {
			managed = true
		}
	}
	if !managed {
		return fmt.Errorf("%s holds no user management covering %s at %s", actor, roleID, sc)
	}
	return covers(o, actor, role, sc, now)
}

// covers: actor holds every permission of role at sc.
func covers(o *worldOrg, actor string, role *scheme.Role, sc domain.Scope, now time.Time) error {
	for _, rp := range role.Perms {
		cond := ""
		if rp.Cond != nil {
			cond = rp.Cond.String()
		}
		if !o.ref.Held(actor, rp.Perm.ID, sc, now).Covers(cond) {
			return fmt.Errorf("%s does not hold %s (condition %q) of %s at %s", actor, rp.Perm.ID, cond, role.ID, sc)
		}
	}
	return nil
}

// holdsAtOrg: an unconditional (or condition-passing) org-level decision.
func holdsAtOrg(o *worldOrg, actor, perm string, now time.Time) bool {
	ok, _ := o.ref.Check(reference.Request{Subject: actor, Permission: perm, Now: now})
	return ok
}

// managesATeam: a user-management permission that reaches teams, held at
// one of the org's teams (team.view: a team's manager sees her teams).
// A key holds only what its owner also holds (as the reference's Check
// judges it; Held reads one subject's grants).
func managesATeam(o *worldOrg, actor string, now time.Time) bool {
	subjects := []string{actor}
	if s, _ := domain.ParseSubject(actor); s.Kind == domain.SubjectKey {
		subjects = append(subjects, "user:"+o.ref.Keys[s.ID].Owner)
	}
	for id := range o.ref.Teams {
		for _, um := range o.sc.UserManagement {
			if !(um.ScopeTypes == nil || slices.Contains(um.ScopeTypes, scheme.TeamType)) {
				continue
			}
			held := true
			for _, sub := range subjects {
				held = held && o.ref.Held(sub, um.Permission, domain.TeamScope(id), now).Covers("")
			}
			if held {
				return true
			}
		}
	}
	return false
}

func managesUsers(o *worldOrg, actor string, now time.Time) bool {
	for _, um := range o.sc.UserManagement {
		if holdsAtOrg(o, actor, um.Permission, now) {
			return true
		}
	}
	return false
}

// mayRegister: the create permission of r's type, decided on r as it will
// be (or was) from its parent, its team and its type's wildcard: what
// registering or removing r takes.
func mayRegister(o *worldOrg, actor string, r domain.Resource, now time.Time) bool {
	t, ok := o.sc.Type(r.Type)
	if !ok {
		return false
	}
	if t.CreatePermission == "" {
		return true
	}
	probe := r
	probe.ID = r.ID + ".probe"
	ref := probe.Type + ":" + probe.ID
	if !r.Parent.IsZero() {
		if _, ok := o.ref.Resources[r.Parent.String()]; !ok {
			return false
		}
	}
	o.ref.Resources[ref] = probe
	defer delete(o.ref.Resources, ref)
	ok, err := o.ref.Check(reference.Request{Subject: actor, Permission: t.CreatePermission, Resource: ref, Now: now})
	return err == nil && ok
}

// mayChangeFields: a replace that changes the owner or an attribute needs
// the create permission on the resource, old and new, through a holding
// whose condition reads none of the changed fields: a condition may not be
// what gave the power to change what it reads. It names the fields when not.
func mayChangeFields(o *worldOrg, actor string, old, cur domain.Resource, now time.Time) (string, bool) {
	t, ok := o.sc.Type(cur.Type)
	if !ok || t.CreatePermission == "" {
		return "", true
	}
	var changed []string
	if old.Owner != cur.Owner {
		changed = append(changed, scheme.OwnerField)
	}
	for k, v := range old.Attributes {
		if w, ok := cur.Attributes[k]; !ok || w != v {
			changed = append(changed, k)
		}
	}
	for k := range cur.Attributes {
		if _, ok := old.Attributes[k]; !ok {
			changed = append(changed, k)
		}
	}
	if len(changed) == 0 {
		return "", true
	}
	for _, r := range []domain.Resource{old, cur} {
		probe := r
		probe.ID = r.ID + ".fields"
		ref := probe.Type + ":" + probe.ID
		o.ref.Resources[ref] = probe
		h := o.ref.Held(actor, t.CreatePermission, domain.ResourceScope(probe.Type, probe.ID), now)
		delete(o.ref.Resources, ref)
		ok := h.Unconditional
		for _, c := range h.Conditions {
			cond, err := scheme.ParseCond(c)
			if err != nil || slices.ContainsFunc(changed, cond.Reads) {
				continue
			}
			owner := ""
			if probe.Owner != "" {
				owner = domain.UserSubject(probe.Owner).String()
			}
			if cond.Eval(&scheme.Input{Subject: actor, Owner: owner, Attrs: probe.Attributes}) {
				ok = true
			}
		}
		if !ok {
			return strings.Join(changed, ", "), false
		}
	}
	return "", true
}

// seesResource: some permission on the resource, or the audit permission.
func seesResource(o *worldOrg, actor, ref string, now time.Time) bool {
	if holdsAtOrg(o, actor, o.sc.AuditPermission, now) {
		return true
	}
	for _, p := range o.sc.Permissions {
		if p.Type == scheme.OrgType {
			continue
		}
		if ok, _ := o.ref.Check(reference.Request{Subject: actor, Permission: p.ID, Resource: ref, Now: now}); ok {
			return true
		}
	}
	return false
}

// sortedGrantIDs etc. keep draws reproducible.
func sortedStrings(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// verifyAudit checks an org's whole chain and scans it for secrets.
func (w *world) verifyAudit(t *rapid.T, o *worldOrg) {
	evs := w.s.auditOf(t, o.id)
	if ok, bad := w.s.key.Verify(evs); !ok {
		w.fail(t, "%s: audit chain broken at seq %d", o.id, bad)
	}
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "%s %s %s %s %s\n", e.Actor, e.Action, e.Target, e.Before, e.After)
	}
	scanForSecrets(t, o.id+"'s audit log", b.String(), w.secrets)
}
