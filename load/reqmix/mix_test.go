package reqmix

import (
	"math"
	"slices"
	"testing"
)

// TestPickWeights checks that picks follow the weights: over 60000 picks,
// each variant's share is within 4 standard deviations of its weight's.
func TestPickWeights(t *testing.T) {
	t.Parallel()
	m, err := New([]float64{6, 3, 0.5, 0.5}, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	const n = 60000
	count := make([]int, m.Len())
	p := NewPicks(1, 0)
	for range n {
		v, k := m.Pick(&p)
		if k != 0 {
			t.Fatalf("variant %d without sizes: size index %d", v, k)
		}
		count[v]++
	}
	for i, share := range []float64{0.6, 0.3, 0.05, 0.05} {
		sd := math.Sqrt(n * share * (1 - share))
		if got := float64(count[i]); math.Abs(got-n*share) > 4*sd {
			t.Errorf("variant %d picked %v times, want %v ± %.0f", i, got, n*share, 4*sd)
		}
	}
}

// TestPickSizes checks that a variant's size indexes point into its
// distinct sizes, and that the drawn sizes follow the table: a uniform
// distribution over [100, 103] gives each size about a quarter.
func TestPickSizes(t *testing.T) {
	t.Parallel()
	m, err := New([]float64{1, 1}, []SizeDist{{}, {Type: SizeUniform, Min: 100, Max: 103}}, 9)
	if err != nil {
		t.Fatal(err)
	}
	sizes := m.Sizes(1)
	if m.Sizes(0) != nil || len(sizes) != 4 || slices.Min(sizes) != 100 || slices.Max(sizes) != 103 {
		t.Fatalf("sizes %v and %v; want none, then 100 to 103", m.Sizes(0), sizes)
	}
	const n = 40000
	count := map[int64]int{}
	p := NewPicks(9, 3)
	for range n {
		if v, k := m.Pick(&p); v == 1 {
			count[sizes[k]]++
		}
	}
	total := count[100] + count[101] + count[102] + count[103]
	for size := int64(100); size <= 103; size++ {
		sd := math.Sqrt(float64(total) * 0.25 * 0.75)
		if got := float64(count[size]); math.Abs(got-float64(total)/4) > 4*sd+float64(total)/50 { // the table's own draw adds a little
			t.Errorf("size %d drawn %v times of %d, want about a quarter", size, got, total)
		}
	}
}

// TestPicksDeterministic checks that a seed fixes each connection's
// sequence, and that connections and seeds differ.
func TestPicksDeterministic(t *testing.T) {
	t.Parallel()
	m, err := New([]float64{1, 1}, []SizeDist{{}, {Type: SizeLognormal, Median: 500, Sigma: 1}}, 7)
	if err != nil {
		t.Fatal(err)
	}
	seq := func(seed, conn uint64) []int {
		p := NewPicks(seed, conn)
		out := make([]int, 400)
		for i := 0; i < len(out); i += 2 {
			out[i], out[i+1] = m.Pick(&p)
		}
		return out
	}
	if !slices.Equal(seq(7, 0), seq(7, 0)) {
		t.Error("same seed and connection: sequences differ")
	}
	if slices.Equal(seq(7, 0), seq(7, 1)) || slices.Equal(seq(7, 0), seq(8, 0)) {
		t.Error("other connection or seed: same sequence")
	}
	other, _ := New([]float64{1, 1}, []SizeDist{{}, {Type: SizeLognormal, Median: 500, Sigma: 1}}, 7)
	if !slices.Equal(m.Sizes(1), other.Sizes(1)) {
		t.Error("same seed: size tables differ")
	}
}

func TestPickNoAlloc(t *testing.T) {
	m, err := New([]float64{3, 1, 1}, []SizeDist{{}, {}, {Type: SizeUniform, Min: 0, Max: 1000}}, 5)
	if err != nil {
		t.Fatal(err)
	}
	p := NewPicks(5, 0)
	if a := testing.AllocsPerRun(1000, func() { m.Pick(&p) }); a != 0 {
		t.Errorf("%v allocations per pick", a)
	}
}

func TestNewRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		weights []float64
		dists   []SizeDist
	}{
		{"no variants", nil, nil},                                                         // at least one
		{"zero weight", []float64{1, 0}, nil},                                             // weights are > 0
		{"NaN weight", []float64{math.NaN()}, nil},                                        // not a number
		{"infinite weight", []float64{math.Inf(1)}, nil},                                  // not finite
		{"more dists", []float64{1}, []SizeDist{{}, {}}},                                  // one per variant at most
		{"unknown dist", []float64{1}, []SizeDist{{Type: "pareto"}}},                      // fixed, uniform or lognormal
		{"max below min", []float64{1}, []SizeDist{{Type: SizeUniform, Min: 10, Max: 5}}}, // max >= min
		{"no sigma", []float64{1}, []SizeDist{{Type: SizeLognormal, Median: 10}}},         // sigma > 0
		{"too large", []float64{1}, []SizeDist{{Type: SizeFixed, Min: MaxBodySize + 1}}},  // at most MaxBodySize
	}
	for _, tc := range tests {
		if _, err := New(tc.weights, tc.dists, 1); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		method  string
		target  string
		headers map[string]string
		body    int
		sizes   SizeDist
		ok      bool
	}{
		{"plain", "GET", "", nil, 0, SizeDist{}, true},                                             // the URL's target
		{"path and query", "POST", "/a/b?c=d", map[string]string{"X-A": "1"}, 3, SizeDist{}, true}, // a body
		{"sizes", "PUT", "/u", nil, 0, SizeDist{Type: SizeFixed, Min: 1}, true},                    // drawn bodies
		{"bad method", "GE T", "", nil, 0, SizeDist{}, false},                                      // not a token
		{"relative target", "GET", "a", nil, 0, SizeDist{}, false},                                 // no leading /
		{"space in target", "GET", "/a b", nil, 0, SizeDist{}, false},                              // would split the request line
		{"header injection", "GET", "", map[string]string{"X": "a\r\nY: b"}, 0, SizeDist{}, false}, // CRLF
		{"bad header name", "GET", "", map[string]string{"X Y": "1"}, 0, SizeDist{}, false},        // not a token
		{"body and sizes", "POST", "", nil, 1, SizeDist{Type: SizeUniform, Min: 1, Max: 2}, false}, // both
	}
	for _, tc := range tests {
		if err := Check(tc.method, tc.target, tc.headers, tc.body, tc.sizes); (err == nil) != tc.ok {
			t.Errorf("%s: error %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
