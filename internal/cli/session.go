package cli

import (
	"github.com/spf13/cobra"

	"github.com/gatehouse/gatehouse/client"
)

func (a *app) newLoginCmd() *cobra.Command {
	var email, password string
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Log in and print a session token",
		Long: `Log in with an email and password and print the session token, to pass to the
other commands with --token or GATEHOUSE_TOKEN:

  export GATEHOUSE_TOKEN=$(gatehouse login --email you@example.com --password ...)`,
		Args: cobra.NoArgs,
		RunE: show(a, nil, []string{"email", "password"}, func(c call) (*client.Session, error) {
			return c.api.Login(c.ctx, email, password)
		}, func(t *tw, s *client.Session) { t.row(s.Token) }),
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
		// Nothing to say in a table; with -o json an empty object, so that
		// every command prints one JSON value.
		RunE: show(a, nil, nil, func(c call) (struct{}, error) {
			return struct{}{}, c.api.Logout(c.ctx)
		}, func(*tw, struct{}) {}),
	}
}

func (a *app) newMeCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "me",
		Short: "Show who --token is and its organizations",
		Args:  cobra.NoArgs,
		RunE: show(a, nil, nil, func(c call) (*client.Me, error) {
			return c.api.Me(c.ctx)
		}, func(t *tw, me *client.Me) {
			t.kv("id", me.ID)
			t.kv("email", me.Email)
			t.kv("name", me.Name)
			t.row()
			t.row("ORG", "NAME", "ROLE")
			for _, o := range me.Orgs {
				t.row(o.ID, o.Name, o.Role)
			}
		}),
	}
}
