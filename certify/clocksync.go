package certify

import (
	"fmt"
	"time"
)

// ClockSync is what the kernel knows of its clock's synchronisation
// (adjtimex on Linux).
type ClockSync struct {
	Synced   bool          // STA_UNSYNC is clear: an NTP or PTP daemon disciplines the clock
	MaxError time.Duration // the kernel's maximum error estimate
	EstError time.Duration // the kernel's estimated error
}

// checkClockSync warns when the kernel says its clock is not synchronised:
// timestamps from this machine and another cannot then be compared. The
// offset to other machines themselves is not measured (see
// docs/certify.md).
func checkClockSync(e *env) Check {
	const id, want = "clock-sync", "synchronised by NTP or PTP (adjtimex STA_UNSYNC clear), to compare timestamps across machines"
	get := e.opts.ClockSync
	if get == nil {
		get = clockSync
	}
	s, err := get()
	if err != nil {
		return Check{ID: id, Observed: NotAvailable + " (" + err.Error() + ")", Expected: want, Severity: Info}
	}
	errs := fmt.Sprintf("max error %d µs, estimated error %d µs", s.MaxError.Microseconds(), s.EstError.Microseconds())
	if s.Synced {
		return Check{ID: id, Observed: "synchronised (" + errs + ")", Expected: want, Severity: Info}
	}
	return Check{ID: id, Observed: "not synchronised (STA_UNSYNC; " + errs + ")", Expected: want, Severity: Warn,
		Fix: "run an NTP or PTP daemon (chronyd, systemd-timesyncd, ptp4l); only timestamps compared across machines need it: a latency measured on one machine compares readings of that machine's own clock"}
}
