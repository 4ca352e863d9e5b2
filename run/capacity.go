package run

import (
	"context"
	"fmt"
	"strings"

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
		// wrk2 and Nighthawk take whole requests per second.
		WholeRates: r.t.Load.Generator == spec.GeneratorWRK2 || r.t.Load.Generator == spec.GeneratorNighthawk,
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
	// A trial that could not run ends the search, but what it measured
	// before stays: found.Reason says why it stopped.
	switch {
	case pick == nil && err == nil:
		return nil, fmt.Errorf("capacity search: no trial ran: %s", found.Reason)
	case pick == nil:
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

// checkCapacitySLO parses load.capacity.slo before anything runs, and
// refuses what a lone trial cannot measure: overhead against a baseline
// and MeshMark (spec problems, exit 2).
func checkCapacitySLO(t *spec.Test) error {
	k := t.Load.Capacity
	if t.Load.Mode != spec.ModeCapacity || k == nil {
		return nil
	}
	var ps spec.Problems
	for i, s := range k.SLO {
		field := fmt.Sprintf("load.capacity.slo[%d]", i)
		if _, err := slo.Parse([]string{s}); err != nil {
			ps = append(ps, spec.Problem{Field: field, Value: fmt.Sprintf("%q", s), Expected: fmt.Sprintf("an objective such as \"p99 < 10ms\" (%v)", err)})
			continue
		}
		if m := strings.ToLower(strings.TrimSpace(s)); strings.HasPrefix(m, "overhead.") || strings.HasPrefix(m, "meshmark") {
			ps = append(ps, spec.Problem{Field: field, Value: fmt.Sprintf("%q", s),
				Expected: "an objective one trial can meet on its own (overhead and MeshMark need a baseline to compare with)"})
		}
	}
	if len(ps) == 0 {
		return nil
	}
	return ps
}
