package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

// newSSOCmd: an organization's OIDC sign-in. The client secret is read
// from the environment, never from a flag, so it stays out of shell
// history and process lists.
func (a *app) newSSOCmd() *cobra.Command {
	var org string
	var req client.SSORequest
	var groups []string
	cmd := &cobra.Command{Use: "sso", Short: "The organization's OIDC sign-in: get, set, delete"}
	orgFlag(cmd, &org)
	row := func(t *tw, x *client.SSO) {
		t.row("ISSUER", "CLIENT", "DOMAINS", "DEFAULT ROLE", "GROUPS CLAIM", "GROUP MAP", "ENFORCE", "REDIRECT URI")
		var m []string
		for k, v := range x.GroupMap {
			m = append(m, k+"="+v)
		}
		sort.Strings(m)
		enforce := "no"
		if x.Enforce {
			enforce = "yes"
		}
		t.row(x.Issuer, x.ClientID, strings.Join(x.Domains, ","), x.DefaultRole, x.GroupsClaim, strings.Join(m, ","), enforce, x.RedirectURI)
	}
	get := &cobra.Command{
		Use: "get", Short: "Show the OIDC sign-in (never its client secret)", Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) (*client.SSO, error) { return c.api.GetSSO(c.ctx, c.org) }, row),
	}
	set := &cobra.Command{
		Use:   "set --issuer URL --client-id ID --domain DOMAIN [--domain …] [--default-role ROLE] [--group IDP=GROUP_ID …] [--enforce]",
		Short: "Set the OIDC sign-in; the client secret comes from GATEHOUSE_SSO_CLIENT_SECRET (unset keeps the current one)",
		Example: `  GATEHOUSE_SSO_CLIENT_SECRET=… gatehouse sso set --org acme --issuer https://acme.okta.com \
    --client-id 0oa1b2c3 --domain acme.com --default-role member --group engineering=g_7hx2`,
		Args: cobra.NoArgs,
		RunE: show(a, &org, nil, func(c call) (*client.SSO, error) {
			req.ClientSecret, _ = a.env(envPrefix + "SSO_CLIENT_SECRET")
			req.GroupMap = map[string]string{}
			for _, g := range groups {
				k, v, ok := strings.Cut(g, "=")
				if !ok {
					return nil, fmt.Errorf("--group takes IDP_GROUP=GROUP_ID, not %q", g)
				}
				req.GroupMap[k] = v
			}
			return c.api.SetSSO(c.ctx, c.org, req)
		}, row),
	}
	f := set.Flags()
	f.StringVar(&req.Issuer, "issuer", "", "the identity provider's issuer URL")
	f.StringVar(&req.ClientID, "client-id", "", "the client id registered at the identity provider")
	f.StringArrayVar(&req.Domains, "domain", nil, "an email domain whose people may join through SSO (repeatable)")
	f.StringVar(&req.DefaultRole, "default-role", "", "org role of a person joining through SSO (default: the base role)")
	f.StringVar(&req.GroupsClaim, "groups-claim", "", "ID token claim with the person's groups (default groups)")
	f.StringArrayVar(&groups, "group", nil, "IDP_GROUP=GROUP_ID: membership set at each sign-in (repeatable)")
	f.BoolVar(&req.Enforce, "enforce", false, "members sign in only through SSO (the top role keeps its password)")
	del := &cobra.Command{
		Use: "delete", Short: "Turn the OIDC sign-in off", Args: cobra.NoArgs,
		RunE: a.write(&org, func(c call) (int64, error) { return c.api.DeleteSSO(c.ctx, c.org) }, func([]string) string { return "turned SSO off" }),
	}
	cmd.AddCommand(get, set, del)
	return cmd
}
