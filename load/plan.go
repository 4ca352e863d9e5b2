package load

import (
	"errors"
	"fmt"
	"runtime"
	"time"
)

// Plan is one load run.
type Plan struct {
	Dialer      Dialer
	Connections int
	// Pacer is the open-loop schedule; nil means closed loop (each
	// connection sends its next request when the previous one completes).
	Pacer    Pacer
	Duration time.Duration // whole run, warmup included
	Warmup   time.Duration // excluded from results
	Timeout  time.Duration // per request
	// MaxBacklog bounds the open-loop sends that may be overdue at once; a
	// send that would exceed it is dropped (counted, never sent). 0 means
	// DefaultMaxBacklog(rate).
	MaxBacklog int
	// Interval of the timeline; 0 means one second.
	Interval time.Duration
	// Progress, when set, is called about once an interval while the run
	// goes, from a goroutine of the engine's, with what it has measured so
	// far (see Progress). It must return quickly.
	Progress func(Progress)
	// Driver is DriverEventLoop, DriverUring (the event loop on
	// io_uring, on epoll where io_uring is unavailable), DriverGoroutines,
	// or "" for the event loop when the client has one for its
	// configuration.
	Driver string
	// Loops is the number of event loops (threads); 0 means one per 16
	// connections, and at most one per usable CPU but one (see
	// newLoopDriver). There are never more loops than connections.
	Loops int
	// SendTolerance lets an event loop send early, by up to this much, the
	// open-loop sends intended within it of a send it makes: they leave
	// back to back, on one wake-up of the loop (and of the target) instead
	// of one each. 0 (the default) sends each at its time; at most
	// MaxSendTolerance. The goroutine driver ignores it (the result's
	// SendTolerance says what applied). An early send's latency is timed
	// from when it was sent, not from its intended time (which would
	// shorten it), and its send lag is recorded as 0 and counted in
	// Result.Early.
	SendTolerance time.Duration
}

// MaxSendTolerance bounds Plan.SendTolerance: beyond it, "open loop at a
// rate" would stop describing the arrivals.
const MaxSendTolerance = 10 * time.Millisecond

// ErrPlan wraps every problem with a Plan.
var ErrPlan = errors.New("invalid load plan")

// Check reports the first problem with p.
func (p *Plan) Check() error {
	switch {
	case p.Dialer == nil:
		return fmt.Errorf("%w: no protocol client", ErrPlan)
	case p.Connections < 1:
		return fmt.Errorf("%w: connections %d: expected >= 1", ErrPlan, p.Connections)
	case p.Duration <= 0:
		return fmt.Errorf("%w: duration %v: expected > 0", ErrPlan, p.Duration)
	case p.Warmup < 0 || p.Warmup >= p.Duration:
		return fmt.Errorf("%w: warmup %v: expected >= 0 and < duration %v", ErrPlan, p.Warmup, p.Duration)
	case p.Timeout <= 0:
		return fmt.Errorf("%w: timeout %v: expected > 0", ErrPlan, p.Timeout)
	case p.MaxBacklog < 0:
		return fmt.Errorf("%w: max backlog %d: expected >= 0", ErrPlan, p.MaxBacklog)
	case p.Interval < 0:
		return fmt.Errorf("%w: interval %v: expected >= 0", ErrPlan, p.Interval)
	case p.Driver != "" && p.Driver != DriverEventLoop && p.Driver != DriverUring && p.Driver != DriverGoroutines:
		return fmt.Errorf("%w: driver %q: expected %s, %s, %s or empty (automatic)", ErrPlan, p.Driver, DriverEventLoop, DriverUring, DriverGoroutines)
	case (p.Driver == DriverEventLoop || p.Driver == DriverUring) && !HasEventLoop(runtime.GOOS):
		return eventLoopOSError(runtime.GOOS)
	case p.Loops < 0:
		return fmt.Errorf("%w: loops %d: expected >= 0", ErrPlan, p.Loops)
	case p.SendTolerance < 0 || p.SendTolerance > MaxSendTolerance:
		return fmt.Errorf("%w: send tolerance %v: expected 0 to %v", ErrPlan, p.SendTolerance, MaxSendTolerance)
	}
	return nil
}

// DefaultMaxBacklog is one second's worth of sends at rate, at least 1000.
func DefaultMaxBacklog(rate float64) int {
	if rate < 1000 {
		return 1000
	}
	return int(rate)
}
