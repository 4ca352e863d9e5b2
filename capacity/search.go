// Package capacity finds the highest request rate a target sustains under
// an SLO: an exponential ramp to the first failing rate, then bisection
// between the last passing and the first failing rate until the bracket is
// narrow enough. Search is independent of how a trial runs (it takes a
// function from a rate to a judged Trial); Runner runs one trial with
// smp's own load engine and judges it against SLO assertions.
package capacity

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/smp-dev/smp/report"
)

// Reasons a search stopped (Result.LimitedBy).
const (
	LimitedBySLO      = "slo"      // the first failing rate broke an SLO assertion
	LimitedByErrors   = "errors"   // the first failing rate had too many errors
	LimitedByClient   = "client"   // the generator fell behind: the client, not the target, is the bottleneck
	LimitedByDeadline = "deadline" // Config.Deadline passed before the bracket was narrow enough
	LimitedByMax      = "max"      // Config.Max passed: the capacity is at least Max
	LimitedByTrials   = "trials"   // Config.MaxTrials ran before the bracket was narrow enough
)

// Defaults of Config.
const (
	DefaultBracket     = 0.02
	DefaultMaxTrials   = 20
	DefaultRepeats     = 2
	DefaultMinAchieved = 0.97
	DefaultMaxSendLag  = 10 * time.Millisecond
)

// Trial is one run at a fixed rate and its verdict (the report's type).
type Trial = report.CapacityTrial

// Config bounds a search. Zero values take the defaults noted.
type Config struct {
	Start float64 // first rate, req/s; > 0
	Max   float64 // highest rate tried, req/s; 0 = no bound but MaxTrials
	// Bracket is the goal: stop when (high-low)/low is below it (default
	// DefaultBracket).
	Bracket   float64
	MaxTrials int           // default DefaultMaxTrials
	Deadline  time.Duration // no new trial starts after it; 0 = none
	// Repeats is how many times a pass must hold near the boundary (once
	// bisecting and the bracket is under 4× the goal); default
	// DefaultRepeats.
	Repeats int
	// MinAchieved is the fraction of the rate a trial must send to be
	// valid (default DefaultMinAchieved); MaxSendLag the send-lag p99 it
	// may not exceed (default DefaultMaxSendLag).
	MinAchieved float64
	MaxSendLag  time.Duration
	// Now is the clock of Deadline; nil means time.Now.
	Now func() time.Time
	// Cooldown is a pause before every trial but the first, for the
	// target to drain what the last one left queued; 0 = none.
	Cooldown time.Duration
	// Confirm, when set, re-checks the answer at the end with a run of
	// its own (a longer window, say): when it fails, the answer steps
	// down by the bracket's width (at least Bracket of it), then twice
	// that, four times…, re-checked each time, at most ConfirmSteps
	// times.
	Confirm RunFunc
	// WholeRates rounds the rates the search tries after Start to whole
	// requests per second (for generators that take no others).
	WholeRates bool
}

// ConfirmSteps bounds how many times a failed confirmation steps the
// answer down.
const ConfirmSteps = 3

// Result is what a search found (the report's type; SLO is the
// caller's to fill).
type Result = report.Capacity

// ErrConfig wraps every problem with a Config.
var ErrConfig = errors.New("invalid capacity search")

// RunFunc runs one trial at rate and judges it (Pass, FailedBy).
type RunFunc func(ctx context.Context, rate float64) (Trial, error)

