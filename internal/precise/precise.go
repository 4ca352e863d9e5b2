// Package precise sleeps to a point in time with sub-millisecond accuracy.
//
// Go's runtime timers fire up to about a millisecond late when the process
// is idle (its idle wait has millisecond granularity), so a Sleeper uses the
// runtime timer for all but the last stretch and nanosleep(2) for the rest,
// which wakes within the thread's timer slack (50 µs by default on Linux).
// The goroutine holds its thread during that last stretch.
package precise

import (
	"context"
	"syscall"
	"time"
)

// prctl(PR_SET_TIMERSLACK) and the slack we ask for.
const (
	prSetTimerSlack = 29
	timerSlackNs    = 1000
)

// coarse is how close to the deadline the runtime timer is trusted.
const coarse = 2 * time.Millisecond

// Sleeper sleeps precisely and cancellably. Not safe for concurrent use:
// keep one per goroutine.
type Sleeper struct {
	ctx   context.Context
	timer *time.Timer
}

// New returns a Sleeper whose sleeps end early when ctx is done.
func New(ctx context.Context) *Sleeper {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &Sleeper{ctx: ctx, timer: t}
}

// Until blocks until t; it returns false when ctx is done first.
func (s *Sleeper) Until(t time.Time) bool {
	d := time.Until(t)
	if d > coarse {
		s.timer.Reset(d - coarse/2)
		select {
		case <-s.timer.C:
		case <-s.ctx.Done():
			s.timer.Stop()
			return false
		}
		d = time.Until(t)
	}
	if d > 0 {
		// The calling thread's timer slack bounds how late nanosleep wakes
		// (50 µs by default). Goroutines move between threads, so set it
		// on whichever thread this is: one cheap syscall per wait.
		_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, prSetTimerSlack, timerSlackNs, 0)
		ts := syscall.NsecToTimespec(int64(d))
		for syscall.Nanosleep(&ts, &ts) == syscall.EINTR {
		}
	}
	return s.ctx.Err() == nil
}

// Sleep blocks for d; it returns false when ctx is done first.
func (s *Sleeper) Sleep(d time.Duration) bool {
	return s.Until(time.Now().Add(d))
}
