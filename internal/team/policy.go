package team

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/domain"
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
	ActUsageView     Action = "usage.view"

	ActMemberList    Action = "member.list"
	ActMemberDetail  Action = "member.view"
	ActMemberRole    Action = "member.role"
	ActMemberRemove  Action = "member.remove"
	ActMemberExpiry  Action = "member.expiry"
	ActMemberDefault Action = "member.default_role"
	ActAliasList     Action = "member.alias.list"
	ActAliasSet      Action = "member.alias.set"
	ActAliasDelete   Action = "member.alias.delete"

	ActInvitationList   Action = "invitation.list"
	ActInvitationCreate Action = "invitation.create"
	ActInvitationResend Action = "invitation.resend"
	ActInvitationRevoke Action = "invitation.revoke"
	ActInvitationAccept Action = "invitation.accept"

	ActGrantList   Action = "grant.list"
	ActGrantCreate Action = "grant.create"
	ActGrantDelete Action = "grant.delete"

	ActRoleCreate Action = "role.create"
	ActRoleUpdate Action = "role.update"
	ActRoleDelete Action = "role.delete"

	ActKeyList     Action = "key.list"
	ActKeyCreate   Action = "key.create"
	ActKeyRotate   Action = "key.rotate"
	ActKeyRevoke   Action = "key.revoke"
	ActKeyTransfer Action = "key.transfer"

	ActTokenCreate Action = "token.create"
	ActTokenPolicy Action = "org.token_policy"

	ActSSOView         Action = "sso.view"
	ActSSOSet          Action = "sso.set"
	ActSSODelete       Action = "sso.delete"
	ActSCIMTokenList   Action = "scim_token.list"
	ActSCIMTokenCreate Action = "scim_token.create"
	ActSCIMTokenRevoke Action = "scim_token.revoke"
	ActSCIMUserCreate  Action = "scim.user.create"

	ActTeamView         Action = "team.view"
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
	// ActPropertiesState: the properties a request states count.
	ActPropertiesState Action = "properties.state"

	ActReportStaleAccess Action = "report.stale_access"
	ActReportRACI        Action = "report.raci"

	ActAssignmentList   Action = "assignment.list"
	ActAssignmentSet    Action = "assignment.set"
	ActAssignmentDelete Action = "assignment.delete"

	ActReviewCreate Action = "review.create"
	ActReviewView   Action = "review.view"
	ActReviewDecide Action = "review.decide"
	ActReviewClose  Action = "review.close"

	ActRequestCreate   Action = "request.create"
	ActRequestView     Action = "request.view"
	ActRequestApprove  Action = "request.approve"
	ActRequestDeny     Action = "request.deny"
	ActRequestWithdraw Action = "request.withdraw"
	ActGateList        Action = "gate.list"
	ActGateSet         Action = "gate.set"
	ActGateDelete      Action = "gate.delete"
	ActApprovalList    Action = "approval.list"
	ActApprovalCreate  Action = "approval.create"
	ActApprovalEnd     Action = "approval.end"
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
	// Resource is the resource an action is about ("dataset:cats"), "" for
	// the whole org (an access review's scope).
	Resource  string
	Reviewers []string // an access review's reviewers
	// Permission is a gated permission (a gate set or lifted, a window
	// opened), and ApproverRole the role its gate names.
	Permission   string
	ApproverRole string
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
	{ActOrgRename, "rename the organization", []need{anyOf(perm("org.rename"), ifDeclared("admin.org_profile.modify"))}},
	{ActBillingView, "see the plan and the billing contact", []need{perm("billing.view")}},
	{ActBillingUpdate, "change the plan, seats or billing contact", []need{perm("billing.manage")}},
	{ActUsageView, "see what the organization uses against its plan's limits", []need{declared("usage.view", "billing.view")}},
	{ActOrgTransfer, "hand the unique top role to another member (schemes with `unique_top`)", []need{uniqueTop(perm("org.transfer")), topHolder}},

	{ActMemberList, "list members, teams and groups", []need{viewsMembers}},
	{ActMemberDetail, "see a member's grants and effective access: one's own always (a Labelbox project-based labeler lists no members), another's with members.view and user management or audit",
		[]need{anyOf(self, all(viewsMembers, anyOf(userManager, auditor)))}},
	{ActMemberRole, "change a member's org role", []need{grantsRole, takesRole}},
	{ActMemberRemove, "remove a member (ends their grants, group and team memberships and the keys they own)",
		[]need{anyOf(self, all(endsMembership, revokesAll))}},
	{ActMemberExpiry, "set, move or take away the date a member's membership ends (ending it then is removing it; extending it is handing it out again)",
		[]need{another, endsMembership, revokesAll}},
	{ActMemberDefault, "set or clear a member's default role: the role each grant made \"with the default role\" gives them (Labelbox's Default role, which group and manual project assignment inherit)",
		[]need{another, anyOf(userManager, ifDeclared("admin.membership_details.modify")), setsDefaultRole}},
	{ActAliasList, "list the external ids (IdP subject, email, user name) a member is known by: as seeing the member",
		[]need{anyOf(self, all(viewsMembers, anyOf(userManager, auditor)))}},
	{ActAliasSet, "give a member an external id the decision endpoints resolve to her (an alias names one member of the org): managing the member",
		[]need{anyOf(userManager, ifDeclared("admin.membership_details.modify")), speaksFor}},
	{ActAliasDelete, "take an external id away from a member (what decision points asked under it, they ask about nobody now)",
		[]need{anyOf(userManager, ifDeclared("admin.membership_details.modify")), speaksFor}},

	{ActInvitationList, "list invitations", []need{anyOf(userManager, auditor)}},
	{ActInvitationCreate, "invite someone new", []need{invites, grantsRole, grantsInvited, rostersInvited}},
	{ActInvitationResend, "issue a new link for a pending invitation (the resender becomes its inviter)",
		[]need{invites, grantsRole, grantsInvited, rostersInvited}},
	{ActInvitationRevoke, "revoke a pending invitation", []need{anyOf(owner, userManager)}},
	{ActInvitationAccept, "accept (judged for the inviter, at acceptance)", []need{invites, grantsRole, grantsInvited, rostersInvited}},

	{ActGrantList, "list grants other than one's own", []need{anyOf(userManager, auditor)}},
	{ActGrantCreate, "grant a role at a scope to a member or group", []need{grantsGrant, baseOnly, onRoster}},
	{ActGrantDelete, "revoke a grant", []need{grantsGrant}},

	{ActRoleCreate, "compose a custom role", []need{userManager, holdsFreely}},
	{ActRoleUpdate, "edit a custom role's name, description or permissions (what its grants carry changes with it)",
		[]need{userManager, holdsFreely, revokesAll}},
	{ActRoleDelete, "delete an unused custom role", []need{userManager}},

	{ActKeyList, "list secret keys and their grants", []need{perm("keys.manage")}},
	{ActKeyCreate, "make a secret key", []need{anyOf(perm("keys.manage"), ifDeclared("admin.api_keys.create")), topKey, coversKey, notToken}},
	{ActKeyRotate, "issue a key's new secret", []need{perm("keys.manage"), topKey, coversKey, notToken}},
	{ActKeyRevoke, "revoke a secret key", []need{perm("keys.manage"), anyOf(owner, coversKey)}},
	{ActKeyTransfer, "hand a key to another member", []need{perm("keys.manage"), topKey, coversKey, recipientCovers}},
	{ActTokenCreate, "make a personal access token: it acts as its maker in this org, with what they hold at each request, until it expires (within the org's cap) or is revoked; listing and revoking one's tokens is one's own, like sessions, and never through a token",
		[]need{person, notToken}},
	{ActSSOView, "see the org's OIDC sign-in configuration (never its client secret)", []need{orgUserManager}},
	{ActSSOSet, "set the org's OIDC sign-in: every sign-in through it may make a member with `default_role` and put them in the mapped groups, so it takes handing out that role and every grant of those groups; each sign-in is judged again for who set it, as it stands then",
		[]need{orgUserManager, notToken, grantsRole, grantsGroupsGrants}},
	{ActSSODelete, "turn the org's OIDC sign-in off", []need{orgUserManager, notToken}},
	{ActTokenPolicy, "set the longest lifetime of the org's personal access tokens (`pat_max_days`)", []need{perm("keys.manage"), notToken}},
	{ActSCIMTokenList, "list the org's SCIM tokens (never their secrets)", []need{orgUserManager}},
	{ActSCIMTokenCreate, "make a SCIM token for the org's identity provider: it acts as its maker, with what they hold at each request, on the SCIM endpoints only; the org role it provisions users with is judged as an invitation's",
		[]need{person, notToken, orgUserManager, invites, grantsRole}},
	{ActSCIMTokenRevoke, "revoke a SCIM token", []need{orgUserManager, notToken}},
	{ActSCIMUserCreate, "provision a user through SCIM: judged as inviting them with the token's role, for the token's maker at that request (suspending is member.expiry, deleting member.remove, groups as group.*)",
		[]need{invites, grantsRole}},

	{ActTeamView, "see a team: its roster and the roles held at it (a team's manager sees the teams she manages without members.view)",
		[]need{anyOf(viewsMembers, teamManager)}},
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
	{ActPropertiesState, "state the properties of a request's subject, resource and action that conditions test (otherwise they are ignored)", []need{propertiesStater}},
	{ActReportStaleAccess, "see stale access: expired grants, groups without members, and (for who lists them) idle members and unused keys",
		[]need{anyOf(userManager, auditor)}},
	{ActReportRACI, "see the RACI report: who is responsible, accountable, consulted and informed, from the roles people hold and the named assignments",
		[]need{anyOf(userManager, auditor)}},

	{ActAssignmentList, "list named assignments (\"QA lead\", \"security lead\": labels for reports, granting nothing)", []need{anyOf(userManager, auditor)}},
	{ActAssignmentSet, "name the members who hold a named assignment", []need{userManager}},
	{ActAssignmentDelete, "delete a named assignment", []need{userManager}},

	{ActReviewCreate, "open an access review (of the org; or of a resource, by who holds every permission of its type there: a dataset's Owner)",
		[]need{anyOf(userManager, resourceHolder)}},
	{ActReviewView, "see an access review, its items and its evidence", []need{anyOf(userManager, auditor, reviewerOf, resourceHolder)}},
	{ActReviewDecide, "decide keep or revoke on an item of an open review (revoke also takes what revoking that access takes: see grant.delete, group.member.remove, member.role)",
		[]need{reviewerOf}},
	{ActReviewClose, "close a review: apply its revocations, each judged for the closer as its own action", []need{anyOf(userManager, resourceHolder)}},

	{ActRequestCreate, "ask for a role on a resource or on the org, for oneself", []need{person}},
	{ActRequestView, "see an access request", []need{anyOf(requester, userManager, auditor, resourceHolder)}},
	{ActRequestApprove, "approve a pending access request: makes its grant (ending when the approver says), judged as grant.create for the approver",
		[]need{notRequester, anyOf(userManager, resourceHolder), grantsGrant, baseOnly, onRoster}},
	{ActRequestDeny, "deny a pending access request", []need{anyOf(userManager, resourceHolder)}},
	{ActRequestWithdraw, "withdraw one's own pending access request", []need{requester}},
	{ActGateList, "list the permissions that need approval, and who approves each", []need{anyOf(perm("members.view"), auditor)}},
	{ActGateSet, "mark a permission as needing approval by the holders of a role, or change that role (never a permission this table names)",
		[]need{userManager, holdsGated}},
	{ActGateDelete, "lift an approval gate (hands the permission back to all who hold it by role)", []need{userManager, holdsGated}},
	{ActApprovalList, "list approval windows", []need{anyOf(perm("members.view"), auditor)}},
	{ActApprovalCreate, "open an approval window for another user or key on a gated permission at a resource (or the org)",
		[]need{approverAt, holdsGatedAt, notOwnApproval}},
	{ActApprovalEnd, "end an approval window early", []need{anyOf(self, approverAt, userManager)}},
}

