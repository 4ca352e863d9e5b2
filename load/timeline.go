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
// lock is taken once per worker per interval, not per request.
type timeline struct {
	interval time.Duration
	mu       sync.Mutex
	slots    map[int]*slot
}

type slot struct {
	requests, errors int64
	h                *hist.Histogram
}

func newTimeline(interval time.Duration) *timeline {
	return &timeline{interval: interval, slots: map[int]*slot{}}
}

func (t *timeline) flush(idx int, requests, errors int64, h *hist.Histogram) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.slots[idx]
	if s == nil {
		s = &slot{h: hist.NewCoarse()}
		t.slots[idx] = s
	}
	s.requests += requests
	s.errors += errors
	s.h.Merge(h)
}

// intervals returns the timeline in order, with empty intervals filled in up
// to the last one that saw a request.
func (t *timeline) intervals() []Interval {
	t.mu.Lock()
	defer t.mu.Unlock()
	idx := make([]int, 0, len(t.slots))
	for i := range t.slots {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	if len(idx) == 0 {
		return nil
	}
	out := make([]Interval, 0, idx[len(idx)-1]+1)
	for i := 0; i <= idx[len(idx)-1]; i++ {
		iv := Interval{Start: time.Duration(i) * t.interval}
		if s := t.slots[i]; s != nil {
			iv.Requests, iv.Errors = s.requests, s.errors
			iv.P50, iv.P99 = s.h.Quantile(50), s.h.Quantile(99)
		}
		out = append(out, iv)
	}
	return out
}

// timelineWriter is a worker's local view of the current interval.
type timelineWriter struct {
	t                *timeline
	idx              int
	requests, errors int64
	h                *hist.Histogram
}

func (t *timeline) writer() *timelineWriter {
	return &timelineWriter{t: t, idx: -1, h: hist.NewCoarse()}
}

// add counts one request intended at off from the window start; latency < 0
// means no latency was recorded for it.
func (w *timelineWriter) add(off time.Duration, isErr bool, latency time.Duration) {
	idx := int(off / w.t.interval)
	if idx != w.idx {
		w.flush()
		w.idx = idx
	}
	w.requests++
	if isErr {
		w.errors++
	}
	if latency >= 0 {
		w.h.Record(latency)
	}
}

func (w *timelineWriter) flush() {
	if w.idx < 0 || w.requests == 0 {
		return
	}
	w.t.flush(w.idx, w.requests, w.errors, w.h)
	w.requests, w.errors = 0, 0
	w.h.Reset()
}
