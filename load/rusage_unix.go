//go:build linux || darwin

package load

import (
	"runtime"
	"syscall"
	"time"
)

// usageNotMeasured is empty: this system measures the generator's own
// CPU time and memory with getrusage(RUSAGE_SELF).
const usageNotMeasured = ""

// kib converts ru_maxrss to KiB: it is in KiB on Linux, in bytes on macOS.
func kib(maxrss int64) int64 {
	if runtime.GOOS == "darwin" {
		return maxrss / 1024
	}
	return maxrss
}

func readUsage() usage {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return usage{}
	}
	return usage{
		cpu:    time.Duration(ru.Utime.Nano() + ru.Stime.Nano()),
		maxRSS: kib(int64(ru.Maxrss)),
	}
}
