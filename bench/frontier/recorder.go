package main

import (
	"sync"
	"time"
)

// recorder timestamps the arrival of each request into a buffer allocated
// before the run (arm), so that recording allocates nothing. It is safe for
// concurrent use; with the server on one thread (GOMAXPROCS 1) its lock is
// never contended.
type recorder struct {
	base time.Time // arrivals are ns of the monotonic clock since base

	mu   sync.Mutex
	ts   []int64 // capacity fixed by arm; never grown
	n    int64   // requests since arm
	lost int64   // of those, not timestamped: the buffer was full
}

func newRecorder() *recorder { return &recorder{base: time.Now()} }

// arm starts a run: it forgets the last one and makes room for capacity
// timestamps.
func (r *recorder) arm(capacity int) {
	ts := make([]int64, 0, capacity)
	r.mu.Lock()
	r.ts, r.n, r.lost = ts, 0, 0
	r.mu.Unlock()
}

// add records k requests that arrived now (k > 1 when a client sent
// several in one segment: they arrived together).
func (r *recorder) add(k int) {
	now := int64(time.Since(r.base))
	r.mu.Lock()
	for range k {
		if len(r.ts) < cap(r.ts) {
			r.ts = append(r.ts, now)
		} else {
			r.lost++
		}
	}
	r.n += int64(k)
	r.mu.Unlock()
}

// take ends a run: it returns the timestamps, the number of requests and
// how many of them have no timestamp. Requests after take are counted as
// lost until the next arm.
func (r *recorder) take() (ts []int64, n, lost int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ts, n, lost = r.ts, r.n, r.lost
	r.ts, r.n, r.lost = nil, 0, 0
	return ts, n, lost
}
