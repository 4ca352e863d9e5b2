package loadgen

import (
	"math"
	"strings"
	"testing"
	"time"
)

// withinHDR says whether got is want to the histogram's precision (3
// significant digits: a bucket is at most 1/1000 of its value wide; the
// histogram reports a bucket's highest value).
func withinHDR(got, want time.Duration) bool {
	return math.Abs(float64(got-want)) <= float64(want)*2e-3+1
}

func TestFromSpectrum(t *testing.T) {
	t.Parallel()
	// A spectrum as wrk2 prints it, counts chosen so that every point's
	// quantile falls on a whole value.
	points := []Point{
		{0, 100 * time.Microsecond},
		{0.5, 1 * time.Millisecond},
		{0.9, 2 * time.Millisecond},
		{0.99, 10 * time.Millisecond},
		{0.999, 50 * time.Millisecond},
		{1, 200 * time.Millisecond},
	}
	const count = 10000
	h, err := FromSpectrum(points, count)
	if err != nil {
		t.Fatal(err)
	}
	if h.Count() != count {
		t.Errorf("count %d, want %d", h.Count(), count)
	}
	for _, p := range points[1:] {
		if got := h.Quantile(p.Quantile * 100); !withinHDR(got, p.Value) {
			t.Errorf("quantile %v: %v, want %v", p.Quantile, got, p.Value)
		}
	}
	if got := h.Max(); !withinHDR(got, 200*time.Millisecond) {
		t.Errorf("max %v, want 200ms", got)
	}
	// Between two points the values are spread, not piled on one end.
	if got := h.Quantile(70); got <= time.Millisecond || got >= 2*time.Millisecond {
		t.Errorf("p70 %v: want between the p50 (1ms) and p90 (2ms) points", got)
	}
	// Given out of order, the points are the same spectrum.
	rev := append([]Point(nil), points...)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	h2, err := FromSpectrum(rev, count)
	if err != nil {
		t.Fatal(err)
	}
	if h2.Quantile(99) != h.Quantile(99) || h2.Count() != count {
		t.Errorf("reversed points: p99 %v count %d; want %v and %d", h2.Quantile(99), h2.Count(), h.Quantile(99), count)
	}
}

func TestFromSpectrumOpenTop(t *testing.T) {
	t.Parallel()
	// wrk's four percentiles, without the top: the values above the last
	// point sit at its value, and the count is kept.
	h, err := FromSpectrum([]Point{{0.5, time.Millisecond}, {0.75, 2 * time.Millisecond}, {0.9, 3 * time.Millisecond}, {0.99, 4 * time.Millisecond}}, 1001)
	if err != nil {
		t.Fatal(err)
	}
	if h.Count() != 1001 {
		t.Errorf("count %d, want 1001", h.Count())
	}
	if got := h.Max(); !withinHDR(got, 4*time.Millisecond) {
		t.Errorf("max %v, want the last point's 4ms", got)
	}
	if got := h.Quantile(50); !withinHDR(got, time.Millisecond) {
		t.Errorf("p50 %v, want 1ms", got)
	}
	if got := h.Min(); !withinHDR(got, time.Millisecond) {
		t.Errorf("min %v, want the first point's 1ms (nothing is known below it)", got)
	}
}

func TestFromSpectrumEmpty(t *testing.T) {
	t.Parallel()
	h, err := FromSpectrum(nil, 0)
	if err != nil || h.Count() != 0 {
		t.Errorf("no values: got %v, %v; want an empty histogram", h, err)
	}
}

func TestFromSpectrumRejects(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	tests := []struct {
		name   string
		points []Point
		count  int64
		want   string // in the error
	}{
		{"decreasing values", []Point{{0.5, 2 * ms}, {0.9, ms}}, 10, "expected values that grow"},
		{"quantile above 1", []Point{{0.5, ms}, {1.5, 2 * ms}}, 10, "quantile 1.5"},
		{"negative quantile", []Point{{-0.1, ms}}, 10, "quantile -0.1"},
		{"NaN quantile", []Point{{math.NaN(), ms}}, 10, "quantile NaN"},
		{"negative value", []Point{{0.5, -ms}}, 10, "expected 0 or more"},
		{"negative count", []Point{{0.5, ms}}, -1, "count -1"},
		{"values without points", nil, 10, "no percentiles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromSpectrum(tt.points, tt.count)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one saying %q", err, tt.want)
			}
		})
	}
}
