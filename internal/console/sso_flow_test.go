package console_test

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/ssotest"
	"github.com/gatehouse/gatehouse/internal/team"
)

// A person signs in with SSO from the login page: the work email's
// domain picks the org, the provider signs them in, and they land in the
// org as a new member with the default role.
func TestSSOSignInFromLoginPage(t *testing.T) {
	f := newFixture(t, fixtureOpts{})
	op := ssotest.Start(t, f.url+"/login/sso/callback")
	if _, _, err := f.svc.SetSSO(context.Background(), f.owner, f.org, team.SSORequest{Issuer: op.Issuer, ClientID: op.ClientID,
		ClientSecret: op.ClientSecret, Domains: []string{"acme.test"}, DefaultRole: "member"}); err != nil {
		t.Fatal(err)
	}
	b := f.browser("sso")

	// A domain no org claims says so on the login page.
	b.open("/login")
	b.typeInto("#sso-email", "kim@nowhere.test")
	b.click("#sso-submit")
	b.waitFor("#error")
	// A callback this browser did not start signs nobody in.
	if st := b.status("/login/sso/callback?state=forged&code=c"); st != 401 {
		t.Errorf("a callback not started here: status %d, want 401", st)
	}

	op.SignIn(ssotest.Person{Subject: "s1", Email: "sam@acme.test", EmailVerified: true, Name: "Sam"})
	b.open("/login")
	b.typeInto("#sso-email", "sam@acme.test")
	b.click("#sso-submit")
	b.waitFor("#user-menu")
	b.waitPath("/o/acme")
	o, err := f.svc.Engine().Org(f.org)
	if err != nil {
		t.Fatal(err)
	}
	if role, ok := o.MemberRole(f.userID("sam@acme.test")); !ok || role != "member" {
		t.Errorf("after SSO sign-in: role %q, member %v", role, ok)
	}
}
