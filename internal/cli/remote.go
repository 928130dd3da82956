package cli

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

// pageFlags select one page (--limit, --page-token) or, by default, every
// page of a list.
type pageFlags struct {
	limit     int
	pageToken string
}

func (p *pageFlags) add(cmd *cobra.Command) {
	cmd.Flags().IntVar(&p.limit, "limit", 0, "return one page of this many items (default: every page)")
	cmd.Flags().StringVar(&p.pageToken, "page-token", "", "page to return, from a previous --limit call")
}

// fetch runs list for one page when --limit or --page-token is set, else
// for every page.
func fetch[T any](ctx context.Context, a *app, p pageFlags, list func(context.Context, *client.ListOptions) (*client.Page[T], error)) (*client.Page[T], error) {
	if p.limit > 0 || p.pageToken != "" {
		page, err := list(ctx, &client.ListOptions{Limit: p.limit, PageToken: p.pageToken})
		if err == nil && page.NextPageToken != "" && a.output == "table" {
			fmt.Fprintf(a.stderr, "more: --page-token %s\n", page.NextPageToken)
		}
		return page, err
	}
	items, err := client.All(ctx, 500, list)
	if err != nil {
		return nil, err
	}
	return &client.Page[T]{Items: items}, nil
}

// parseExpiry reads an RFC 3339 time, a date (YYYY-MM-DD, midnight UTC) or
// a duration from now (720h).
func parseExpiry(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return &t, nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return &t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		t := time.Now().Add(d).UTC().Truncate(time.Second)
		return &t, nil
	}
	return nil, fmt.Errorf("expiry %q: want an RFC 3339 time (2026-12-31T00:00:00Z), a date (2026-12-31) or a duration (720h)", s)
}

// splitRef reads "TYPE:ID".
func splitRef(ref string) (string, string, error) {
	typ, id, ok := strings.Cut(ref, ":")
	if !ok || typ == "" || id == "" {
		return "", "", fmt.Errorf("resource %q: want TYPE:ID", ref)
	}
	return typ, id, nil
}

// ---- login, logout, me ----

func (a *app) newLoginCmd() *cobra.Command {
	var email, password string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in and print a session token",
		Long: `Log in with an email and password and print the session token, to pass to the
other commands with --token or GATEHOUSE_TOKEN:

  export GATEHOUSE_TOKEN=$(gatehouse login --email you@example.com --password ...)`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required(cmd, "email", "password"); err != nil {
				return err
			}
			s, err := a.client().Login(cmd.Context(), email, password)
			if err != nil {
				return err
			}
			if a.output == "json" {
				return writeJSON(a.stdout, s)
			}
			fmt.Fprintln(a.stdout, s.Token)
			return nil
		},
	}
	cmd.Flags().StringVar(&email, "email", "", "email")
	cmd.Flags().StringVar(&password, "password", "", "password (or GATEHOUSE_PASSWORD)")
	return cmd
}

func (a *app) newLogoutCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "logout",
		Short: "End the session of --token at once",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.client().Logout(cmd.Context())
		},
	}
}

func (a *app) newMeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "me",
		Short: "Show who --token is and its organizations",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			me, err := a.client().Me(cmd.Context())
			if err != nil {
				return err
			}
			return a.print(me, func(t *tw) {
				t.kv("id", me.ID)
				t.kv("email", me.Email)
				t.kv("name", me.Name)
				t.row()
				t.row("ORG", "NAME", "ROLE")
				for _, o := range me.Orgs {
					t.row(o.ID, o.Name, o.Role)
				}
			})
		},
	}
}

// ---- organizations ----

