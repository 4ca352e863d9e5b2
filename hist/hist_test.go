package hist

import (
	"math"
	"testing"
	"time"
)

// uniform records 1..n milliseconds once each.
func uniform(n int) *Histogram {
	h := New()
	for i := 1; i <= n; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	return h
}

func near(got, want time.Duration) bool {
	// 3 significant digits: within 0.1% (plus 1 ns for rounding).
	return math.Abs(float64(got-want)) <= 0.001*float64(want)+1
}

func TestQuantilesOfKnownData(t *testing.T) {
	t.Parallel()
	h := uniform(1000)
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{50, 500 * time.Millisecond},   // median of 1..1000 ms
		{90, 900 * time.Millisecond},   // 900th value
		{99, 990 * time.Millisecond},   // 990th value
		{99.9, 999 * time.Millisecond}, // 999th value
		{100, 1000 * time.Millisecond}, // max
	}
	for _, tc := range tests {
		if got := h.Quantile(tc.p); !near(got, tc.want) {
			t.Errorf("p%v = %v, want %v", tc.p, got, tc.want)
		}
	}
	if !near(h.Mean(), 500500*time.Microsecond) {
		t.Errorf("mean = %v, want 500.5ms", h.Mean())
	}
	if !near(h.Min(), time.Millisecond) || !near(h.Max(), time.Second) {
		t.Errorf("min %v max %v", h.Min(), h.Max())
	}
	// Standard deviation of 1..n is sqrt((n²-1)/12).
	if want := time.Duration(math.Sqrt((1e6-1)/12) * 1e6); !near(h.StdDev(), want) {
		t.Errorf("stddev = %v, want %v", h.StdDev(), want)
	}
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	h := New()
	if h.Count() != 0 || h.Quantile(99) != 0 || h.Max() != 0 || h.Mean() != 0 {
		t.Errorf("empty histogram: count %d p99 %v max %v mean %v", h.Count(), h.Quantile(99), h.Max(), h.Mean())
	}
}

func TestClampAndFloor(t *testing.T) {
	t.Parallel()
	h := New()
	h.Record(-5)            // negative counts as the lowest value
	h.Record(2 * time.Hour) // beyond the range: clamped to an hour
	h.Record(3 * time.Hour) // and counted
	if h.Count() != 3 || h.Clamped() != 2 {
		t.Fatalf("count %d clamped %d; want 3, 2", h.Count(), h.Clamped())
	}
	if !near(h.Max(), time.Hour) {
		t.Errorf("max %v, want 1h", h.Max())
	}
}

func TestMergeEqualsPooled(t *testing.T) {
	t.Parallel()
	a, b, all := New(), New(), New()
	for i := 1; i <= 1000; i++ {
		d := time.Duration(i*i) * time.Microsecond
		all.Record(d)
		if i%3 == 0 {
			a.Record(d)
		} else {
			b.Record(d)
		}
	}
	a.Merge(b)
	for _, p := range []float64{50, 90, 99, 99.9} {
		if a.Quantile(p) != all.Quantile(p) {
			t.Errorf("p%v: merged %v, pooled %v", p, a.Quantile(p), all.Quantile(p))
		}
	}
	if a.Count() != 1000 {
		t.Errorf("merged count %d", a.Count())
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	h := uniform(5000)
	s, err := h.Encode()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Decode(s)
	if err != nil {
		t.Fatal(err)
	}
	if back.Count() != h.Count() || back.Quantile(99) != h.Quantile(99) || back.Max() != h.Max() {
		t.Errorf("decoded count %d p99 %v max %v; want %d %v %v",
			back.Count(), back.Quantile(99), back.Max(), h.Count(), h.Quantile(99), h.Max())
	}
	for _, bad := range []string{"", "!!!", "SElTVEZ", "HISTFAAAAB"} {
		if _, err := Decode(bad); err == nil {
			t.Errorf("Decode(%q): no error", bad)
		}
	}
}

func TestCumulativeCounts(t *testing.T) {
	t.Parallel()
	h := uniform(100) // 1..100 ms
	got := h.CumulativeCounts([]time.Duration{
		500 * time.Microsecond, // below everything
		time.Millisecond,       // exactly the first value
		10 * time.Millisecond,  // ten values
		50500 * time.Microsecond,
		time.Second, // everything
	})
	want := []int64{0, 1, 10, 50, 100}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("bucket %d: %d, want %d (all %v)", i, got[i], want[i], got)
		}
	}
}

