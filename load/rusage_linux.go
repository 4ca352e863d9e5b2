//go:build linux

package load

import (
	"syscall"
	"time"
)

// usageNotMeasured is empty: this system measures the generator's own
// CPU time and memory with getrusage(RUSAGE_SELF).
const usageNotMeasured = ""

func readUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	return usage{
		cpu:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		maxRSS: ru.Maxrss,
	}
}