func (a *app) newOrgCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "org", Aliases: []string{"orgs"}, Short: "Organizations: list, get, create, update, transfer, billing"}
	orgFlag(cmd, &org)
	printOrg := func(o *client.Org) error {
		return a.print(o, func(t *tw) {
			t.kv("id", o.ID)
			t.kv("name", o.Name)
			t.kv("scheme", o.Scheme)
			t.kv("plan", o.Plan.Name)
			t.kv("seat limit", strconv.Itoa(o.Plan.SeatLimit))
			t.kv("revision", i64(o.Revision))
		})
	}
	list := &cobra.Command{
		Use: "list", Short: "List the organizations of --token", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			me, err := a.client().Me(cmd.Context())
			if err != nil {
				return err
			}
			return a.print(me.Orgs, func(t *tw) {
				t.row("ID", "NAME", "ROLE")
				for _, o := range me.Orgs {
					t.row(o.ID, o.Name, o.Role)
				}
			})
		},
	}
	get := &cobra.Command{
		Use: "get", Short: "Show an organization", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			o, err := a.client().GetOrg(cmd.Context(), org)
			if err != nil {
				return err
			}
			return printOrg(o)
		},
	}
	var id, name, schemeID string
	create := &cobra.Command{
		Use: "create", Short: "Create an organization (you get the scheme's top role)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required(cmd, "id", "name"); err != nil {
				return err
			}
			o, err := a.client().CreateOrg(cmd.Context(), id, name, schemeID)
			if err != nil {
				return err
			}
			return printOrg(o)
		},
	}
	create.Flags().StringVar(&id, "id", "", "organization id: lowercase letters, digits and dashes (never changes)")
	create.Flags().StringVar(&name, "name", "", "display name")
	create.Flags().StringVar(&schemeID, "scheme", "vi", "role scheme: vi, deepomatic or labelbox")
	var newName string
	update := &cobra.Command{
		Use: "update", Aliases: []string{"rename"}, Short: "Rename an organization (the id never changes)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "name"); err != nil {
				return err
			}
			o, err := a.client().RenameOrg(cmd.Context(), org, newName)
			if err != nil {
				return err
			}
			return printOrg(o)
		},
	}
	update.Flags().StringVar(&newName, "name", "", "new display name")
	var userID string
	transfer := &cobra.Command{
		Use: "transfer", Short: "Transfer ownership to an Admin (you become Admin)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "user-id"); err != nil {
				return err
			}
			rev, err := a.client().TransferOwnership(cmd.Context(), org, userID)
			if err != nil {
				return err
			}
			return a.print(client.Revision{Revision: rev}, func(t *tw) {
				t.row("ownership of "+org+" transferred to "+userID, "revision "+i64(rev))
			})
		},
	}
	transfer.Flags().StringVar(&userID, "user-id", "", "the Admin who becomes Owner")
	var plan, billingEmail string
	var seats int
	billing := &cobra.Command{
		Use: "billing", Short: "Show the plan and billing contact, or change them with --plan, --seat-limit, --billing-email", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			var b *client.Billing
			var err error
			var u client.BillingUpdate
			fl := cmd.Flags()
			if fl.Changed("plan") {
				u.Plan = &plan
			}
			if fl.Changed("seat-limit") {
				u.SeatLimit = &seats
			}
			if fl.Changed("billing-email") {
				u.BillingEmail = &billingEmail
			}
			if u.Plan != nil || u.SeatLimit != nil || u.BillingEmail != nil {
				b, err = c.UpdateBilling(cmd.Context(), org, u)
			} else {
				b, err = c.GetBilling(cmd.Context(), org)
			}
			if err != nil {
				return err
			}
			return a.print(b, func(t *tw) {
				t.kv("plan", b.Plan)
				t.kv("seat limit", strconv.Itoa(b.SeatLimit))
				t.kv("seats used", strconv.Itoa(b.SeatsUsed))
				t.kv("billing email", b.BillingEmail)
			})
		},
	}
	billing.Flags().StringVar(&plan, "plan", "", "plan name")
	billing.Flags().IntVar(&seats, "seat-limit", 0, "seat limit")
	billing.Flags().StringVar(&billingEmail, "billing-email", "", "billing contact")
	cmd.AddCommand(list, get, create, update, transfer, billing)
	return cmd
}

// ---- members ----

