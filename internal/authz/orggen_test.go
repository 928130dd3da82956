package authz_test

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"pgregory.net/rapid"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/authz/reference"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// The random organizations of the property tests: small (tens of nodes), so
// that thousands of cases run in minutes under -race, but with every kind
// of thing the engine indexes: members with any org-level role (base member
// included), people who are not (or no longer) members, groups, teams,
// keys (expiring, revoked), a resource tree that follows the scheme's parent
// types with owners, teams and attributes, grants of any role at any scope
// the role may be bound at, with expiries, and sometimes custom roles.

// t0 is the clock of every generated org; expiries and check times lie
// around it, exactly on expiries included.
var t0 = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

var (
	expiryOffsets = []time.Duration{-time.Hour, time.Hour, 2 * time.Hour, 3 * time.Hour}
	checkOffsets  = []time.Duration{-90 * time.Minute, -time.Hour, 0, time.Hour, 90 * time.Minute, 2 * time.Hour, 3 * time.Hour, 4 * time.Hour}
	attrValues    = []string{"rework", "label", "done"}
	schemeIDs     = []string{"vi", "deepomatic", "labelbox"}
)

// genSize bounds a generated org.
type genSize struct {
	users, groups, teams, keys, resources, grants, customRoles int
}

var propertySize = genSize{users: 6, groups: 2, teams: 2, keys: 2, resources: 14, grants: 14, customRoles: 2}

// genOrg is one generated organization: the changes that build it, and the
// names the requests draw from.
type genOrg struct {
	s        *scheme.Scheme
	users    []string // ids; some never become members
	groups   []string // ids; the last may never be put
	teams    []string // ids; some only named by resources or grants
	keys     []string
	custom   []domain.Role
	deleted  map[string]bool // custom roles deleted by a mutation
	gated    []string        // permissions gated at generation
	snapshot domain.Snapshot // the same state, for Engine.Load
	changes  []domain.Change
	nextID   int
}

func (g *genOrg) id(prefix string) string {
	g.nextID++
	return fmt.Sprintf("%s%d", prefix, g.nextID)
}

