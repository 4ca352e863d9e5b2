package load

import (
	"fmt"
	"math"
	"time"
)

// Ramp changes the rate linearly from From to To requests per second over
// Duration. Send n is intended when the cumulative count
// Λ(t) = from·t + (to−from)·t²/(2·duration) reaches n: the inverse of a
// quadratic, in closed form.
type Ramp struct {
	From, To float64
	Duration time.Duration
	total    uint64
}

var _ Pacer = Ramp{}

// NewRamp checks its arguments and returns a Ramp pacer.
func NewRamp(from, to float64, d time.Duration) (Ramp, error) {
	for _, r := range []struct {
		name string
		v    float64
	}{{"from", from}, {"to", to}} {
		if !(r.v >= 0) || math.IsInf(r.v, 0) {
			return Ramp{}, fmt.Errorf("ramp pacer: %s %v: expected a finite number >= 0", r.name, r.v)
		}
	}
	if from == 0 && to == 0 {
		return Ramp{}, fmt.Errorf("ramp pacer: from 0 to 0: expected at least one of them > 0")
	}
	if d <= 0 {
		return Ramp{}, fmt.Errorf("ramp pacer: duration %v: expected > 0", d)
	}
	r := Ramp{From: from, To: to, Duration: d}
	r.total = sendsBelow(r.count(d.Seconds()))
	return r, nil
}

// count is Λ(t), t in seconds within [0, duration].
func (r Ramp) count(t float64) float64 {
	return r.From*t + (r.To-r.From)*t*t/(2*r.Duration.Seconds())
}

// At implements Pacer.
func (r Ramp) At(n uint64) (time.Duration, bool) {
	if n >= r.total {
		return 0, false
	}
	if n == 0 {
		return 0, true
	}
	// Solve a·t² + b·t = n for the root t >= 0 in the form that stays
	// accurate for a near 0 and for a < 0 (a falling ramp):
	// t = 2n / (b + sqrt(b² + 4an)).
	a := (r.To - r.From) / (2 * r.Duration.Seconds())
	b := r.From
	x := float64(n)
	disc := math.Max(b*b+4*a*x, 0)
	t := 2 * x / (b + math.Sqrt(disc))
	return ns(t*1e9, 0, r.Duration-1), true
}

// Due implements Pacer.
func (r Ramp) Due(elapsed time.Duration) uint64 {
	if elapsed < 0 {
		return 0
	}
	est := r.total
	if elapsed < r.Duration {
		est = countEstimate(r.count(elapsed.Seconds()), r.total)
	}
	return dueFrom(r, r.total, est, elapsed)
}
