package load

import (
	"math"
	"slices"
	"testing"
	"time"
)

// ksExponential returns the Kolmogorov–Smirnov statistic of the gaps
// between the sends of p against the exponential distribution of mean
// 1/rate, and the number of gaps.
func ksExponential(p Pacer, rate float64) (float64, int) {
	var gaps []float64
	prev := time.Duration(0)
	for n := uint64(0); ; n++ {
		at, ok := p.At(n)
		if !ok {
			break
		}
		gaps = append(gaps, (at-prev).Seconds()*rate) // in units of the mean gap
		prev = at
	}
	slices.Sort(gaps)
	d := 0.0
	m := float64(len(gaps))
	for i, g := range gaps {
		f := 1 - math.Exp(-g) // exponential CDF at g
		d = math.Max(d, math.Max(float64(i+1)/m-f, f-float64(i)/m))
	}
	return d, len(gaps)
}

// ksCritical01 is the Kolmogorov–Smirnov critical value at α = 0.01 for
// n samples (the asymptotic form, accurate for n in the thousands).
func ksCritical01(n int) float64 { return 1.6276 / math.Sqrt(float64(n)) }

// TestPoissonGapsAreExponential checks the goodness of fit of a seeded
// schedule's inter-arrival gaps to the exponential distribution, with a
// Kolmogorov–Smirnov test at α = 0.01. A constant schedule of the same
// rate is the negative control: the same test must reject it.
func TestPoissonGapsAreExponential(t *testing.T) {
	const rate = 2000
	p, err := NewPoisson(rate, 10*time.Second, 20240601)
	if err != nil {
		t.Fatal(err)
	}
	d, n := ksExponential(p, rate)
	if n < 19000 {
		t.Fatalf("only %d gaps", n)
	}
	if crit := ksCritical01(n); d > crit {
		t.Errorf("poisson: KS statistic %.4f over %d gaps > critical %.4f (α = 0.01): gaps are not exponential", d, n, crit)
	}
	c, _ := NewConstant(rate, 10*time.Second)
	if d, n := ksExponential(c, rate); d <= ksCritical01(n) {
		t.Errorf("constant (negative control): KS statistic %.4f <= critical %.4f: the test cannot tell", d, ksCritical01(n))
	}
}

// TestPoissonSeeds checks that a schedule is a function of its seed: the
// same seed gives the same schedule, another seed another.
func TestPoissonSeeds(t *testing.T) {
	schedule := func(seed uint64) []time.Duration {
		p, err := NewPoisson(1000, time.Second, seed)
		if err != nil {
			t.Fatal(err)
		}
		if p.Seed() != seed {
			t.Errorf("Seed() = %d, want %d", p.Seed(), seed)
		}
		var out []time.Duration
		for n := uint64(0); ; n++ {
			at, ok := p.At(n)
			if !ok {
				return out
			}
			out = append(out, at)
		}
	}
	a, b, c := schedule(7), schedule(7), schedule(8)
	if !slices.Equal(a, b) {
		t.Error("seed 7 twice: schedules differ")
	}
	if slices.Equal(a, c) {
		t.Error("seeds 7 and 8: same schedule")
	}
	if len(a) == 0 || a[0] == 0 {
		t.Errorf("first send at %v: a Poisson process starts with a gap", a)
	}
}

func TestPoissonDue(t *testing.T) {
	p, _ := NewPoisson(100, time.Second, 3)
	first, _ := p.At(0)
	tests := []struct {
		elapsed time.Duration
		want    uint64
	}{
		{-1, 0},                        // before the run
		{first - 1, 0},                 // just before the first send
		{first, 1},                     // on it
		{time.Second, uint64(p.Len())}, // the whole schedule at the end
		{time.Hour, uint64(p.Len())},   // and after
	}
	for _, tc := range tests {
		if got := p.Due(tc.elapsed); got != tc.want {
			t.Errorf("Due(%v) = %d, want %d", tc.elapsed, got, tc.want)
		}
	}
}