func (a *app) newMemberCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "member", Aliases: []string{"members"}, Short: "Members: list, get (their access), update (role), delete"}
	orgFlag(cmd, &org)
	var pf pageFlags
	list := &cobra.Command{
		Use: "list", Short: "List members", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			page, err := fetch(cmd.Context(), a, pf, func(ctx context.Context, o *client.ListOptions) (*client.Page[client.Member], error) {
				return c.ListMembers(ctx, org, o)
			})
			if err != nil {
				return err
			}
			return a.print(page, func(t *tw) {
				t.row("USER_ID", "EMAIL", "NAME", "ROLE", "LAST_LOGIN")
				for _, m := range page.Items {
					t.row(m.UserID, m.Email, m.Name, m.Role, ts(m.LastLoginAt))
				}
			})
		},
	}
	pf.add(list)
	get := &cobra.Command{
		Use: "get USER_ID", Short: "Show a member's grants and effective access", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			m, err := a.client().GetMember(cmd.Context(), org, args[0])
			if err != nil {
				return err
			}
			return a.print(m, func(t *tw) {
				t.kv("user id", m.UserID)
				t.kv("email", m.Email)
				t.kv("name", m.Name)
				t.kv("role", m.Role)
				t.kv("last login", ts(m.LastLoginAt))
				t.row()
				t.row("GRANT", "ROLE", "SCOPE", "EXPIRES", "VIA")
				for _, g := range m.Grants {
					t.row(g.ID, g.Role, g.Scope, ts(g.ExpiresAt), g.Via)
				}
				t.row()
				t.row("TYPE", "RESOURCE", "ROLE", "VIA")
				for _, typ := range sortedKeys(m.Access) {
					for _, ac := range m.Access[typ] {
						t.row(typ, ac.ID, ac.Role, ac.Via)
					}
				}
			})
		},
	}
	var role string
	update := &cobra.Command{
		Use: "update USER_ID --role ROLE", Short: "Change a member's org role in place", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "role"); err != nil {
				return err
			}
			m, err := a.client().UpdateMemberRole(cmd.Context(), org, args[0], role)
			if err != nil {
				return err
			}
			return a.print(m, func(t *tw) {
				t.row("USER_ID", "EMAIL", "ROLE")
				t.row(m.UserID, m.Email, m.Role)
			})
		},
	}
	update.Flags().StringVar(&role, "role", "", "new org role")
	del := a.idWrite(&org, "delete USER_ID", []string{"remove"}, "Remove a member (their grants go, their resources stay)", "removed",
		func(ctx context.Context, c *client.Client, org, id string) (int64, error) {
			return c.RemoveMember(ctx, org, id)
		})
	cmd.AddCommand(list, get, update, del)
	return cmd
}

// idWrite makes a command that takes one id, performs a write on it and
// reports the revision, as every delete, remove and revoke command does.
func (a *app) idWrite(org *string, use string, aliases []string, short, past string,
	call func(ctx context.Context, c *client.Client, org, id string) (int64, error)) *cobra.Command {
	return &cobra.Command{
		Use: use, Aliases: aliases, Short: short, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(*org); err != nil {
				return err
			}
			rev, err := call(cmd.Context(), a.client(), *org, args[0])
			if err != nil {
				return err
			}
			return a.done(past+" "+args[0], rev)
		},
	}
}

// done reports a write without a body.
func (a *app) done(msg string, rev int64) error {
	if a.output == "json" {
		return writeJSON(a.stdout, client.Revision{Revision: rev})
	}
	if rev > 0 {
		msg += fmt.Sprintf(" (revision %d)", rev)
	}
	fmt.Fprintln(a.stdout, msg)
	return nil
}

// ---- invitations ----

func parseInvitedGrant(s string) (client.InvitedGrant, error) {
	role, scope, ok := strings.Cut(s, "@")
	if !ok || role == "" || scope == "" {
		return client.InvitedGrant{}, fmt.Errorf("--grant %q: want ROLE@SCOPE, e.g. dataset.viewer@dataset:cats", s)
	}
	return client.InvitedGrant{Role: role, Scope: scope}, nil
}

