package authz_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/authz/reference"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

var escalationSize = genSize{users: 5, groups: 1, teams: 2, keys: 1, resources: 8, grants: 8, customRoles: 2}

// madeGrant is a grant CanGrant allowed, with what its granter held at its
// scope when granting.
type madeGrant struct {
	grant   domain.Grant
	granter string
	held    map[string]reference.Holding // permission -> how the granter held it
}

// TestCanGrantNeverEscalates: actors attempt random grants and only those
// CanGrant allows are applied, as the team layer does. Then
//
//   - every grant made was made by an active subject holding a
//     user-management permission covering the role at that scope, and
//     every permission of the role there (a conditional one only under the
//     same condition), computed independently by the reference; the top
//     role only by a holder of it, never where it is unique;
//   - globally, every (subject, permission, resource, channel) allowed after
//     the sequence was allowed before it, or is covered by a grant of the
//     sequence whose granter held that permission at that scope.
func TestCanGrantNeverEscalates(t *testing.T) {
	setRapidChecks(t)
	made := 0
	rapid.Check(t, func(t *rapid.T) {
		g := drawOrg(t, escalationSize)
		e, ref := build(t, g)
		before := reference.New(g.s)
		for _, c := range g.changes {
			if err := before.Apply(c); err != nil {
				t.Fatal(err)
			}
		}
		o, _ := e.Org("o")
		now := t0
		rev := o.Revision()

		// Actors: every user (managers twice as likely), the keys, a nobody.
		var actors []string
		for _, u := range g.users {
			actors = append(actors, "user:"+u)
			if r, ok := ref.Role(ref.Members[u]); ok && holdsManagement(g.s, r) {
				actors = append(actors, "user:"+u)
			}
		}
		for _, k := range g.keys {
			actors = append(actors, "key:"+k)
		}
		actors = append(actors, "user:nobody")
		subjects := g.subjects()
		subjects = subjects[:len(subjects)-1]

		var grants []madeGrant
		for i := range rapid.IntRange(1, 8).Draw(t, "attempts") {
			actor := rapid.SampledFrom(actors).Draw(t, "actor")
			roleID, sc, ok := drawRoleAndScope(t, g, sortedKeys(ref.Resources))
			if !ok {
				continue
			}
			actorSubj, _ := domain.ParseSubject(actor)
			err := o.CanGrant(actorSubj, roleID, sc, now.UnixNano())
			if err != nil {
				if !errors.Is(err, authz.ErrEscalation) && !errors.Is(err, authz.ErrInvalidGrant) {
					t.Fatalf("CanGrant %s %s@%s: unexpected error kind: %v", actor, roleID, sc, err)
				}
				continue
			}
			mg := madeGrant{granter: actor, held: map[string]reference.Holding{}}
			assertMayGrant(t, g, ref, actor, roleID, sc, now, mg.held)
			subj, _ := domain.ParseSubject(rapid.SampledFrom(subjects).Draw(t, "grantee"))
			mg.grant = domain.Grant{Org: "o", ID: g.id("esc"), Subject: subj, Role: roleID, Scope: sc,
				ExpiresAt: drawExpiry(t, "esc"), CreatedBy: actor, CreatedAt: now}
			rev++
			c := domain.Change{Op: domain.OpPutGrant, Grant: &mg.grant}
			if err := e.Apply("o", "", rev, []domain.Change{c}); err != nil {
				t.Fatalf("apply grant %d: %v", i, err)
			}
			if err := ref.Apply(c); err != nil {
				t.Fatalf("reference apply grant %d: %v", i, err)
			}
			t.Logf("%s granted %s %s at %s", actor, subj, roleID, sc)
			grants = append(grants, mg)
		}
		if len(grants) == 0 {
			return
		}
		made++
		assertNoNewAccessUncovered(t, g, o, before, ref, grants, now)
	})
	t.Logf("%d cases made at least one grant", made)
}

// holdsManagement reports whether a role holds a user-management permission.
func holdsManagement(s *scheme.Scheme, r *scheme.Role) bool {
	for _, um := range s.UserManagement {
		for _, rp := range r.Perms {
			if rp.Perm.ID == um.Permission {
				return true
			}
		}
	}
	return false
}