func (c Config) withDefaults() (Config, error) {
	switch {
	case !(c.Start > 0):
		return c, fmt.Errorf("%w: start %v: expected a rate > 0", ErrConfig, c.Start)
	case c.Max < 0 || (c.Max > 0 && c.Max < c.Start):
		return c, fmt.Errorf("%w: max %v: expected 0 (no bound) or >= start %v", ErrConfig, c.Max, c.Start)
	case c.Bracket < 0 || c.Bracket >= 1:
		return c, fmt.Errorf("%w: bracket %v: expected a fraction >= 0 and < 1 (0 = %v)", ErrConfig, c.Bracket, DefaultBracket)
	case c.MaxTrials < 0:
		return c, fmt.Errorf("%w: max trials %d: expected >= 0 (0 = %d)", ErrConfig, c.MaxTrials, DefaultMaxTrials)
	case c.Deadline < 0:
		return c, fmt.Errorf("%w: deadline %v: expected >= 0 (0 = none)", ErrConfig, c.Deadline)
	case c.Repeats < 0:
		return c, fmt.Errorf("%w: repeats %d: expected >= 0 (0 = %d)", ErrConfig, c.Repeats, DefaultRepeats)
	case c.MinAchieved < 0 || c.MinAchieved > 1:
		return c, fmt.Errorf("%w: min achieved %v: expected a fraction in [0, 1] (0 = %v)", ErrConfig, c.MinAchieved, DefaultMinAchieved)
	case c.MaxSendLag < 0:
		return c, fmt.Errorf("%w: max send lag %v: expected >= 0 (0 = %v)", ErrConfig, c.MaxSendLag, DefaultMaxSendLag)
	case c.Cooldown < 0:
		return c, fmt.Errorf("%w: cooldown %v: expected >= 0", ErrConfig, c.Cooldown)
	}
	if c.Bracket == 0 {
		c.Bracket = DefaultBracket
	}
	if c.MaxTrials == 0 {
		c.MaxTrials = DefaultMaxTrials
	}
	if c.Repeats == 0 {
		c.Repeats = DefaultRepeats
	}
	if c.MinAchieved == 0 {
		c.MinAchieved = DefaultMinAchieved
	}
	if c.MaxSendLag == 0 {
		c.MaxSendLag = DefaultMaxSendLag
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// validate marks t invalid when the generator fell behind while the target
// kept up. A shortfall in a failing trial is not held against the client:
// a saturated target holds its connections and so delays sends too, and
// the failure is the target's.
func (c Config) validate(t *Trial) {
	t.Valid = true
	if !t.Pass {
		if t.Rate > 0 && t.Achieved/t.Rate < c.MinAchieved {
			t.Reasons = append(t.Reasons, fmt.Sprintf("sent %.1f of %.1f req/s (the target pushed back)", t.Achieved, t.Rate))
		}
		return
	}
	if t.Rate > 0 && t.Achieved/t.Rate < c.MinAchieved {
		t.Valid = false
		t.Reasons = append(t.Reasons, fmt.Sprintf("client fell behind: sent %.1f of %.1f req/s (below %.0f%%)", t.Achieved, t.Rate, 100*c.MinAchieved))
	}
	if lag := c.MaxSendLag.Seconds() * 1000; t.SendLagP99Ms > lag {
		t.Valid = false
		t.Reasons = append(t.Reasons, fmt.Sprintf("client fell behind: send lag p99 %.3g ms (over %.3g ms)", t.SendLagP99Ms, lag))
	}
}

// Search finds the highest rate at which run passes: from cfg.Start it
// doubles the rate until a trial fails (or cfg.Max passes), then bisects
// between the last pass and the first fail until (high-low)/low is below
// cfg.Bracket. It stops early at cfg.MaxTrials, cfg.Deadline, an invalid
// (client-limited) trial, or when ctx ends (returning ctx's error with
// the result so far). An error from run ends the search with that error
// and the result so far.
func Search(ctx context.Context, cfg Config, run RunFunc) (Result, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return Result{}, err
	}
	s := &searcher{c: c, run: run, start: c.Now()}
	return s.search(ctx)
}

type searcher struct {
	c         Config
	run       RunFunc
	start     time.Time
	res       Result
	low, high float64 // highest pass, lowest fail (0 = none yet)
	failedBy  string  // of the lowest fail
}

// errStop ends a search without an error: res says why.
var errStop = errors.New("stop")

// trial runs one trial at rate, unless a limit says stop first.
func (s *searcher) trial(ctx context.Context, rate float64) (Trial, error) {
	if err := ctx.Err(); err != nil {
		return Trial{}, err
	}
	if len(s.res.Trials) >= s.c.MaxTrials {
		s.stop(LimitedByTrials, fmt.Sprintf("%d trials ran out before the bracket narrowed to %.3g%%", s.c.MaxTrials, 100*s.c.Bracket))
		return Trial{}, errStop
	}
	if s.c.Deadline > 0 && s.c.Now().Sub(s.start) >= s.c.Deadline {
		s.stop(LimitedByDeadline, fmt.Sprintf("the deadline of %v passed before the bracket narrowed to %.3g%%", s.c.Deadline, 100*s.c.Bracket))
		return Trial{}, errStop
	}
	if s.c.Cooldown > 0 && len(s.res.Trials) > 0 && !sleep(ctx, s.c.Cooldown) {
		return Trial{}, ctx.Err()
	}
	t, err := s.run(ctx, rate)
	if err != nil {
		if ctx.Err() != nil {
			return Trial{}, ctx.Err()
		}
		return Trial{}, fmt.Errorf("trial at %.6g req/s: %w", rate, err)
	}
	t.Rate = rate
	s.c.validate(&t)
	s.res.Trials = append(s.res.Trials, t)
	if !t.Valid {
		s.stop(LimitedByClient, fmt.Sprintf("the trial at %.6g req/s was client-limited (%s): the load generator, not the target, is the bottleneck; the target sustains at least %.6g req/s",
			rate, firstReason(t.Reasons), s.low))
		return t, errStop
	}
	if !t.Pass && (s.high == 0 || rate < s.high) {
		s.high, s.failedBy = rate, t.FailedBy
		if s.failedBy == "" {
			s.failedBy = LimitedBySLO
		}
	}
	return t, nil
}

func firstReason(rs []string) string {
	if len(rs) == 0 {
		return "no reason given"
	}
	return rs[0]
}

func (s *searcher) stop(by, reason string) {
	s.res.LimitedBy, s.res.Reason = by, reason
}

func (s *searcher) finish(ctx context.Context, err error) (Result, error) {
	if errors.Is(err, errStop) && s.c.Confirm != nil && s.low > 0 && s.res.LimitedBy != LimitedByClient {
		err = s.confirm(ctx)
	}
	s.res.Rate = s.low
	s.res.Bracket = [2]float64{s.low, s.high}
	if errors.Is(err, errStop) {
		return s.res, nil
	}
	if err != nil {
		s.stop(s.res.LimitedBy, "stopped: "+err.Error())
	}
	return s.res, err
}

// confirm re-checks the answer with Config.Confirm, stepping it down on a
// fail (see Config.Confirm). It returns errStop, or the error that ended it.
func (s *searcher) confirm(ctx context.Context) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	rate := s.low
	step := max(s.high-s.low, s.low*s.c.Bracket)
	if s.high == 0 {
		step = s.low * s.c.Bracket
	}
	for range ConfirmSteps + 1 {
		if s.c.Cooldown > 0 && !sleep(ctx, s.c.Cooldown) {
			return ctx.Err()
		}
		t, err := s.c.Confirm(ctx, rate)
		if err != nil {
			return fmt.Errorf("confirmation at %.6g req/s: %w", rate, err)
		}
		t.Rate = rate
		s.c.validate(&t)
		s.res.Confirmations = append(s.res.Confirmations, t)
		if t.Pass && t.Valid {
			s.low, s.res.Confirmed = rate, true
			s.res.Reason += fmt.Sprintf("; confirmed by a longer run at %.6g req/s", rate)
			return errStop
		}
		if rate-step <= 0 {
			break
		}
		s.high, rate, step = rate, rate-step, 2*step
		if s.c.WholeRates {
			rate = math.Floor(rate)
		}
	}
	s.low = 0
	s.res.Reason += "; no confirmation run passed: the capacity is not established"
	s.res.Converged = false
	return errStop
}

