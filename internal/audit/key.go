package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SecretSize is the length of the secret a key file holds.
const SecretSize = 32

// Key is what an audit key file holds, and what is derived from it: the
// HMAC key of the chains and the Ed25519 key that signs checkpoints.
//
// Both come from the one secret through HKDF-SHA256 with labels of their
// own, so an operator keeps, backs up and rotates a single file, and
// neither derived key says anything about the other or about the secret.
// The public half of the signing key can be handed to whoever receives the
// checkpoints; it cannot make MACs or signatures.
type Key struct {
	secret []byte // kept to write the key file
	mac    []byte
	sign   ed25519.PrivateKey
	pub    ed25519.PublicKey
	id     string
}

const (
	macLabel  = "gatehouse/audit/chain-hmac-sha256/v1"
	signLabel = "gatehouse/audit/checkpoint-ed25519/v1"
)

// NewKey makes a key from a fresh random secret. (crypto/rand does not fail
// on the systems Go supports; it stops the program if it ever does.)
func NewKey() *Key {
	k, _ := newKey(randomSecret())
	return k
}

func randomSecret() []byte {
	b := make([]byte, SecretSize)
	rand.Read(b) //nolint:errcheck // documented never to return an error
	return b
}

// NewKeyFromSecret derives a key from a secret of SecretSize bytes.
func NewKeyFromSecret(secret []byte) (*Key, error) {
	return newKey(secret)
}

func newKey(secret []byte) (*Key, error) {
	secret = bytes.Clone(secret)
	if len(secret) != SecretSize {
		return nil, fmt.Errorf("audit key: the secret has %d bytes, want %d", len(secret), SecretSize)
	}
	mac, err := hkdf.Key(sha256.New, secret, nil, macLabel, 32)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	seed, err := hkdf.Key(sha256.New, secret, nil, signLabel, ed25519.SeedSize)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	sign := ed25519.NewKeyFromSeed(seed)
	pub := sign.Public().(ed25519.PublicKey)
	sum := sha256.Sum256(pub)
	return &Key{secret: secret, mac: mac, sign: sign, pub: pub, id: hex.EncodeToString(sum[:8])}, nil
}

// ID names the key without revealing it: the first 8 bytes, in hex, of the
// SHA-256 of the checkpoint public key. The database records it when its
// chains are keyed, and every checkpoint carries it.
func (k *Key) ID() string { return k.id }

// PublicKey is the Ed25519 key that verifies checkpoints.
func (k *Key) PublicKey() ed25519.PublicKey { return k.pub }

// fileHeader is the comment a new key file starts with, for whoever finds
// the file on a disk.
const fileHeader = "# Gatehouse audit key: 32 random bytes in hex. It seals the audit chains and\n" +
	"# signs their checkpoints. Keep it secret, keep it off the database's host\n" +
	"# and backups where you can, and keep a copy: without it no chain verifies.\n"

// ParseKey reads a key file's text: one line of 64 hex digits (what
// `openssl rand -hex 32` prints), with blank lines and lines starting with
// '#' ignored.
func ParseKey(text []byte) (*Key, error) {
	var found []string
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		found = append(found, line)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("want one line of %d hex digits, found %d lines besides comments", 2*SecretSize, len(found))
	}
	secret, err := hex.DecodeString(found[0])
	if err != nil || len(secret) != SecretSize {
		return nil, fmt.Errorf("want %d hex digits (%d random bytes), found %d characters that are not that", 2*SecretSize, SecretSize, len(found[0]))
	}
	return newKey(secret)
}

// LoadKeyFile reads the key file at path. A missing file is an error
// matching fs.ErrNotExist.
func LoadKeyFile(path string) (*Key, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	k, err := ParseKey(text)
	if err != nil {
		return nil, fmt.Errorf("audit key %s: %w", path, err)
	}
	return k, nil
}

// CreateKeyFile writes a new random key to path, readable by its owner
// only, and returns it.
func CreateKeyFile(path string) (*Key, error) {
	k := NewKey()
	if err := k.WriteNewFile(path); err != nil {
		return nil, err
	}
	return k, nil
}

// WriteNewFile writes k to a new key file at path, readable by its owner
// only. It never replaces a file: losing the key a database was sealed
// with is the one mistake the chain cannot recover from, so an existing
// path is an error matching fs.ErrExist.
func (k *Key) WriteNewFile(path string) error {
	text := fileHeader + hex.EncodeToString(k.secret) + "\n"
	if err := writeNew(path, []byte(text)); err != nil {
		return fmt.Errorf("audit key: %w", err)
	}
	return nil
}

// writeNew creates path with mode 0600 and data, durably: the file and its
// directory entry are synced before it returns. A partial file is removed.
func writeNew(path string, data []byte) (err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil && !errors.Is(err, fs.ErrExist) {
			os.Remove(path)
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	// Some file systems cannot sync a directory; the file itself is synced.
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) && !errors.Is(err, errors.ErrUnsupported) {
		return err
	}
	return nil
}

// KeyFileTooOpen reports whether group or others may read the key file,
// which a server warns about at start.
func KeyFileTooOpen(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Perm()&0o077 != 0
}

// Subkey derives a 32-byte key for another use of the server's one secret
// (sealing SSO client secrets), through HKDF-SHA256 with that use's label:
// it says nothing about the chain or checkpoint keys, and the operator
// still keeps a single file.
func (k *Key) Subkey(label string) []byte {
	b, err := hkdf.Key(sha256.New, k.secret, nil, label, 32)
	if err != nil {
		panic("audit key: " + err.Error()) // only for lengths HKDF cannot give; 32 it can
	}
	return b
}
