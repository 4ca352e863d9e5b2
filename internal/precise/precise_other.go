//go:build !linux

package precise

import (
	"context"
	"time"
)

// Sleeper sleeps precisely and cancellably. Not safe for concurrent use:
// keep one per goroutine, and Close it when done. On this system it waits
// on the runtime timer (see the package comment).
type Sleeper struct{ t *timerSleeper }

// New returns a Sleeper whose sleeps end early when ctx is done.
func New(ctx context.Context) (*Sleeper, error) {
	return &Sleeper{t: newTimerSleeper(ctx)}, nil
}

// NewOneShot returns a Sleeper for a single sleep.
func NewOneShot(ctx context.Context) (*Sleeper, error) { return New(ctx) }

// Close releases the timer. A nil Sleeper may be closed.
func (s *Sleeper) Close() error {
	if s != nil {
		s.t.close()
	}
	return nil
}

// Until blocks until t; it returns false when ctx is done first.
func (s *Sleeper) Until(t time.Time) bool { return s.t.until(t) }

// Sleep blocks for d; it returns false when ctx is done first.
func (s *Sleeper) Sleep(d time.Duration) bool { return s.Until(time.Now().Add(d)) }
