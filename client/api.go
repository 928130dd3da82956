package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ---- sessions ----

// Login exchanges an email and password for a session token. It does not
// change c.Token; use c.WithToken(s.Token).
func (c *Client) Login(ctx context.Context, email, password string) (*Session, error) {
	var out Session
	err := c.call(ctx, http.MethodPost, "/v1/auth/login", nil, map[string]string{"email": email, "password": password}, &out)
	return &out, err
}

// Logout ends the session of c.Token at once.
func (c *Client) Logout(ctx context.Context) error {
	return c.call(ctx, http.MethodPost, "/v1/auth/logout", nil, nil, nil)
}

// Me returns the caller and its organizations.
func (c *Client) Me(ctx context.Context) (*Me, error) {
	var out Me
	err := c.call(ctx, http.MethodGet, "/v1/me", nil, nil, &out)
	return &out, err
}

// ---- organizations ----

// CreateOrg creates an organization; the caller gets the scheme's top role.
func (c *Client) CreateOrg(ctx context.Context, id, name, scheme string) (*Org, error) {
	var out Org
	err := c.call(ctx, http.MethodPost, "/v1/orgs", nil, map[string]string{"id": id, "name": name, "scheme": scheme}, &out)
	return &out, err
}

// GetOrg returns an organization.
func (c *Client) GetOrg(ctx context.Context, org string) (*Org, error) {
	var out Org
	err := c.call(ctx, http.MethodGet, orgPath(org), nil, nil, &out)
	return &out, err
}

// RenameOrg changes an organization's display name.
func (c *Client) RenameOrg(ctx context.Context, org, name string) (*Org, error) {
	var out Org
	err := c.call(ctx, http.MethodPatch, orgPath(org), nil, map[string]string{"name": name}, &out)
	return &out, err
}

// SetTokenCap caps the lifetime, in days, of the personal access tokens
// made for the organization from now on (0: no cap of its own).
func (c *Client) SetTokenCap(ctx context.Context, org string, days int) (*Org, error) {
	var out Org
	err := c.call(ctx, http.MethodPatch, orgPath(org), nil, map[string]int{"pat_max_days": days}, &out)
	return &out, err
}

// TransferOwnership hands the Owner role to an Admin; the caller (the
// Owner) becomes Admin.
func (c *Client) TransferOwnership(ctx context.Context, org, userID string) (int64, error) {
	var out Revision
	err := c.call(ctx, http.MethodPost, orgPath(org, "transfer-ownership"), nil, map[string]string{"user_id": userID}, &out)
	return out.Revision, err
}

// GetBilling returns the plan and billing contact (Owner only in vi).
func (c *Client) GetBilling(ctx context.Context, org string) (*Billing, error) {
	var out Billing
	err := c.call(ctx, http.MethodGet, orgPath(org, "billing"), nil, nil, &out)
	return &out, err
}

// UpdateBilling changes the plan, seat limit or billing contact.
func (c *Client) UpdateBilling(ctx context.Context, org string, u BillingUpdate) (*Billing, error) {
	var out Billing
	err := c.call(ctx, http.MethodPatch, orgPath(org, "billing"), nil, u, &out)
	return &out, err
}

// GetUsage returns what an organization uses against its plan's limits.
func (c *Client) GetUsage(ctx context.Context, org string) (*Usage, error) {
	var out Usage
	err := c.call(ctx, http.MethodGet, orgPath(org, "usage"), nil, nil, &out)
	return &out, err
}

// ListPlans returns the plans the server offers.
func (c *Client) ListPlans(ctx context.Context) (*PlanCatalog, error) {
	var out PlanCatalog
	err := c.call(ctx, http.MethodGet, "/v1/plans", nil, nil, &out)
	return &out, err
}

// ---- members ----

