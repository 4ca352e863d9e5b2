//go:build linux

package certify

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// clockSync reads the kernel clock's state with adjtimex (modes 0: read
// only, no privilege needed).
func clockSync() (ClockSync, error) {
	var tx unix.Timex
	if _, err := unix.Adjtimex(&tx); err != nil {
		return ClockSync{}, fmt.Errorf("adjtimex: %w", err)
	}
	return ClockSync{
		Synced:   tx.Status&unix.STA_UNSYNC == 0,
		MaxError: time.Duration(tx.Maxerror) * time.Microsecond,
		EstError: time.Duration(tx.Esterror) * time.Microsecond,
	}, nil
}