// sleep waits d or until ctx ends; false when ctx ended.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func (s *searcher) search(ctx context.Context) (Result, error) {
	// Ramp: double until the first fail or Max.
	rate := s.c.Start
	for {
		if s.c.Max > 0 {
			rate = min(rate, s.c.Max)
		}
		t, err := s.trial(ctx, rate)
		if err != nil {
			return s.finish(ctx, err)
		}
		if !t.Pass {
			break
		}
		s.low = rate
		if s.c.Max > 0 && rate >= s.c.Max {
			s.stop(LimitedByMax, fmt.Sprintf("passed at the highest rate allowed, %.6g req/s: the capacity is at least that", s.c.Max))
			return s.finish(ctx, errStop)
		}
		rate *= 2
	}
	if s.low == 0 {
		s.stop(s.failedBy, fmt.Sprintf("the first trial, at %.6g req/s, failed (%s): the capacity is below it; start lower",
			s.high, firstReason(s.res.Trials[0].Reasons)))
		return s.finish(ctx, errStop)
	}
	// Bisect between the last pass and the first fail.
	for (s.high-s.low)/s.low >= s.c.Bracket {
		mid := (s.low + s.high) / 2
		if s.c.WholeRates {
			mid = math.Round(mid)
			if mid <= s.low || mid >= s.high {
				break // no whole rate lies between: as narrow as it gets
			}
		}
		need := 1
		if (s.high-s.low)/s.low < 4*s.c.Bracket {
			need = s.c.Repeats
		}
		pass := true
		for range need {
			t, err := s.trial(ctx, mid)
			if err != nil {
				return s.finish(ctx, err)
			}
			if !t.Pass {
				pass = false
				break
			}
		}
		if pass {
			s.low = mid
		}
	}
	s.res.Converged = true
	s.stop(s.failedBy, fmt.Sprintf("converged: passes at %.6g req/s, fails at %.6g req/s (%s)", s.low, s.high, s.failedBy))
	return s.finish(ctx, errStop)
}