func (a *app) newInviteCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "invite", Aliases: []string{"invitation", "invitations"}, Short: "Invitations: create, list, delete, accept"}
	orgFlag(cmd, &org)
	var email, role string
	var grants []string
	var hours int
	create := &cobra.Command{
		Use: "create", Short: "Invite an email address (the token is also sent by the server's mailer)", Args: cobra.NoArgs,
		Example: "  gatehouse invite create --org acme --email ann@example.com --role member --grant dataset.editor@dataset:cats",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "email"); err != nil {
				return err
			}
			req := client.InvitationRequest{Email: email, Role: role, ExpiresInHours: hours}
			for _, g := range grants {
				ig, err := parseInvitedGrant(g)
				if err != nil {
					return err
				}
				req.Grants = append(req.Grants, ig)
			}
			inv, err := a.client().CreateInvitation(cmd.Context(), org, req)
			if err != nil {
				return err
			}
			return a.print(inv, func(t *tw) {
				t.kv("id", inv.ID)
				t.kv("email", inv.Email)
				t.kv("role", inv.Role)
				t.kv("grants", grantsText(inv.Grants))
				t.kv("expires", tsv(inv.ExpiresAt))
				t.kv("token", inv.Token)
			})
		},
	}
	create.Flags().StringVar(&email, "email", "", "email to invite")
	create.Flags().StringVar(&role, "role", "", "org role (default: the scheme's base role, member)")
	create.Flags().StringArrayVar(&grants, "grant", nil, "initial grant ROLE@SCOPE, repeatable")
	create.Flags().IntVar(&hours, "expires-in-hours", 0, "validity of the invitation (default 7 days)")
	list := &cobra.Command{
		Use: "list", Short: "List invitations (without tokens)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			invs, err := a.client().ListInvitations(cmd.Context(), org)
			if err != nil {
				return err
			}
			return a.print(invs, func(t *tw) {
				t.row("ID", "EMAIL", "ROLE", "STATUS", "GRANTS", "EXPIRES")
				for _, i := range invs {
					t.row(i.ID, i.Email, i.Role, i.Status, grantsText(i.Grants), tsv(i.ExpiresAt))
				}
			})
		},
	}
	del := a.idWrite(&org, "delete ID", []string{"revoke"}, "Revoke a pending invitation", "revoked",
		func(ctx context.Context, c *client.Client, org, id string) (int64, error) {
			return c.RevokeInvitation(ctx, org, id)
		})
	resend := &cobra.Command{
		Use: "resend ID", Short: "Issue a new link for a pending invitation (the old one stops working) and mail it again", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			inv, err := a.client().ResendInvitation(cmd.Context(), org, args[0])
			if err != nil {
				return err
			}
			return a.print(inv, func(t *tw) {
				t.kv("id", inv.ID)
				t.kv("email", inv.Email)
				t.kv("expires", tsv(inv.ExpiresAt))
				t.kv("token", inv.Token)
			})
		},
	}
	var token, name, password, acceptEmail string
	accept := &cobra.Command{
		Use: "accept", Short: "Accept an invitation and print a session token", Args: cobra.NoArgs,
		Long: "Accept an invitation: a new user gives --name and --password; someone who already has an account gives --email and --password.",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := required(cmd, "invitation-token", "password"); err != nil {
				return err
			}
			acc, err := a.client().AcceptInvitation(cmd.Context(), client.AcceptRequest{Token: token, Name: name, Email: acceptEmail, Password: password})
			if err != nil {
				return err
			}
			return a.print(acc, func(t *tw) {
				t.kv("user id", acc.UserID)
				t.kv("org", acc.Org)
				t.kv("token", acc.Token)
			})
		},
	}
	// Not --token: that is the caller's credential (GATEHOUSE_TOKEN).
	accept.Flags().StringVar(&token, "invitation-token", "", "invitation token (gsi_...), from the email or the inviter")
	accept.Flags().StringVar(&name, "name", "", "your name (new account)")
	accept.Flags().StringVar(&acceptEmail, "email", "", "your email (existing account)")
	accept.Flags().StringVar(&password, "password", "", "password (new account: at least 8 characters)")
	cmd.AddCommand(create, list, del, resend, accept)
	return cmd
}

func grantsText(gs []client.InvitedGrant) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = g.Role + "@" + g.Scope
	}
	return strings.Join(parts, ",")
}

// ---- grants ----

