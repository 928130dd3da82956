package audit

import (
	"bytes"
	"testing"
)

// A subkey is the same for one secret and label, another for another
// label or secret, and never the chain's MAC key.
func TestSubkey(t *testing.T) {
	k, _ := NewKeyFromSecret(bytes.Repeat([]byte{1}, SecretSize))
	k2, _ := NewKeyFromSecret(bytes.Repeat([]byte{2}, SecretSize))
	a := k.Subkey("gatehouse/sso/client-secret-aes-gcm/v1")
	for name, other := range map[string][]byte{
		"another label":  k.Subkey("gatehouse/other/v1"),
		"another secret": k2.Subkey("gatehouse/sso/client-secret-aes-gcm/v1"),
		"the MAC key":    k.mac,
	} {
		if bytes.Equal(a, other) {
			t.Errorf("subkey equals %s", name)
		}
	}
	if !bytes.Equal(a, k.Subkey("gatehouse/sso/client-secret-aes-gcm/v1")) || len(a) != 32 {
		t.Error("a subkey is not a stable 32 bytes")
	}
}
