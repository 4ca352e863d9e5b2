package load

import (
	"math"
	"testing"
	"time"
)

// pacerCase is one schedule checked by the properties every pacer must
// have.
type pacerCase struct {
	name string
	p    Pacer
	dur  time.Duration
	want float64 // expected number of sends: ∫ rate over the run
}

// pacerCases covers every kind with rates and durations that make float
// rounding show.
func pacerCases(t *testing.T) []pacerCase {
	t.Helper()
	mustPacer := func(p Pacer, err error) Pacer {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	const d = 2 * time.Second
	steps := []Step{{1000, 300 * time.Millisecond}, {0, 200 * time.Millisecond}, {2500.5, 700 * time.Millisecond}, {333.3, 100 * time.Millisecond}}
	return []pacerCase{
		// constant, for reference
		{"constant", mustPacer(NewConstant(7919.3, d)), d, 7919.3 * 2},
		// poisson: the count is random, about rate × duration
		{"poisson", mustPacer(NewPoisson(5000, d, 42)), d, 10000},
		// rising ramp from 0: the first sends are far apart
		{"ramp up from 0", mustPacer(NewRamp(0, 9000, d)), d, 9000},
		// rising ramp with an awkward slope
		{"ramp up", mustPacer(NewRamp(123.4, 7777.7, d)), d, (123.4 + 7777.7)},
		// falling ramp to 0: the last sends are far apart
		{"ramp down to 0", mustPacer(NewRamp(6000, 0, d)), d, 6000},
		// flat ramp is constant
		{"ramp flat", mustPacer(NewRamp(1000, 1000, d)), d, 2000},
		// steps with a pause; the last rate holds to the end (0.7s more)
		{"steps", mustPacer(NewSteps(steps, d)), d, 300 + 2500.5*0.7 + 333.3*0.8},
		// steps starting with a pause
		{"steps paused first", mustPacer(NewSteps([]Step{{0, time.Second}, {3000, time.Second}}, d)), d, 3000},
		// sine with the trough touching 0
		{"sine full swing", mustPacer(NewSine(4000, 4000, 700*time.Millisecond, d)), d, 4000*2 + 4000*0.7/(2*math.Pi)*(1-math.Cos(2*math.Pi*2/0.7))},
		// sine with a small swing and a long period
		{"sine gentle", mustPacer(NewSine(3333.3, 500, 5*time.Second, d)), d, 3333.3*2 + 500*5/(2*math.Pi)*(1-math.Cos(2*math.Pi*2/5))},
		// bursts of 150ms at 8000/s every 400ms; the run ends 100ms into the sixth
		{"burst", mustPacer(NewBurst(8000, 150*time.Millisecond, 250*time.Millisecond, 2100*time.Millisecond)), 2100 * time.Millisecond, 5*1200 + 800},
		// bursts shorter than one gap: one send per burst
		{"burst sparse", mustPacer(NewBurst(10, time.Millisecond, 99*time.Millisecond, d)), d, 20},
	}
}

// TestPacersProperties checks, for every pacer, that At is non-decreasing
// and inside the run, that Due counts exactly the sends at or before a
// time (Due(At(n)) == n+1 when At(n) < At(n+1)), and that the schedule
// holds about ∫ rate sends.
func TestPacersProperties(t *testing.T) {
	for _, tc := range pacerCases(t) {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			var prev time.Duration
			n := uint64(0)
			for ; ; n++ {
				at, ok := p.At(n)
				if !ok {
					break
				}
				if at < prev || at < 0 || at >= tc.dur {
					t.Fatalf("At(%d) = %v after At(%d) = %v (run %v)", n, at, n-1, prev, tc.dur)
				}
				if n > 0 && at > prev {
					// prev is the last send before at: exactly n sends
					// are at or before at-1, and n sends at or before prev.
					if got := p.Due(at - 1); got != n {
						t.Fatalf("Due(At(%d)-1ns = %v) = %d, want %d", n, at-1, got, n)
					}
				}
				if next, ok := p.At(n + 1); !ok || next > at {
					if got := p.Due(at); got != n+1 {
						t.Fatalf("Due(At(%d) = %v) = %d, want %d", n, at, got, n+1)
					}
				}
				prev = at
			}
			if got := p.Due(tc.dur + time.Hour); got != n {
				t.Errorf("schedule has %d sends, Due(after the end) = %d", n, got)
			}
			if got := p.Due(-time.Nanosecond); got != 0 {
				t.Errorf("Due(-1ns) = %d, want 0", got)
			}
			tol := 1.0
			if tc.name == "poisson" {
				tol = 4 * math.Sqrt(tc.want) // 4 standard deviations
			}
			if math.Abs(float64(n)-tc.want) > tol {
				t.Errorf("schedule has %d sends, want %.1f ± %.1f", n, tc.want, tol)
			}
		})
	}
}