func (a *app) newGrantCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "grant", Aliases: []string{"grants"}, Short: "Grants: create, list, delete"}
	orgFlag(cmd, &org)
	var subject, role, scope, expires string
	create := &cobra.Command{
		Use: "create", Short: "Give a subject a role at a scope", Args: cobra.NoArgs,
		Example: "  gatehouse grant create --org acme --subject user:u_1 --role dataset.viewer --scope dataset:cats --expires 2026-12-31T00:00:00Z",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "subject", "role", "scope"); err != nil {
				return err
			}
			exp, err := parseExpiry(expires)
			if err != nil {
				return err
			}
			g, err := a.client().CreateGrant(cmd.Context(), org, client.GrantRequest{Subject: subject, Role: role, Scope: scope, ExpiresAt: exp})
			if err != nil {
				return err
			}
			return a.print(g, func(t *tw) {
				t.row("ID", "SUBJECT", "ROLE", "SCOPE", "EXPIRES", "REVISION")
				t.row(g.ID, g.Subject, g.Role, g.Scope, ts(g.ExpiresAt), i64(g.Revision))
			})
		},
	}
	create.Flags().StringVar(&subject, "subject", "", "user:ID, group:ID or key:ID")
	create.Flags().StringVar(&role, "role", "", "role id")
	create.Flags().StringVar(&scope, "scope", "", "org, TYPE:*, TYPE:ID or team:ID")
	create.Flags().StringVar(&expires, "expires", "", "expiry: RFC 3339 time, date or duration (default never)")
	var fSubject, fScope string
	var pf pageFlags
	list := &cobra.Command{
		Use: "list", Short: "List grants, optionally of one --subject or at one --scope", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			page, err := fetch(cmd.Context(), a, pf, func(ctx context.Context, o *client.ListOptions) (*client.Page[client.Grant], error) {
				return c.ListGrants(ctx, org, client.GrantFilter{Subject: fSubject, Scope: fScope}, o)
			})
			if err != nil {
				return err
			}
			return a.print(page, func(t *tw) {
				t.row("ID", "SUBJECT", "ROLE", "SCOPE", "EXPIRES", "CREATED_BY")
				for _, g := range page.Items {
					t.row(g.ID, g.Subject, g.Role, g.Scope, ts(g.ExpiresAt), g.CreatedBy)
				}
			})
		},
	}
	list.Flags().StringVar(&fSubject, "subject", "", "only grants of this subject")
	list.Flags().StringVar(&fScope, "scope", "", "only grants at this scope")
	pf.add(list)
	del := &cobra.Command{
		Use: "delete ID", Aliases: []string{"revoke"}, Short: "Revoke a grant", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			rev, err := a.client().DeleteGrant(cmd.Context(), org, args[0])
			if err != nil {
				return err
			}
			return a.print(client.Revision{Revision: rev}, func(t *tw) {
				t.row("revoked "+args[0], "revision "+i64(rev))
			})
		},
	}
	cmd.AddCommand(create, list, del)
	return cmd
}

// ---- roles ----

func (a *app) newRoleCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "role", Aliases: []string{"roles"}, Short: "Roles: list, create (custom), delete, permissions (the catalog)"}
	orgFlag(cmd, &org)
	list := &cobra.Command{
		Use: "list", Short: "List built-in and custom roles", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			roles, err := a.client().ListRoles(cmd.Context(), org)
			if err != nil {
				return err
			}
			return a.print(roles, func(t *tw) {
				t.row("ID", "NAME", "SCOPE_TYPE", "BUILTIN", "PERMISSIONS")
				for _, r := range roles {
					t.row(r.ID, r.Name, r.ScopeType, yesno(r.Builtin), strconv.Itoa(len(r.Permissions)))
				}
			})
		},
	}
	var id, name, scopeType string
	var perms []string
	create := &cobra.Command{
		Use: "create", Short: "Compose a custom role from the permission catalog", Args: cobra.NoArgs,
		Example: "  gatehouse role create --org lb --id qa_auditor --name 'QA Auditor' --scope-type project \\\n    --permission label.view --permission label.review --permission 'issue.manage:own'",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "id", "name", "scope-type", "permission"); err != nil {
				return err
			}
			req := client.RoleRequest{ID: id, Name: name, ScopeType: scopeType}
			for _, p := range perms {
				pid, cond, _ := strings.Cut(p, ":")
				req.Permissions = append(req.Permissions, client.RolePermission{ID: strings.TrimSpace(pid), Condition: strings.TrimSpace(cond)})
			}
			r, err := a.client().CreateRole(cmd.Context(), org, req)
			if err != nil {
				return err
			}
			return a.print(r, func(t *tw) {
				t.row("ID", "NAME", "SCOPE_TYPE", "PERMISSION", "CONDITION")
				for _, p := range r.Permissions {
					t.row(r.ID, r.Name, r.ScopeType, p.ID, p.Condition)
				}
			})
		},
	}
	create.Flags().StringVar(&id, "id", "", "role id (lowercase, e.g. qa_auditor)")
	create.Flags().StringVar(&name, "name", "", "display name")
	create.Flags().StringVar(&scopeType, "scope-type", "org", "scope type it is granted at: org, team or a resource type")
	create.Flags().StringArrayVar(&perms, "permission", nil, "PERMISSION or PERMISSION:CONDITION, repeatable")
	del := a.idWrite(&org, "delete ID", nil, "Delete a custom role no grant or member uses", "deleted role",
		func(ctx context.Context, c *client.Client, org, id string) (int64, error) {
			return c.DeleteRole(ctx, org, id)
		})
	permissions := &cobra.Command{
		Use: "permissions", Short: "List the permission catalog of the org's scheme", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			ps, err := a.client().ListPermissions(cmd.Context(), org)
			if err != nil {
				return err
			}
			return a.print(ps, func(t *tw) {
				t.row("ID", "RESOURCE_TYPE", "DESCRIPTION")
				for _, p := range ps {
					t.row(p.ID, p.ResourceType, p.Description)
				}
			})
		},
	}
	cmd.AddCommand(list, create, del, permissions)
	return cmd
}