// ListMembers returns one page of an organization's members.
func (c *Client) ListMembers(ctx context.Context, org string, opts *ListOptions) (*Page[Member], error) {
	var out Page[Member]
	err := c.call(ctx, http.MethodGet, orgPath(org, "members"), opts.values(), nil, &out)
	out.Items = nonNil(out.Items)
	return &out, err
}

// MemberQuery narrows FindMembers; zero fields match everything.
type MemberQuery struct {
	Q     string // name or email contains it
	Role  string // org role
	State string // active or expired
	Sort  string // name, email, joined or last_login; "-" first for the reverse
}

// FindMembers pages the members that match q, in its order.
func (c *Client) FindMembers(ctx context.Context, org string, q MemberQuery, opts *ListOptions) (*Page[Member], error) {
	v := opts.values()
	for k, x := range map[string]string{"q": q.Q, "role": q.Role, "state": q.State, "sort": q.Sort} {
		if x != "" {
			v.Set(k, x)
		}
	}
	var out Page[Member]
	err := c.call(ctx, http.MethodGet, orgPath(org, "members"), v, nil, &out)
	out.Items = nonNil(out.Items)
	return &out, err
}

// GetMember returns the Member Access dialog of one member.
func (c *Client) GetMember(ctx context.Context, org, userID string) (*MemberDetail, error) {
	var out MemberDetail
	err := c.call(ctx, http.MethodGet, orgPath(org, "members", esc(userID)), nil, nil, &out)
	return &out, err
}

// UpdateMemberRole changes a member's org role in place.
func (c *Client) UpdateMemberRole(ctx context.Context, org, userID, role string) (*Member, error) {
	var out Member
	err := c.call(ctx, http.MethodPatch, orgPath(org, "members", esc(userID)), nil, map[string]string{"role": role}, &out)
	return &out, err
}

// MemberUpdate changes a member in place: a Role, when the membership
// ends (EndsAt), or that it no longer ends (NoEnd), the default role
// (DefaultRole, or NoDefaultRole to clear it).
type MemberUpdate struct {
	Role          string
	EndsAt        time.Time
	NoEnd         bool
	DefaultRole   string
	NoDefaultRole bool
}

// UpdateMember applies u in one write; bringing back a membership that has
// ended takes a seat.
func (c *Client) UpdateMember(ctx context.Context, org, userID string, u MemberUpdate) (*Member, error) {
	body := map[string]any{}
	if u.Role != "" {
		body["role"] = u.Role
	}
	switch {
	case u.NoEnd:
		body["expires_at"] = nil
	case !u.EndsAt.IsZero():
		body["expires_at"] = u.EndsAt.UTC()
	}
	switch {
	case u.NoDefaultRole:
		body["default_role"] = nil
	case u.DefaultRole != "":
		body["default_role"] = u.DefaultRole
	}
	var out Member
	err := c.call(ctx, http.MethodPatch, orgPath(org, "members", esc(userID)), nil, body, &out)
	return &out, err
}

// RemoveMember removes a member: its grants go, its resources stay; it returns the revision.
func (c *Client) RemoveMember(ctx context.Context, org, userID string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "members", esc(userID)), nil, nil, nil)
}

// ---- invitations ----

// CreateInvitation invites an email address; the answer carries the
// one-time token (also sent by the server's mailer).
func (c *Client) CreateInvitation(ctx context.Context, org string, req InvitationRequest) (*Invitation, error) {
	var out Invitation
	err := c.call(ctx, http.MethodPost, orgPath(org, "invitations"), nil, req, &out)
	return &out, err
}

// ListInvitations lists an organization's invitations, without tokens.
func (c *Client) ListInvitations(ctx context.Context, org string) ([]Invitation, error) {
	return listAll[Invitation](ctx, c, orgPath(org, "invitations"))
}

// ResendInvitation issues a new link for a pending invitation (the old one
// stops working), extends its expiry and mails it again.
func (c *Client) ResendInvitation(ctx context.Context, org, id string) (*Invitation, error) {
	var out Invitation
	err := c.call(ctx, http.MethodPost, orgPath(org, "invitations", esc(id), "resend"), nil, nil, &out)
	return &out, err
}

