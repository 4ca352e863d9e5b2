package load

import (
	"fmt"
	"math"
	"time"
)

// Pacer is an open-loop schedule: a pure function from the 0-based number of
// a send to the offset from the run start at which it is intended. It must be
// non-decreasing in n and safe for concurrent use (it is read-only).
type Pacer interface {
	// At returns the intended offset of send n, and false when the schedule
	// has no send n.
	At(n uint64) (time.Duration, bool)
	// Due returns how many sends are intended at or before elapsed, i.e. the
	// smallest n with At(n) > elapsed (or the schedule's length).
	Due(elapsed time.Duration) uint64
}

// Constant sends PerSecond requests per second, evenly spaced, for Duration.
type Constant struct {
	PerSecond float64
	Duration  time.Duration
}

var _ Pacer = Constant{}

// NewConstant checks its arguments and returns a Constant pacer.
func NewConstant(perSecond float64, d time.Duration) (Constant, error) {
	if !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return Constant{}, fmt.Errorf("constant pacer: rate %v: expected a finite number > 0", perSecond)
	}
	if d <= 0 {
		return Constant{}, fmt.Errorf("constant pacer: duration %v: expected > 0", d)
	}
	return Constant{PerSecond: perSecond, Duration: d}, nil
}

// total is the number of sends: those with n/rate < Duration.
func (c Constant) total() uint64 {
	return uint64(math.Ceil(c.Duration.Seconds()*c.PerSecond - 1e-9))
}

// At implements Pacer.
func (c Constant) At(n uint64) (time.Duration, bool) {
	if n >= c.total() {
		return 0, false
	}
	return time.Duration(float64(n) / c.PerSecond * float64(time.Second)), true
}

// Due implements Pacer.
func (c Constant) Due(elapsed time.Duration) uint64 {
	if elapsed < 0 {
		return 0
	}
	n := uint64(math.Floor(elapsed.Seconds()*c.PerSecond)) + 1
	// Guard against float rounding: At(n-1) must be <= elapsed < At(n).
	for n > 0 {
		if at, ok := c.At(n - 1); ok && at > elapsed {
			n--
			continue
		}
		break
	}
	for {
		at, ok := c.At(n)
		if !ok || at > elapsed {
			break
		}
		n++
	}
	if t := c.total(); n > t {
		n = t
	}
	return n
}
