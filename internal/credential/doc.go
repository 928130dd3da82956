// Package credential makes and checks every secret Gatehouse hands out or
// accepts: user passwords (argon2id in PHC strings), secret API keys
// ("gsk_…" with a checksum), opaque session and invitation tokens, and the
// random ids of server-made records.
//
// Passwords are low-entropy, so they get a deliberately slow, memory-hard
// hash. Keys and tokens carry 256 bits from crypto/rand, so a single SHA-256
// is enough to make a stolen database useless, and it lets the store look a
// credential up by its hash in one indexed query. Nothing here keeps a
// plaintext secret; callers show a key or token once and store the hash.
//
// The package is pure: no I/O beyond crypto/rand and no global state other
// than the password cost parameters.
package credential