// RenameTeam changes a team's display name.
func (c *Client) RenameTeam(ctx context.Context, org, id, name string) (*Team, error) {
	var out Team
	err := c.call(ctx, http.MethodPatch, orgPath(org, "teams", esc(id)), nil, map[string]string{"name": name}, &out)
	return &out, err
}

// RenameGroup changes a group's display name.
func (c *Client) RenameGroup(ctx context.Context, org, id, name string) (*Group, error) {
	var out Group
	err := c.call(ctx, http.MethodPatch, orgPath(org, "groups", esc(id)), nil, map[string]string{"name": name}, &out)
	return &out, err
}

// RevokeInvitation revokes a pending invitation; it returns the revision.
func (c *Client) RevokeInvitation(ctx context.Context, org, id string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "invitations", esc(id)), nil, nil, nil)
}

// AcceptInvitation accepts an invitation (no credentials needed) and
// returns a session token for the new member.
func (c *Client) AcceptInvitation(ctx context.Context, req AcceptRequest) (*Accepted, error) {
	var out Accepted
	err := c.call(ctx, http.MethodPost, "/v1/invitations/accept", nil, req, &out)
	return &out, err
}

// ---- roles and permissions ----

// ListRoles lists the scheme's built-in roles and the org's custom roles.
func (c *Client) ListRoles(ctx context.Context, org string) ([]Role, error) {
	return listAll[Role](ctx, c, orgPath(org, "roles"))
}

// CreateRole composes a custom role from the permission catalog.
func (c *Client) CreateRole(ctx context.Context, org string, req RoleRequest) (*Role, error) {
	var out Role
	err := c.call(ctx, http.MethodPost, orgPath(org, "roles"), nil, req, &out)
	return &out, err
}

// DeleteRole removes a custom role no grant or member uses; it returns the revision.
func (c *Client) DeleteRole(ctx context.Context, org, id string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "roles", esc(id)), nil, nil, nil)
}

// ListPermissions returns the org scheme's permission catalog.
func (c *Client) ListPermissions(ctx context.Context, org string) ([]Permission, error) {
	return listAll[Permission](ctx, c, orgPath(org, "permissions"))
}

// Matrix returns the org's rights matrix (roles × permissions) in format
// json, csv, md or html.
func (c *Client) Matrix(ctx context.Context, org, format string) ([]byte, error) {
	var out []byte
	q := url.Values{}
	if format != "" {
		q.Set("format", format)
	}
	err := c.call(ctx, http.MethodGet, orgPath(org, "matrix"), q, nil, &out)
	return out, err
}

// StaleAccess returns the stale-access report (idle members, unused keys,
// expired grants, groups without members) for days without use, in format
// json or csv.
func (c *Client) StaleAccess(ctx context.Context, org string, days int, format string) ([]byte, error) {
	var out []byte
	q := url.Values{}
	if days > 0 {
		q.Set("days", strconv.Itoa(days))
	}
	if format != "" {
		q.Set("format", format)
	}
	err := c.call(ctx, http.MethodGet, orgPath(org, "reports/stale-access"), q, nil, &out)
	return out, err
}

// ---- grants ----

// CreateGrant gives a subject a role at a scope.
func (c *Client) CreateGrant(ctx context.Context, org string, req GrantRequest) (*Grant, error) {
	var out Grant
	err := c.call(ctx, http.MethodPost, orgPath(org, "grants"), nil, req, &out)
	return &out, err
}

// ListGrants returns one page of grants, optionally of one subject or at
// one scope.
func (c *Client) ListGrants(ctx context.Context, org string, f GrantFilter, opts *ListOptions) (*Page[Grant], error) {
	q := opts.values()
	if f.Subject != "" {
		q.Set("subject", f.Subject)
	}
	if f.Scope != "" {
		q.Set("scope", f.Scope)
	}
	var out Page[Grant]
	err := c.call(ctx, http.MethodGet, orgPath(org, "grants"), q, nil, &out)
	out.Items = nonNil(out.Items)
	return &out, err
}

