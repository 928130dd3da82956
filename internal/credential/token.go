package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// Token prefixes. Distinct prefixes keep a session token from being accepted
// where an invitation is expected, and make leaked tokens recognisable.
const (
	SessionPrefix    = "gss_"
	InvitationPrefix = "gsi_"
	ResetPrefix      = "gsr_" // password reset
	PersonalPrefix   = "gsp_" // personal access token
	SCIMPrefix       = "gsc_" // an org's SCIM provisioning token
)

// NewToken makes an opaque bearer token: prefix followed by 43 base62
// characters carrying 256 random bits. It returns the token (to hand out
// once) and its SHA-256 (to store).
func NewToken(prefix string) (token string, hash []byte) {
	var b [32]byte
	rand.Read(b[:]) // never fails since Go 1.24
	token = prefix + encodeBase62(b[:], base62Len32)
	return token, HashToken(token)
}

// HashToken is the SHA-256 of a whole token, prefix included.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// ValidToken reports whether token has the shape NewToken(prefix) gives, so
// obvious garbage can be refused before a store lookup.
func ValidToken(prefix, token string) bool {
	rest, ok := strings.CutPrefix(token, prefix)
	return ok && len(rest) == base62Len32 && isBase62(rest)
}

// idEncoding is lowercase base32 without padding: URL-safe, case-insensitive
// for humans reading ids aloud, and inside domain.ValidID's alphabet.
var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewID makes a server-side record id such as "u_k3j5…": prefix followed by 16
// base32 characters (80 random bits). Ids are not secrets, so 80 bits only has
// to make collisions negligible: under one in a million after a billion ids,
// and the store's unique constraints turn even that into a retryable conflict.
func NewID(prefix string) string {
	var b [10]byte
	rand.Read(b[:]) // never fails since Go 1.24
	return prefix + idEncoding.EncodeToString(b[:])
}

// IsID reports whether s has the shape of an id NewID makes with prefix.
func IsID(prefix, s string) bool {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok || len(rest) != 16 {
		return false
	}
	_, err := idEncoding.DecodeString(rest)
	return err == nil
}
