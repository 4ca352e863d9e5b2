package load

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// MaxPrecomputedSends bounds the schedules that are computed ahead of the
// run (Poisson): 100M offsets are 800 MB.
const MaxPrecomputedSends = 100_000_000

// poissonStream is the second PCG seed of Poisson arrivals, so that the
// same user seed drives other random choices (the request mix)
// independently.
const poissonStream = 0x736d702d61727276 // "smp-arrv"

// Poisson sends at exponentially distributed gaps of mean 1/rate — the
// arrivals of many independent clients. The schedule is drawn from a PCG
// source seeded with the seed when the pacer is made, so At is a pure
// function of (seed, n): the same seed gives the same schedule.
type Poisson struct {
	perSecond float64
	duration  time.Duration
	seed      uint64
	offsets   []int64 // intended offsets in ns, non-decreasing, all < duration
}

var _ Pacer = (*Poisson)(nil)

// NewPoisson draws the schedule of a Poisson process of perSecond over d.
// It refuses schedules expected to hold more than MaxPrecomputedSends.
func NewPoisson(perSecond float64, d time.Duration, seed uint64) (*Poisson, error) {
	if !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return nil, fmt.Errorf("poisson pacer: rate %v: expected a finite number > 0", perSecond)
	}
	if d <= 0 {
		return nil, fmt.Errorf("poisson pacer: duration %v: expected > 0", d)
	}
	mean := perSecond * d.Seconds()
	if mean > MaxPrecomputedSends {
		return nil, fmt.Errorf("poisson pacer: rate %v for %v is %.0f sends: expected at most %d (the schedule is computed ahead; lower the rate or the duration)",
			perSecond, d, mean, MaxPrecomputedSends)
	}
	// Room for the count's usual spread (sd = sqrt(mean)) up front; append
	// grows past it in the rare case.
	offsets := make([]int64, 0, int(mean+6*math.Sqrt(mean)+16))
	rng := rand.New(rand.NewPCG(seed, poissonStream))
	gap := 1e9 / perSecond // mean gap in ns
	end := float64(d)
	for t := rng.ExpFloat64() * gap; t < end; t += rng.ExpFloat64() * gap {
		if len(offsets) == MaxPrecomputedSends {
			return nil, fmt.Errorf("poisson pacer: rate %v for %v: more than %d sends drawn", perSecond, d, MaxPrecomputedSends)
		}
		offsets = append(offsets, int64(t))
	}
	return &Poisson{perSecond: perSecond, duration: d, seed: seed, offsets: offsets}, nil
}

// Seed is the seed the schedule was drawn with.
func (p *Poisson) Seed() uint64 { return p.seed }

// Len is the number of sends in the schedule.
func (p *Poisson) Len() int { return len(p.offsets) }

// At implements Pacer.
func (p *Poisson) At(n uint64) (time.Duration, bool) {
	if n >= uint64(len(p.offsets)) {
		return 0, false
	}
	return time.Duration(p.offsets[n]), true
}

// Due implements Pacer: a binary search of the schedule.
func (p *Poisson) Due(elapsed time.Duration) uint64 {
	if elapsed < 0 {
		return 0
	}
	if elapsed >= p.duration {
		return uint64(len(p.offsets))
	}
	// The first offset > elapsed is the first >= elapsed+1 (no overflow:
	// elapsed < duration).
	i, _ := slices.BinarySearch(p.offsets, int64(elapsed)+1)
	return uint64(i)
}