// DeleteGrant revokes a grant and returns the revision of the change.
func (c *Client) DeleteGrant(ctx context.Context, org, id string) (int64, error) {
	var out Revision
	err := c.call(ctx, http.MethodDelete, orgPath(org, "grants", esc(id)), nil, nil, &out)
	return out.Revision, err
}

// ---- teams and groups ----

// CreateTeam creates an operation team.
func (c *Client) CreateTeam(ctx context.Context, org, name string) (*Team, error) {
	return c.createCollection(ctx, org, "teams", name)
}

// CreateGroup creates a group.
func (c *Client) CreateGroup(ctx context.Context, org, name string) (*Group, error) {
	return c.createCollection(ctx, org, "groups", name)
}

func (c *Client) createCollection(ctx context.Context, org, kind, name string) (*Team, error) {
	var out Team
	err := c.call(ctx, http.MethodPost, orgPath(org, kind), nil, map[string]string{"name": name}, &out)
	return &out, err
}

// ListTeams lists the org's teams with their members.
func (c *Client) ListTeams(ctx context.Context, org string) ([]Team, error) {
	return listAll[Team](ctx, c, orgPath(org, "teams"))
}

// ListGroups lists the org's groups with their members.
func (c *Client) ListGroups(ctx context.Context, org string) ([]Group, error) {
	return listAll[Group](ctx, c, orgPath(org, "groups"))
}

// DeleteTeam removes a team; its grants go, its resources stay; it returns the revision.
func (c *Client) DeleteTeam(ctx context.Context, org, id string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "teams", esc(id)), nil, nil, nil)
}

// DeleteGroup removes a group and its grants; it returns the revision.
func (c *Client) DeleteGroup(ctx context.Context, org, id string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "groups", esc(id)), nil, nil, nil)
}

// AddTeamMember puts a member in a team; it returns the revision.
func (c *Client) AddTeamMember(ctx context.Context, org, teamID, userID string) (int64, error) {
	return c.do(ctx, http.MethodPut, orgPath(org, "teams", esc(teamID), "members", esc(userID)), nil, nil, nil)
}

// RemoveTeamMember takes a member out of a team; it returns the revision.
func (c *Client) RemoveTeamMember(ctx context.Context, org, teamID, userID string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "teams", esc(teamID), "members", esc(userID)), nil, nil, nil)
}

// AddGroupMember puts a member in a group; it returns the revision.
func (c *Client) AddGroupMember(ctx context.Context, org, groupID, userID string) (int64, error) {
	return c.do(ctx, http.MethodPut, orgPath(org, "groups", esc(groupID), "members", esc(userID)), nil, nil, nil)
}

// RemoveGroupMember takes a member out of a group; it returns the revision.
func (c *Client) RemoveGroupMember(ctx context.Context, org, groupID, userID string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "groups", esc(groupID), "members", esc(userID)), nil, nil, nil)
}

// ---- resources ----

// PutResource registers (creates or replaces) resource typ:id.
func (c *Client) PutResource(ctx context.Context, org, typ, id string, req ResourceRequest) (*Resource, error) {
	var out Resource
	err := c.call(ctx, http.MethodPut, orgPath(org, "resources", esc(typ), esc(id)), nil, req, &out)
	return &out, err
}

// GetResource returns resource typ:id.
func (c *Client) GetResource(ctx context.Context, org, typ, id string) (*Resource, error) {
	var out Resource
	err := c.call(ctx, http.MethodGet, orgPath(org, "resources", esc(typ), esc(id)), nil, nil, &out)
	return &out, err
}

// DeleteResource removes resource typ:id and its children; it returns the revision.
func (c *Client) DeleteResource(ctx context.Context, org, typ, id string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "resources", esc(typ), esc(id)), nil, nil, nil)
}

