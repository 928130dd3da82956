package team

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
	"github.com/gatehouse/gatehouse/internal/fault"
	"github.com/gatehouse/gatehouse/internal/scheme"
)

// This file is the policy of the management surface: who may take each
// action on an organization. Every use case asks it through authorize, the
// console shows what Capabilities derives from it, schemes are validated
// against the permissions it names, and docs/permissions.md is generated
// from it. No other file names a management permission.
//
// The rule behind every entry is PRODUCT.md's rule 2: an answer that hands
// its caller a token, a secret, a key, a grant or a membership is a grant,
// and takes exactly the power to grant what it carries, judged for the
// caller at that moment.

// orgViewPermission is the permission every member holds: it shows the org at all.
const orgViewPermission = "org.view"

// Action is a management action; its name is also the audit event's.
type Action string

// The management actions.
const (
	ActOrgRename     Action = "org.rename"
	ActOrgTransfer   Action = "org.transfer"
	ActBillingView   Action = "billing.view"
	ActBillingUpdate Action = "billing.update"

	ActMemberList   Action = "member.list"
	ActMemberDetail Action = "member.view"
	ActMemberRole   Action = "member.role"
	ActMemberRemove Action = "member.remove"

	ActInvitationList   Action = "invitation.list"
	ActInvitationCreate Action = "invitation.create"
	ActInvitationResend Action = "invitation.resend"
	ActInvitationRevoke Action = "invitation.revoke"
	ActInvitationAccept Action = "invitation.accept"

	ActGrantList   Action = "grant.list"
	ActGrantCreate Action = "grant.create"
	ActGrantDelete Action = "grant.delete"

	ActRoleCreate Action = "role.create"
	ActRoleDelete Action = "role.delete"

	ActKeyList     Action = "key.list"
	ActKeyCreate   Action = "key.create"
	ActKeyRotate   Action = "key.rotate"
	ActKeyRevoke   Action = "key.revoke"
	ActKeyTransfer Action = "key.transfer"

	ActTeamCreate       Action = "team.create"
	ActTeamRename       Action = "team.rename"
	ActTeamDelete       Action = "team.delete"
	ActTeamMemberAdd    Action = "team.member.add"
	ActTeamMemberRemove Action = "team.member.remove"

	ActGroupCreate       Action = "group.create"
	ActGroupRename       Action = "group.rename"
	ActGroupDelete       Action = "group.delete"
	ActGroupMemberAdd    Action = "group.member.add"
	ActGroupMemberRemove Action = "group.member.remove"

	ActResourceList   Action = "resource.list"
	ActResourcePut    Action = "resource.put"
	ActResourceDelete Action = "resource.delete"

	ActAuditRead Action = "audit.read"
)

// Target is what an action acts on, as far as its rule needs to know.
type Target struct {
	Role    string                // the org role handed out (invitation, role change)
	Current string                // the member's org role now (role change, removal)
	Grant   *domain.Grant         // a grant made or revoked
	Grants  []domain.InvitedGrant // an invitation's grants
	Ends    []domain.Grant        // grants the action ends (removal, leaving a group)
	Key     []domain.Grant        // the grants of the key acted on
	Owner   string                // a user the action is "theirs" for: inviter, key owner, subject of a detail
	To      string                // the member a key is handed to
	Perms   []scheme.RolePerm     // a custom role's permissions
	Team    string                // a team whose roster changes
	Member  string                // the member acted on
	Holders []string              // the members of a group a grant goes to
}

// need is one condition of a rule.
type need struct {
	doc   string
	perms func(*scheme.Scheme) []string // permissions it names, for validation
	check func(*judge, *Target) error
}

// rule is one row of the policy: an action and what it needs, all of it.
type rule struct {
	action Action
	does   string
	needs  []need
}

