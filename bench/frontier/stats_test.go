package main

import (
	"math"
	"testing"
	"time"
)

// every returns n arrivals gap apart from start.
func every(start, gap time.Duration, n int) []int64 {
	ts := make([]int64, n)
	for i := range ts {
		ts[i] = int64(start + time.Duration(i)*gap)
	}
	return ts
}

// bursts returns size arrivals at once every period, n times from 0, and
// one more arrival at n×period that closes the span.
func bursts(period time.Duration, size, n int) []int64 {
	var ts []int64
	for i := range n {
		for range size {
			ts = append(ts, int64(time.Duration(i)*period))
		}
	}
	return append(ts, int64(time.Duration(n)*period))
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestMeasure(t *testing.T) {
	t.Parallel()
	// A burst of 1000 within the first second, then the even sequence:
	// left out by the warmup, it must not show.
	warmBurst := append(every(2*time.Second/10, 0, 1000), every(0, 100*time.Microsecond, 30_000)...)
	tests := []struct {
		name            string
		ts              []int64
		warmup          time.Duration
		windows         int
		mean, cv        float64
		p99, max, above float64
		rate            float64
	}{
		// One every 100 µs for 3 s: 10 per 1 ms window in every one of the
		// 1999 whole windows after the 1 s warmup (the last arrival, at
		// 2.9999 s, ends the span).
		{"even", every(0, 100*time.Microsecond, 30_000), time.Second, 1999, 10, 0, 10, 10, 0, 10_000},
		// The same, in reverse order: order does not matter.
		{"even, unsorted", reverse(every(0, 100*time.Microsecond, 30_000)), time.Second, 1999, 10, 0, 10, 10, 0, 10_000},
		{"warmup burst left out", warmBurst, time.Second, 1999, 10, 0, 10, 10, 0, 10_000},
		// 100 at once every 10 ms for 1 s: of 1000 windows, 100 hold 100
		// and 900 hold none. Mean 10; variance 0.1×100² − 10² = 900, so
		// CV 30/10 = 3; the 99th percentile window (rank 990) is a burst;
		// 10% of windows are above 20.
		{"bursts", bursts(10*time.Millisecond, 100, 100), 0, 1000, 10, 3, 100, 100, 0.1, 10_000},
		// 10 at once every 1 ms: one burst per window is perfectly even.
		{"one burst per window", bursts(time.Millisecond, 10, 1000), 0, 1000, 10, 0, 10, 10, 0, 10_000},
		// Alternating 0 and 20 per window: CV 1, nothing above 2× the mean
		// (20 is not above 20).
		{"alternating", bursts(2*time.Millisecond, 20, 500), 0, 1000, 10, 1, 20, 20, 0, 10_000},
		// Nothing after the warmup.
		{"all in warmup", every(0, time.Millisecond, 500), time.Second, 0, 0, 0, 0, 0, 0, 0},
		{"empty", nil, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		e := measure(tc.ts, tc.warmup, time.Millisecond)
		if e.Windows != tc.windows || !near(e.Mean, tc.mean) || !near(e.CV, tc.cv) || e.P99 != tc.p99 ||
			e.Max != tc.max || !near(e.Above2x, tc.above) || !near(e.Rate, tc.rate) {
			t.Errorf("%s: windows %d mean %v CV %v p99 %v max %v above %v rate %v; want %d %v %v %v %v %v %v",
				tc.name, e.Windows, e.Mean, e.CV, e.P99, e.Max, e.Above2x, e.Rate,
				tc.windows, tc.mean, tc.cv, tc.p99, tc.max, tc.above, tc.rate)
		}
	}
}

func reverse(ts []int64) []int64 {
	for i, j := 0, len(ts)-1; i < j; i, j = i+1, j-1 {
		ts[i], ts[j] = ts[j], ts[i]
	}
	return ts
}

func TestEndOfHeaders(t *testing.T) {
	t.Parallel()
	req := "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
	tests := []struct {
		name   string
		pieces []string
		want   int
	}{
		{"one request", []string{req}, 1},
		{"three pipelined in one read", []string{req + req + req}, 3},
		// The terminator split across reads at every place it can be.
		{"split after CR", []string{req[:len(req)-3], req[len(req)-3:]}, 1},
		{"split after CRLF", []string{req[:len(req)-2], req[len(req)-2:]}, 1},
		{"split after CRLFCR", []string{req[:len(req)-1], req[len(req)-1:]}, 1},
		{"byte by byte", splitBytes(req + req), 2},
		// A lone CRLF between header lines, or CR CR LF, ends nothing.
		{"no blank line", []string{"GET / HTTP/1.1\r\nHost: x\r\n"}, 0},
		{"CR CR LF", []string{"GET /\r\r\n\r\r\n"}, 0},
	}
	for _, tc := range tests {
		var s endOfHeaders
		got := 0
		for _, p := range tc.pieces {
			got += s.scan([]byte(p))
		}
		if got != tc.want {
			t.Errorf("%s: %d request ends, want %d", tc.name, got, tc.want)
		}
	}
}

func splitBytes(s string) []string {
	out := make([]string, len(s))
	for i := range s {
		out[i] = s[i : i+1]
	}
	return out
}
