package load

import (
	"testing"
	"time"
)

// An event loop's writer takes requests out of order across intervals; the
// timeline summarizes an interval only once every writer is past it, and
// the counts add up however the adds interleave.
func TestSpanWriterOutOfOrder(t *testing.T) {
	const sec = time.Second
	tl := newTimeline(sec)
	span := tl.spanWriter()
	plain := tl.writer()
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }

	// Interval 0 and 1 interleave on the loop's writer.
	span.add(ms(900), false, ms(5))
	span.add(ms(1100), false, ms(7))
	span.add(ms(950), true, ms(9)) // late completion of an interval-0 request
	plain.add(ms(100), false, ms(1))
	plain.add(ms(1200), false, ms(1)) // the plain writer moves to interval 1

	tl.mu.Lock()
	if _, done := tl.done[0]; done {
		t.Fatal("interval 0 summarized while the loop's writer still had it open")
	}
	tl.mu.Unlock()

	// The loop is done with everything before 1.5 s: interval 0 is handed
	// over; interval 1 stays open.
	span.advance(ms(1500))
	span.add(ms(1999), false, ms(3))
	tl.mu.Lock()
	iv, done := tl.done[0]
	tl.mu.Unlock()
	if !done || iv.Requests != 3 || iv.Errors != 1 {
		t.Fatalf("interval 0 = %+v (summarized %v); want 3 requests, 1 error", iv, done)
	}
	// A request the loop wrongly said was not coming lands in the earliest
	// open interval rather than reopening a summarized one.
	span.add(ms(10), false, ms(2))

	span.flush()
	plain.flush()
	got := tl.intervals()
	if len(got) != 2 {
		t.Fatalf("%d intervals, want 2: %+v", len(got), got)
	}
	if got[0].Requests != 3 || got[1].Requests != 4 {
		t.Errorf("requests per interval %d, %d; want 3 and 4", got[0].Requests, got[1].Requests)
	}
	if got[1].P99 < ms(7) {
		t.Errorf("interval 1 p99 %v, want at least 7ms", got[1].P99)
	}
}
