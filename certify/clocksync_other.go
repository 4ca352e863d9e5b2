//go:build !linux

package certify

import (
	"errors"
	"runtime"
)

// clockSync is not read off Linux.
func clockSync() (ClockSync, error) {
	return ClockSync{}, errors.New("clock synchronisation is only read on linux (adjtimex), not " + runtime.GOOS)
}
