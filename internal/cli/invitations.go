package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newInviteCmd() *cobra.Command {
	var org string
	cmd := &cobra.Command{Use: "invite", Aliases: []string{"invitation", "invitations"}, Short: "Invitations: create, list, delete, accept"}
	orgFlag(cmd, &org)
	var email, role string
	var grants []string
	var hours int
	var membershipEnds string
	create := &cobra.Command{
		Use: "create", Short: "Invite an email address (the token is also sent by the server's mailer)", Args: cobra.NoArgs,
		Example: "  gatehouse invite create --org acme --email ann@example.com --role member --grant dataset.editor@dataset:cats",
		RunE: show(a, &org, []string{"email"}, func(c call) (*client.Invitation, error) {
			req := client.InvitationRequest{Email: email, Role: role, ExpiresInHours: hours}
			end, err := parseExpiry(membershipEnds)
			if err != nil {
				return nil, err
			}
			req.MembershipExpiresAt = end
			for _, g := range grants {
				ig, err := parseInvitedGrant(g)
				if err != nil {
					return nil, err
				}
				req.Grants = append(req.Grants, ig)
			}
			return c.api.CreateInvitation(c.ctx, c.org, req)
		}, func(t *tw, inv *client.Invitation) {
			t.kv("id", inv.ID)
			t.kv("email", inv.Email)
			t.kv("role", inv.Role)
			t.kv("grants", grantsText(inv.Grants))
			t.kv("expires", tsv(inv.ExpiresAt))
			if inv.MembershipExpiresAt != nil {
				t.kv("membership ends", ts(inv.MembershipExpiresAt))
			}
			t.kv("token", inv.Token)
		}),
	}
	create.Flags().StringVar(&email, "email", "", "email to invite")
	create.Flags().StringVar(&role, "role", "", "org role (default: the scheme's base role, member)")
	create.Flags().StringArrayVar(&grants, "grant", nil, "initial grant ROLE@SCOPE, repeatable")
	create.Flags().IntVar(&hours, "expires-in-hours", 0, "validity of the invitation (default 7 days)")
	create.Flags().StringVar(&membershipEnds, "membership-ends", "", "when the membership it creates ends (a contractor's): an RFC 3339 time, a date or a duration; default never")
	list := &cobra.Command{
		Use: "list", Short: "List invitations (without tokens)", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) ([]client.Invitation, error) {
			return c.api.ListInvitations(c.ctx, c.org)
		}, func(t *tw, invs []client.Invitation) {
			t.row("ID", "EMAIL", "ROLE", "STATUS", "GRANTS", "EXPIRES")
			for _, i := range invs {
				t.row(i.ID, i.Email, i.Role, i.Status, grantsText(i.Grants), tsv(i.ExpiresAt))
			}
		}),
	}
	del := &cobra.Command{
		Use: "delete ID", Aliases: []string{"revoke"}, Short: "Revoke a pending invitation", Args: cobra.ExactArgs(1),
		RunE: a.write(&org, func(c call) (int64, error) {
			return c.api.RevokeInvitation(c.ctx, c.org, c.args[0])
		}, past("revoked")),
	}
	resend := &cobra.Command{
		Use: "resend ID", Short: "Issue a new link for a pending invitation (the old one stops working) and mail it again", Args: cobra.ExactArgs(1),
		RunE: show(a, &org, nil, func(c call) (*client.Invitation, error) {
			return c.api.ResendInvitation(c.ctx, c.org, c.args[0])
		}, func(t *tw, inv *client.Invitation) {
			t.kv("id", inv.ID)
			t.kv("email", inv.Email)
			t.kv("expires", tsv(inv.ExpiresAt))
			if inv.MembershipExpiresAt != nil {
				t.kv("membership ends", ts(inv.MembershipExpiresAt))
			}
			t.kv("token", inv.Token)
		}),
	}
	var token, name, password, acceptEmail string
	accept := &cobra.Command{
		Use: "accept", Short: "Accept an invitation and print a session token", Args: cobra.NoArgs,
		Long: `Accept an invitation: a new user gives --name and --password; someone who
already has an account gives --email and --password. Like login, it prints the
session token alone (with -o json, an object with the user id and org too):

  export GATEHOUSE_TOKEN=$(gatehouse invite accept --invitation-token gsi_... --name Ann --password ...)`,
		RunE: show(a, nil, []string{"invitation-token", "password"}, func(c call) (*client.Accepted, error) {
			return c.api.AcceptInvitation(c.ctx, client.AcceptRequest{Token: token, Name: name, Email: acceptEmail, Password: password})
		}, func(t *tw, acc *client.Accepted) { t.row(acc.Token) }),
	}
	// Not --token: that is the caller's credential (GATEHOUSE_TOKEN).
	accept.Flags().StringVar(&token, "invitation-token", "", "invitation token (gsi_...), from the email or the inviter")
	accept.Flags().StringVar(&name, "name", "", "your name (new account)")
	accept.Flags().StringVar(&acceptEmail, "email", "", "your email (existing account)")
	accept.Flags().StringVar(&password, "password", "", "password (new account: at least 8 characters)")
	cmd.AddCommand(create, list, del, resend, accept)
	return cmd
}

func parseInvitedGrant(s string) (client.InvitedGrant, error) {
	role, scope, ok := strings.Cut(s, "@")
	if !ok || role == "" || scope == "" {
		return client.InvitedGrant{}, fmt.Errorf("--grant %q: want ROLE@SCOPE, e.g. dataset.viewer@dataset:cats", s)
	}
	return client.InvitedGrant{Role: role, Scope: scope}, nil
}

func grantsText(gs []client.InvitedGrant) string {
	parts := make([]string, len(gs))
	for i, g := range gs {
		parts[i] = g.Role + "@" + g.Scope
	}
	return strings.Join(parts, ",")
}
