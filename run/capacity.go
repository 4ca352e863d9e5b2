package run

import (
	"context"
	"fmt"

	"github.com/smp-dev/smp/capacity"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/slo"
	"github.com/smp-dev/smp/spec"
)

// searchCapacity runs the capacity search of load.mode capacity on one
// deployment of mesh m: trials at fixed rates (each load.duration long,
// load.warmup excluded from its verdict) judged against
// load.capacity.slo, until the boundary is bracketed. The answer is kept
// for the scenario's summary (r.capacity); the result returned, which
// becomes the iteration, is the run at the answer: the passing
// confirmation run, else the last passing trial at that rate (else, when
// no rate passed, the first trial). Components are measured over its
// window, so their CPU is what they cost at capacity.
func (r *runner) searchCapacity(ctx context.Context, m spec.Mesh, d *platform.Deployment, dir string) (*load.Result, error) {
	k := r.t.Load.Capacity
	as, err := slo.Parse(k.SLO)
	if err != nil {
		return nil, fmt.Errorf("%w: load.capacity.slo: %w", spec.ErrInvalid, err)
	}
	type measured struct {
		trial report.CapacityTrial
		res   *load.Result
	}
	var runs []measured
	warmup := r.t.Load.Warmup.D()
	runner := &capacity.Runner{
		Test: r.t, URL: d.Target, Warmup: warmup, Window: r.t.Load.Duration.D() - warmup,
		SLO: as, MaxErrorRate: k.MaxErrors,
		Load: func(ctx context.Context, t *spec.Test, _ string) (*load.Result, error) {
			return r.loadTest(ctx, t, d, dir)
		},
		Measured: func(t report.CapacityTrial, res *load.Result) {
			runs = append(runs, measured{t, res})
			progress(r.o.Progress, "%s: capacity trial %d at %.6g req/s: achieved %.1f, p99 %.3f ms, %d errors: %s",
				m.Name, len(runs), t.Rate, t.Achieved, t.P99Ms, t.Errors, verdict(t))
		},
	}
	cfg := capacity.Config{
		Start: k.Start, Max: k.MaxRate, Bracket: k.Bracket, MaxTrials: k.MaxTrials, Repeats: k.Repeats,
		Deadline: k.Deadline.D(), Cooldown: k.Cooldown.D(),
	}
	if k.Confirm > 0 {
		cfg.Confirm = func(ctx context.Context, rate float64) (report.CapacityTrial, error) {
			return runner.TrialFor(ctx, rate, k.Confirm.D())
		}
	}
	found, err := capacity.Search(ctx, cfg, runner.Trial)
	found.SLO = k.SLO
	r.capacity[m.Name] = &found
	progress(r.o.Progress, "%s: capacity %.6g req/s (%s)", m.Name, found.Rate, found.Reason)
	var pick *load.Result
	for _, x := range runs {
		if x.trial.Pass && x.trial.Rate == found.Rate {
			pick = x.res
		}
	}
	if pick == nil && len(runs) > 0 {
		pick = runs[0].res
	}
	switch {
	case pick == nil && err == nil:
		return nil, fmt.Errorf("capacity search: no trial ran: %s", found.Reason)
	case pick == nil:
		return nil, fmt.Errorf("capacity search: %w", err)
	case err != nil && ctx.Err() == nil:
		return nil, fmt.Errorf("capacity search: %w", err)
	}
	return pick, nil
}

// verdict is a trial's verdict in a word or two.
func verdict(t report.CapacityTrial) string {
	if t.Pass {
		return "pass"
	}
	return "fail (" + firstOf(t.Reasons) + ")"
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}
