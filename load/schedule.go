package load

import (
	"sync/atomic"
	"time"
)

// schedule hands out open-loop send slots to workers. Any free worker takes
// the next slot, so a slow response on one connection does not hold back
// the schedule while others are idle. One atomic counter is the only state
// shared on the per-request path.
type schedule struct {
	pacer      Pacer
	next       atomic.Uint64
	end        time.Duration // no send is intended at or after end
	maxBacklog uint64
	first      uint64 // first slot intended at or after the warmup
}

// slot is one claimed send.
type claimed struct {
	n       uint64
	at      time.Duration // intended offset from the run start
	late    bool          // already due when claimed
	dropped uint64        // measured slots skipped by this claim
}

func newSchedule(p Pacer, end, warmup time.Duration, maxBacklog int) *schedule {
	s := &schedule{pacer: p, end: end, maxBacklog: uint64(maxBacklog)}
	if warmup > 0 {
		s.first = p.Due(warmup - 1)
	}
	return s
}

// measured counts the slots in [a, b) that are intended after the warmup.
func (s *schedule) measured(a, b uint64) uint64 {
	if a < s.first {
		a = s.first
	}
	if b <= a {
		return 0
	}
	return b - a
}

// claim takes the next slot for a worker at elapsed. ok is false when the
// schedule is over; dropped may then still count slots that were never sent.
func (s *schedule) claim(elapsed time.Duration) (sl claimed, ok bool) {
	for {
		n := s.next.Load()
		at, more := s.pacer.At(n)
		if !more || at >= s.end {
			return claimed{}, false
		}
		if elapsed >= s.end {
			// The run is over: what is left was due but never sent.
			last := s.pacer.Due(s.end - 1)
			if last < n {
				last = n
			}
			if s.next.CompareAndSwap(n, last) {
				return claimed{dropped: s.measured(n, last)}, false
			}
			continue
		}
		if at > elapsed {
			if s.next.CompareAndSwap(n, n+1) {
				return claimed{n: n, at: at}, true
			}
			continue
		}
		due := s.pacer.Due(elapsed)
		if due > n && due-n > s.maxBacklog {
			// Too far behind: skip the oldest overdue slots.
			m := due - s.maxBacklog
			if s.next.CompareAndSwap(n, m+1) {
				at, _ = s.pacer.At(m)
				return claimed{n: m, at: at, late: true, dropped: s.measured(n, m)}, true
			}
			continue
		}
		if s.next.CompareAndSwap(n, n+1) {
			return claimed{n: n, at: at, late: true}, true
		}
	}
}

// nextAt is when the next unclaimed slot is intended (the end of the run
// when there is none): no later claim is intended earlier.
func (s *schedule) nextAt() time.Duration {
	at, more := s.pacer.At(s.next.Load())
	if !more || at > s.end {
		return s.end
	}
	return at
}
