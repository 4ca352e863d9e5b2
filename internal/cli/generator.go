package cli

import (
	"errors"
	"strings"

	"github.com/spf13/pflag"

	"github.com/smp-dev/smp/loadgen"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/spec"
)

// generatorFlags adds --generator and --generator-path to f.
func generatorFlags(f *pflag.FlagSet, generator, path *string) {
	f.StringVar(generator, "generator", "", "load generator: "+strings.Join(loadgen.Names(), ", ")+
		" (default builtin, or the spec's load.generator); several, comma-separated, run one after the other and are compared (a cross-check)")
	f.StringVar(path, "generator-path", "", "binary of the external generator (default: its name on PATH); with one --generator only")
}

// parseGeneratorFlag reads --generator (empty: builtin) and checks
// --generator-path goes with a single external one.
func parseGeneratorFlag(v, path string) ([]string, error) {
	if v == "" {
		v = spec.GeneratorBuiltin
	}
	gens, err := run.ParseGenerators(v)
	if err != nil {
		return nil, usageErr("--generator %q: %v", v, err)
	}
	if path != "" && (len(gens) > 1 || gens[0] == spec.GeneratorBuiltin) {
		return nil, usageErr("--generator-path %q: expected one external --generator with it (got %q)", path, v)
	}
	return gens, nil
}

// checkGenerators refuses, before anything runs, a generator that cannot
// run t's load (its problems rewritten by fix, e.g. in flags) or whose
// binary is missing (exit 2 both).
func checkGenerators(t *spec.Test, gens []string, fix func(error) error) error {
	_, err := run.GeneratorTests(t, gens)
	switch {
	case errors.Is(err, loadgen.ErrNotFound):
		return &ExitError{Code: ExitUsage, Err: err}
	case err != nil:
		return fix(err)
	}
	return nil
}

// renameScenarios renames rep's scenarios, and the comparisons and SLO
// results that name them, by names (old to new; others kept).
func renameScenarios(rep *report.Report, names map[string]string) {
	to := func(s string) string {
		if n, ok := names[s]; ok {
			return n
		}
		return s
	}
	for i := range rep.Scenarios {
		rep.Scenarios[i].Name = to(rep.Scenarios[i].Name)
	}
	for i := range rep.Comparisons {
		rep.Comparisons[i].Scenario, rep.Comparisons[i].Baseline = to(rep.Comparisons[i].Scenario), to(rep.Comparisons[i].Baseline)
	}
	for i := range rep.SLO {
		rep.SLO[i].Scenario = to(rep.SLO[i].Scenario)
	}
}
