package team

// The needs the policy table (policy.go) is made of: each says in its doc
// what it requires, for docs/permissions.md, and judges it in check.

import (
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

func perm(p string) need {
	return need{doc: "`" + p + "` at the org", perms: func(*scheme.Scheme) []string { return []string{p} },
		check: func(j *judge, _ *Target) error {
			if j.holds(p) {
				return nil
			}
			return fault.E(fault.Forbidden, "%s lacks permission %s on the organization", j.a.Subject, p)
		}}
}

// declared: permission p where the scheme declares it, else fallback. A
// scheme without a permission of its own for something shows it to the
// holders of the nearest one (usage to who sees billing).
func declared(p, fallback string) need {
	pick := func(sc *scheme.Scheme) string {
		if _, ok := sc.Permission(p); ok {
			return p
		}
		return fallback
	}
	return need{doc: "`" + p + "` at the org (`" + fallback + "` where the scheme has no `" + p + "`)",
		perms: func(sc *scheme.Scheme) []string { return []string{pick(sc)} },
		check: func(j *judge, t *Target) error { return perm(pick(j.sc)).check(j, t) }}
}

// ifDeclared: permission p at the org, in the schemes that declare it; in
// the others it never holds and is not required. A scheme's fine-grained
// permission that names a management action (Labelbox's admin.members.view)
// thereby acts on Gatehouse's own endpoints beside the platform one.
func ifDeclared(p string) need {
	return need{doc: "`" + p + "` at the org (where the scheme declares it)",
		perms: func(sc *scheme.Scheme) []string {
			if _, ok := sc.Permission(p); ok {
				return []string{p}
			}
			return []string{}
		},
		check: func(j *judge, t *Target) error {
			if _, ok := j.sc.Permission(p); !ok {
				return fault.E(fault.Forbidden, "scheme %s has no permission %s", j.sc.ID, p)
			}
			return perm(p).check(j, t)
		}}
}

// uniqueTop: n, in the schemes whose top role is unique (the others have
// no transfer, so no permission for it).
func uniqueTop(n need) need {
	return need{doc: n.doc, perms: func(sc *scheme.Scheme) []string {
		if !sc.UniqueTop {
			return nil
		}
		return n.perms(sc)
	}, check: func(j *judge, t *Target) error {
		if !j.sc.UniqueTop {
			return fault.E(fault.Conflict, "scheme %s has no unique owner: give the member the role %s instead", j.sc.ID, j.sc.TopRole)
		}
		return n.check(j, t)
	}}
}

func anyOf(ns ...need) need {
	var docs []string
	static := true
	for _, n := range ns {
		docs = append(docs, n.doc)
		static = static && n.perms != nil
	}
	n := need{doc: "one of: " + strings.Join(docs, " / "), check: func(j *judge, t *Target) error {
		var first error
		for _, n := range ns {
			err := n.check(j, t)
			if err == nil {
				return nil
			}
			if first == nil {
				first = err
			}
		}
		return first
	}}
	if static {
		n.perms = func(sc *scheme.Scheme) []string {
			var out []string
			for _, x := range ns {
				out = append(out, x.perms(sc)...)
			}
			return out
		}
	}
	return n
}

func all(ns ...need) need {
	var docs []string
	for _, n := range ns {
		docs = append(docs, n.doc)
	}
	return need{doc: "(" + strings.Join(docs, " and ") + ")", check: func(j *judge, t *Target) error {
		for _, n := range ns {
			if err := n.check(j, t); err != nil {
				return err
			}
		}
		return nil
	}}
}

var userManager = need{doc: "user management",
	perms: func(sc *scheme.Scheme) []string {
		var out []string
		for _, um := range sc.UserManagement {
			out = append(out, um.Permission)
		}
		return out
	},
	check: func(j *judge, _ *Target) error {
		for _, um := range j.sc.UserManagement {
			if j.holds(um.Permission) {
				return nil
			}
		}
		return fault.E(fault.Forbidden, "%s does not manage users in this organization", j.a.Subject)
	}}

// orgUserManager is user management over the whole org: an entry that is
// not held to lower scopes (Labelbox's project.members.manage manages a
// project's members, not the org's sign-in or provisioning).
func orgWide(um scheme.UserManagement) bool {
	return um.ScopeTypes == nil || slices.Contains(um.ScopeTypes, scheme.OrgType)
}

var orgUserManager = need{doc: "user management at the organization (an entry not limited to lower scopes)",
	perms: func(sc *scheme.Scheme) []string {
		var out []string
		for _, um := range sc.UserManagement {
			if orgWide(um) {
				out = append(out, um.Permission)
			}
		}
		return out
	},
	check: func(j *judge, _ *Target) error {
		for _, um := range j.sc.UserManagement {
			if orgWide(um) && j.holds(um.Permission) {
				return nil
			}
		}
		return fault.E(fault.Forbidden, "%s does not manage users across this organization", j.a.Subject)
	}}

var auditor = need{doc: "audit",
	perms: func(sc *scheme.Scheme) []string { return []string{sc.AuditPermission} },
	check: func(j *judge, _ *Target) error {
		if j.holds(j.sc.AuditPermission) {
			return nil
		}
		return fault.E(fault.Forbidden, "%s lacks permission %s on the organization", j.a.Subject, j.sc.AuditPermission)
	}}

// propertiesStater: what a caller states about a request's subject,
// resource or action decides conditions, so only whom the scheme trusts to
// say it may; a scheme that names no such permission trusts no one.
var propertiesStater = need{doc: "state properties",
	perms: func(sc *scheme.Scheme) []string {
		if sc.PropertiesPermission == "" {
			return nil
		}
		return []string{sc.PropertiesPermission}
	},
	check: func(j *judge, _ *Target) error {
		if j.sc.PropertiesPermission == "" {
			return fault.E(fault.Forbidden, "scheme %s lets no caller state request properties", j.sc.ID)
		}
		if j.holds(j.sc.PropertiesPermission) {
			return nil
		}
		return fault.E(fault.Forbidden, "%s lacks permission %s on the organization", j.a.Subject, j.sc.PropertiesPermission)
	}}

var self = need{doc: "the member themself", check: func(j *judge, t *Target) error {
	if t.Member != "" && j.a.UserID() == t.Member {
		return nil
	}
	return fault.E(fault.Forbidden, "%s is not %s", j.a.Subject, t.Member)
}}

// another: extending one's own membership would hand oneself what only
// another may grant.
var another = need{doc: "someone other than the member", check: func(j *judge, t *Target) error {
	if t.Member != "" && j.a.UserID() == t.Member {
		return fault.E(fault.Forbidden, "the end of your own membership is set by another user manager")
	}
	return nil
}}

var owner = need{doc: "its inviter or owner", check: func(j *judge, t *Target) error {
	if t.Owner != "" && (j.a.Subject.String() == t.Owner || j.a.UserID() == t.Owner) {
		return nil
	}
	return fault.E(fault.Forbidden, "%s is not its inviter or owner", j.a.Subject)
}}

var topHolder = need{doc: "the actor holds the top role (not a key)", check: func(j *judge, _ *Target) error {
	if role, _ := j.o.MemberRole(j.a.UserID()); j.a.IsKey() || role != j.sc.TopRole {
		return fault.E(fault.Forbidden, "only the %s transfers ownership", j.sc.TopRole)
	}
	return nil
}}

// invites: the scheme's invite permission at the org; or, for an
// invitation with the base role and grants, an invite permission at every
// grant's scope (a Deepomatic Team Admin invites into its own team).
var invites = need{doc: "invite at the org, or (base role with grants) at each grant's scope",
	check: func(j *judge, t *Target) error {
		for _, p := range j.sc.InvitePermissions {
			if j.holds(p) {
				return nil
			}
		}
		if t.Role == j.sc.BaseRole && len(t.Grants) > 0 {
			ok := true
			for _, g := range t.Grants {
				sc, err := domain.ParseScope(g.Scope)
				if err != nil || !j.invitesAt(sc) {
					ok = false
					break
				}
			}
			if ok {
				return nil
			}
		}
		return fault.E(fault.Forbidden, "%s may not invite new members (needs %s)", j.a.Subject, strings.Join(j.sc.InvitePermissions, " or "))
	}}

func (j *judge) invitesAt(sc domain.Scope) bool {
	for _, um := range j.sc.UserManagement {
		if !slices.Contains(j.sc.InvitePermissions, um.Permission) {
			continue
		}
		if um.ScopeTypes != nil && !slices.Contains(um.ScopeTypes, scopeType(sc)) {
			continue
		}
		if j.o.HoldsAt(j.a.Subject.String(), um.Permission, sc, j.now()) {
			return true
		}
	}
	return false
}

func scopeType(sc domain.Scope) string {
	switch sc.Kind {
	case domain.ScopeTeam:
		return scheme.TeamType
	case domain.ScopeResource, domain.ScopeType:
		return sc.Type
	}
	return scheme.OrgType
}

// grantsRole: the org role handed out, unless it is the base role, is one
// the actor could grant at the org.
var grantsRole = need{doc: "hand out the new org role (the base role excepted)", check: func(j *judge, t *Target) error {
	if t.Role == "" || t.Role == j.sc.BaseRole {
		return nil
	}
	return j.handOut(t.Role, domain.OrgScope())
}}

// takesRole: the member's current org role, unless it is the base role, is
// one the actor could grant: the power to give a role is the power to take it.
var takesRole = need{doc: "hand out the member's current org role (the base role excepted)", check: func(j *judge, t *Target) error {
	if t.Current == "" || t.Current == j.sc.BaseRole {
		return nil
	}
	if err := j.handOut(t.Current, domain.OrgScope()); err != nil {
		return fault.E(fault.Forbidden, "%s may not change or end the role of a %s: %v", j.a.Subject, t.Current, err)
	}
	return nil
}}

// endsMembership: the member's org role, the base role included, is one the
// actor could grant.
var endsMembership = need{doc: "hand out the member's org role", check: func(j *judge, t *Target) error {
	if err := j.handOut(t.Current, domain.OrgScope()); err != nil {
		return fault.E(fault.Forbidden, "%s may not remove a %s: %v", j.a.Subject, roleName(j.sc, t.Current), err)
	}
	return nil
}}

var grantsInvited = need{doc: "hand out each of the invitation's grants", check: func(j *judge, t *Target) error {
	for _, g := range t.Grants {
		if g.Role == domain.DefaultRole {
			return fault.E(fault.Unprocessable, "an invitation's grants name their role; a grant with the default role is made once the member has joined and has one")
		}
		sc, err := domain.ParseScope(g.Scope)
		if err != nil {
			return fault.Wrap(fault.Unprocessable, err)
		}
		if err := j.handOut(g.Role, sc); err != nil {
			return err
		}
	}
	return nil
}}

var grantsGrant = need{doc: "hand out the grant's role at its scope (with the default role: the default role of each member it reaches)", check: func(j *judge, t *Target) error {
	if t.Grant == nil {
		return nil
	}
	for _, g := range j.given(*t.Grant, "") {
		if err := j.handOut(g.Role, g.Scope); err != nil {
			return err
		}
	}
	return nil
}}

// revokesAll: every grant the action ends is one the actor could make.
var revokesAll = need{doc: "hand out every grant it ends", check: func(j *judge, t *Target) error {
	if g, err := j.ungrantable(t.Ends, t.Member); err != nil {
		return fault.E(fault.Forbidden, "this ends %s at %s, which %s could not grant: %v", g.Role, g.Scope, j.a.Subject, err)
	}
	return nil
}}

// ungrantable is the first of gs (each as it reaches member, for a grant
// with the default role) that the actor could not hand out, and why.
func (j *judge) ungrantable(gs []domain.Grant, member string) (domain.Grant, error) {
	for _, end := range gs {
		for _, g := range j.given(end, member) {
			if err := j.handOut(g.Role, g.Scope); err != nil {
				return g, err
			}
		}
	}
	return domain.Grant{}, nil
}

// speaksFor: a decision point that asks about an alias is answered with
// the power of the member it names, so giving a member an alias hands all
// she holds to whoever that id is, and taking one away takes it from them.
// Either takes the power to hand out her org role and every grant reaching
// her; one's own aliases are one's own.
var speaksFor = need{doc: "unless the member is oneself: hand out the member's org role (the base role excepted) and every grant reaching her, directly or through a group", check: func(j *judge, t *Target) error {
	if t.Member == j.a.UserID() {
		return nil
	}
	if t.Current != "" && t.Current != j.sc.BaseRole {
		if err := j.handOut(t.Current, domain.OrgScope()); err != nil {
			return fault.E(fault.Forbidden, "an alias of this member speaks for a %s, which %s could not grant: %v", roleName(j.sc, t.Current), j.a.Subject, err)
		}
	}
	if g, err := j.ungrantable(t.Ends, t.Member); err != nil {
		return fault.E(fault.Forbidden, "an alias of this member speaks for %s at %s, which %s could not grant: %v", g.Role, g.Scope, j.a.Subject, err)
	}
	return nil
}}

// setsDefaultRole: a member's default role is what every grant made with
// the default role gives them, so changing it hands out the new one and
// takes away the old one at each such grant's scope.
var setsDefaultRole = need{doc: "hand out the new default role, and the one it replaces, at the scope of every grant made with the default role that reaches the member", check: func(j *judge, t *Target) error {
	for _, g := range t.Ends {
		if g.Role != domain.DefaultRole {
			continue
		}
		for _, r := range []string{t.Role, t.Current} {
			if r == "" {
				continue
			}
			if err := j.handOut(r, g.Scope); err != nil {
				return fault.E(fault.Forbidden, "%s reaches %s at %s with their default role, so changing it takes the power to grant %s there: %v",
					domain.UserSubject(t.Member), g.Subject, g.Scope, roleName(j.sc, r), err)
			}
		}
	}
	return nil
}}

// given is what a grant gives, as grants of named roles: itself, or for a
// grant made with the default role one grant per default role it reaches:
// member's (the one member an action is about), else that of each member
// of its subject. A member without a default role is given nothing.
func (j *judge) given(g domain.Grant, member string) []domain.Grant {
	if g.Role != domain.DefaultRole {
		return []domain.Grant{g}
	}
	of := g.Subject
	if member != "" {
		of = domain.UserSubject(member)
	}
	var out []domain.Grant
	for _, r := range j.o.DefaultRoles(of) {
		c := g
		c.Role = r
		out = append(out, c)
	}
	return out
}

// baseOnly: where the scheme says so, roles bound below the org go only to
// members whose org role is the base role.
var baseOnly = need{doc: "where the scheme has `scoped_roles_need_base_role`, the user given a scoped role (or each member of the group given it) has the base org role", check: func(j *judge, t *Target) error {
	if t.Grant == nil {
		return nil
	}
	users := t.Holders
	if t.Grant.Subject.Kind == domain.SubjectUser {
		users = []string{t.Grant.Subject.ID}
	}
	for _, u := range users {
		if err := j.baseFor(u, []domain.Grant{*t.Grant}); err != nil {
			return err
		}
	}
	return nil
}}

var baseOnlyGroup = need{doc: "where the scheme has `scoped_roles_need_base_role` and the group holds scoped roles, the member has the base org role", check: func(j *judge, t *Target) error {
	return j.baseFor(t.Member, t.Ends)
}}

func (j *judge) baseFor(user string, gs []domain.Grant) error {
	if !j.sc.ScopedRolesNeedBase {
		return nil
	}
	role, _ := j.o.MemberRole(user)
	if role == j.sc.BaseRole {
		return nil
	}
	for _, g := range gs {
		if g.Scope.Kind != domain.ScopeOrg {
			return fault.E(fault.Conflict, "%s holds the organization-wide role %s, which a %s role cannot override; change their org role to %s first",
				user, roleName(j.sc, role), roleName(j.sc, g.Role), roleName(j.sc, j.sc.BaseRole))
		}
	}
	return nil
}

func roleName(sc *scheme.Scheme, id string) string {
	if r, ok := sc.Role(id); ok {
		return r.Name
	}
	return id
}

// onRoster: a team-scoped grant to a member needs the member on the roster,
// or the power to put them there (the grant then adds them).
var onRoster = need{doc: "a team-scoped grant's user is on the roster, or the actor may roster them", check: func(j *judge, t *Target) error {
	if t.Grant == nil || t.Grant.Scope.Kind != domain.ScopeTeam || t.Grant.Subject.Kind != domain.SubjectUser {
		return nil
	}
	if t.Team == "" {
		return nil // already on it
	}
	rt := &Target{Team: t.Grant.Scope.ID, Member: t.Grant.Subject.ID}
	if err := teamManager.check(j, rt); err != nil {
		return err
	}
	return rosterable.check(j, rt)
}}

// rostersInvited: an invitation's team-scoped grant puts the invitee on the
// team's roster when it is accepted, as a grant made later would; that takes
// the power to roster them: user management at the org, or at the team for
// an invitee given the base org role.
var rostersInvited = need{doc: "put the invitee on the roster of each team its grants name", check: func(j *judge, t *Target) error {
	for _, g := range t.Grants {
		sc, err := domain.ParseScope(g.Scope)
		if err != nil || sc.Kind != domain.ScopeTeam {
			continue
		}
		if userManager.check(j, t) == nil {
			return nil
		}
		if !j.managesTeam(sc.ID) {
			return fault.E(fault.Forbidden, "managing team %s needs user management there", sc.ID)
		}
		if t.Role != "" && t.Role != j.sc.BaseRole {
			return fault.E(fault.Forbidden, "a team's manager puts on its roster only members whose organization role is %s",
				roleName(j.sc, j.sc.BaseRole))
		}
	}
	return nil
}}

// teamManager: user management at the org, or at the team itself (a
// Deepomatic Team Admin).
var teamManager = need{doc: "user management at the org or at the team", check: func(j *judge, t *Target) error {
	if userManager.check(j, t) == nil {
		return nil
	}
	if t.Team != "" && j.managesTeam(t.Team) {
		return nil
	}
	return fault.E(fault.Forbidden, "managing team %s needs user management there", t.Team)
}}

func (j *judge) managesTeam(id string) bool {
	for _, um := range j.sc.UserManagement {
		if (um.ScopeTypes == nil || slices.Contains(um.ScopeTypes, scheme.TeamType)) &&
			j.o.HoldsAt(j.a.Subject.String(), um.Permission, domain.TeamScope(id), j.now()) {
			return true
		}
	}
	return false
}

// rosterable: a manager of the team only (not of the org) rosters members
// whose org role is the base role: anyone else carries org-wide power the
// team's manager does not hold.
var rosterable = need{doc: "a team-only manager rosters only members with the base org role", check: func(j *judge, t *Target) error {
	if userManager.check(j, t) == nil {
		return nil
	}
	if role, _ := j.o.MemberRole(t.Member); role != j.sc.BaseRole {
		return fault.E(fault.Forbidden, "a team's manager puts on its roster only members whose organization role is %s; %s is %s",
			roleName(j.sc, j.sc.BaseRole), t.Member, roleName(j.sc, role))
	}
	return nil
}}

// holdsFreely: a custom role holds no permission more freely than its
// creator holds it across the org (at the org, or at TYPE:* for a
// resource type's permission).
var holdsFreely = need{doc: "hold each of the role's permissions across the org at least as freely (no condition the role drops)", check: func(j *judge, t *Target) error {
	for _, rp := range t.Perms {
		sc := domain.OrgScope()
		if rp.Perm.Type != scheme.OrgType {
			sc = domain.TypeScope(rp.Perm.Type)
		}
		under, ok := j.o.HoldsAsFreely(j.a.Subject, rp.Perm.ID, rp.Cond, sc, j.now())
		if !ok && rp.Perm.Type != scheme.OrgType {
			under, ok = j.o.HoldsAsFreely(j.a.Subject, rp.Perm.ID, rp.Cond, domain.OrgScope(), j.now())
		}
		if ok {
			continue
		}
		if under != "" {
			return fault.E(fault.Forbidden, "%s holds %s only under %q; a custom role may not hold it more freely", j.a.Subject, rp.Perm.ID, under)
		}
		return fault.E(fault.Forbidden, "a custom role may only hold permissions its creator holds across the organization; %s lacks %s", j.a.Subject, rp.Perm.ID)
	}
	return nil
}}

// topKey: a key holding the top role is one more holder of it, so only a
// holder makes one, and where the top role is unique nobody does.
var topKey = need{doc: "a key with the top role only by a holder of it, never where it is unique", check: func(j *judge, t *Target) error {
	for _, g := range t.Key {
		if g.Role != j.sc.TopRole {
			continue
		}
		if role, _ := j.o.MemberRole(j.a.UserID()); j.sc.UniqueTop || j.a.IsKey() || role != j.sc.TopRole {
			return fault.E(fault.Forbidden, "a secret key cannot hold the top role %s", j.sc.TopRole)
		}
	}
	return nil
}}

// coversKey: the actor holds everything the key's grants hold, at their
// scopes: whoever gets a key's secret holds its power.
var coversKey = need{doc: "hold every permission of the key's grants at their scopes", check: func(j *judge, t *Target) error {
	for _, g := range t.Key {
		if err := grantErr(j.o.Covers(j.a.Subject, g.Role, g.Scope, j.now())); err != nil {
			return err
		}
	}
	return nil
}}

// recipientCovers: a key goes only to a member who covers it, since the
// key's power is bounded by its owner's.
var recipientCovers = need{doc: "the new owner is a member who holds every permission of the key's grants", check: func(j *judge, t *Target) error {
	if _, ok := j.o.MemberRole(t.To); !ok {
		return notFound("member", t.To)
	}
	for _, g := range t.Key {
		if err := j.o.Covers(domain.UserSubject(t.To), g.Role, g.Scope, j.now()); err != nil {
			return fault.E(fault.Conflict, "%s does not hold everything the key holds, so the key would hold less with them: %v", t.To, err)
		}
	}
	return nil
}}

func (j *judge) handOut(role string, sc domain.Scope) error {
	return grantErr(j.o.CanGrant(j.a.Subject, role, sc, j.now()))
}

func grantErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, authz.ErrInvalidGrant):
		return fault.Wrap(fault.Unprocessable, err)
	case errors.Is(err, authz.ErrEscalation):
		return fault.Wrap(fault.Forbidden, err)
	}
	return err
}

