package evloop

import "time"

// lead tracks how late the kernel wakes the loop from a timed wait, which
// on a virtual machine can be tens of microseconds even with no timer
// slack (an idle CPU has to be woken up), so that waits for a send end
// that much early and the loop spins the rest: sends then leave on time at
// the cost of a little CPU. d follows about the 75th percentile of the
// lateness seen (a stochastic quantile estimate: up 3 steps when a wake is
// later than d, down 1 when not), bounded by maxLead.
type lead struct{ d time.Duration }

const (
	leadStep = 500 * time.Nanosecond
	maxLead  = 200 * time.Microsecond
)

// observe takes one wake-up's lateness: how long after the requested time
// the wait returned.
func (e *lead) observe(late time.Duration) {
	if late > e.d {
		e.d = min(maxLead, e.d+3*leadStep)
	} else {
		e.d = max(0, e.d-leadStep)
	}
}
