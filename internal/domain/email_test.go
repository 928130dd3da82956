package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{
		"  Olivia@ACME.test ": "olivia@acme.test",
		"ｏｌｉｖｉａ@acme.test":    "olivia@acme.test", // full-width letters are the same letters
		"oﬃce@acme.test":      "office@acme.test", // the ligature is three letters
		"ИВАН@пример.рф":      "иван@пример.рф",
	} {
		if got := NormalizeEmail(in); got != want {
			t.Errorf("NormalizeEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

// Issue 12, finding 11: a Cyrillic "о" among Latin letters made a second
// account that looks like the first.
func TestCheckEmailRefusesMixedScripts(t *testing.T) {
	for _, ok := range []string{"olivia@acme.test", "иван@пример.рф", "иван@example.com", "o.brien+x@acme.co.uk",
		"山田太郎@example.jp", "user123@xn--80ak6aa92e.com", "tanaka.さくら@example.jp"} {
		if err := CheckEmail(NormalizeEmail(ok)); err != nil {
			t.Errorf("CheckEmail(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"\u043elivia@acme.test", "olivia@\u0430cme.test", "pаypal@example.com", "olivia@acme.tеst"} {
		err := CheckEmail(NormalizeEmail(bad))
		if !errors.Is(err, ErrEmail) || !strings.Contains(err.Error(), "scripts") {
			t.Errorf("CheckEmail(%q) = %v, want a mixed-script refusal", bad, err)
		}
	}
	for _, bad := range []string{"", "not an email", "Ann <ann@acme.test>", "a@", "@b", "a b@c.d", strings.Repeat("a", 250) + "@b.cd"} {
		if err := CheckEmail(NormalizeEmail(bad)); !errors.Is(err, ErrEmail) {
			t.Errorf("CheckEmail(%q) = %v, want ErrEmail", bad, err)
		}
	}
}
