package credential

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzValidToken: session and invitation token decoding. ValidToken never
// panics, accepts exactly the shape NewToken makes for that prefix (so a
// session token is never taken for an invitation token or a key, and the
// other way round), and HashToken is a pure function of the whole token.
func FuzzValidToken(f *testing.F) {
	session, _ := NewToken(SessionPrefix)
	invitation, _ := NewToken(InvitationPrefix)
	key, _, _ := NewKey()
	for _, s := range []string{session, invitation, key, session[:len(session)-1], session + "a", strings.ToUpper(session),
		"gss_" + strings.Repeat("0", 43), "gss_" + strings.Repeat("-", 43), "", "gss_", "gsi_\x00", "Bearer " + session,
		SessionPrefix + invitation[len(InvitationPrefix):], "gss_" + strings.Repeat("é", 22)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, prefix := range []string{SessionPrefix, InvitationPrefix, KeyPrefix} {
			if !ValidToken(prefix, s) {
				continue
			}
			if !strings.HasPrefix(s, prefix) || len(s) != len(prefix)+base62Len32 || !isBase62(s[len(prefix):]) {
				t.Fatalf("ValidToken(%q, %q) accepted a token of the wrong shape", prefix, s)
			}
			for _, other := range []string{SessionPrefix, InvitationPrefix} {
				if other != prefix && ValidToken(other, s) {
					t.Fatalf("%q is valid both as %s and %s", s, prefix, other)
				}
			}
		}
		h := HashToken(s)
		if len(h) != 32 || !bytes.Equal(h, HashToken(s)) {
			t.Fatalf("HashToken(%q) is not a stable SHA-256", s)
		}
		if Equal(h, HashToken(s+"x")) {
			t.Fatalf("HashToken(%q) equals the hash of a longer token", s)
		}
	})
}
