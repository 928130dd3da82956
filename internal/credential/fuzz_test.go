package credential

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParseKey(f *testing.F) {
	secret, _, _ := NewKey()
	for _, s := range []string{
		secret,
		swap(secret, 5, 6),
		secret[:len(secret)-1],
		secret + "0",
		"gsk_" + strings.Repeat("0", 49),
		"gss_" + secret[4:],
		"", "gsk_", "Bearer " + secret, "gsk_\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ParseKey(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedKey) && !errors.Is(err, ErrKeyChecksum) {
				t.Fatalf("ParseKey(%q) = %v: not one of the documented errors", s, err)
			}
			return
		}
		// Accepted: it must be exactly the shape NewKey makes, with the
		// checksum of its body.
		if !keyRE.MatchString(s) {
			t.Fatalf("ParseKey accepted %q, which has the wrong shape", s)
		}
		body := s[len(KeyPrefix) : len(KeyPrefix)+keyBodyLen]
		if keyChecksum(body) != s[len(s)-keyChecksumLen:] {
			t.Fatalf("ParseKey accepted %q with a wrong checksum", s)
		}
	})
}

// fuzzCostBudget caps the argon2 work one fuzz input may trigger (KiB×passes).
// decodePHC already refuses anything costlier than a few hundred MiB, but
// spending that per input would make fuzzing crawl; parsing, where malformed
// input could do harm, is exercised on every input regardless.
const fuzzCostBudget = 4096

func FuzzVerifyPassword(f *testing.F) {
	good, _ := HashPassword("pw")
	for _, s := range []string{
		good,
		"$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$CnhDTzVWXoKPhvvSmFqi3bzoZFdP3YTfJfbBBDa5X74",
		"$argon2id$v=19$m=0,t=0,p=0$$",
		"$argon2id$v=19$m=4294967295,t=4294967295,p=255$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA",
		"$argon2id$v=19$m=64,t=1,p=1$" + strings.Repeat("A", 1000) + "$AA",
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"", "$", "$$$$$", "$argon2id$v=19$m=,t=,p=$$",
	} {
		f.Add(s, "pw")
	}
	f.Fuzz(func(t *testing.T, phc, pw string) {
		h, err := decodePHC(phc)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("decodePHC(%q) = %v: does not wrap ErrMalformedHash", phc, err)
			}
			if ok, verr := VerifyPassword(phc, pw); ok || verr == nil {
				t.Fatalf("VerifyPassword(%q) = %v, %v after decodePHC failed", phc, ok, verr)
			}
			return
		}
		if uint64(h.p.Memory)*uint64(h.p.Time) > fuzzCostBudget {
			return
		}
		ok, err := VerifyPassword(phc, pw)
		if err != nil {
			t.Fatalf("VerifyPassword(%q) = %v after decodePHC succeeded", phc, err)
		}
		if ok && phc == good && pw != "pw" {
			t.Fatalf("VerifyPassword accepted %q for the hash of %q", pw, "pw")
		}
	})
}