// resourceHolder: the actor holds, at the target's resource, every
// permission the scheme defines for its type: the resource's owner in
// every scheme, whatever its role is called (vi's Dataset Owner).
var resourceHolder = need{doc: "every permission of the resource's type at the resource (its owner)", check: func(j *judge, t *Target) error {
	ref, err := domain.ParseRef(t.Resource)
	if t.Resource == "" || err != nil {
		return fault.E(fault.Forbidden, "%s does not manage users in this organization", j.a.Subject)
	}
	n := 0
	for _, p := range j.sc.Permissions {
		if p.Type != ref.Type {
			continue
		}
		n++
		// Owning is holding by role: an approval gate on one of the
		// permissions does not make the owner any less its owner.
		d, err := j.o.Check(&authz.Request{Subject: j.a.Subject.String(), Permission: p.ID, Resource: ref.String(), Now: j.now(), Ungated: true})
		if err != nil || !d.Allowed {
			return fault.E(fault.Forbidden, "%s neither manages users nor owns %s (lacks %s there)", j.a.Subject, ref, p.ID)
		}
	}
	if n == 0 {
		return fault.E(fault.Forbidden, "%s has no permissions of its own to own it by", ref)
	}
	return nil
}}

// reviewerOf: the actor is one of the review's reviewers.
var reviewerOf = need{doc: "one of the review's reviewers", check: func(j *judge, t *Target) error {
	if u := j.a.UserID(); u != "" && slices.Contains(t.Reviewers, u) {
		return nil
	}
	return fault.E(fault.Forbidden, "%s is not a reviewer of this review", j.a.Subject)
}}

