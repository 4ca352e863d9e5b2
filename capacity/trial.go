package capacity

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/load/record"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/slo"
	"github.com/smp-dev/smp/spec"
)

// LoadFunc drives the load t describes at url and returns what it
// measured: smp's engine (run.Plan and load.Run), an external generator,
// or a platform's client pods.
type LoadFunc func(ctx context.Context, t *spec.Test, url string) (*load.Result, error)

// Runner runs trials against one URL and judges them against SLO
// assertions and an error-rate bound.
type Runner struct {
	// Load runs each trial.
	Load LoadFunc
	// Test holds the load settings (connections, protocol, request,
	// timeout, arrival type); its rate, duration and warmup are replaced by
	// each trial's.
	Test *spec.Test
	URL  string
	// Warmup is excluded from each trial; Window is what is measured
	// after it.
	Warmup, Window time.Duration
	// SLO must all hold for a trial to pass.
	SLO []slo.Assertion
	// MaxErrorRate is the highest fraction of failed requests a passing
	// trial may have.
	MaxErrorRate float64
	// Measured, when set, receives every trial's result (valid or not)
	// with its verdict, so that the caller can keep the one it reports.
	Measured func(Trial, *load.Result)
}

// Trial runs one trial at rate: Warmup then Window of open-loop load, and
// judges it. It fits Search.
func (r *Runner) Trial(ctx context.Context, rate float64) (Trial, error) {
	return r.TrialFor(ctx, rate, r.Window)
}

// TrialFor is Trial with a window of its own (a confirmation run's).
func (r *Runner) TrialFor(ctx context.Context, rate float64, window time.Duration) (Trial, error) {
	if window <= 0 || r.Warmup < 0 {
		return Trial{}, fmt.Errorf("%w: trial window %v, warmup %v: expected window > 0 and warmup >= 0", ErrConfig, window, r.Warmup)
	}
	if r.Load == nil {
		return Trial{}, fmt.Errorf("%w: no load function", ErrConfig)
	}
	t := *r.Test
	t.Load.Rate = rate
	t.Load.Duration = spec.Duration(r.Warmup + window)
	t.Load.Warmup = spec.Duration(r.Warmup)
	res, err := r.Load(ctx, &t, r.URL)
	if err != nil {
		return Trial{}, err
	}
	if ctx.Err() != nil {
		return Trial{}, ctx.Err()
	}
	tr, err := r.judge(rate, res)
	if err == nil && r.Measured != nil {
		r.Measured(tr, res)
	}
	return tr, err
}

// judge summarizes res and checks it against the assertions.
func (r *Runner) judge(rate float64, res *load.Result) (Trial, error) {
	o := report.Options{Percentiles: r.Test.Metrics.Percentiles}
	sum, err := report.Summarize([]*record.Result{res}, o, false)
	if err != nil {
		return Trial{}, fmt.Errorf("summarize trial: %w", err)
	}
	lat := sum.Latency.Percentiles
	t := Trial{
		Rate: rate, Achieved: sum.AchievedRate,
		P50Ms: lat["p50"], P99Ms: lat["p99"], P999Ms: lat["p99.9"],
		Requests: sum.Requests, Errors: sum.Errors,
		SendLagP99Ms: sum.SendLag.Percentiles["p99"],
		Pass:         true,
	}
	if sum.Requests == 0 {
		return Trial{}, errors.New("trial measured no request: the window is too short for the rate")
	}
	if sum.ErrorRate > r.MaxErrorRate {
		t.Pass, t.FailedBy = false, LimitedByErrors
		t.Reasons = append(t.Reasons, fmt.Sprintf("error rate %.4g over %.4g (%d of %d; %v)", sum.ErrorRate, r.MaxErrorRate, sum.Errors, sum.Requests, sum.ErrorKinds))
	}
	rep := &report.Report{Scenarios: []report.Scenario{{Name: r.URL, Mesh: report.Mesh{Type: "capacity"}, Summary: sum}}}
	for _, v := range slo.Evaluate(rep, r.SLO) {
		if v.Pass {
			continue
		}
		if t.Pass {
			t.FailedBy = LimitedBySLO
		}
		t.Pass = false
		got := slo.FormatValue(v.Value, v.Unit)
		if v.Note != "" {
			got = v.Note
		}
		t.Reasons = append(t.Reasons, fmt.Sprintf("%s: %s", v.Assertion, got))
	}
	return t, nil
}