func TestCoarse(t *testing.T) {
	t.Parallel()
	h := NewCoarse()
	for i := 1; i <= 1000; i++ {
		h.Record(time.Duration(i) * time.Millisecond)
	}
	// 2 significant digits: within 1%.
	if got := h.Quantile(99); math.Abs(float64(got-990*time.Millisecond)) > 0.01*float64(990*time.Millisecond) {
		t.Errorf("coarse p99 = %v, want 990ms within 1%%", got)
	}
}

func FuzzDecode(f *testing.F) {
	s, _ := uniform(10).Encode()
	f.Add(s)
	f.Add("")
	f.Add("HISTFAAAACR4nJNpmSzMwMDAxAABzFCaEUzO")
	f.Fuzz(func(t *testing.T, in string) {
		h, err := Decode(in)
		if err != nil {
			return
		}
		// Whatever decodes must summarize and re-encode without panicking.
		_ = h.Quantile(99)
		_ = h.CumulativeCounts([]time.Duration{time.Millisecond})
		if _, err := h.Encode(); err != nil {
			t.Fatalf("re-encode: %v", err)
		}
	})
}

func TestMergeOptional(t *testing.T) {
	t.Parallel()
	if MergeOptional(nil, nil) != nil {
		t.Error("nil + nil: want nil (not measured)")
	}
	a := New()
	a.Record(time.Millisecond)
	got := MergeOptional(nil, a)
	if got == nil || got == a || got.Count() != 1 {
		t.Fatalf("nil + one value = %v; want a new histogram of 1", got)
	}
	if MergeOptional(got, nil) != got || got.Count() != 1 {
		t.Error("h + nil: want h unchanged")
	}
	if MergeOptional(got, a) != got || got.Count() != 2 || got.Max() < time.Millisecond {
		t.Errorf("h + one value: count %d, want 2", got.Count())
	}
}

func TestBucketQuantile(t *testing.T) {
	bounds := []float64{0.1, 0.5, 1}
	// 10 at most 0.1, 10 more in (0.1, 0.5], none in (0.5, 1], 5 above 1.
	cum := []uint64{10, 20, 20}
	for _, tc := range []struct {
		q, want float64
	}{
		{0.2, 0.05}, // rank 5 of the 10 in [0, 0.1]: halfway
		{0.4, 0.1},  // rank 10: the top of the first bucket
		{0.6, 0.3},  // rank 15: halfway through (0.1, 0.5]
		{0.8, 0.5},  // rank 20: the top of the second bucket
		{0.99, 1},   // beyond the last bound: that bound
		{0, 0},      // rank 0 sits at the start of the first bucket
		{1, 1},      // the whole count lies above the last bound
	} {
		if got := BucketQuantile(bounds, cum, 25, tc.q); math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("q=%g: got %g, want %g", tc.q, got, tc.want)
		}
	}
	for _, bad := range []float64{-0.1, 1.1, math.NaN()} {
		if got := BucketQuantile(bounds, cum, 25, bad); !math.IsNaN(got) {
			t.Errorf("q=%g: got %g, want NaN", bad, got)
		}
	}
	if got := BucketQuantile(bounds, []float64{1, 2}, 2, 0.5); !math.IsNaN(got) {
		t.Errorf("mismatched slices: got %g, want NaN", got)
	}
	if got := BucketQuantile(bounds, []int64{0, 0, 0}, 0, 0.5); !math.IsNaN(got) {
		t.Errorf("empty: got %g, want NaN", got)
	}
}
