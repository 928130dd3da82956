//go:build unix

package pgtest

import (
	"errors"
	"syscall"
)

// alive reports whether process pid exists; EPERM means it does, just not
// ours to signal.
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
