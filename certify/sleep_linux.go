//go:build linux

package certify

import (
	"errors"
	"time"

	"golang.org/x/sys/unix"
)

// sleepFor sleeps d in the kernel (nanosleep), restarting after a signal.
func sleepFor(d time.Duration) error {
	ts := unix.NsecToTimespec(d.Nanoseconds())
	for {
		var rem unix.Timespec
		err := unix.Nanosleep(&ts, &rem)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
		ts = rem
	}
}
