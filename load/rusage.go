package load

import "time"

// usage is a reading of the process's own cost: getrusage(RUSAGE_SELF)
// where the system has it (see usageNotMeasured), zero elsewhere.
type usage struct {
	cpu    time.Duration
	maxRSS int64 // KiB
}
