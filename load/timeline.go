package load

import (
	"sort"
	"sync"
	"time"

	"github.com/smp-dev/smp/hist"
)

// timeline gathers per-interval counts and latency from all workers. Each
// worker accumulates one interval locally and flushes it here when it moves
// to the next (intended send times per worker only move forward), so the
// lock is taken once per worker per interval, not per request. An interval
// is summarized, and its histogram dropped, as soon as every worker has
// moved past it, so memory stays flat however long the run.
type timeline struct {
	interval time.Duration
	mu       sync.Mutex
	slots    map[int]*slot
	done     map[int]Interval
	// marks[w] is the lowest interval worker w may still flush; -1 until
	// it records its first request.
	marks []int
}

type slot struct {
	requests, errors int64
	h                *hist.Histogram
}

func newTimeline(interval time.Duration) *timeline {
	return &timeline{interval: interval, slots: map[int]*slot{}, done: map[int]Interval{}}
}

// flush adds a worker's interval idx; the worker's next writes are for
// intervals >= next.
func (t *timeline) flush(w, idx, next int, requests, errors int64, h *hist.Histogram) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if requests > 0 {
		s := t.slots[idx]
		if s == nil {
			s = &slot{h: hist.NewCoarse()}
			t.slots[idx] = s
		}
		s.requests += requests
		s.errors += errors
		s.h.Merge(h)
	}
	t.marks[w] = next
	low := next
	for _, m := range t.marks {
		low = min(low, m)
	}
	if low < 0 {
		return
	}
	for i, s := range t.slots {
		if i < low {
			t.finish(i, s)
		}
	}
}

// finish summarizes slot i and drops its histogram. Callers hold mu.
func (t *timeline) finish(i int, s *slot) {
	t.done[i] = Interval{
		Start: time.Duration(i) * t.interval, Requests: s.requests, Errors: s.errors,
		P50: s.h.Quantile(50), P99: s.h.Quantile(99),
	}
	delete(t.slots, i)
}

// intervals returns the timeline in order, with empty intervals filled in up
// to the last one that saw a request.
func (t *timeline) intervals() []Interval {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i, s := range t.slots {
		t.finish(i, s)
	}
	idx := make([]int, 0, len(t.done))
	for i := range t.done {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	if len(idx) == 0 {
		return nil
	}
	out := make([]Interval, 0, idx[len(idx)-1]+1)
	for i := 0; i <= idx[len(idx)-1]; i++ {
		iv, ok := t.done[i]
		if !ok {
			iv = Interval{Start: time.Duration(i) * t.interval}
		}
		out = append(out, iv)
	}
	return out
}

// timelineWriter is a worker's local view of the current interval.
type timelineWriter struct {
	t                *timeline
	id               int
	idx              int
	requests, errors int64
	h                *hist.Histogram
}

// writer registers a worker. Call before the workers start.
func (t *timeline) writer() *timelineWriter {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.marks = append(t.marks, -1)
	return &timelineWriter{t: t, id: len(t.marks) - 1, idx: -1, h: hist.NewCoarse()}
}

// add counts one request intended at off from the window start; latency < 0
// means no latency was recorded for it.
func (w *timelineWriter) add(off time.Duration, isErr bool, latency time.Duration) {
	idx := int(off / w.t.interval)
	if idx != w.idx {
		w.flushTo(idx)
	}
	w.requests++
	if isErr {
		w.errors++
	}
	if latency >= 0 {
		w.h.Record(latency)
	}
}

// flushTo hands the current interval over and moves to next.
func (w *timelineWriter) flushTo(next int) {
	w.t.flush(w.id, w.idx, next, w.requests, w.errors, w.h)
	w.idx = next
	w.requests, w.errors = 0, 0
	w.h.Reset()
}

// flush hands the last interval over when the worker stops; the worker
// then holds back no interval.
func (w *timelineWriter) flush() {
	w.flushTo(int(^uint(0) >> 1))
}

// timelineAdder is what a worker records its requests' timeline through.
type timelineAdder interface {
	add(off time.Duration, isErr bool, latency time.Duration)
	flush()
}
