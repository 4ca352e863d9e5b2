package run

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/smp-dev/smp/loadgen"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

// ParseGenerators reads a --generator value: one generator, or several
// separated by commas (a cross-check), each named once.
func ParseGenerators(v string) ([]string, error) {
	var out []string
	for _, g := range strings.Split(v, ",") {
		g = strings.TrimSpace(g)
		switch {
		case !slices.Contains(loadgen.Names(), g):
			return nil, fmt.Errorf("generator %q: expected one of %s, or several of them separated by commas", g, strings.Join(loadgen.Names(), ", "))
		case slices.Contains(out, g):
			return nil, fmt.Errorf("generator %q: named twice", g)
		}
		out = append(out, g)
	}
	return out, nil
}

// CrossScenario names a scenario measured by generator in a cross-check.
func CrossScenario(scenario, generator string) string {
	return scenario + " [" + generator + "]"
}

// CrossCheck runs t once with each generator of gens, in turn (the same
// scenarios, iterations and load plan), and returns one report with every
// scenario named CrossScenario(scenario, generator). Its comparisons are
// each run's own (a mesh against its baseline, within one generator)
// followed by each scenario of every later generator against the same
// scenario of the first: the difference the generators themselves make.
// Every generator is checked (it can run the plan, its binary is there)
// before anything runs. A later generator's run that fails keeps what
// the earlier ones measured; the first is the reference, and when it
// measures nothing the cross-check stops there. The machine is certified
// once, before the first. A single generator is a plain Run.
func CrossCheck(ctx context.Context, t *spec.Test, gens []string, o Options) (*report.Report, error) {
	if len(gens) == 0 {
		return nil, errors.New("cross-check: no generator given")
	}
	tests, err := GeneratorTests(t, gens)
	if err != nil {
		return nil, err
	}
	if len(gens) == 1 {
		return Run(ctx, tests[0], o)
	}
	var out *report.Report
	var failed error
	logDir := o.LogDir
	for i, g := range gens {
		if ctx.Err() != nil {
			break
		}
		progress(o.Progress, "generator %s (%d of %d)", g, i+1, len(gens))
		if logDir != "" {
			o.LogDir = filepath.Join(logDir, g)
		}
		rep, err := Run(ctx, tests[i], o)
		// The machine is certified once, before the first generator.
		o.Certify, o.RequireCertified = nil, false
		if rep == nil {
			if out == nil {
				return nil, fmt.Errorf("generator %s: %w", g, err)
			}
			failed = errors.Join(failed, fmt.Errorf("generator %s: %w", g, err))
			out.Warnings = append(out.Warnings, fmt.Sprintf("generator %s: nothing measured: %v", g, err))
			continue
		}
		if err != nil && !errors.Is(err, ErrInterrupted) {
			failed = errors.Join(failed, fmt.Errorf("generator %s: %w", g, err))
		}
		rename(rep, g)
		if out == nil {
			out = rep
			out.Warnings = append(out.Warnings, fmt.Sprintf("cross-check of load generators %s: the same test run once with each; scenarios are named \"scenario [generator]\", and each later generator's scenarios are compared with %s's",
				strings.Join(gens, ", "), gens[0]))
			continue
		}
		out.Scenarios = append(out.Scenarios, rep.Scenarios...)
		out.Comparisons = append(out.Comparisons, rep.Comparisons...)
		out.SLO = append(out.SLO, rep.SLO...)
		for _, w := range rep.Warnings {
			out.Warnings = append(out.Warnings, g+": "+w)
		}
		out.Partial = out.Partial || rep.Partial
	}
	if out == nil {
		return nil, ctx.Err()
	}
	out.EndTime = time.Now().UTC()
	out.Comparisons = append(out.Comparisons, acrossGenerators(out, gens)...)
	if ctx.Err() != nil {
		out.Partial = true
		return out, ErrInterrupted
	}
	if failed != nil {
		return out, fmt.Errorf("%w: %w", ErrFailed, failed)
	}
	return out, nil
}

// rename names every scenario of rep (and its comparisons and SLO
// results) after the generator that measured it.
func rename(rep *report.Report, g string) {
	for i := range rep.Scenarios {
		rep.Scenarios[i].Name = CrossScenario(rep.Scenarios[i].Name, g)
	}
	for i := range rep.Comparisons {
		c := &rep.Comparisons[i]
		c.Scenario, c.Baseline = CrossScenario(c.Scenario, g), CrossScenario(c.Baseline, g)
	}
	for i := range rep.SLO {
		if rep.SLO[i].Scenario != "" {
			rep.SLO[i].Scenario = CrossScenario(rep.SLO[i].Scenario, g)
		}
	}
}

// acrossGenerators compares each scenario measured by a later generator
// with the same scenario measured by the first.
func acrossGenerators(r *report.Report, gens []string) []report.Comparison {
	byName := map[string]*report.Scenario{}
	for i := range r.Scenarios {
		byName[r.Scenarios[i].Name] = &r.Scenarios[i]
	}
	var out []report.Comparison
	for _, m := range r.Test.Meshes {
		base := byName[CrossScenario(m.Name, gens[0])]
		if base == nil || len(base.Iterations) == 0 {
			continue
		}
		for _, g := range gens[1:] {
			s := byName[CrossScenario(m.Name, g)]
			if s == nil || len(s.Iterations) == 0 {
				continue
			}
			c, err := report.CompareScenarios(base, s)
			if err != nil {
				r.Warnings = append(r.Warnings, fmt.Sprintf("compare %s with %s: %v", s.Name, base.Name, err))
				continue
			}
			out = append(out, c)
		}
	}
	return out
}

// GeneratorTests is t once per generator of gens, each checked: it
// validates (spec problems), its generator can run its load
// (CheckGenerator) and its binary is there (FindGenerator, an error
// wrapping loadgen.ErrNotFound). With several generators, or builtin, the
// spec's generatorPath is dropped: one path cannot be every tool's, so
// each is looked up on PATH.
func GeneratorTests(t *spec.Test, gens []string) ([]*spec.Test, error) {
	tests := make([]*spec.Test, len(gens))
	for i, g := range gens {
		c := *t
		c.Load.Generator = g
		if g == spec.GeneratorBuiltin || len(gens) > 1 {
			c.Load.GeneratorPath = ""
		}
		if err := c.Validate(); err != nil {
			return nil, err
		}
		if err := CheckGenerator(&c); err != nil {
			return nil, err
		}
		if err := FindGenerator(&c); err != nil {
			return nil, err
		}
		tests[i] = &c
	}
	return tests, nil
}
