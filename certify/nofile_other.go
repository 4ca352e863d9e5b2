//go:build !linux

package certify

import (
	"errors"
	"runtime"
)

// noFile is not checked off Linux.
func noFile() (soft, hard uint64, err error) {
	return 0, 0, errors.New("open-file limit is only read on linux, not " + runtime.GOOS)
}
