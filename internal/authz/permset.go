package authz

import (
	"math/bits"

	"github.com/gatehouse/gatehouse/internal/scheme"
)

// PermSet is a set of permission indexes of one scheme.
type PermSet [scheme.MaxPermissions / 64]uint64

func (s *PermSet) Add(i int)      { s[i>>6] |= 1 << (uint(i) & 63) }
func (s *PermSet) Remove(i int)   { s[i>>6] &^= 1 << (uint(i) & 63) }
func (s *PermSet) Has(i int) bool { return s[i>>6]&(1<<(uint(i)&63)) != 0 }
func (s *PermSet) Union(o *PermSet) {
	for i := range s {
		s[i] |= o[i]
	}
}

// Len counts the permissions in the set.
func (s *PermSet) Len() int {
	n := 0
	for _, w := range s {
		n += bits.OnesCount64(w)
	}
	return n
}