// TestPacersDueGrid checks Due against a count of At on a grid of times
// that fall between and on sends.
func TestPacersDueGrid(t *testing.T) {
	for _, tc := range pacerCases(t) {
		var ats []time.Duration
		for n := uint64(0); ; n++ {
			at, ok := tc.p.At(n)
			if !ok {
				break
			}
			ats = append(ats, at)
		}
		i := 0
		for el := time.Duration(0); el < tc.dur; el += 977 * time.Microsecond {
			for i < len(ats) && ats[i] <= el {
				i++
			}
			if got := tc.p.Due(el); got != uint64(i) {
				t.Fatalf("%s: Due(%v) = %d, want %d", tc.name, el, got, i)
			}
		}
	}
}

func TestRampAt(t *testing.T) {
	up, _ := NewRamp(0, 2000, time.Second)   // Λ(t) = 1000 t²
	down, _ := NewRamp(2000, 0, time.Second) // Λ(t) = 2000 t − 1000 t²
	tests := []struct {
		p    Ramp
		n    uint64
		want time.Duration
		ok   bool
	}{
		{up, 0, 0, true},                                             // first send at the start
		{up, 10, 100 * time.Millisecond, true},                       // 1000·0.1² = 10
		{up, 250, 500 * time.Millisecond, true},                      // 1000·0.5² = 250
		{up, 999, time.Duration(math.Sqrt(0.999) * 1e9), true},       // last send
		{up, 1000, 0, false},                                         // 1000 sends in all
		{down, 1, time.Duration((1 - math.Sqrt(0.999)) * 1e9), true}, // 2000 t − 1000 t² = 1
		{down, 750, 500 * time.Millisecond, true},                    // half-way
		{down, 1000, 0, false},                                       // 1000 sends in all
	}
	for _, tc := range tests {
		got, ok := tc.p.At(tc.n)
		if ok != tc.ok || (ok && absDiff(got, tc.want) > 1) {
			t.Errorf("%+v At(%d) = %v, %v; want %v, %v", tc.p, tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStepsAt(t *testing.T) {
	s, err := NewSteps([]Step{{100, time.Second}, {0, time.Second}, {1000, time.Second}}, 4*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		n    uint64
		want time.Duration
		ok   bool
	}{
		{0, 0, true},                                  // first step starts at once
		{99, 990 * time.Millisecond, true},            // last send of the first step
		{100, 2 * time.Second, true},                  // the pause: next send when the third step starts
		{101, 2*time.Second + time.Millisecond, true}, // third step at 1000/s
		{2099, 3999 * time.Millisecond, true},         // the last rate holds to the end (4s)
		{2100, 0, false},                              // 100 + 0 + 2000 sends
	}
	for _, tc := range tests {
		got, ok := s.At(tc.n)
		if ok != tc.ok || (ok && absDiff(got, tc.want) > 1) {
			t.Errorf("At(%d) = %v, %v; want %v, %v", tc.n, got, ok, tc.want, tc.ok)
		}
	}
	rates := []struct {
		at   time.Duration
		want float64
	}{
		{0, 100},                        // first step
		{1500 * time.Millisecond, 0},    // pause
		{3500 * time.Millisecond, 1000}, // after the last step's own duration
	}
	for _, tc := range rates {
		if got := s.stages[s.stageAt(tc.at)].perSecond; got != tc.want {
			t.Errorf("rate at %v = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestSineAt(t *testing.T) {
	// Period equal to the run: a whole cycle holds exactly mean × duration.
	s, _ := NewSine(1000, 500, time.Second, time.Second)
	tests := []struct {
		n      uint64
		lo, hi time.Duration // want lo <= At(n) <= hi
		ok     bool
	}{
		{0, 0, 0, true}, // first send at the start
		// Λ(0.5s) = 500 + 500/(2π)·2 = 659.15…: send 659 just before 0.5s
		{659, 499 * time.Millisecond, 500*time.Millisecond - 1, true},
		{999, 990 * time.Millisecond, time.Second - 1, true}, // the last of 1000
		{1000, 0, 0, false}, // a whole cycle is mean × period
	}
	for _, tc := range tests {
		got, ok := s.At(tc.n)
		if ok != tc.ok || (ok && (got < tc.lo || got > tc.hi)) {
			t.Errorf("At(%d) = %v, %v; want in [%v, %v], %v", tc.n, got, ok, tc.lo, tc.hi, tc.ok)
		}
	}
	rates := []struct {
		at   time.Duration
		want float64
	}{
		{0, 1000},                      // starts at the mean
		{250 * time.Millisecond, 1500}, // peak at a quarter period
		{750 * time.Millisecond, 500},  // trough at three quarters
	}
	for _, tc := range rates {
		if got := s.rate(tc.at.Seconds()); math.Abs(got-tc.want) > 1e-6 {
			t.Errorf("rate at %v = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestBurstAt(t *testing.T) {
	b, _ := NewBurst(100, 50*time.Millisecond, 950*time.Millisecond, 2500*time.Millisecond)
	tests := []struct {
		n    uint64
		want time.Duration
		ok   bool
	}{
		{0, 0, true},                        // a burst opens the run
		{4, 40 * time.Millisecond, true},    // five sends per 50ms burst at 100/s
		{5, time.Second, true},              // the next burst, a period later
		{14, 2040 * time.Millisecond, true}, // the third burst, inside the run
		{15, 0, false},                      // three bursts of five
	}
	for _, tc := range tests {
		got, ok := b.At(tc.n)
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("At(%d) = %v, %v; want %v, %v", tc.n, got, ok, tc.want, tc.ok)
		}
	}
}

func TestPacersReject(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"poisson rate 0", second(NewPoisson(0, time.Second, 1))},                            // closed loop is not a schedule
		{"poisson too many sends", second(NewPoisson(1e7, 24*time.Hour, 1))},                 // above MaxPrecomputedSends
		{"poisson no duration", second(NewPoisson(10, 0, 1))},                                // empty run
		{"ramp both 0", second(NewRamp(0, 0, time.Second))},                                  // nothing to send
		{"ramp negative", second(NewRamp(-1, 10, time.Second))},                              // rates are >= 0
		{"ramp NaN", second(NewRamp(math.NaN(), 10, time.Second))},                           // not a number
		{"steps none", second(NewSteps(nil, time.Second))},                                   // no steps
		{"steps past the end", second(NewSteps([]Step{{10, 2 * time.Second}}, time.Second))}, // longer than the run
		{"steps all 0", second(NewSteps([]Step{{0, time.Second}}, time.Second))},             // nothing to send
		{"steps zero duration", second(NewSteps([]Step{{10, 0}}, time.Second))},              // empty step
		{"sine amplitude > mean", second(NewSine(10, 11, time.Second, time.Second))},         // negative rate
		{"sine no period", second(NewSine(10, 5, 0, time.Second))},                           // no period
		{"burst no on", second(NewBurst(10, 0, time.Second, time.Second))},                   // never sends
		{"burst rate inf", second(NewBurst(math.Inf(1), time.Second, 0, time.Second))},       // infinite rate
	}
	for _, tc := range tests {
		if tc.err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func absDiff(a, b time.Duration) time.Duration {
	if a > b {
		return a - b
	}
	return b - a
}

// TestPacersNoAlloc checks that At and Due allocate nothing: workers call
// them on the per-request path.
func TestPacersNoAlloc(t *testing.T) {
	for _, tc := range pacerCases(t) {
		p := tc.p
		allocs := testing.AllocsPerRun(100, func() {
			_, _ = p.At(1234)
			_ = p.Due(777 * time.Millisecond)
		})
		if allocs != 0 {
			t.Errorf("%s: %v allocations per At+Due", tc.name, allocs)
		}
	}
}

func BenchmarkPacers(b *testing.B) {
	t := &testing.T{}
	for _, tc := range pacerCases(t) {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			var n uint64
			for i := 0; b.Loop(); i++ {
				at, _ := tc.p.At(uint64(i) % 4000)
				n += tc.p.Due(at)
			}
			_ = n
		})
	}
}

// TestPacersFarOut checks the properties late in day-long schedules at the
// highest rate a spec allows, where float rounding is largest: windows of
// sends around a few points, not the whole schedule.
func TestPacersFarOut(t *testing.T) {
	const day = 24 * time.Hour
	must := func(p Pacer, err error) Pacer {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		p    Pacer
	}{
		{"constant", must(NewConstant(1e7, day))},                                    // reference
		{"ramp", must(NewRamp(3, 1e7, day))},                                         // steep quadratic
		{"steps", must(NewSteps([]Step{{1e7, day / 2}, {9999999.7, day / 3}}, day))}, // large offsets
		{"sine", must(NewSine(1e7, 1e7, 7*time.Minute+time.Millisecond, day))},       // rate down to 0
		{"burst", must(NewBurst(1e7, time.Second+1, 3*time.Second, day))},            // many bursts
	} {
		total := tc.p.Due(day)
		for _, frac := range []float64{0.001, 0.37, 0.5, 0.9, 0.999999} {
			start := uint64(float64(total) * frac)
			prev, _ := tc.p.At(start)
			for n := start + 1; n < start+2000 && n < total; n++ {
				at, ok := tc.p.At(n)
				if !ok || at < prev || at >= day {
					t.Fatalf("%s: At(%d) = %v, %v after %v", tc.name, n, at, ok, prev)
				}
				if at > prev {
					if got := tc.p.Due(at - 1); got != n {
						t.Fatalf("%s: Due(At(%d)-1ns) = %d, want %d", tc.name, n, got, n)
					}
				}
				prev = at
			}
		}
		if _, ok := tc.p.At(total); ok {
			t.Errorf("%s: At(Due(end) = %d) exists", tc.name, total)
		}
		if at, ok := tc.p.At(total - 1); !ok || at >= day {
			t.Errorf("%s: last send At(%d) = %v, %v", tc.name, total-1, at, ok)
		}
	}
}
