package credential

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
)

// The password policy (OWASP ASVS 5.0 V6.2). No composition rules: length
// and guessability are what slow an attacker down, and rules about digits
// and symbols only make people write "Password1!".
const (
	// MinPasswordLen is the fewest characters a new password may have.
	MinPasswordLen = 8
	// MaxPasswordChars is the most a new password may have: far beyond any
	// passphrase, and well under the bytes HashPassword takes.
	MaxPasswordChars = 256
	// minScore is zxcvbn's "safely unguessable" (about 10^8 guesses and
	// up): with argon2id in front, beyond reach of an offline attack on a
	// stolen database for a long while, and far beyond an online one.
	minScore = 3
	// scoredChars bounds the part of a password zxcvbn looks at: its
	// matching grows faster than linearly (4 s for 1,000 characters), and
	// the first 64 characters of a password tell whether it is guessable.
	scoredChars = 64
)

// ErrWeakPassword is what CheckPassword's errors wrap. Their text is a
// sentence for the person choosing the password.
var ErrWeakPassword = errors.New("password refused")

// CheckPassword reports whether pw may become a password: at least
// MinPasswordLen characters once normalised (spaces count, but not only
// spaces), at most MaxPasswordChars, not containing the account's email
// or the part of it before @, and not among the common or easily guessed
// passwords zxcvbn knows: leaked-password lists, dictionary words, names,
// keyboard walks, repeats, sequences and dates, each with common
// substitutions. personal lists what else belongs to the person (the
// email, the display name): zxcvbn weighs those as the first guesses.
func CheckPassword(pw, email string, personal ...string) error {
	pw = NormalizePassword(pw)
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(pw):
		return fmt.Errorf("%w: the password is not valid text (UTF-8)", ErrWeakPassword)
	case n < MinPasswordLen:
		return fmt.Errorf("%w: the password is too short: use at least %d characters; a few unrelated words make a good one", ErrWeakPassword, MinPasswordLen)
	case n > MaxPasswordChars:
		return fmt.Errorf("%w: the password is too long: use at most %d characters", ErrWeakPassword, MaxPasswordChars)
	case strings.TrimFunc(pw, unicode.IsSpace) == "":
		return fmt.Errorf("%w: the password is only spaces: use words or other characters", ErrWeakPassword)
	}
	lower := strings.ToLower(pw)
	email = strings.ToLower(strings.TrimSpace(email))
	local, _, _ := strings.Cut(email, "@")
	if email != "" && strings.Contains(lower, email) || len(local) >= 4 && strings.Contains(lower, local) {
		return fmt.Errorf("%w: the password must not contain your email address or the part of it before @", ErrWeakPassword)
	}
	inputs := make([]string, 0, 2+len(personal))
	for _, s := range append([]string{email, local}, personal...) {
		if s = strings.TrimSpace(s); s != "" {
			inputs = append(inputs, strings.ToLower(s))
		}
	}
	scored := pw
	if n > scoredChars {
		scored = string([]rune(pw)[:scoredChars])
	}
	if zxcvbn.PasswordStrength(scored, inputs).Score < minScore {
		return fmt.Errorf("%w: the password is too common or too easy to guess: "+
			"use a longer one, such as three or four unrelated words", ErrWeakPassword)
	}
	return nil
}
