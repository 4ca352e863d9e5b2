//go:build unix

package live

import (
	"errors"
	"syscall"
)

// alive reports whether process pid exists (EPERM: it does, as another
// user's).
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