// ---- teams and groups ----

func (a *app) newCollectionCmd(kind string) *cobra.Command {
	var org string
	plural := kind + "s"
	what := map[string]string{"team": "Operation teams", "group": "Groups"}[kind]
	cmd := &cobra.Command{Use: kind, Aliases: []string{plural}, Short: what + ": list, create, rename, delete, add-member, remove-member"}
	orgFlag(cmd, &org)
	list := &cobra.Command{
		Use: "list", Short: "List " + plural + " with their members", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			var items []client.Team
			var err error
			if kind == "team" {
				items, err = c.ListTeams(cmd.Context(), org)
			} else {
				items, err = c.ListGroups(cmd.Context(), org)
			}
			if err != nil {
				return err
			}
			return a.print(items, func(t *tw) {
				t.row("ID", "NAME", "MEMBERS")
				for _, x := range items {
					t.row(x.ID, x.Name, joinSorted(x.Members))
				}
			})
		},
	}
	// named runs a create or a rename: both need --name and print the unit.
	named := func(call func(ctx context.Context, c *client.Client, args []string) (*client.Team, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "name"); err != nil {
				return err
			}
			x, err := call(cmd.Context(), a.client(), args)
			if err != nil {
				return err
			}
			return a.print(x, func(t *tw) {
				t.row("ID", "NAME")
				t.row(x.ID, x.Name)
			})
		}
	}
	var name string
	create := &cobra.Command{
		Use: "create", Short: "Create a " + kind, Args: cobra.NoArgs,
		RunE: named(func(ctx context.Context, c *client.Client, _ []string) (*client.Team, error) {
			if kind == "team" {
				return c.CreateTeam(ctx, org, name)
			}
			return c.CreateGroup(ctx, org, name)
		}),
	}
	create.Flags().StringVar(&name, "name", "", "display name")
	var newName string
	rename := &cobra.Command{
		Use: "rename ID --name NAME", Aliases: []string{"update"}, Short: "Rename a " + kind, Args: cobra.ExactArgs(1),
		RunE: named(func(ctx context.Context, c *client.Client, args []string) (*client.Team, error) {
			if kind == "team" {
				return c.RenameTeam(ctx, org, args[0], newName)
			}
			return c.RenameGroup(ctx, org, args[0], newName)
		}),
	}
	rename.Flags().StringVar(&newName, "name", "", "new display name")
	del := &cobra.Command{
		Use: "delete ID", Short: "Delete a " + kind + " and the grants it carries", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			var rev int64
			var err error
			if kind == "team" {
				rev, err = c.DeleteTeam(cmd.Context(), org, args[0])
			} else {
				rev, err = c.DeleteGroup(cmd.Context(), org, args[0])
			}
			if err != nil {
				return err
			}
			return a.done("deleted "+kind+" "+args[0], rev)
		},
	}
	member := func(add bool) *cobra.Command {
		use, short := "add-member", "Put a member in a "+kind
		if !add {
			use, short = "remove-member", "Take a member out of a "+kind
		}
		return &cobra.Command{
			Use: use + " " + strings.ToUpper(kind) + "_ID USER_ID", Short: short, Args: cobra.ExactArgs(2),
			RunE: func(cmd *cobra.Command, args []string) error {
				if err := needOrg(org); err != nil {
					return err
				}
				c := a.client()
				var rev int64
				var err error
				switch {
				case kind == "team" && add:
					rev, err = c.AddTeamMember(cmd.Context(), org, args[0], args[1])
				case kind == "team":
					rev, err = c.RemoveTeamMember(cmd.Context(), org, args[0], args[1])
				case add:
					rev, err = c.AddGroupMember(cmd.Context(), org, args[0], args[1])
				default:
					rev, err = c.RemoveGroupMember(cmd.Context(), org, args[0], args[1])
				}
				if err != nil {
					return err
				}
				if add {
					return a.done("added "+args[1]+" to "+kind+" "+args[0], rev)
				}
				return a.done("removed "+args[1]+" from "+kind+" "+args[0], rev)
			},
		}
	}
	cmd.AddCommand(list, create, rename, del, member(true), member(false))
	return cmd
}

