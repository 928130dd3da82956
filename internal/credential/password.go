package credential

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// passwordParams are the argon2id cost parameters of new hashes.
type passwordParams struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// defaultParams is the OWASP Password Storage Cheat Sheet's baseline for
// argon2id (19 MiB, 2 passes, 1 lane): tens of milliseconds per hash on one
// core (see BenchmarkHashPassword), slow enough to hurt offline guessing and
// cheap enough for a login endpoint.
var defaultParams = passwordParams{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// params is what HashPassword and DummyVerify use. It is a variable only so
// this package's tests can make hashing cheap; production never changes it.
var params = defaultParams

// Bounds on parameters read back from a stored hash. A PHC string decides how
// much memory and time verification spends, so a corrupt or hostile row must
// not be able to ask for gigabytes or minutes.
const (
	maxMemoryKiB = 256 * 1024
	maxTime      = 32
	maxThreads   = 16
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
	// maxPasswordLen stops a multi-megabyte "password" from costing more
	// than the argon2 work itself; real passwords are far shorter.
	maxPasswordLen = 4096
)

// ErrMalformedHash reports a stored password hash that is not an argon2id
// PHC string this package can verify.
var ErrMalformedHash = errors.New("credential: malformed password hash")

// ErrPasswordTooLong reports a password longer than this package accepts.
var ErrPasswordTooLong = errors.New("credential: password too long")

// Strict decoding rejects non-canonical encodings, so one hash has exactly
// one textual form.
var b64 = base64.RawStdEncoding.Strict()

// HashMemory is the memory, in bytes, one HashPassword or DummyVerify
// takes while it runs: what a bound on concurrent hashing divides by.
func HashMemory() int { return int(params.Memory) << 10 }

// NormalizePassword is the form a password is hashed in: NFKC, so the same
// characters typed on two keyboards (a precomposed "é" or "e" and a
// combining accent, a full-width digit) make the same password.
func NormalizePassword(pw string) string { return norm.NFKC.String(pw) }

// HashPassword returns an argon2id PHC string for pw (normalised) with a
// fresh random salt: $argon2id$v=19$m=19456,t=2,p=1$SALT$HASH.
func HashPassword(pw string) (string, error) {
	if len(pw) > maxPasswordLen {
		return "", ErrPasswordTooLong
	}
	pw = NormalizePassword(pw)
	p := params
	salt := make([]byte, p.SaltLen)
	rand.Read(salt) // never fails since Go 1.24
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the PHC string phc. It uses the
// parameters recorded in phc, not the current ones, so hashes made before a
// cost change keep working (see NeedsRehash). A wrong password is (false, nil);
// an unusable phc is (false, error wrapping ErrMalformedHash).
//
// pw is compared in its normalised form. Hashes made before passwords were
// normalised hold the bytes as typed, so when the two forms differ and the
// normalised one fails, the bytes as typed are tried too: such a password
// keeps working until it is next changed.
func VerifyPassword(phc, pw string) (bool, error) {
	h, err := decodePHC(phc)
	if err != nil {
		return false, err
	}
	if len(pw) > maxPasswordLen {
		return false, nil
	}
	n := NormalizePassword(pw)
	if h.matches(n) {
		return true, nil
	}
	return n != pw && h.matches(pw), nil
}

func (h decodedHash) matches(pw string) bool {
	key := argon2.IDKey([]byte(pw), h.salt, h.p.Time, h.p.Memory, h.p.Threads, uint32(len(h.key)))
	return subtle.ConstantTimeCompare(key, h.key) == 1
}

// NeedsRehash reports whether phc was made with parameters other than the
// current ones, so a successful login can upgrade the stored hash.
func NeedsRehash(phc string) bool {
	h, err := decodePHC(phc)
	if err != nil {
		return true
	}
	p := params
	return h.p.Memory != p.Memory || h.p.Time != p.Time || h.p.Threads != p.Threads ||
		uint32(len(h.salt)) != p.SaltLen || uint32(len(h.key)) != p.KeyLen
}

// DummyVerify spends the time of one VerifyPassword at the current parameters
// and throws the result away. Login calls it when the email is unknown, so
// response time does not tell an attacker which emails have accounts.
func DummyVerify(pw string) {
	if len(pw) > maxPasswordLen {
		return // VerifyPassword returns early too
	}
	pw = NormalizePassword(pw)
	p := params
	// The salt only needs the right length; its value is irrelevant.
	salt := make([]byte, p.SaltLen)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	subtle.ConstantTimeCompare(key, salt)
}

type decodedHash struct {
	p    passwordParams
	salt []byte
	key  []byte
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformedHash}, args...)...)
}

// decodePHC parses $argon2id$v=19$m=M,t=T,p=P$SALT$HASH strictly: fields in
// this order, nothing extra, values within the bounds above.
func decodePHC(phc string) (decodedHash, error) {
	var h decodedHash
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" {
		return h, malformed("want $argon2id$v=19$m=M,t=T,p=P$SALT$HASH")
	}
	if parts[1] != "argon2id" {
		return h, malformed("algorithm %q is not argon2id", truncate(parts[1]))
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return h, malformed("unsupported version %q", truncate(parts[2]))
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return h, malformed("want parameters m=M,t=T,p=P")
	}
	m, err := phcUint(kv[0], "m=", 32)
	if err != nil {
		return h, err
	}
	t, err := phcUint(kv[1], "t=", 32)
	if err != nil {
		return h, err
	}
	p, err := phcUint(kv[2], "p=", 8)
	if err != nil {
		return h, err
	}
	switch {
	case t < 1 || t > maxTime:
		return h, malformed("t=%d out of range 1..%d", t, maxTime)
	case p < 1 || p > maxThreads:
		return h, malformed("p=%d out of range 1..%d", p, maxThreads)
	case m < 8*p || m > maxMemoryKiB: // argon2 needs 8 KiB per lane
		return h, malformed("m=%d out of range %d..%d", m, 8*p, maxMemoryKiB)
	}
	h.p = passwordParams{Memory: uint32(m), Time: uint32(t), Threads: uint8(p)}
	if h.salt, err = b64.DecodeString(parts[4]); err != nil {
		return h, malformed("salt: %v", err)
	}
	if h.key, err = b64.DecodeString(parts[5]); err != nil {
		return h, malformed("hash: %v", err)
	}
	if len(h.salt) < minSaltLen || len(h.salt) > maxSaltLen {
		return h, malformed("salt of %d bytes, want %d..%d", len(h.salt), minSaltLen, maxSaltLen)
	}
	if len(h.key) < minKeyLen || len(h.key) > maxKeyLen {
		return h, malformed("hash of %d bytes, want %d..%d", len(h.key), minKeyLen, maxKeyLen)
	}
	h.p.SaltLen, h.p.KeyLen = uint32(len(h.salt)), uint32(len(h.key))
	return h, nil
}

func phcUint(s, prefix string, bits int) (uint64, error) {
	v, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return 0, malformed("want %sN, got %q", prefix, truncate(s))
	}
	n, err := strconv.ParseUint(v, 10, bits)
	if err != nil {
		return 0, malformed("%s%q is not a number", prefix, truncate(v))
	}
	return n, nil
}

// truncate keeps error messages short when the input is garbage.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
