package precise

import (
	"context"
	"time"
)

// timerSleeper waits on the runtime timer only: the Sleeper of systems
// without timerfd, built on Linux too so that its tests run there.
type timerSleeper struct {
	ctx   context.Context
	timer *time.Timer
}

func newTimerSleeper(ctx context.Context) *timerSleeper {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timerSleeper{ctx: ctx, timer: t}
}

// until blocks until t; it returns false when ctx is done first.
func (s *timerSleeper) until(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	s.timer.Reset(d)
	select {
	case <-s.timer.C:
	case <-s.ctx.Done():
		s.timer.Stop()
		return false
	}
	// A timer never fires early by its own clock; a coarse wall clock
	// (Windows) can still read a little before t: wait out the rest.
	for time.Now().Before(t) {
		if s.ctx.Err() != nil {
			return false
		}
		time.Sleep(time.Until(t))
	}
	return true
}

func (s *timerSleeper) close() { s.timer.Stop() }
