package load

import (
	"errors"
	"syscall"

	"golang.org/x/sys/windows"
)

// isRefused reports whether err is a refused connection: Winsock's own
// error numbers, which syscall.ECONNREFUSED does not match.
func isRefused(err error) bool {
	return errors.Is(err, windows.WSAECONNREFUSED) || errors.Is(err, syscall.ECONNREFUSED)
}

// isReset reports whether err is a connection reset or aborted, or a
// broken pipe.
func isReset(err error) bool {
	return errors.Is(err, windows.WSAECONNRESET) || errors.Is(err, windows.WSAECONNABORTED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) || errors.Is(err, windows.ERROR_BROKEN_PIPE)
}