// ---- resources ----

func (a *app) newResourceCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "resource", Aliases: []string{"resources"}, Short: "Resources: list, get, put, delete, access"}
	orgFlag(cmd, &org)
	printResource := func(r *client.Resource) error {
		return a.print(r, func(t *tw) {
			t.row("RESOURCE", "NAME", "PARENT", "TEAM", "OWNER", "ATTRIBUTES")
			t.row(r.Ref(), r.Name, r.Parent, r.Team, r.Owner, attrs(r.Attributes))
		})
	}
	var typ string
	var pf pageFlags
	list := &cobra.Command{
		Use: "list", Short: "List resources, of one --type or of all", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			c := a.client()
			page, err := fetch(cmd.Context(), a, pf, func(ctx context.Context, o *client.ListOptions) (*client.Page[client.Resource], error) {
				return c.ListResources(ctx, org, typ, o)
			})
			if err != nil {
				return err
			}
			return a.print(page, func(t *tw) {
				t.row("RESOURCE", "NAME", "PARENT", "TEAM", "OWNER", "ATTRIBUTES")
				for _, r := range page.Items {
					t.row(r.Ref(), r.Name, r.Parent, r.Team, r.Owner, attrs(r.Attributes))
				}
			})
		},
	}
	list.Flags().StringVar(&typ, "type", "", "resource type")
	pf.add(list)
	get := &cobra.Command{
		Use: "get TYPE:ID", Short: "Show a resource", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			typ, id, err := splitRef(args[0])
			if err != nil {
				return err
			}
			r, err := a.client().GetResource(cmd.Context(), org, typ, id)
			if err != nil {
				return err
			}
			return printResource(r)
		},
	}
	var req client.ResourceRequest
	var attrList []string
	put := &cobra.Command{
		Use: "put TYPE:ID", Aliases: []string{"create", "update"}, Short: "Register (create or replace) a resource", Args: cobra.ExactArgs(1),
		Example: "  gatehouse resource put dataset:cats --org acme --name Cats\n  gatehouse resource put label:l1 --org lb --parent project:p1 --attr task=rework",
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			typ, id, err := splitRef(args[0])
			if err != nil {
				return err
			}
			r := req
			for _, kv := range attrList {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					return fmt.Errorf("--attr %q: want KEY=VALUE", kv)
				}
				if r.Attributes == nil {
					r.Attributes = map[string]string{}
				}
				r.Attributes[k] = v
			}
			res, err := a.client().PutResource(cmd.Context(), org, typ, id, r)
			if err != nil {
				return err
			}
			return printResource(res)
		},
	}
	put.Flags().StringVar(&req.Name, "name", "", "display name")
	put.Flags().StringVar(&req.Parent, "parent", "", "parent resource TYPE:ID")
	put.Flags().StringVar(&req.Team, "team", "", "team id to attach it to")
	put.Flags().StringVar(&req.Owner, "owner", "", "owner user id (default: you)")
	put.Flags().StringArrayVar(&attrList, "attr", nil, "attribute KEY=VALUE, repeatable")
	del := &cobra.Command{
		Use: "delete TYPE:ID", Short: "Remove a resource and its children", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			typ, id, err := splitRef(args[0])
			if err != nil {
				return err
			}
			rev, err := a.client().DeleteResource(cmd.Context(), org, typ, id)
			if err != nil {
				return err
			}
			return a.done("deleted "+args[0], rev)
		},
	}
	access := &cobra.Command{
		Use: "access TYPE:ID", Short: "Who can access a resource, and through which grant", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			typ, id, err := splitRef(args[0])
			if err != nil {
				return err
			}
			entries, err := a.client().ResourceAccess(cmd.Context(), org, typ, id)
			if err != nil {
				return err
			}
			return a.print(entries, func(t *tw) {
				t.row("SUBJECT", "ROLE", "SCOPE", "VIA", "GRANT", "PERMISSIONS")
				for _, e := range entries {
					t.row(e.Subject, e.Role, e.Via.Scope, e.Via.Via, e.Via.Grant, strings.Join(e.Permissions, ","))
				}
			})
		},
	}
	cmd.AddCommand(list, get, put, del, access)
	return cmd
}