// assertMayGrant checks, with the reference, the rules a granted role must
// satisfy, and records how the granter held each permission of the role.
func assertMayGrant(t *rapid.T, g *genOrg, ref *reference.State, actor, roleID string, sc domain.Scope, now time.Time, held map[string]reference.Holding) {
	if !ref.Active(actor, now) {
		t.Fatalf("%s granted %s at %s while inactive", actor, roleID, sc)
	}
	role, ok := ref.Role(roleID)
	if !ok {
		t.Fatalf("%s granted unknown role %s", actor, roleID)
	}
	if err := g.s.GrantableAt(role, sc); err != nil {
		t.Fatalf("%s granted %s at %s: %v", actor, roleID, sc, err)
	}
	if roleID == g.s.TopRole {
		a, _ := domain.ParseSubject(actor)
		if g.s.UniqueTop || a.Kind != domain.SubjectUser || ref.Members[a.ID] != g.s.TopRole {
			t.Fatalf("%s (member role %q) granted the top role %s (unique: %v)", actor, ref.Members[a.ID], roleID, g.s.UniqueTop)
		}
	}
	managed := false
	for _, um := range g.s.UserManagement {
		if um.Manages(roleID, scheme.ScopeTypeOf(sc)) && ref.Held(actor, um.Permission, sc, now).Unconditional {
			managed = true
		}
	}
	if !managed {
		t.Fatalf("%s granted %s at %s without a user-management permission covering it there", actor, roleID, sc)
	}
	for _, rp := range role.Perms {
		h := ref.Held(actor, rp.Perm.ID, sc, now)
		cond := ""
		if rp.Cond != nil {
			cond = rp.Cond.String()
		}
		if !h.Covers(cond) {
			t.Fatalf("%s granted %s at %s, which includes %s (condition %q), held there only as %+v", actor, roleID, sc, rp.Perm.ID, cond, h)
		}
		held[rp.Perm.ID] = h
	}
}

