package load

import (
	"syscall"
	"time"
)

// usage is a getrusage(RUSAGE_SELF) reading.
type usage struct {
	cpu    time.Duration
	maxRSS int64 // KiB
}

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