// ListResources returns one page of resources, of one type when typ is set.
func (c *Client) ListResources(ctx context.Context, org, typ string, opts *ListOptions) (*Page[Resource], error) {
	q := opts.values()
	if typ != "" {
		q.Set("type", typ)
	}
	var out Page[Resource]
	err := c.call(ctx, http.MethodGet, orgPath(org, "resources"), q, nil, &out)
	out.Items = nonNil(out.Items)
	return &out, err
}

// ResourceAccess lists who can access typ:id and through which grant.
func (c *Client) ResourceAccess(ctx context.Context, org, typ, id string) ([]ResourceAccessEntry, error) {
	return listAll[ResourceAccessEntry](ctx, c, orgPath(org, "resources", esc(typ), esc(id), "access"))
}

// ---- decisions ----

// Check asks one decision.
func (c *Client) Check(ctx context.Context, org string, req CheckRequest) (*CheckResult, error) {
	var out CheckResult
	err := c.call(ctx, http.MethodPost, orgPath(org, "check"), nil, req, &out)
	return &out, err
}

// CheckBatch asks up to 1000 decisions, answered in order from one state.
func (c *Client) CheckBatch(ctx context.Context, org string, reqs []CheckRequest) (*BatchCheckResult, error) {
	var out BatchCheckResult
	err := c.call(ctx, http.MethodPost, orgPath(org, "check", "batch"), nil, map[string]any{"checks": reqs}, &out)
	return &out, err
}

// LookupResources returns one page of the resources of a type the subject
// may act on.
func (c *Client) LookupResources(ctx context.Context, org string, req LookupResourcesRequest) (*ResourceIDs, error) {
	var out ResourceIDs
	err := c.call(ctx, http.MethodPost, orgPath(org, "lookup", "resources"), nil, req, &out)
	out.Items = nonNil(out.Items)
	return &out, err
}

// LookupAllResources follows every page of LookupResources.
func (c *Client) LookupAllResources(ctx context.Context, org string, req LookupResourcesRequest) ([]string, int64, error) {
	var ids []string
	var rev int64
	for {
		p, err := c.LookupResources(ctx, org, req)
		if err != nil {
			return ids, rev, err
		}
		ids = append(ids, p.Items...)
		rev = max(rev, p.Revision)
		if p.NextPageToken == "" || p.NextPageToken == req.PageToken {
			return nonNil(ids), rev, nil
		}
		req.PageToken = p.NextPageToken
	}
}

// LookupSubjects lists the subjects that may exercise a permission on a
// resource, with the path of each.
// It follows every page, starting at req.PageToken.
func (c *Client) LookupSubjects(ctx context.Context, org string, req LookupSubjectsRequest) ([]SubjectAccess, error) {
	out := []SubjectAccess{}
	for {
		var p struct {
			Page[SubjectAccess]
			Revision int64 `json:"revision"`
		}
		if err := c.call(ctx, http.MethodPost, orgPath(org, "lookup", "subjects"), nil, req, &p); err != nil {
			return out, err
		}
		out = append(out, p.Items...)
		if p.NextPageToken == "" || p.NextPageToken == req.PageToken {
			return out, nil
		}
		req.PageToken = p.NextPageToken
	}
}

// ---- secret keys ----

// CreateKey creates a secret key; the answer is the only time its secret
// is shown.
func (c *Client) CreateKey(ctx context.Context, org string, req KeyRequest) (*Key, error) {
	var out Key
	err := c.call(ctx, http.MethodPost, orgPath(org, "keys"), nil, req, &out)
	return &out, err
}

// ListKeys lists an organization's keys, never their secrets.
func (c *Client) ListKeys(ctx context.Context, org string) ([]Key, error) {
	return listAll[Key](ctx, c, orgPath(org, "keys"))
}