// assertNoNewAccessUncovered compares access before and after the grants.
// Only permissions of the granted roles can change (grants add nothing
// else), so the tuples checked are: every subject × those permissions plus
// a few random others × the org and every resource × the channels that
// matter.
func assertNoNewAccessUncovered(t *rapid.T, g *genOrg, o *authz.Org, before, after *reference.State, grants []madeGrant, now time.Time) {
	permSet := map[string]bool{}
	channels := []string{""}
	for _, mg := range grants {
		r, _ := after.Role(mg.grant.Role)
		for _, rp := range r.Perms {
			permSet[rp.Perm.ID] = true
			if rp.Cond != nil {
				for _, cl := range rp.Cond.Any {
					for _, ch := range cl.Channels {
						if !slices.Contains(channels, ch) {
							channels = append(channels, ch)
						}
					}
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(rapid.Uint64().Draw(t, "sample_seed"), 1))
	all := g.s.PermissionIDs()
	for range 4 {
		permSet[all[rng.IntN(len(all))]] = true
	}
	perms := sortedKeys(permSet)
	targets := append([]string{""}, sortedKeys(after.Resources)...)
	for _, subject := range g.subjects() {
		for _, perm := range perms {
			for _, target := range targets {
				for _, ch := range channels {
					req := authz.Request{Subject: subject, Permission: perm, Resource: target, Channel: ch, Now: now.UnixNano()}
					d, err := o.Check(&req)
					if err != nil {
						t.Fatalf("check %+v: %v", req, err)
					}
					rreq := reference.Request{Subject: subject, Permission: perm, Resource: target, Channel: ch, Now: now}
					want, _ := after.Check(rreq)
					if d.Allowed != want {
						t.Fatalf("check %s %s %s ch=%q: engine %v, reference %v", subject, perm, target, ch, d.Allowed, want)
					}
					if !d.Allowed {
						continue
					}
					if was, _ := before.Check(rreq); was {
						continue
					}
					if !covered(g, after, grants, subject, perm, target, now) {
						t.Fatalf("%s gained %s on %q (channel %q) through %+v, which no granter held there", subject, perm, target, ch, d.Reason)
					}
				}
			}
		}
	}
}

// covered reports whether some grant of the sequence reaches (subject,
// perm, target) and its granter held perm at its scope under the
// condition the role gives it.
//
// A key's power is bounded by its owner's, so a key also gains where its
// owner gained (the owner's gain is judged on its own).
func covered(g *genOrg, st *reference.State, grants []madeGrant, subject, perm, target string, now time.Time) bool {
	if s, _ := domain.ParseSubject(subject); s.Kind == domain.SubjectKey {
		if owner := st.Keys[s.ID].Owner; owner != "" && covered(g, st, grants, "user:"+owner, perm, target, now) {
			return true
		}
	}
	principals := []string{subject}
	if s, _ := domain.ParseSubject(subject); s.Kind == domain.SubjectUser {
		for grp, members := range st.GroupMembers {
			if st.Groups[grp] && members[s.ID] {
				principals = append(principals, "group:"+grp)
			}
		}
	}
	p, _ := g.s.Permission(perm)
	scopes := st.Scopes(target)
	for _, mg := range grants {
		gr := mg.grant
		if !slices.Contains(principals, gr.Subject.String()) || gr.Expired(now) {
			continue
		}
		if !slices.Contains(scopes, gr.Scope) && !(p.Anywhere && target == "") {
			continue
		}
		r, _ := st.Role(gr.Role)
		for _, rp := range r.Perms {
			if rp.Perm.ID != perm {
				continue
			}
			cond := ""
			if rp.Cond != nil {
				cond = rp.Cond.String()
			}
			if mg.held[perm].Covers(cond) {
				return true
			}
		}
	}
	return false
}

// ---------------------------------------------------------------- rules

// grantWorld builds an org from a few lines of setup for the rule tests.
type grantWorld struct {
	t   *testing.T
	e   *authz.Engine
	o   *authz.Org
	rev int64
}

func newGrantWorld(t *testing.T, schemeID string, changes ...domain.Change) *grantWorld {
	t.Helper()
	e := authz.New()
	if err := e.Apply("o", schemeID, 1, changes); err != nil {
		t.Fatal(err)
	}
	o, _ := e.Org("o")
	return &grantWorld{t: t, e: e, o: o, rev: 1}
}

func (w *grantWorld) canGrant(actor, role, scope string) error {
	w.t.Helper()
	a, err := domain.ParseSubject(actor)
	if err != nil {
		w.t.Fatal(err)
	}
	sc, err := domain.ParseScope(scope)
	if err != nil {
		w.t.Fatal(err)
	}
	return w.o.CanGrant(a, role, sc, t0.UnixNano())
}

// expect asserts CanGrant's answer: "" allowed, else a substring of the refusal.
func (w *grantWorld) expect(actor, role, scope, refusal string) {
	w.t.Helper()
	err := w.canGrant(actor, role, scope)
	switch {
	case refusal == "" && err != nil:
		w.t.Errorf("%s grants %s at %s: refused: %v", actor, role, scope, err)
	case refusal != "" && err == nil:
		w.t.Errorf("%s grants %s at %s: allowed, want refused (%s)", actor, role, scope, refusal)
	case refusal != "" && !strings.Contains(err.Error(), refusal):
		w.t.Errorf("%s grants %s at %s: %v, want it to mention %q", actor, role, scope, err, refusal)
	}
}

func putMember(u, role string) domain.Change {
	return domain.Change{Op: domain.OpPutMember, Member: &domain.Member{UserID: u, Role: role}}
}

func putGrant(id, subject, role, scope string) domain.Change {
	s, _ := domain.ParseSubject(subject)
	sc, _ := domain.ParseScope(scope)
	return domain.Change{Op: domain.OpPutGrant, Grant: &domain.Grant{ID: id, Subject: s, Role: role, Scope: sc}}
}

func putResource(ref, parent, team, owner string) domain.Change {
	r, _ := domain.ParseRef(ref)
	res := &domain.Resource{Type: r.Type, ID: r.ID, Team: team, Owner: owner}
	if parent != "" {
		res.Parent, _ = domain.ParseRef(parent)
	}
	return domain.Change{Op: domain.OpPutResource, Resource: res}
}

func putRole(id, scopeType string, perms ...string) domain.Change {
	r := &domain.Role{ID: id, Name: id, ScopeType: scopeType}
	for _, p := range perms {
		id, cond, _ := strings.Cut(p, "|")
		r.Permissions = append(r.Permissions, domain.RolePermission{ID: id, Condition: cond})
	}
	return domain.Change{Op: domain.OpPutRole, Role: r}
}

func TestCanGrantTopRole(t *testing.T) {
	// vi: the Owner is unique; nobody grants it, the Owner included.
	vi := newGrantWorld(t, "vi", putMember("olivia", "owner"), putMember("adam", "admin"))
	vi.expect("user:olivia", "owner", "org", "top role")
	vi.expect("user:adam", "owner", "org", "top role")
	vi.expect("user:olivia", "admin", "org", "")
	// deepomatic and labelbox: not unique; only a holder makes another
	// (docs/decisions.md, "Top role").
	deep := newGrantWorld(t, "deepomatic", putMember("ana", "org_admin"), putMember("pm", "project_manager"), putMember("opm", "operation_project_manager"))
	deep.expect("user:ana", "org_admin", "org", "")
	deep.expect("user:pm", "org_admin", "org", "org_admin")
	deep.expect("user:opm", "org_admin", "org", "org_admin")
	lb := newGrantWorld(t, "labelbox", putMember("adm", "admin"), putMember("da", "data_admin"),
		domain.Change{Op: domain.OpPutKey, Key: &domain.KeyRecord{ID: "k", Owner: "adm"}}, putGrant("gk", "key:k", "admin", "org"))
	lb.expect("user:adm", "admin", "org", "")
	lb.expect("user:da", "admin", "org", "admin")
	lb.expect("key:k", "admin", "org", "admin") // a key holding the role by grant is no member holding it
}

func TestCanGrantTeamAdminOnlyInOwnTeams(t *testing.T) {
	w := newGrantWorld(t, "deepomatic",
		putMember("ta", "member"), putMember("tom", "member"),
		domain.Change{Op: domain.OpPutTeam, Team: &domain.Team{ID: "north"}},
		domain.Change{Op: domain.OpPutTeam, Team: &domain.Team{ID: "south"}},
		putGrant("g1", "user:ta", "team_admin", "team:north"),
		putGrant("g2", "user:tom", "team_operator_manager", "team:south"),
		putResource("work_order:w1", "", "north", "ta"),
	)
	for _, role := range []string{"team_admin", "team_operator_manager", "team_operator", "team_field_engineer"} {
		w.expect("user:ta", role, "team:north", "")
		w.expect("user:ta", role, "team:south", "business_users.manage")
	}
	// every org-level role is refused: team admins manage only inside their teams
	for _, role := range []string{"operation_project_manager", "operator_manager", "operator", "field_engineer", "readonly", "data_scientist", "project_manager", "member"} {
		if err := w.canGrant("user:ta", role, "org"); err == nil {
			t.Errorf("team admin granted org-level role %s", role)
		}
	}
	w.expect("user:ta", "team_operator", "org", "granted at team")
	w.expect("user:tom", "team_operator", "team:south", "business_users.manage") // no user management
}

func TestCanGrantLabelboxProjectMembers(t *testing.T) {
	w := newGrantWorld(t, "labelbox",
		putMember("lead", "member"), putMember("wslead", "project_lead"), putMember("tm", "member"),
		putResource("project:p1", "", "", "adm"), putResource("project:p2", "", "", "adm"),
		putResource("batch:b1", "project:p1", "", "adm"),
		putRole("qa", "project", "label.view", "label.review"),
		putGrant("g1", "user:lead", "project_lead", "project:p1"),
		putGrant("g2", "user:tm", "team_manager", "project:p1"),
	)
	// project-based roles at the project the actor manages
	for _, role := range []string{"project_lead", "team_manager", "reviewer", "labeler"} {
		w.expect("user:lead", role, "project:p1", "")
		w.expect("user:lead", role, "project:p2", "project.members.manage")
		w.expect("user:wslead", role, "project:p2", "") // workspace-wide lead: every project
	}
	// never at the org, even for a workspace-wide lead holding project.members.manage there
	for _, role := range []string{"project_lead", "team_manager", "reviewer", "labeler", "member"} {
		w.expect("user:wslead", role, "org", "members.invite")
	}
	// only the project-based roles: not data_admin (which may be bound at a project), not custom ones
	w.expect("user:lead", "data_admin", "project:p1", "members.invite")
	w.expect("user:wslead", "data_admin", "project:p1", "members.invite")
	w.expect("user:lead", "qa", "project:p1", "members.invite")
	// the team manager may assign labelers but not roles holding more than it does
	w.expect("user:tm", "labeler", "project:p1", "")
	w.expect("user:tm", "project_lead", "project:p1", "does not hold")
	// project roles cannot be bound below a project
	w.expect("user:lead", "labeler", "batch:b1", "granted at")
}

func TestCanGrantConditionCoversOnlySameCondition(t *testing.T) {
	w := newGrantWorld(t, "labelbox",
		putRole("inviter", "org", "org.view", "members.invite", "label.view|own"),
		putRole("own_viewer", "org", "label.view|own"),
		putRole("viewer", "org", "label.view"),
		putRole("rework_viewer", "org", "label.view|task in (rework)"),
		putRole("own_or_rework", "org", "label.view|own or task in (rework)"),
		putMember("inv", "inviter"), putMember("adm", "admin"),
	)
	w.expect("user:inv", "own_viewer", "org", "")
	w.expect("user:inv", "viewer", "org", "only with condition")
	w.expect("user:inv", "rework_viewer", "org", "only with condition")
	w.expect("user:inv", "own_or_rework", "org", "only with condition")
	// unconditional covers any condition
	for _, role := range []string{"own_viewer", "viewer", "rework_viewer", "own_or_rework"} {
		w.expect("user:adm", role, "org", "")
	}

	d := newGrantWorld(t, "deepomatic",
		putRole("bo_manager", "org", "users.manage", "org.view", "work_order.read|channel in (backoffice)"),
		putRole("bo_reader", "org", "work_order.read|channel in (backoffice)"),
		putRole("mob_reader", "org", "work_order.read|channel in (mobile)"),
		putRole("any_reader", "org", "work_order.read"),
		putMember("bm", "bo_manager"),
	)
	d.expect("user:bm", "bo_reader", "org", "")
	d.expect("user:bm", "mob_reader", "org", "only with condition")
	d.expect("user:bm", "any_reader", "org", "only with condition")
	d.expect("user:bm", "operator", "org", "work_order.write") // the built-in operator holds more
}

// Holding a permission under two conditions (two grants) covers a role
// that asks for either one.
func TestCanGrantConditionHeldTwice(t *testing.T) {
	w := newGrantWorld(t, "labelbox",
		putRole("inviter", "org", "org.view", "members.invite"),
		putRole("own_viewer", "org", "label.view|own"),
		putRole("rework_viewer", "org", "label.view|task in (rework)"),
		putMember("inv", "inviter"),
		putGrant("g1", "user:inv", "own_viewer", "org"),
		putGrant("g2", "user:inv", "rework_viewer", "org"),
	)
	w.expect("user:inv", "own_viewer", "org", "")
	w.expect("user:inv", "rework_viewer", "org", "")
}

func TestCanGrantInactiveActorsAndBadScopes(t *testing.T) {
	w := newGrantWorld(t, "vi", putMember("olivia", "owner"), putMember("adam", "admin"),
		putResource("dataset:d1", "", "", "adam"),
		domain.Change{Op: domain.OpPutKey, Key: &domain.KeyRecord{ID: "old", ExpiresAt: t0.Add(-time.Hour)}},
		putGrant("gk", "key:old", "admin", "org"))
	w.expect("user:ghost", "dataset.viewer", "dataset:d1", "not an active member")
	w.expect("key:old", "dataset.viewer", "dataset:d1", "not an active member")
	w.expect("user:adam", "dataset.viewer", "dataset:d2", "not found")
	w.expect("user:adam", "dataset.viewer", "training:*", "granted at dataset")
	w.expect("user:adam", "no.such.role", "org", "unknown role")
	if err := w.canGrant("user:adam", "dataset.viewer", "dataset:d2"); !errors.Is(err, authz.ErrInvalidGrant) {
		t.Errorf("unknown scope: %v, want ErrInvalidGrant", err)
	}
	if err := w.canGrant("user:ghost", "dataset.viewer", "dataset:d1"); !errors.Is(err, authz.ErrEscalation) {
		t.Errorf("inactive actor: %v, want ErrEscalation", err)
	}
	// The member removed: the next CanGrant refuses.
	if err := w.e.Apply("o", "", 2, []domain.Change{{Op: domain.OpDeleteMember, Member: &domain.Member{UserID: "adam"}}}); err != nil {
		t.Fatal(err)
	}
	w.expect("user:adam", "dataset.viewer", "dataset:d1", "not an active member")
}
