package audit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gatehouse.db.audit-key")
	k, err := CreateKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || KeyFileTooOpen(path) {
		t.Errorf("key file mode %o, want 600", fi.Mode().Perm())
	}
	text, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(text), "# ") || strings.Count(string(text), "\n") < 2 {
		t.Errorf("key file does not explain itself:\n%s", text)
	}
	back, err := LoadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if back.ID() != k.ID() || back.Hash(Genesis, chain(1)[0]) != k.Hash(Genesis, chain(1)[0]) {
		t.Error("the key read back differs from the key written")
	}
	// Never replaced: the old key is the only one its chains verify with.
	if _, err := CreateKeyFile(path); !errors.Is(err, fs.ErrExist) {
		t.Errorf("CreateKeyFile over an existing file: %v, want ErrExist", err)
	}
	if again, _ := LoadKeyFile(path); again == nil || again.ID() != k.ID() {
		t.Error("the existing key file was changed")
	}
	if _, err := LoadKeyFile(path + ".missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: %v, want ErrNotExist", err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if !KeyFileTooOpen(path) {
		t.Error("a world-readable key file is not reported")
	}
	if NewKey().ID() == NewKey().ID() {
		t.Error("two random keys have one id")
	}
}

func TestParseKey(t *testing.T) {
	hex64 := strings.Repeat("0f", 32)
	for _, ok := range []string{hex64, hex64 + "\n", "# note\n\n  " + hex64 + "  \n# end\n", strings.ToUpper(hex64)} {
		if _, err := ParseKey([]byte(ok)); err != nil {
			t.Errorf("ParseKey(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", "# only a comment\n", hex64[:62], hex64 + "00", hex64 + "\n" + hex64, "zz" + hex64[2:]} {
		if _, err := ParseKey([]byte(bad)); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		}
	}
	a, _ := ParseKey([]byte(hex64))
	b, _ := ParseKey([]byte(strings.Repeat("f0", 32)))
	if a.ID() == b.ID() || a.Hash(Genesis, chain(1)[0]) == b.Hash(Genesis, chain(1)[0]) {
		t.Error("different secrets give the same key")
	}
}
