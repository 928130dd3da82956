package credential

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"golang.org/x/crypto/argon2"
)

// Issue 12, finding 7: "password", "12345678", eight spaces and the
// email itself were accepted as passwords.
func TestCheckPasswordRefuses(t *testing.T) {
	const email = "olivia@acme.test"
	for _, c := range []struct{ pw, why string }{
		{"password", "too common"},
		{"12345678", "too common"},
		{"        ", "only spaces"},
		{"\u3000\u3000\u3000\u3000\u3000\u3000\u3000\u3000", "only spaces"}, // ideographic spaces
		{email, "email"},
		{"OLIVIA@ACME.TEST", "email"},
		{"my-olivia-secret-77", "email"},
		{"ｏｌｉｖｉａ@ａｃｍｅ.ｔｅｓｔ", "email"}, // the same, full width, after NFKC
		{"short", "too short"},
		{"Password1!", "too common"},
		{"qwertyuiop", "too common"},
		{"iloveyou2024", "too common"},
		{strings.Repeat("ab", 40), "too common"},
		{strings.Repeat("x", MaxPasswordChars+1), "too long"},
		{"acme-olivia-2024", "email"},
	} {
		err := CheckPassword(c.pw, email, "Olivia Owner")
		if !errors.Is(err, ErrWeakPassword) || !strings.Contains(err.Error(), c.why) {
			t.Errorf("CheckPassword(%q) = %v, want a refusal saying %q", c.pw, err, c.why)
		}
	}
}

func TestCheckPasswordAccepts(t *testing.T) {
	for _, pw := range []string{"gatehouse-demo", "correct horse battery staple", "a long password", "Tr0ub4dor&3",
		"zürich brötchen zwölf", "river " + strings.Repeat("x", 200) + " lantern quartz 9"} {
		if err := CheckPassword(pw, "olivia@acme.test"); err != nil {
			t.Errorf("CheckPassword(%q) = %v, want nil", pw, err)
		}
	}
}

// Issue 12's Unicode normalisation: one password, however it is typed.
func TestPasswordIsNormalised(t *testing.T) {
	composed, decomposed := "caf\u00e9 au lait 42", "cafe\u0301 au lait 42"
	phc, err := HashPassword(composed)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := VerifyPassword(phc, decomposed); !ok {
		t.Error("the decomposed spelling of the password does not verify")
	}
	// A hash made of the bytes as typed, before normalisation, still works.
	legacy := hashRaw(t, decomposed)
	if ok, _ := VerifyPassword(legacy, decomposed); !ok {
		t.Error("a hash of the unnormalised bytes no longer verifies")
	}
}

// hashRaw hashes pw's bytes as typed, as HashPassword did before it
// normalised.
func hashRaw(t *testing.T, pw string) string {
	t.Helper()
	p := params
	salt := make([]byte, p.SaltLen)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}
