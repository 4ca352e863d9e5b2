package load

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestConstantAt(t *testing.T) {
	p, err := NewConstant(1000, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		n    uint64
		want time.Duration
		ok   bool
	}{
		{0, 0, true},                        // first send at the start
		{1, time.Millisecond, true},         // evenly spaced at 1/rate
		{500, 500 * time.Millisecond, true}, // middle
		{999, 999 * time.Millisecond, true}, // last send inside the duration
		{1000, 0, false},                    // 1000/s for 1s is exactly 1000 sends
		{1 << 40, 0, false},                 // far past the end
	}
	for _, tc := range tests {
		got, ok := p.At(tc.n)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("At(%d) = %v, %v; want %v, %v", tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

func TestConstantDue(t *testing.T) {
	p, _ := NewConstant(3, 2*time.Second) // sends at 0, 333.3ms, 666.6ms, 1s, 1.33s, 1.66s
	tests := []struct {
		elapsed time.Duration
		want    uint64
	}{
		{-time.Second, 0},            // before the start nothing is due
		{0, 1},                       // the first send is due at 0
		{333 * time.Millisecond, 1},  // just before the second
		{334 * time.Millisecond, 2},  // just after the second
		{time.Second, 4},             // exactly on the fourth
		{1999 * time.Millisecond, 6}, // all six by the end
		{time.Hour, 6},               // never more than the schedule holds
	}
	for _, tc := range tests {
		if got := p.Due(tc.elapsed); got != tc.want {
			t.Errorf("Due(%v) = %d, want %d", tc.elapsed, got, tc.want)
		}
	}
}

// TestConstantDueInvertsAt checks Due against At over a long schedule with
// an awkward rate, where float rounding would show.
func TestConstantDueInvertsAt(t *testing.T) {
	p, _ := NewConstant(7919.3, 3*time.Second)
	for n := uint64(0); ; n++ {
		at, ok := p.At(n)
		if !ok {
			if n != p.Due(time.Hour) {
				t.Fatalf("schedule has %d sends, Due(end) = %d", n, p.Due(time.Hour))
			}
			return
		}
		if got := p.Due(at); got != n+1 {
			t.Fatalf("Due(At(%d)=%v) = %d, want %d", n, at, got, n+1)
		}
		if at > 0 {
			if got := p.Due(at - 1); got != n {
				t.Fatalf("Due(At(%d)-1ns) = %d, want %d", n, got, n)
			}
		}
	}
}

func TestConstantRejects(t *testing.T) {
	for _, tc := range []struct {
		rate float64
		d    time.Duration
	}{
		{0, time.Second},  // zero rate is closed loop, not a pacer
		{-1, time.Second}, // negative rate
		{10, 0},           // empty schedule
	} {
		if _, err := NewConstant(tc.rate, tc.d); err == nil {
			t.Errorf("NewConstant(%v, %v): no error", tc.rate, tc.d)
		}
	}
}

func TestScheduleBacklogDrops(t *testing.T) {
	p, _ := NewConstant(1000, 10*time.Second)
	s := newSchedule(p, 10*time.Second, 0, 100)
	// At 1s, 1001 sends are due and none was claimed: all but 100 are
	// dropped, and the claim takes the oldest kept one.
	c, ok := s.claim(time.Second)
	if !ok || !c.late || c.dropped != 901 || c.n != 901 {
		t.Fatalf("claim = %+v, %v; want n=901 late dropped=901", c, ok)
	}
	// The next claim continues from there, still late, dropping nothing.
	c, ok = s.claim(time.Second)
	if !ok || !c.late || c.dropped != 0 || c.n != 902 {
		t.Fatalf("second claim = %+v, %v", c, ok)
	}
	// A claim for a slot in the future is on time.
	s2 := newSchedule(p, 10*time.Second, 0, 100)
	if c, ok := s2.claim(-time.Millisecond); !ok || c.late || c.n != 0 {
		t.Fatalf("early claim = %+v, %v", c, ok)
	}
}

func TestScheduleEndDropsUnsent(t *testing.T) {
	p, _ := NewConstant(100, time.Second)
	s := newSchedule(p, time.Second, 200*time.Millisecond, 1000)
	// Nothing was sent and the run is over: the 80 sends intended after the
	// warmup are dropped; the 20 warmup sends are not counted.
	c, ok := s.claim(time.Second)
	if ok || c.dropped != 80 {
		t.Fatalf("claim at end = %+v, %v; want dropped=80", c, ok)
	}
	if c, ok := s.claim(2 * time.Second); ok || c.dropped != 0 {
		t.Fatalf("second claim at end = %+v, %v; want nothing", c, ok)
	}
}

func TestMeanRate(t *testing.T) {
	c, _ := NewConstant(1000, 10*time.Second)
	if got := MeanRate(c, 2*time.Second, 10*time.Second); got != 1000 {
		t.Errorf("constant: mean rate %v, want 1000", got)
	}
	if got := MeanRate(c, time.Second, time.Second); got != 0 {
		t.Errorf("empty window: %v", got)
	}
}

// Intervals are summarized as soon as every worker has moved past them, and
// the result is the same as summarizing at the end.
func TestTimelineFinalizesEarly(t *testing.T) {
	tl := newTimeline(time.Second)
	a, b := tl.writer(), tl.writer()
	for s := range 5 {
		for range 10 {
			a.add(time.Duration(s)*time.Second, false, time.Millisecond)
			b.add(time.Duration(s)*time.Second, s == 2, 2*time.Millisecond)
		}
	}
	// Both writers are in interval 4: 0-3 are done, 4 is pending.
	tl.mu.Lock()
	pending, done := len(tl.slots), len(tl.done)
	tl.mu.Unlock()
	if pending > 1 || done != 4 {
		t.Errorf("pending %d, done %d; want at most 1 and 4", pending, done)
	}
	a.flush()
	b.flush()
	iv := tl.intervals()
	if len(iv) != 5 || iv[2].Errors != 10 || iv[4].Requests != 20 || iv[1].P99 < 2*time.Millisecond*99/100 {
		t.Errorf("intervals %+v", iv)
	}
}

func TestClassifySentinels(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("wrapped: %w", ErrTLS), KindTLS},           // a library's TLS failure reported as text
		{fmt.Errorf("wrapped: %w", ErrReset), KindReset},       // a transport that went away
		{fmt.Errorf("wrapped: %w", ErrProtocol), KindProtocol}, // an unparseable answer
		{errors.New("something else"), KindOther},              // anything unknown
		{nil, ""}, // no error
	} {
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("Classify(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