// policy is the table. The order is the order of docs/permissions.md.
var policy = []rule{
	{ActOrgRename, "rename the organization", []need{perm("org.rename")}},
	{ActBillingView, "see the plan and the billing contact", []need{perm("billing.view")}},
	{ActBillingUpdate, "change the plan, seats or billing contact", []need{perm("billing.manage")}},
	{ActOrgTransfer, "hand the unique top role to another member (schemes with `unique_top`)", []need{uniqueTop(perm("org.transfer")), topHolder}},

	{ActMemberList, "list members, teams and groups", []need{perm("members.view")}},
	{ActMemberDetail, "see another member's grants and effective access", []need{anyOf(self, userManager, auditor)}},
	{ActMemberRole, "change a member's org role", []need{grantsRole, takesRole}},
	{ActMemberRemove, "remove a member (ends their grants, group and team memberships and the keys they own)",
		[]need{anyOf(self, all(endsMembership, revokesAll))}},

	{ActInvitationList, "list invitations", []need{anyOf(userManager, auditor)}},
	{ActInvitationCreate, "invite someone new", []need{invites, grantsRole, grantsInvited}},
	{ActInvitationResend, "issue a new link for a pending invitation (the resender becomes its inviter)",
		[]need{invites, grantsRole, grantsInvited}},
	{ActInvitationRevoke, "revoke a pending invitation", []need{anyOf(owner, userManager)}},
	{ActInvitationAccept, "accept (judged for the inviter, at acceptance)", []need{invites, grantsRole, grantsInvited}},

	{ActGrantList, "list grants other than one's own", []need{anyOf(userManager, auditor)}},
	{ActGrantCreate, "grant a role at a scope to a member or group", []need{grantsGrant, baseOnly, onRoster}},
	{ActGrantDelete, "revoke a grant", []need{grantsGrant}},

	{ActRoleCreate, "compose a custom role", []need{userManager, holdsFreely}},
	{ActRoleDelete, "delete an unused custom role", []need{userManager}},

	{ActKeyList, "list secret keys and their grants", []need{perm("keys.manage")}},
	{ActKeyCreate, "make a secret key", []need{perm("keys.manage"), topKey, coversKey}},
	{ActKeyRotate, "issue a key's new secret", []need{perm("keys.manage"), topKey, coversKey}},
	{ActKeyRevoke, "revoke a secret key", []need{perm("keys.manage"), anyOf(owner, coversKey)}},
	{ActKeyTransfer, "hand a key to another member", []need{perm("keys.manage"), topKey, coversKey, recipientCovers}},

	{ActTeamCreate, "create a team", []need{userManager}},
	{ActTeamRename, "rename a team", []need{userManager}},
	{ActTeamDelete, "delete a team (ends the grants at it)", []need{userManager, revokesAll}},
	{ActTeamMemberAdd, "put a member on a team's roster", []need{teamManager, rosterable}},
	{ActTeamMemberRemove, "take a member off a roster (ends their grants at the team)", []need{teamManager, rosterable, revokesAll}},

	{ActGroupCreate, "create a group", []need{userManager}},
	{ActGroupRename, "rename a group", []need{userManager}},
	{ActGroupDelete, "delete a group (ends its grants)", []need{userManager, revokesAll}},
	{ActGroupMemberAdd, "add a member to a group (hands them its grants)", []need{userManager, revokesAll, baseOnlyGroup}},
	{ActGroupMemberRemove, "remove a member from a group", []need{userManager, revokesAll}},

	{ActResourceList, "list every registered resource", []need{auditor}},
	{ActResourcePut, "register or replace a resource (judged in the resource's use case: the type's create permission at the parent, for the resource as it is and as it will be, and without the conditions that read a field it changes)", nil},
	{ActResourceDelete, "delete a resource (the type's create permission at the parent)", nil},

	{ActAuditRead, "read the audit log, decision log and access reports, and ask about others", []need{auditor}},
}

var policyIndex = func() map[Action]*rule {
	m := make(map[Action]*rule, len(policy))
	for i := range policy {
		m[policy[i].action] = &policy[i]
	}
	return m
}()

// judge is one actor in one org at one moment.
type judge struct {
	s  *Service
	o  *authz.Org
	sc *scheme.Scheme
	a  Actor
}

func (j *judge) now() int64 { return j.s.now().UnixNano() }

func (j *judge) holds(perm string) bool {
	d, err := j.o.Check(&authz.Request{Subject: j.a.Subject.String(), Permission: perm, Now: j.now()})
	return err == nil && d.Allowed
}

// authorize answers whether the actor may take the action on the target:
// nil, or the error of the first need that fails.
func (s *Service) authorize(o *authz.Org, sc *scheme.Scheme, a Actor, act Action, t *Target) error {
	r, ok := policyIndex[act]
	if !ok {
		return fmt.Errorf("policy: no rule for %s", act)
	}
	if t == nil {
		t = &Target{}
	}
	j := &judge{s: s, o: o, sc: sc, a: a}
	for _, n := range r.needs {
		if err := n.check(j, t); err != nil {
			return err
		}
	}
	return nil
}

