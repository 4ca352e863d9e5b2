package load

import (
	"fmt"
	"math"
	"time"
)

// Step is one stage of a Steps schedule.
type Step struct {
	PerSecond float64       // >= 0; 0 pauses
	Duration  time.Duration // > 0
}

// MaxSteps bounds the stages of a Steps schedule.
const MaxSteps = 1000

// Steps sends at a piecewise-constant rate: each step's rate for its
// duration, one after the other; the last step's rate holds until the run
// ends. The cumulative count is piecewise linear, so At is a binary search
// over the steps and a division.
type Steps struct {
	duration time.Duration
	stages   []stage
	total    uint64
}

// stage is a step placed on the timeline.
type stage struct {
	start, end time.Duration // end of the last stage is the run's end
	perSecond  float64
	before     float64 // cumulative count at start
}

var _ Pacer = (*Steps)(nil)

// NewSteps checks steps and returns their schedule over d. The steps may
// end before d (the last rate holds), not after.
func NewSteps(steps []Step, d time.Duration) (*Steps, error) {
	if d <= 0 {
		return nil, fmt.Errorf("step pacer: duration %v: expected > 0", d)
	}
	if len(steps) == 0 || len(steps) > MaxSteps {
		return nil, fmt.Errorf("step pacer: %d steps: expected 1 to %d", len(steps), MaxSteps)
	}
	s := &Steps{duration: d, stages: make([]stage, 0, len(steps))}
	var at time.Duration
	var count float64
	for i, st := range steps {
		if !(st.PerSecond >= 0) || math.IsInf(st.PerSecond, 0) {
			return nil, fmt.Errorf("step pacer: step %d: rate %v: expected a finite number >= 0", i, st.PerSecond)
		}
		if st.Duration <= 0 {
			return nil, fmt.Errorf("step pacer: step %d: duration %v: expected > 0", i, st.Duration)
		}
		if st.Duration > d-at {
			return nil, fmt.Errorf("step pacer: step %d: ends after %v: expected the steps to end by the run's end, %v", i, at+st.Duration, d)
		}
		end := at + st.Duration
		if i == len(steps)-1 {
			end = d
		}
		s.stages = append(s.stages, stage{start: at, end: end, perSecond: st.PerSecond, before: count})
		count += st.PerSecond * (end - at).Seconds()
		at = end
	}
	if count == 0 {
		return nil, fmt.Errorf("step pacer: every step has rate 0: expected at least one > 0")
	}
	s.total = sendsBelow(count)
	return s, nil
}

// find returns the index of the stage that holds send n: the first whose
// cumulative count at its end exceeds n.
func (s *Steps) find(n float64) int {
	lo, hi := 0, len(s.stages)-1
	for lo < hi {
		mid := (lo + hi) / 2
		st := &s.stages[mid]
		if st.before+st.perSecond*(st.end-st.start).Seconds() > n {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// At implements Pacer.
func (s *Steps) At(n uint64) (time.Duration, bool) {
	if n >= s.total {
		return 0, false
	}
	x := float64(n)
	st := &s.stages[s.find(x)]
	if st.perSecond == 0 { // rounding at the very end
		return s.duration - 1, true
	}
	t := float64(st.start) + (x-st.before)/st.perSecond*1e9
	return ns(t, st.start, min(st.end, s.duration)-1), true
}

// Due implements Pacer.
func (s *Steps) Due(elapsed time.Duration) uint64 {
	if elapsed < 0 {
		return 0
	}
	est := s.total
	if elapsed < s.duration {
		i := s.stageAt(elapsed)
		st := &s.stages[i]
		est = countEstimate(st.before+st.perSecond*(elapsed-st.start).Seconds(), s.total)
	}
	return dueFrom(s, s.total, est, elapsed)
}

// stageAt returns the index of the stage running at elapsed (in [0, duration)).
func (s *Steps) stageAt(elapsed time.Duration) int {
	lo, hi := 0, len(s.stages)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if s.stages[mid].end > elapsed {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}