// RotateKey issues a new secret; the old one works for overlap more.
func (c *Client) RotateKey(ctx context.Context, org, id string, overlap time.Duration) (*Key, error) {
	var out Key
	body := map[string]int64{"overlap_seconds": int64(overlap / time.Second)}
	err := c.call(ctx, http.MethodPost, orgPath(org, "keys", esc(id), "rotate"), nil, body, &out)
	return &out, err
}

// TransferKey hands a key to another member, who must hold everything the
// key holds; the secret does not change.
func (c *Client) TransferKey(ctx context.Context, org, id, owner string) (*Key, error) {
	var out Key
	err := c.call(ctx, http.MethodPost, orgPath(org, "keys", esc(id), "transfer"), nil, map[string]string{"owner": owner}, &out)
	return &out, err
}

// RevokeKey revokes a key; the next request with it gets 401; it returns the revision.
func (c *Client) RevokeKey(ctx context.Context, org, id string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "keys", esc(id)), nil, nil, nil)
}

// ---- personal access tokens ----

// CreateToken makes a personal access token acting as the caller in one
// organization; its secret is in this answer only. It needs a session:
// a token makes no token.
func (c *Client) CreateToken(ctx context.Context, req TokenRequest) (*Token, error) {
	var out Token
	err := c.call(ctx, http.MethodPost, "/v1/me/tokens", nil, req, &out)
	return &out, err
}

// ListTokens lists the caller's tokens in every organization, never their secrets.
func (c *Client) ListTokens(ctx context.Context) ([]Token, error) {
	return listAll[Token](ctx, c, "/v1/me/tokens")
}

// RevokeToken ends one of the caller's tokens at once; it returns the revision.
func (c *Client) RevokeToken(ctx context.Context, id string) (int64, error) {
	return c.do(ctx, http.MethodDelete, "/v1/me/tokens/"+esc(id), nil, nil, nil)
}

// ---- SCIM tokens ----

// CreateSCIMToken makes a SCIM token for the organization's identity
// provider; role "" is the scheme's base role. Its secret is in this
// answer only.
func (c *Client) CreateSCIMToken(ctx context.Context, org, name, role string) (*SCIMToken, error) {
	var out SCIMToken
	body := map[string]string{"name": name}
	if role != "" {
		body["role"] = role
	}
	err := c.call(ctx, http.MethodPost, orgPath(org, "scim-tokens"), nil, body, &out)
	return &out, err
}

// ListSCIMTokens lists the organization's SCIM tokens, never their secrets.
func (c *Client) ListSCIMTokens(ctx context.Context, org string) ([]SCIMToken, error) {
	return listAll[SCIMToken](ctx, c, orgPath(org, "scim-tokens"))
}

// RevokeSCIMToken ends a SCIM token at once; it returns the revision.
func (c *Client) RevokeSCIMToken(ctx context.Context, org, id string) (int64, error) {
	return c.do(ctx, http.MethodDelete, orgPath(org, "scim-tokens", esc(id)), nil, nil, nil)
}

// ---- audit ----

// ListAudit returns one page of the audit log, newest first.
func (c *Client) ListAudit(ctx context.Context, org string, opts *ListOptions) (*Page[AuditEvent], error) {
	var out Page[AuditEvent]
	err := c.call(ctx, http.MethodGet, orgPath(org, "audit"), opts.values(), nil, &out)
	out.Items = nonNil(out.Items)
	return &out, err
}

// VerifyAudit recomputes the organization's audit hash chain.
func (c *Client) VerifyAudit(ctx context.Context, org string) (*AuditVerification, error) {
	var out AuditVerification
	err := c.call(ctx, http.MethodGet, orgPath(org, "audit", "verify"), nil, nil, &out)
	return &out, err
}

// ---- operations ----

// Healthz reports whether the server is alive.
func (c *Client) Healthz(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, "/healthz", nil, nil, nil)
}

// Readyz reports whether the server can reach its store.
func (c *Client) Readyz(ctx context.Context) error {
	return c.call(ctx, http.MethodGet, "/readyz", nil, nil, nil)
}