// roleIDs lists every role a grant or membership may name: built-in and custom.
func (g *genOrg) roleIDs() []string {
	var ids []string
	for _, r := range g.s.Roles {
		ids = append(ids, r.ID)
	}
	for _, r := range g.custom {
		if !g.deleted[r.ID] {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

func drawExpiry(t *rapid.T, label string) time.Time {
	if rapid.IntRange(0, 2).Draw(t, label+"_expires") == 0 {
		return t0.Add(rapid.SampledFrom(expiryOffsets).Draw(t, label+"_expiry"))
	}
	return time.Time{}
}

func drawNow(t *rapid.T, label string) time.Time {
	return t0.Add(rapid.SampledFrom(checkOffsets).Draw(t, label))
}

// drawCond draws a condition valid for permission p in scheme s, or "".
func drawCond(t *rapid.T, s *scheme.Scheme, p *scheme.Permission, label string) string {
	var opts []string
	typ, _ := s.Type(p.Type)
	if typ != nil && typ.Owned {
		opts = append(opts, "own")
	}
	if typ != nil && len(typ.Attributes) > 0 {
		a := typ.Attributes[0]
		opts = append(opts, a+" in (rework)", a+" not in (done)")
		if typ.Owned {
			opts = append(opts, "own or "+a+" in (rework)", "own and "+a+" not in (done, label)")
		}
	}
	for _, ch := range s.Channels {
		opts = append(opts, "channel in ("+ch+")")
		if typ != nil && typ.Owned {
			opts = append(opts, "own and channel in ("+ch+", web)")
		}
	}
	if len(opts) == 0 || rapid.IntRange(0, 2).Draw(t, label+"_has") != 0 {
		return ""
	}
	return rapid.SampledFrom(opts).Draw(t, label)
}

// drawCustomRole composes a role from the catalog at a random scope type.
func drawCustomRole(t *rapid.T, s *scheme.Scheme, id string) domain.Role {
	scopeTypes := []string{scheme.OrgType, scheme.TeamType}
	for _, typ := range s.Types {
		scopeTypes = append(scopeTypes, typ.ID)
	}
	var st string
	var cands []*scheme.Permission
	for len(cands) == 0 { // some types (labelbox slice) have no permission of their own
		st = rapid.SampledFrom(scopeTypes).Draw(t, id+"_scope")
		for _, p := range s.Permissions {
			if st == scheme.OrgType || st == scheme.TeamType || s.Within(p.Type, st) {
				cands = append(cands, p)
			}
		}
	}
	r := domain.Role{ID: id, Name: "custom " + id, ScopeType: st}
	if st != scheme.OrgType && rapid.IntRange(0, 3).Draw(t, id+"_alsoorg") == 0 {
		r.AlsoAt = []string{scheme.OrgType}
	}
	n := rapid.IntRange(1, min(6, len(cands))).Draw(t, id+"_n")
	seen := map[string]bool{}
	for i := 0; i < n; i++ {
		p := rapid.SampledFrom(cands).Draw(t, id+"_perm")
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		r.Permissions = append(r.Permissions, domain.RolePermission{ID: p.ID, Condition: drawCond(t, s, p, id+"_cond")})
	}
	return r
}

// drawOrg generates an organization.
func drawOrg(t *rapid.T, size genSize) *genOrg {
	sid := rapid.SampledFrom(schemeIDs).Draw(t, "scheme")
	s, _ := scheme.Get(sid)
	g := &genOrg{s: s, deleted: map[string]bool{}}
	g.snapshot.Org = domain.Org{ID: "o", Scheme: sid}
	add := func(c domain.Change) { g.changes = append(g.changes, c) }

	for i := range rapid.IntRange(0, size.customRoles).Draw(t, "custom_roles") {
		if rapid.IntRange(0, 2).Draw(t, "custom_maybe") != 0 {
			continue
		}
		r := drawCustomRole(t, s, fmt.Sprintf("custom.r%d", i))
		if _, err := s.CompileRole(r); err != nil {
			t.Fatalf("generated an invalid custom role %+v: %v", r, err)
		}
		g.custom = append(g.custom, r)
		g.snapshot.Roles = append(g.snapshot.Roles, r)
		add(domain.Change{Op: domain.OpPutRole, Role: &g.snapshot.Roles[len(g.snapshot.Roles)-1]})
	}

	// Members: any role that may be bound at the org.
	var orgRoles []string
	for _, id := range g.roleIDs() {
		if r := roleOf(g, id); r != nil && s.GrantableAt(r, domain.OrgScope()) == nil {
			orgRoles = append(orgRoles, id)
		}
	}
	nUsers := rapid.IntRange(1, size.users).Draw(t, "users")
	for i := range nUsers {
		u := fmt.Sprintf("u%d", i+1)
		g.users = append(g.users, u)
		if rapid.IntRange(0, 6).Draw(t, "u_member") == 0 {
			continue // never a member: may still own things, be in groups, hold grants
		}
		role := s.BaseRole
		if rapid.Bool().Draw(t, "u_role_base") {
			role = rapid.SampledFrom(orgRoles).Draw(t, "u_role")
		}
		m := domain.Member{Org: "o", UserID: u, Role: role, ExpiresAt: drawExpiry(t, "membership")}
		if rapid.IntRange(0, 2).Draw(t, "u_default_maybe") == 0 {
			m.DefaultRole = rapid.SampledFrom(g.roleIDs()).Draw(t, "u_default_role")
		}
		g.snapshot.Members = append(g.snapshot.Members, m)
	}
	for i := range g.snapshot.Members {
		add(domain.Change{Op: domain.OpPutMember, Member: &g.snapshot.Members[i]})
	}

	for i := range rapid.IntRange(0, size.teams).Draw(t, "teams") {
		id := fmt.Sprintf("t%d", i+1)
		g.teams = append(g.teams, id)
		if rapid.IntRange(0, 4).Draw(t, "team_put") != 0 {
			g.snapshot.Teams = append(g.snapshot.Teams, domain.Team{Org: "o", ID: id})
		}
	}
	for i := range g.snapshot.Teams {
		add(domain.Change{Op: domain.OpPutTeam, Team: &g.snapshot.Teams[i]})
	}

	for i := range rapid.IntRange(0, size.groups).Draw(t, "groups") {
		id := fmt.Sprintf("g%d", i+1)
		g.groups = append(g.groups, id)
		if rapid.IntRange(0, 5).Draw(t, "group_put") != 0 {
			g.snapshot.Groups = append(g.snapshot.Groups, domain.Group{Org: "o", ID: id})
		}
		for _, u := range g.users {
			if rapid.IntRange(0, 2).Draw(t, "group_member") == 0 {
				g.snapshot.GroupMembers = append(g.snapshot.GroupMembers, domain.Membership{Org: "o", Parent: id, UserID: u})
			}
		}
	}
	for i := range g.snapshot.Groups {
		add(domain.Change{Op: domain.OpPutGroup, Group: &g.snapshot.Groups[i]})
	}
	for i := range g.snapshot.GroupMembers {
		add(domain.Change{Op: domain.OpPutGroupMember, Membership: &g.snapshot.GroupMembers[i]})
	}

	for i := range rapid.IntRange(0, size.keys).Draw(t, "keys") {
		k := domain.KeyRecord{Org: "o", ID: fmt.Sprintf("k%d", i+1), ExpiresAt: drawExpiry(t, "key")}
		// Most keys have an owner (some never a member); a few have none.
		if len(g.users) > 0 && rapid.IntRange(0, 5).Draw(t, "key_owned") > 0 {
			k.Owner = rapid.SampledFrom(g.users).Draw(t, "key_owner")
		}
		if rapid.IntRange(0, 5).Draw(t, "key_revoked") == 0 {
			k.RevokedAt = t0.Add(-time.Minute)
		}
		g.keys = append(g.keys, k.ID)
		g.snapshot.Keys = append(g.snapshot.Keys, k)
	}
	for i := range g.snapshot.Keys {
		add(domain.Change{Op: domain.OpPutKey, Key: &g.snapshot.Keys[i]})
	}

	for range rapid.IntRange(0, size.resources).Draw(t, "resources") {
		r := drawResource(t, g, g.snapshot.Resources, "")
		g.snapshot.Resources = append(g.snapshot.Resources, r)
	}
	for i := range g.snapshot.Resources {
		add(domain.Change{Op: domain.OpPutResource, Resource: &g.snapshot.Resources[i]})
	}

	for range rapid.IntRange(0, size.grants).Draw(t, "grants") {
		if gr, ok := drawGrant(t, g, resourceRefs(g.snapshot.Resources)); ok {
			g.snapshot.Grants = append(g.snapshot.Grants, gr)
		}
	}
	for i := range g.snapshot.Grants {
		add(domain.Change{Op: domain.OpPutGrant, Grant: &g.snapshot.Grants[i]})
	}

	// Approval gates on a few permissions, and windows on them (and a few
	// on ungated permissions, which change nothing).
	for range rapid.IntRange(0, 2).Draw(t, "gates") {
		p := rapid.SampledFrom(s.PermissionIDs()).Draw(t, "gate_perm")
		if !slices.Contains(g.gated, p) {
			g.gated = append(g.gated, p)
			g.snapshot.Gates = append(g.snapshot.Gates, domain.Gate{Org: "o", Permission: p, ApproverRole: s.TopRole})
		}
	}
	for i := range g.snapshot.Gates {
		add(domain.Change{Op: domain.OpPutGate, Gate: &g.snapshot.Gates[i]})
	}
	for range rapid.IntRange(0, 4).Draw(t, "approvals") {
		g.snapshot.Approvals = append(g.snapshot.Approvals, drawApproval(t, g, resourceRefs(g.snapshot.Resources)))
	}
	for i := range g.snapshot.Approvals {
		add(domain.Change{Op: domain.OpPutApproval, Approval: &g.snapshot.Approvals[i]})
	}
	return g
}

var approvalStarts = []time.Duration{-2 * time.Hour, -time.Hour, 0, time.Hour}

// drawApproval draws a window, mostly on a gated permission, for a user or
// key, on the org or a resource (perhaps one deleted later), around t0.
func drawApproval(t *rapid.T, g *genOrg, resources []string) domain.Approval {
	perm := rapid.SampledFrom(g.s.PermissionIDs()).Draw(t, "approval_perm")
	if len(g.gated) > 0 && rapid.IntRange(0, 4).Draw(t, "approval_gated") != 0 {
		perm = rapid.SampledFrom(g.gated).Draw(t, "approval_gated_perm")
	}
	var subjects []string
	for _, u := range g.users {
		subjects = append(subjects, "user:"+u)
	}
	for _, k := range g.keys {
		subjects = append(subjects, "key:"+k)
	}
	sub, _ := domain.ParseSubject(rapid.SampledFrom(subjects).Draw(t, "approval_subject"))
	res := ""
	if len(resources) > 0 && rapid.IntRange(0, 2).Draw(t, "approval_on_resource") != 0 {
		res = rapid.SampledFrom(resources).Draw(t, "approval_resource")
	}
	from := t0.Add(rapid.SampledFrom(approvalStarts).Draw(t, "approval_from"))
	until := from.Add(time.Duration(rapid.IntRange(1, 3).Draw(t, "approval_hours")) * time.Hour)
	return domain.Approval{Org: "o", ID: g.id("ap"), Subject: sub, Permission: perm, Resource: res, From: from, Until: until, Approver: "u1"}
}

func roleOf(g *genOrg, id string) *scheme.Role {
	if r, ok := g.s.Role(id); ok {
		return r
	}
	for _, c := range g.custom {
		if c.ID == id {
			r, _ := g.s.CompileRole(c)
			return r
		}
	}
	return nil
}

func resourceRefs(rs []domain.Resource) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Type + ":" + r.ID
	}
	return out
}

// drawResource draws a new resource (or, with id set, a replacement of the
// resource typ:id) whose parent is one of existing.
func drawResource(t *rapid.T, g *genOrg, existing []domain.Resource, replace string) domain.Resource {
	s := g.s
	var typ *scheme.ResourceType
	var parent domain.Ref
	if replace != "" {
		ref, _ := domain.ParseRef(replace)
		typ, _ = s.Type(ref.Type)
	} else {
		// Half the time a child of an existing resource, when its type has children.
		var parents []domain.Resource
		for _, r := range existing {
			for _, ct := range s.Types {
				if ct.Parent == r.Type {
					parents = append(parents, r)
					break
				}
			}
		}
		if len(parents) > 0 && rapid.Bool().Draw(t, "res_child") {
			p := rapid.SampledFrom(parents).Draw(t, "res_parent_pick")
			var kids []*scheme.ResourceType
			for _, ct := range s.Types {
				if ct.Parent == p.Type {
					kids = append(kids, ct)
				}
			}
			typ = rapid.SampledFrom(kids).Draw(t, "res_child_type")
		} else {
			var tops []*scheme.ResourceType
			for _, ct := range s.Types {
				if ct.Parent == scheme.OrgType {
					tops = append(tops, ct)
				}
			}
			typ = rapid.SampledFrom(tops).Draw(t, "res_type")
		}
	}
	if typ.Parent != scheme.OrgType {
		var cands []domain.Resource
		for _, r := range existing {
			if r.Type == typ.Parent && r.Type+":"+r.ID != replace {
				cands = append(cands, r)
			}
		}
		p := rapid.SampledFrom(cands).Draw(t, "res_parent")
		parent = p.Ref()
	}
	r := domain.Resource{Org: "o", Type: typ.ID, Parent: parent}
	if replace != "" {
		r.ID = strings.TrimPrefix(replace, typ.ID+":")
	} else {
		r.ID = rapid.SampledFrom([]string{"a", "b", "c", "d", "e"}).Draw(t, "res_id") + g.id("")
	}
	if rapid.IntRange(0, 3).Draw(t, "res_owned") != 0 {
		r.Owner = rapid.SampledFrom(g.users).Draw(t, "res_owner")
	}
	if len(g.teams) > 0 && (typ.Teams || rapid.IntRange(0, 6).Draw(t, "res_team_any") == 0) && rapid.Bool().Draw(t, "res_team_has") {
		r.Team = rapid.SampledFrom(g.teams).Draw(t, "res_team")
	}
	if len(typ.Attributes) > 0 && rapid.IntRange(0, 3).Draw(t, "res_attr_has") != 0 {
		r.Attributes = map[string]string{typ.Attributes[0]: rapid.SampledFrom(attrValues).Draw(t, "res_attr")}
	}
	return r
}

// subjects lists every subject string requests may name: users, groups,
// keys, and one nobody.
func (g *genOrg) subjects() []string {
	var out []string
	for _, u := range g.users {
		out = append(out, "user:"+u)
	}
	for _, x := range g.groups {
		out = append(out, "group:"+x)
	}
	for _, k := range g.keys {
		out = append(out, "key:"+k)
	}
	return append(out, "user:nobody")
}

// scopes lists every scope a grant could name given the live resources.
func (g *genOrg) scopes(resources []string) []domain.Scope {
	out := []domain.Scope{domain.OrgScope()}
	for _, tm := range g.teams {
		out = append(out, domain.TeamScope(tm))
	}
	for _, typ := range g.s.Types {
		out = append(out, domain.TypeScope(typ.ID))
	}
	for _, ref := range resources {
		r, _ := domain.ParseRef(ref)
		out = append(out, domain.ResourceScope(r.Type, r.ID))
	}
	return out
}

// drawRoleAndScope draws a role and a scope it may be bound at.
func drawRoleAndScope(t *rapid.T, g *genOrg, resources []string) (string, domain.Scope, bool) {
	roleID := rapid.SampledFrom(g.roleIDs()).Draw(t, "grant_role")
	r := roleOf(g, roleID)
	var valid []domain.Scope
	for _, sc := range g.scopes(resources) {
		if g.s.GrantableAt(r, sc) == nil {
			valid = append(valid, sc)
		}
	}
	if len(valid) == 0 {
		return "", domain.Scope{}, false
	}
	return roleID, rapid.SampledFrom(valid).Draw(t, "grant_scope"), true
}

// drawGrant draws a grant of any role at a scope it may be bound at.
func drawGrant(t *rapid.T, g *genOrg, resources []string) (domain.Grant, bool) {
	roleID, sc, ok := drawRoleAndScope(t, g, resources)
	if !ok {
		return domain.Grant{}, false
	}
	subjects := g.subjects()
	subj, _ := domain.ParseSubject(rapid.SampledFrom(subjects[:len(subjects)-1]).Draw(t, "grant_subject"))
	if rapid.IntRange(0, 3).Draw(t, "grant_with_default") == 0 {
		roleID = domain.DefaultRole // each member it reaches holds their own default role
	}
	return domain.Grant{Org: "o", ID: g.id("gr"), Subject: subj, Role: roleID, Scope: sc, ExpiresAt: drawExpiry(t, "grant")}, true
}

// build loads the org into a fresh engine, either from the snapshot in bulk
// or change by change (two code paths of the index), and into the
// reference.
func build(t *rapid.T, g *genOrg) (*authz.Engine, *reference.State) {
	e := authz.New()
	if rapid.Bool().Draw(t, "bulk_load") {
		snap := g.snapshot
		snap.Revision = 1
		if err := e.Load(&snap); err != nil {
			t.Fatalf("load: %v", err)
		}
	} else {
		rev := int64(0)
		for len(g.changes[rev:]) > 0 {
			// Sometimes one change per revision, sometimes all the rest at once.
			n := len(g.changes) - int(rev)
			if rapid.IntRange(0, 3).Draw(t, "apply_one") != 0 {
				n = 1
			}
			if err := e.Apply("o", g.s.ID, rev+int64(n), g.changes[rev:rev+int64(n)]); err != nil {
				t.Fatalf("apply: %v", err)
			}
			rev += int64(n)
		}
		if len(g.changes) == 0 {
			if err := e.Apply("o", g.s.ID, 1, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	ref := reference.New(g.s)
	for _, c := range g.changes {
		if err := ref.Apply(c); err != nil {
			t.Fatalf("reference apply %s: %v", c.Op, err)
		}
	}
	return e, ref
}

// sortedKeys returns a map's keys in order, so draws from them replay.
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// permsFor lists the permissions acting on a resource type or on the types
// above it (and org-level ones): the ones a check on such a resource may
// sensibly ask about.
func permsFor(s *scheme.Scheme, typ string) []string {
	var out []string
	for _, p := range s.Permissions {
		if p.Type == typ || p.Type == scheme.OrgType || slices.Contains(s.Ancestors(typ), p.Type) {
			out = append(out, p.ID)
		}
	}
	return out
}