// Capabilities lists the actions the actor may take at all in the org,
// judged on the needs that do not depend on a target: the console shows a
// page or a button when it is there, and the use case still judges each
// request in full.
func (s *Service) Capabilities(a Actor, org string) (map[Action]bool, error) {
	o, sc, err := s.org(a, org)
	if err != nil {
		return nil, err
	}
	j := &judge{s: s, o: o, sc: sc, a: a}
	out := map[Action]bool{}
	for _, r := range policy {
		ok := true
		for _, n := range r.needs {
			if n.perms == nil {
				continue // depends on the target
			}
			if err := n.check(j, &Target{}); err != nil {
				ok = false
				break
			}
		}
		out[r.action] = ok
	}
	return out, nil
}

// ValidateScheme fails when a scheme lacks a permission the policy names.
func ValidateScheme(sc *scheme.Scheme) error {
	missing := []string{}
	if _, ok := sc.Permission(orgViewPermission); !ok {
		missing = append(missing, orgViewPermission)
	}
	for _, r := range policy {
		for _, n := range r.needs {
			if n.perms == nil {
				continue
			}
			for _, p := range n.perms(sc) {
				if _, ok := sc.Permission(p); !ok && !slices.Contains(missing, p) {
					missing = append(missing, p)
				}
			}
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("scheme %s lacks permissions the management policy names: %s", sc.ID, strings.Join(missing, ", "))
	}
	return nil
}

// AuditActions lists every action name the audit log may carry, for filters.
func AuditActions() []string {
	out := []string{"org.create", "org.bootstrap"}
	for _, r := range policy {
		switch r.action {
		case ActMemberList, ActMemberDetail, ActInvitationList, ActGrantList, ActKeyList, ActResourceList, ActAuditRead, ActBillingView:
			continue // reads leave no event
		}
		out = append(out, string(r.action))
	}
	return append(out, "session.login", "session.login_failed", "session.logout", "session.end",
		"password.change", "password.reset_request", "password.reset")
}

// PermissionsDoc renders the policy as docs/permissions.md.
func PermissionsDoc() string {
	var b strings.Builder
	b.WriteString("# Who may do what on the management surface\n\n")
	b.WriteString("Generated from `internal/team/policy.go` by `go test ./internal/team -run TestPermissionsDoc -update`; do not edit by hand.\n\n")
	b.WriteString("Every action needs all of what its row lists. \"Hand out\" is PRODUCT.md's rule 2: the actor could grant it.\n")
	b.WriteString("Scheme-dependent names: *user management* is any of the scheme's `user_management` permissions at the org;\n")
	b.WriteString("*audit* is its `audit_permission`; *invite* is its `invite_permissions` (by default the user-management ones).\n\n")
	b.WriteString("| Action | What it does | Needs |\n|---|---|---|\n")
	for _, r := range policy {
		var needs []string
		for _, n := range r.needs {
			needs = append(needs, n.doc)
		}
		if len(needs) == 0 {
			needs = []string{"see *What it does*"}
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", r.action, r.does, strings.Join(needs, "; "))
	}
	return b.String()
}

// The needs.

func perm(p string) need {
	return need{doc: "`" + p + "` at the org", perms: func(*scheme.Scheme) []string { return []string{p} },
		check: func(j *judge, _ *Target) error {
			if j.holds(p) {
				return nil
			}
			return fault.E(fault.Forbidden, "%s lacks permission %s on the organization", j.a.Subject, p)
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

var auditor = need{doc: "audit",
	perms: func(sc *scheme.Scheme) []string { return []string{sc.AuditPermission} },
	check: func(j *judge, _ *Target) error {
		if j.holds(j.sc.AuditPermission) {
			return nil
		}
		return fault.E(fault.Forbidden, "%s lacks permission %s on the organization", j.a.Subject, j.sc.AuditPermission)
	}}

var self = need{doc: "the member themself", check: func(j *judge, t *Target) error {
	if t.Member != "" && j.a.UserID() == t.Member {
		return nil
	}
	return fault.E(fault.Forbidden, "%s is not %s", j.a.Subject, t.Member)
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

var grantsGrant = need{doc: "hand out the grant's role at its scope", check: func(j *judge, t *Target) error {
	if t.Grant == nil {
		return nil
	}
	return j.handOut(t.Grant.Role, t.Grant.Scope)
}}

// revokesAll: every grant the action ends is one the actor could make.
var revokesAll = need{doc: "hand out every grant it ends", check: func(j *judge, t *Target) error {
	for _, g := range t.Ends {
		if err := j.handOut(g.Role, g.Scope); err != nil {
			return fault.E(fault.Forbidden, "this ends %s at %s, which %s could not grant: %v", g.Role, g.Scope, j.a.Subject, err)
		}
	}
	return nil
}}

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
