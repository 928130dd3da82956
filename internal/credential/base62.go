package credential

import "math/big"

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// base62Len32 is how many base62 digits any 32-byte value needs:
// 62^43 > 2^256 > 62^42. A fixed width lets ParseKey check the shape by
// length alone, and keeps leading zero bytes from shortening the string.
const base62Len32 = 43

var big62 = big.NewInt(62)

// encodeBase62 writes b as a big-endian number in exactly width base62
// digits, left-padded with '0'. The caller picks a width large enough for
// len(b); digits that do not fit would be silently dropped.
func encodeBase62(b []byte, width int) string {
	n := new(big.Int).SetBytes(b)
	out := make([]byte, width)
	rem := new(big.Int)
	for i := width - 1; i >= 0; i-- {
		n.QuoRem(n, big62, rem)
		out[i] = base62Alphabet[rem.Int64()]
	}
	return string(out)
}

// encodeUint32Base62 is the checksum encoding: 62^6 > 2^32, so six digits
// always suffice.
func encodeUint32Base62(v uint32) string {
	var out [6]byte
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = base62Alphabet[v%62]
		v /= 62
	}
	return string(out[:])
}

func isBase62(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z') {
			return false
		}
	}
	return true
}