// viewsMembers: the platform permission that lists members, or the
// catalog permission of a scheme that names the same thing (Labelbox's
// "View project or organization members").
var viewsMembers = anyOf(perm("members.view"), ifDeclared("admin.members.view"))

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

// PolicyPermissions lists every permission the table names for a scheme,
// org.view first: none of them may be gated, for a management action that
// needed an approval window could lock the organization out of itself.
func PolicyPermissions(sc *scheme.Scheme) []string {
	out := []string{orgViewPermission}
	for _, r := range policy {
		for _, n := range r.needs {
			if n.perms == nil {
				continue
			}
			for _, p := range n.perms(sc) {
				if !slices.Contains(out, p) {
					out = append(out, p)
				}
			}
		}
	}
	return out
}

// AuditActions lists every action name the audit log may carry, for filters.
func AuditActions() []string {
	out := []string{"org.create", "org.bootstrap"}
	for _, r := range policy {
		switch r.action {
		case ActMemberList, ActMemberDetail, ActAliasList, ActInvitationList, ActGrantList, ActKeyList, ActResourceList, ActAuditRead, ActPropertiesState, ActBillingView, ActTeamView, ActReviewView, ActRequestView, ActGateList, ActApprovalList:
			continue // reads leave no event
		}
		out = append(out, string(r.action))
	}
	return append(out, "token.revoke", "token.use_failed", "session.login", "session.login_failed", "session.logout", "session.end",
		"password.change", "password.reset_request", "password.reset")
}

// AuditActionsOf is AuditActions for an org of this scheme: team actions
// only where the scheme attaches resources to teams, ownership transfer
// only where its top role is unique.
func AuditActionsOf(sc *scheme.Scheme) []string {
	teams := false
	for _, t := range sc.Types {
		teams = teams || t.Teams
	}
	var out []string
	for _, act := range AuditActions() {
		if !teams && strings.HasPrefix(act, "team.") || !sc.UniqueTop && act == string(ActOrgTransfer) {
			continue
		}
		out = append(out, act)
	}
	return out
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
