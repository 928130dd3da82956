package domain

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// NormalizeEmail is the one form in which Gatehouse stores and compares
// email addresses: NFKC, then lower case, without surrounding space. NFKC
// folds compatibility characters (full-width letters, ligatures) into the
// letters they stand for, so "ｏlivia@acme.test" and "olivia@acme.test" are
// one account, not two; lower case makes the address case-insensitive as
// people expect, though RFC 5321 lets the local part be case-sensitive.
// The stores key users by this form too, so the use cases and the database
// can never disagree about whether two addresses are the same.
func NormalizeEmail(email string) string {
	return strings.ToLower(norm.NFKC.String(strings.TrimSpace(email)))
}

// CompatFolded reports whether normalizing changes the address beyond
// letter case and canonical composition: it is written with characters
// that stand for others (fullwidth "ｎ" for "n"), so the mailbox it names is
// not the one NormalizeEmail's answer names.
func CompatFolded(email string) bool {
	t := strings.TrimSpace(email)
	return norm.NFKC.String(t) != norm.NFC.String(t)
}

// ErrEmail is what CheckEmail's errors wrap.
var ErrEmail = errors.New("invalid email address")

// CheckEmail reports whether a normalised email address may name a user:
// one plain address (no display name, no spaces) whose local part and
// each domain label are each written in one script. A mixed-script label
// is how look-alike addresses are made ("оlivia" with a Cyrillic "о"
// beside the Latin "olivia"), and no real address needs one. The error's
// text is a sentence for the person who typed the address.
func CheckEmail(email string) error {
	bad := func(why string) error { return fmt.Errorf("%w: %q %s", ErrEmail, email, why) }
	if email == "" {
		return bad("is empty")
	}
	if len(email) > 254 {
		return bad("is longer than 254 characters")
	}
	if strings.ContainsAny(email, " <>\t\r\n") {
		return bad("is not a valid address")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return bad("is not a valid address")
	}
	local, host, ok := strings.Cut(email, "@")
	if !ok || local == "" || host == "" {
		return bad("is not a valid address")
	}
	if !singleScript(local) {
		return bad("mixes letters of different scripts (such as Latin and Cyrillic) in the part before @; type it in one script")
	}
	for _, label := range strings.Split(host, ".") {
		if !singleScript(label) {
			return bad(fmt.Sprintf("mixes letters of different scripts (such as Latin and Cyrillic) in %q; type it in one script", label))
		}
	}
	return nil
}

// scriptTables are the scripts a letter is looked up in; Common and
// Inherited (digits, punctuation, combining marks) belong to no one script.
var scriptTables = func() map[string]*unicode.RangeTable {
	m := make(map[string]*unicode.RangeTable, len(unicode.Scripts))
	for name, t := range unicode.Scripts {
		if name != "Common" && name != "Inherited" {
			m[name] = t
		}
	}
	return m
}()

// cjkMixes are the script sets that real writing mixes (Unicode UTS #39's
// "highly restrictive" level): Japanese, Chinese with Bopomofo, Korean,
// each with Latin.
var cjkMixes = []map[string]bool{
	{"Latin": true, "Han": true, "Hiragana": true, "Katakana": true},
	{"Latin": true, "Han": true, "Bopomofo": true},
	{"Latin": true, "Han": true, "Hangul": true},
}

// singleScript reports whether the letters of s come from one script, or
// from one of the mixes real writing uses.
func singleScript(s string) bool {
	seen := map[string]bool{}
	for _, r := range s {
		if r < 0x80 {
			if 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' {
				seen["Latin"] = true
			}
			continue
		}
		for name, t := range scriptTables {
			if unicode.Is(t, r) {
				seen[name] = true
				break
			}
		}
	}
	if len(seen) <= 1 {
		return true
	}
	for _, mix := range cjkMixes {
		within := true
		for name := range seen {
			if !mix[name] {
				within = false
				break
			}
		}
		if within {
			return true
		}
	}
	return false
}
