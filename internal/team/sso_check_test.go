package team

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/gatehouse/gatehouse/internal/fault"
)

func TestCheckIssuer(t *testing.T) {
	for _, c := range []struct {
		issuer string
		ok     bool
	}{
		{"https://acme.okta.com/oauth2/default", true},
		{"https://login.microsoftonline.com/0000-tenant/v2.0", true},
		{"http://127.0.0.1:5556", true},
		{"http://[::1]:8080/realms/acme", true},
		{"http://localhost:8080", true},
		{"http://idp.example.com", false}, // plain http off loopback
		{"https://user:pw@idp.example.com", false},
		{"https://idp.example.com/?x=1", false},
		{"https://idp.example.com/#f", false},
		{"idp.example.com", false},
		{"ftp://idp.example.com", false},
		{"", false},
	} {
		err := checkIssuer(c.issuer)
		if (err == nil) != c.ok {
			t.Errorf("checkIssuer(%q) = %v, want ok %v", c.issuer, err, c.ok)
		}
		if err != nil && fault.CodeOf(err) != fault.Unprocessable {
			t.Errorf("checkIssuer(%q): code %v, want Unprocessable", c.issuer, fault.CodeOf(err))
		}
	}
}

func TestHostAllowed(t *testing.T) {
	allowed := []string{"acme.okta.com", "*.microsoftonline.com"}
	for host, want := range map[string]bool{
		"acme.okta.com": true, "ACME.okta.com.": true, "login.microsoftonline.com": true, "a.b.microsoftonline.com": true,
		"microsoftonline.com": false, "evilmicrosoftonline.com": false, "other.okta.com": false, "acme.okta.com.evil.test": false, "": false,
	} {
		if got := hostAllowed(allowed, host); got != want {
			t.Errorf("hostAllowed(%q) = %v, want %v", host, got, want)
		}
	}
	if !hostAllowed(nil, "anything.example") {
		t.Errorf("no list allows any host")
	}
}

func TestCheckDomains(t *testing.T) {
	for _, c := range []struct {
		in   []string
		want []string // nil: refused
	}{
		{[]string{"Acme.COM ", "acme.com", "eu.acme.com"}, []string{"acme.com", "eu.acme.com"}},
		{[]string{}, nil},
		{[]string{"localhost"}, nil},
		{[]string{"a@acme.com"}, nil},
		{[]string{".acme.com"}, nil},
		{[]string{"acme.com."}, nil},
		{[]string{"acme.com/x"}, nil},
	} {
		got, err := checkDomains(c.in)
		if c.want == nil {
			if err == nil {
				t.Errorf("checkDomains(%q) = %q, want refused", c.in, got)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("checkDomains(%q) = %q, %v, want %q", c.in, got, err, c.want)
		}
	}
}

func TestSSOClaims(t *testing.T) {
	for _, c := range []struct {
		v    any
		want bool
	}{{true, true}, {"true", true}, {false, false}, {"false", false}, {nil, false}, {1.0, false}} {
		if got := truthy(c.v); got != c.want {
			t.Errorf("truthy(%v) = %v", c.v, got)
		}
	}
	if got := stringsOf([]any{"eng", 3.0, "ops"}); !slices.Equal(got, []string{"eng", "ops"}) {
		t.Errorf("stringsOf(list) = %q", got)
	}
	if got := stringsOf("eng"); !slices.Equal(got, []string{"eng"}) {
		t.Errorf("stringsOf(string) = %q", got)
	}
	if got := stringsOf(nil); got != nil {
		t.Errorf("stringsOf(nil) = %q", got)
	}
}

// A discovered provider is reused within ssoDiscoveryTTL and discovered
// again after it (or when the clock goes back); a full cache starts over.
func TestProviderCache(t *testing.T) {
	var c providerCache
	t0 := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	p := &oidc.Provider{}
	if _, ok := c.get("https://idp.test", t0); ok {
		t.Fatal("an empty cache has a provider")
	}
	c.put("https://idp.test", p, t0)
	for _, tc := range []struct {
		name   string
		issuer string
		at     time.Time
		hit    bool
	}{
		{"at once", "https://idp.test", t0, true},
		{"just within the TTL", "https://idp.test", t0.Add(ssoDiscoveryTTL - time.Second), true},
		{"at the TTL", "https://idp.test", t0.Add(ssoDiscoveryTTL), false},
		{"the clock gone back", "https://idp.test", t0.Add(-time.Second), false},
		{"another issuer", "https://other.test", t0, false},
	} {
		if got, ok := c.get(tc.issuer, tc.at); ok != tc.hit || ok && got != p {
			t.Errorf("%s: hit %v, want %v", tc.name, ok, tc.hit)
		}
	}
	for i := range maxProviders {
		c.put(fmt.Sprintf("https://idp%d.test", i), p, t0)
	}
	if len(c.m) > maxProviders {
		t.Errorf("the cache holds %d providers, more than %d", len(c.m), maxProviders)
	}
}
