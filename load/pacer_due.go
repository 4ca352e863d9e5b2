package load

import (
	"math"
	"time"
)

// atter is the part of a Pacer that Due is derived from.
type atter interface {
	At(n uint64) (time.Duration, bool)
}

// dueFrom returns the number of sends of p intended at or before elapsed —
// the smallest n with At(n) > elapsed, or total — starting the search at
// est, an estimate from the pacer's cumulative count. The estimate is
// usually exact or off by one (float rounding); the search gallops, so a
// bad estimate costs O(log n) calls of At, never a long walk. It makes no
// allocation and keeps no state, like At.
func dueFrom[P atter](p P, total, est uint64, elapsed time.Duration) uint64 {
	if elapsed < 0 || total == 0 {
		return 0
	}
	// after(n): send n is not at or before elapsed (true from some n on).
	after := func(n uint64) bool {
		if n >= total {
			return true
		}
		at, ok := p.At(n)
		return !ok || at > elapsed
	}
	if est > total {
		est = total
	}
	// Bracket the answer: after(lo) is false, after(hi) is true.
	var lo, hi uint64
	if after(est) {
		hi = est
		for step := uint64(1); ; step *= 2 {
			if hi == 0 {
				return 0
			}
			c := uint64(0)
			if hi > step {
				c = hi - step
			}
			if !after(c) {
				lo = c
				break
			}
			hi = c
		}
	} else {
		lo = est
		for step := uint64(1); ; step *= 2 {
			c := lo + step
			if c >= total || c < lo {
				hi = total
				break
			}
			if after(c) {
				hi = c
				break
			}
			lo = c
		}
	}
	// Binary search: after(lo) is false, after(hi) is true.
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if after(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

// countEstimate turns a cumulative count (sends intended in [0, t]) into
// a starting point for dueFrom: floor(count)+1, capped at total.
func countEstimate(count float64, total uint64) uint64 {
	if !(count >= 0) { // also NaN
		return 0
	}
	if count >= float64(total) {
		return total
	}
	return uint64(math.Floor(count)) + 1
}

// sendsBelow is the number of sends n >= 0 with n < count, for the
// cumulative count of a whole schedule: ceil(count), with a tolerance
// for float rounding so that an exact count (1000/s for 1s) gives 1000.
func sendsBelow(count float64) uint64 {
	if !(count > 0) {
		return 0
	}
	return uint64(math.Ceil(count - 1e-9))
}

// ns converts a float offset in nanoseconds to a Duration, truncating,
// clamped to [lo, hi].
func ns(f float64, lo, hi time.Duration) time.Duration {
	switch {
	case !(f >= float64(lo)): // also NaN
		return lo
	case f >= float64(hi):
		return hi
	}
	return time.Duration(f)
}
