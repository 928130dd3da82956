package sealbox

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	box, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := New(bytes.Repeat([]byte{8}, 32))
	sealed := box.Seal([]byte("s3cret"), []byte("acme"))
	if bytes.Contains(sealed, []byte("s3cret")) {
		t.Fatal("the sealed value holds the secret in the clear")
	}
	if got, err := box.Open(sealed, []byte("acme")); err != nil || string(got) != "s3cret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)-1] ^= 1
	for _, c := range []struct {
		name   string
		box    *Box
		sealed []byte
		ad     string
	}{
		{"another org", box, sealed, "beta"},
		{"another key", other, sealed, "acme"},
		{"altered bytes", box, flipped, "acme"},
		{"too short", box, sealed[:5], "acme"},
		{"empty", box, nil, "acme"},
	} {
		if _, err := c.box.Open(c.sealed, []byte(c.ad)); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open err = %v, want ErrOpen", c.name, err)
		}
	}
	if bytes.Equal(box.Seal([]byte("x"), nil), box.Seal([]byte("x"), nil)) {
		t.Error("two seals of one value are equal: the nonce is not fresh")
	}
	if _, err := New(key[:16]); err == nil {
		t.Error("New took a 16-byte key")
	}
}