// ---- keys ----

func (a *app) newKeyCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "key", Aliases: []string{"keys"}, Short: "Secret keys: create, list, rotate, transfer, revoke"}
	orgFlag(cmd, &org)
	printSecret := func(k *client.Key) error {
		return a.print(k, func(t *tw) {
			t.kv("id", k.ID)
			t.kv("name", k.Name)
			t.kv("role", k.Role)
			t.kv("scope", k.Scope)
			t.kv("expires", ts(k.ExpiresAt))
			t.kv("secret", k.Secret)
			t.row()
			t.row("The secret is shown only now.")
		})
	}
	var name, role, scope, expires string
	create := &cobra.Command{
		Use: "create", Short: "Create a secret key (never more than you hold)", Args: cobra.NoArgs,
		Example: "  gatehouse key create --org acme --name ingest --role dataset.editor --scope dataset:cats",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if err := required(cmd, "name", "role"); err != nil {
				return err
			}
			exp, err := parseExpiry(expires)
			if err != nil {
				return err
			}
			k, err := a.client().CreateKey(cmd.Context(), org, client.KeyRequest{Name: name, Role: role, Scope: scope, ExpiresAt: exp})
			if err != nil {
				return err
			}
			return printSecret(k)
		},
	}
	create.Flags().StringVar(&name, "name", "", "name")
	create.Flags().StringVar(&role, "role", "", "role the key holds")
	create.Flags().StringVar(&scope, "scope", "org", "scope of the role")
	create.Flags().StringVar(&expires, "expires", "", "expiry: RFC 3339 time, date or duration (default never)")
	list := &cobra.Command{
		Use: "list", Short: "List keys (never their secrets)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			keys, err := a.client().ListKeys(cmd.Context(), org)
			if err != nil {
				return err
			}
			return a.print(keys, func(t *tw) {
				t.row("ID", "NAME", "PREFIX", "ROLE", "SCOPE", "OWNER", "CREATED_BY", "LAST_USED", "EXPIRES", "REVOKED")
				for _, k := range keys {
					t.row(k.ID, k.Name, k.Prefix, k.Role, k.Scope, k.Owner, k.CreatedBy, ts(k.LastUsedAt), ts(k.ExpiresAt), ts(k.RevokedAt))
				}
			})
		},
	}
	var overlap time.Duration
	rotate := &cobra.Command{
		Use: "rotate ID", Short: "Issue a new secret; the old one works for --overlap more", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			k, err := a.client().RotateKey(cmd.Context(), org, args[0], overlap)
			if err != nil {
				return err
			}
			return printSecret(k)
		},
	}
	rotate.Flags().DurationVar(&overlap, "overlap", 0, "how long the old secret keeps working, e.g. 1h")
	revoke := a.idWrite(&org, "revoke ID", []string{"delete"}, "Revoke a key at once", "revoked key",
		func(ctx context.Context, c *client.Client, org, id string) (int64, error) {
			return c.RevokeKey(ctx, org, id)
		})
	var to string
	transfer := &cobra.Command{
		Use: "transfer ID --owner USER_ID", Short: "Hand a key to a member who holds everything it holds", Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := needOrg(org); err != nil {
				return err
			}
			if to == "" {
				return fmt.Errorf("--owner is required: the user id of the key's new owner")
			}
			k, err := a.client().TransferKey(cmd.Context(), org, args[0], to)
			if err != nil {
				return err
			}
			return a.print(k, func(t *tw) {
				t.row("ID", "NAME", "OWNER")
				t.row(k.ID, k.Name, k.Owner)
			})
		},
	}
	transfer.Flags().StringVar(&to, "owner", "", "user id of the new owner")
	cmd.AddCommand(create, list, rotate, transfer, revoke)
	return cmd
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