// person: an access request is a member asking for themself; a key asks
// for nothing, its grants are set when it is made.
var person = need{doc: "a member (not a key), for themself", check: func(j *judge, _ *Target) error {
	if j.a.UserID() == "" {
		return fault.E(fault.Forbidden, "a secret key cannot request access; its grants are set when it is made")
	}
	return nil
}}

// notToken: a personal access token makes no credential and changes no
// rule that bounds credentials. What it made would outlive its revocation
// and its expiry, which the org's cap on token lifetimes exists to bound.
// Its perms are none, but not nil: it depends on no target, so the
// capabilities judge it too.
var notToken = need{doc: "not through a personal access token",
	perms: func(*scheme.Scheme) []string { return []string{} },
	check: func(j *judge, _ *Target) error {
		if j.a.IsToken() {
			return fault.E(fault.Forbidden, "a personal access token cannot make tokens, keys or secrets, nor change the rules for them; sign in to do this")
		}
		return nil
	}}

// holdsGated: who gates or ungates a permission, or changes who approves
// it, decides who may exercise it, so they hold it across the org
// themselves (by role, whatever gates say).
var holdsGated = need{doc: "hold the permission across the org (by role; gates aside)", check: func(j *judge, t *Target) error {
	d, err := j.o.Check(&authz.Request{Subject: j.a.Subject.String(), Permission: t.Permission, Now: j.now(), Ungated: true})
	if err != nil || !d.Allowed {
		return fault.E(fault.Forbidden, "%s does not hold %s across the organization, so may not decide who needs approval for it", j.a.Subject, t.Permission)
	}
	return nil
}}

