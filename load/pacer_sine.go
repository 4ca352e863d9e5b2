package load

import (
	"fmt"
	"math"
	"time"
)

// Sine varies the rate as mean + amplitude·sin(2πt/period), starting at
// the mean and rising. Its cumulative count
// Λ(t) = mean·t + amplitude·period/(2π)·(1 − cos(2πt/period)) has no
// closed-form inverse, so At solves Λ(t) = n numerically: Newton steps
// kept inside a bracket that always holds the root (bisection when a step
// would leave it). Two to five iterations usually reach a fraction of a
// nanosecond; where the rate touches 0 bisection may take a few dozen.
type Sine struct {
	Mean, Amplitude float64
	Period          time.Duration
	Duration        time.Duration
	total           uint64
	omega           float64 // 2π/period, per second
	swing           float64 // amplitude·period/(2π): the count's wobble
}

var _ Pacer = Sine{}

// sineIterations bounds the root finder: bisection alone would shrink
// a day-long bracket to 1e-11 s in 53.
const sineIterations = 64

// NewSine checks its arguments and returns a Sine pacer. The amplitude
// may not exceed the mean: the rate never goes below 0.
func NewSine(mean, amplitude float64, period, d time.Duration) (Sine, error) {
	switch {
	case !(mean > 0) || math.IsInf(mean, 0):
		return Sine{}, fmt.Errorf("sine pacer: mean rate %v: expected a finite number > 0", mean)
	case !(amplitude >= 0) || amplitude > mean:
		return Sine{}, fmt.Errorf("sine pacer: amplitude %v: expected from 0 to the mean rate, %v", amplitude, mean)
	case period <= 0:
		return Sine{}, fmt.Errorf("sine pacer: period %v: expected > 0", period)
	case d <= 0:
		return Sine{}, fmt.Errorf("sine pacer: duration %v: expected > 0", d)
	}
	s := Sine{Mean: mean, Amplitude: amplitude, Period: period, Duration: d}
	s.omega = 2 * math.Pi / period.Seconds()
	s.swing = amplitude / s.omega
	s.total = sendsBelow(s.count(d.Seconds()))
	return s, nil
}

// count is Λ(t), t in seconds.
func (s Sine) count(t float64) float64 {
	return s.Mean*t + s.swing*(1-math.Cos(s.omega*t))
}

// rate is λ(t), t in seconds.
func (s Sine) rate(t float64) float64 {
	return s.Mean + s.Amplitude*math.Sin(s.omega*t)
}

// At implements Pacer.
func (s Sine) At(n uint64) (time.Duration, bool) {
	if n >= s.total {
		return 0, false
	}
	x := float64(n)
	// 0 <= Λ(t) − mean·t <= 2·swing, so the root is in [lo, hi].
	lo := math.Max((x-2*s.swing)/s.Mean, 0)
	hi := math.Min(x/s.Mean, s.Duration.Seconds())
	t := x / s.Mean
	if s.swing > 0 {
		t = s.solve(x, lo, hi)
	}
	return ns(t*1e9, 0, s.Duration-1), true
}

// solve finds t in [lo, hi] with Λ(t) = x, to well under a nanosecond.
func (s Sine) solve(x, lo, hi float64) float64 {
	// Start from one fixed-point step, t = (x − wobble at x/mean)/mean,
	// which is close unless the swing is wide.
	t := (x - s.swing*(1-math.Cos(s.omega*x/s.Mean))) / s.Mean
	if !(t > lo && t < hi) {
		t = (lo + hi) / 2
	}
	// Λ's float error grows with x; below it, the count cannot tell.
	tol := 1e-9 * math.Max(1, x*1e-6)
	for range sineIterations {
		f := s.count(t) - x
		if math.Abs(f) <= tol || hi-lo <= 1e-11 {
			break
		}
		if f > 0 {
			hi = t
		} else {
			lo = t
		}
		next := t - f/s.rate(t)
		if !(next > lo && next < hi) { // Newton left the bracket (or λ = 0)
			next = (lo + hi) / 2
		}
		t = next
	}
	return t
}

// Due implements Pacer.
func (s Sine) Due(elapsed time.Duration) uint64 {
	if elapsed < 0 {
		return 0
	}
	est := s.total
	if elapsed < s.Duration {
		est = countEstimate(s.count(elapsed.Seconds()), s.total)
	}
	return dueFrom(s, s.total, est, elapsed)
}
