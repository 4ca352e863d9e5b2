package load

import (
	"fmt"
	"math"
	"time"
)

// Burst alternates between sending at PerSecond for On and sending nothing
// for Off, starting with a burst. Every burst holds the same number of
// sends, the first at the burst's start, so At is a division and a
// remainder.
type Burst struct {
	PerSecond float64
	On, Off   time.Duration
	Duration  time.Duration
	perBurst  uint64 // sends in one burst: those with k/rate < On
	total     uint64
}

var _ Pacer = Burst{}

// NewBurst checks its arguments and returns a Burst pacer.
func NewBurst(perSecond float64, on, off, d time.Duration) (Burst, error) {
	switch {
	case !(perSecond > 0) || math.IsInf(perSecond, 0):
		return Burst{}, fmt.Errorf("burst pacer: rate %v: expected a finite number > 0", perSecond)
	case on <= 0:
		return Burst{}, fmt.Errorf("burst pacer: on %v: expected > 0", on)
	case off < 0:
		return Burst{}, fmt.Errorf("burst pacer: off %v: expected >= 0", off)
	case d <= 0:
		return Burst{}, fmt.Errorf("burst pacer: duration %v: expected > 0", d)
	}
	b := Burst{PerSecond: perSecond, On: on, Off: off, Duration: d}
	b.perBurst = sendsBelow(on.Seconds() * perSecond)
	period := on + off
	full := uint64(d / period)
	b.total = full * b.perBurst
	if rest := d - time.Duration(full)*period; rest > 0 {
		b.total += min(b.perBurst, sendsBelow(rest.Seconds()*perSecond))
	}
	return b, nil
}

// At implements Pacer.
func (b Burst) At(n uint64) (time.Duration, bool) {
	if n >= b.total {
		return 0, false
	}
	k, i := n/b.perBurst, n%b.perBurst
	start := time.Duration(k) * (b.On + b.Off)
	in := ns(float64(i)/b.PerSecond*1e9, 0, b.On-1)
	return start + in, true
}

// Due implements Pacer.
func (b Burst) Due(elapsed time.Duration) uint64 {
	if elapsed < 0 {
		return 0
	}
	if elapsed >= b.Duration {
		return b.total
	}
	period := b.On + b.Off
	k := uint64(elapsed / period)
	in := elapsed - time.Duration(k)*period
	est := k*b.perBurst + b.perBurst
	if in < b.On {
		est = k*b.perBurst + countEstimate(in.Seconds()*b.PerSecond, b.perBurst)
	}
	return dueFrom(b, b.total, min(est, b.total), elapsed)
}