// requester: the actor is who made the access request (Target.Owner).
var requester = need{doc: "its requester", check: func(j *judge, t *Target) error {
	if u := j.a.UserID(); u != "" && u == t.Owner {
		return nil
	}
	return fault.E(fault.Forbidden, "%s did not make this request", j.a.Subject)
}}

// notRequester: approving one's own request would be granting oneself
// what one asked another for.
var notRequester = need{doc: "someone other than its requester", check: func(j *judge, t *Target) error {
	if u := j.a.UserID(); u != "" && u == t.Owner {
		return fault.E(fault.Forbidden, "you cannot approve your own request; another decider approves it")
	}
	return nil
}}

// approverAt: a user holding the gate's approver role at the window's
// resource or above it. A key approves nothing: approval is a person's
// sign-off.
var approverAt = need{doc: "a user holding the gate's approver role at the resource or above it", check: func(j *judge, t *Target) error {
	if j.a.IsKey() || !j.o.HoldsRole(j.a.Subject.String(), t.ApproverRole, t.Resource, j.now()) {
		return fault.E(fault.Forbidden, "%s does not hold the approver role %s at %s", j.a.Subject, t.ApproverRole, scopeName(t.Resource))
	}
	return nil
}}

// holdsGatedAt is rule 2 for approvals: an approver never opens a window
// on more than they hold themselves.
var holdsGatedAt = need{doc: "hold the gated permission at the resource (by role; gates aside)", check: func(j *judge, t *Target) error {
	d, err := j.o.Check(&authz.Request{Subject: j.a.Subject.String(), Permission: t.Permission, Resource: t.Resource, Now: j.now(), Ungated: true})
	if err != nil || !d.Allowed {
		return fault.E(fault.Forbidden, "%s does not hold %s at %s, so may not approve it there", j.a.Subject, t.Permission, scopeName(t.Resource))
	}
	return nil
}}

// notOwnApproval: a second sign-off is another person's; a window for
// one's own key is one for oneself.
var notOwnApproval = need{doc: "not for oneself or one's own key", check: func(j *judge, t *Target) error {
	if t.Member != "" && t.Member == j.a.UserID() {
		return fault.E(fault.Forbidden, "an approval is another person's sign-off: %s may not approve their own access", j.a.Subject)
	}
	return nil
}}

func scopeName(ref string) string {
	if ref == "" {
		return "the organization"
	}
	return ref
}

// grantsGroupsGrants: every grant held by the groups an action puts people
// in (an SSO configuration's mapped groups) is one the actor could grant.
var grantsGroupsGrants = need{doc: "hand out every grant of the groups it puts people in (at a sign-in, every grant the member holds there too)", check: func(j *judge, t *Target) error {
	if x, err := j.ungrantable(t.Ends, ""); err != nil {
		return fault.E(fault.Forbidden, "it gives %s at %s, which %s could not grant: %v", x.Role, x.Scope, j.a.Subject, err)
	}
	return nil
}}
