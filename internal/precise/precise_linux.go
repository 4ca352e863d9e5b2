//go:build linux

package precise

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Tuning of the choice between the two waits.
const (
	// lateLimit is how late a runtime-timer wake-up may be before it counts
	// against the runtime timer.
	lateLimit = 50 * time.Microsecond
	// strikesToSwitch late wake-ups in a row switch to the timerfd.
	strikesToSwitch = 1
	// probeEvery timerfd waits, the runtime timer is tried once more.
	probeEvery = 1024
)

// Sleeper sleeps precisely and cancellably. Not safe for concurrent use:
// keep one per goroutine, and Close it when done.
type Sleeper struct {
	ctx   context.Context
	fd    int
	f     *os.File
	stop  func() bool
	timer *time.Timer
	buf   [8]byte

	useFD   bool
	strikes int
	fdWaits int
}

// New returns a Sleeper whose sleeps end early when ctx is done.
func New(ctx context.Context) (*Sleeper, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd_create: %w", err)
	}
	// A non-blocking descriptor becomes pollable: reads park the goroutine
	// in the network poller.
	f := os.NewFile(uintptr(fd), "timerfd")
	s := &Sleeper{ctx: ctx, fd: fd, f: f, timer: time.NewTimer(time.Hour)}
	s.timer.Stop()
	s.stop = context.AfterFunc(ctx, func() { _ = f.SetReadDeadline(time.Unix(1, 0)) })
	return s, nil
}

// NewOneShot returns a Sleeper for a single sleep, which has no history to
// learn from: it starts on the timerfd, precise whether or not the process
// is busy (the built-in target holding a request, say).
func NewOneShot(ctx context.Context) (*Sleeper, error) {
	s, err := New(ctx)
	if err == nil {
		s.useFD = true
	}
	return s, err
}

// Close releases the timer. A nil Sleeper may be closed.
func (s *Sleeper) Close() error {
	if s == nil {
		return nil
	}
	s.stop()
	s.timer.Stop()
	return s.f.Close()
}

// Until blocks until t; it returns false when ctx is done first.
func (s *Sleeper) Until(t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return s.ctx.Err() == nil
	}
	if s.useFD {
		s.fdWaits++
		if s.fdWaits%probeEvery == 0 {
			s.useFD = false
		}
		return s.fdWait(t, d)
	}
	if !s.timerWait(d) {
		return false
	}
	if time.Since(t) > lateLimit {
		s.strikes++
		if s.strikes >= strikesToSwitch {
			s.useFD, s.strikes = true, 0
		}
	} else {
		s.strikes = 0
	}
	return true
}

// Sleep blocks for d; it returns false when ctx is done first.
func (s *Sleeper) Sleep(d time.Duration) bool {
	return s.Until(time.Now().Add(d))
}

func (s *Sleeper) timerWait(d time.Duration) bool {
	s.timer.Reset(d)
	select {
	case <-s.timer.C:
		return true
	case <-s.ctx.Done():
		s.timer.Stop()
		return false
	}
}

func (s *Sleeper) fdWait(t time.Time, d time.Duration) bool {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(s.fd, 0, &spec, nil); err != nil {
		return s.timerWait(time.Until(t)) // cannot happen with a valid descriptor
	}
	for {
		_, err := s.f.Read(s.buf[:])
		if err == nil {
			return s.ctx.Err() == nil
		}
		if s.ctx.Err() != nil {
			return false
		}
		if !time.Now().Before(t) {
			return true
		}
	}
}
