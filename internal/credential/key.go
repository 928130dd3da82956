package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"hash/crc32"
	"strings"
)

// KeyPrefix starts every secret key. It tells the authn middleware a bearer
// token is a key rather than a session, and lets secret scanners (GitHub,
// GitLab, trufflehog) recognise leaked keys.
const KeyPrefix = "gsk_"

// KeyDisplayLen is how much of a key is shown in lists: KeyPrefix plus eight
// characters, enough to tell keys apart and far too little to guess the rest.
const KeyDisplayLen = 12

const (
	keyBodyLen     = base62Len32
	keyChecksumLen = 6
	keyLen         = len(KeyPrefix) + keyBodyLen + keyChecksumLen
)

var (
	// ErrMalformedKey: the string does not have the shape of a secret key.
	ErrMalformedKey = errors.New("credential: not a gatehouse secret key")
	// ErrKeyChecksum: the shape is right but the checksum does not match,
	// which almost always means a typo or truncated copy-paste.
	ErrKeyChecksum = errors.New("credential: secret key checksum mismatch")
)

// NewKey makes a secret key: KeyPrefix, 43 base62 characters carrying 256
// random bits, and a 6-character base62 CRC32 of those 43 characters. It
// returns the secret (to show once), its display prefix, and the SHA-256 to
// store.
func NewKey() (secret, prefix string, hash []byte) {
	var b [32]byte
	rand.Read(b[:]) // never fails since Go 1.24
	body := encodeBase62(b[:], keyBodyLen)
	secret = KeyPrefix + body + keyChecksum(body)
	return secret, secret[:KeyDisplayLen], HashSecret(secret)
}

// ParseKey checks that s is a well-formed secret key with a matching
// checksum, so that typos and random bearer strings are refused without
// touching the database. It returns nil, ErrMalformedKey or ErrKeyChecksum.
// A nil error says nothing about whether the key exists.
func ParseKey(s string) error {
	if len(s) != keyLen || !strings.HasPrefix(s, KeyPrefix) {
		return ErrMalformedKey
	}
	rest := s[len(KeyPrefix):]
	if !isBase62(rest) {
		return ErrMalformedKey
	}
	body, sum := rest[:keyBodyLen], rest[keyBodyLen:]
	// Comparing in constant time costs nothing and avoids leaking how many
	// checksum characters a forged key got right.
	if subtle.ConstantTimeCompare([]byte(sum), []byte(keyChecksum(body))) != 1 {
		return ErrKeyChecksum
	}
	return nil
}

// KeyDisplayPrefix returns the part of a key shown in lists, or "" when s is
// too short to be a key.
func KeyDisplayPrefix(s string) string {
	if len(s) < KeyDisplayLen {
		return ""
	}
	return s[:KeyDisplayLen]
}

func keyChecksum(body string) string {
	return encodeUint32Base62(crc32.ChecksumIEEE([]byte(body)))
}

// HashSecret is the SHA-256 of a whole secret key, the form stored and
// looked up. The secret has 256 bits of entropy, so no salt or slow hash is
// needed.
func HashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// Equal compares two hashes in constant time (for equal lengths), so timing
// does not reveal how much of a stored hash a guess matched.
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}
