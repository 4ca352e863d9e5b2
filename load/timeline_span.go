package load

import (
	"time"

	"github.com/smp-dev/smp/hist"
)

// spanWriter is an event loop's timeline writer. Its requests come from
// many connections, so their intended times arrive out of order; it keeps
// an interval open until the loop says (advance) that no request intended
// before a point is still to come.
type spanWriter struct {
	t    *timeline
	id   int
	open map[int]*slot
	low  int // intervals below low have been handed over
}

// spanWriter registers a loop. Call before the workers start.
func (t *timeline) spanWriter() *spanWriter {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.marks = append(t.marks, -1)
	return &spanWriter{t: t, id: len(t.marks) - 1, open: map[int]*slot{}, low: -1}
}

// add counts one request intended at off from the window start; latency < 0
// means no latency was recorded for it.
func (w *spanWriter) add(off time.Duration, isErr bool, latency time.Duration) {
	// An interval already handed over cannot take more (the timeline may
	// have summarized it): a request the loop said was not coming counts
	// in the earliest open one instead.
	idx := max(int(off/w.t.interval), w.low)
	s := w.open[idx]
	if s == nil {
		s = &slot{h: hist.NewCoarse()}
		w.open[idx] = s
	}
	s.requests++
	if isErr {
		s.errors++
	}
	if latency >= 0 {
		s.h.Record(latency)
	}
}

// advance hands over every open interval before the one off falls in, and
// tells the timeline this writer will write nothing earlier.
func (w *spanWriter) advance(off time.Duration) {
	w.advanceTo(int(off / w.t.interval))
}

func (w *spanWriter) advanceTo(low int) {
	if low <= w.low {
		return
	}
	// Hand the intervals over with the mark where it was, then move it:
	// moving it first could let the timeline summarize an interval still
	// to be handed over.
	for i, s := range w.open {
		if i < low {
			w.t.flush(w.id, i, w.low, s.requests, s.errors, s.h)
			delete(w.open, i)
		}
	}
	w.t.flush(w.id, low, low, 0, 0, nil)
	w.low = low
}

// flush hands every open interval over when the loop stops.
func (w *spanWriter) flush() { w.advanceTo(int(^uint(0) >> 1)) }
