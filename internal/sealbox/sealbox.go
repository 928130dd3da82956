// Package sealbox keeps a secret Gatehouse must use again later (an SSO
// client secret) encrypted at rest: AES-256-GCM under a key derived from
// the server's audit key file, never stored beside the data. Each sealed
// value is bound to what it belongs to (its associated data, the org id),
// so a sealed secret copied to another org's row does not open.
package sealbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// version starts every sealed value, so a later scheme can tell its own.
const version = 1

// Box seals and opens with one key.
type Box struct{ aead cipher.AEAD }

// New returns a box for a 32-byte key.
func New(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("sealbox: key has %d bytes, want 32", len(key))
	}
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(b)
	if err != nil {
		return nil, err
	}
	return &Box{aead: aead}, nil
}

// Seal encrypts plain bound to ad: version, a random nonce, then the
// ciphertext with its tag.
func (b *Box) Seal(plain, ad []byte) []byte {
	nonce := make([]byte, b.aead.NonceSize())
	rand.Read(nonce) //nolint:errcheck // documented never to return an error
	out := append([]byte{version}, nonce...)
	return b.aead.Seal(out, nonce, plain, ad)
}

// ErrOpen is the one answer to a sealed value that does not open: another
// key, another ad, or altered bytes.
var ErrOpen = errors.New("sealbox: the sealed value does not open with this key")

// Open decrypts what Seal made for the same ad.
func (b *Box) Open(sealed, ad []byte) ([]byte, error) {
	n := b.aead.NonceSize()
	if len(sealed) < 1+n+b.aead.Overhead() || sealed[0] != version {
		return nil, ErrOpen
	}
	plain, err := b.aead.Open(nil, sealed[1:1+n], sealed[1+n:], ad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
