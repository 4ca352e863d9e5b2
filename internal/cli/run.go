package cli

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/render"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/spec"
)

type runOptions struct {
	reportPath string
	output     string
	quiet      bool
	html       bool
	slo        []string
	kube       kubeFlags
	// generator and generatorPath override load.generator(Path).
	generator, generatorPath string
	requireCertified         bool
	progress                 bool
	noCertify                bool
	calibrate                int
	store                    storeFlags
	serve                    string
}

// kubeFlags override environment.kubernetes of the spec.
type kubeFlags struct {
	kubeconfig, context, image, prometheusURL string
}

// apply sets the flags given into t's environment.kubernetes and checks
// the result again.
func (k kubeFlags) apply(t *spec.Test) error {
	given := map[string]string{"--kubeconfig": k.kubeconfig, "--context": k.context, "--image": k.image, "--prometheus-url": k.prometheusURL}
	for _, name := range []string{"--kubeconfig", "--context", "--image", "--prometheus-url"} {
		if given[name] != "" && t.Environment.Platform != spec.PlatformKubernetes {
			return usageErr("%s %q: expected only with environment.platform: kubernetes (the spec's platform is %s)", name, given[name], t.Environment.Platform)
		}
	}
	kc := t.Environment.Kubernetes
	if kc == nil {
		return nil
	}
	if k.kubeconfig != "" {
		kc.Kubeconfig = k.kubeconfig
	}
	if k.context != "" {
		kc.Context = k.context
	}
	if k.image != "" {
		kc.Image = k.image
	}
	if k.prometheusURL != "" {
		kc.Prometheus = &spec.Prometheus{URL: k.prometheusURL}
	}
	if err := t.Validate(); err != nil {
		return usageErr("with the flags given: %w", err)
	}
	return nil
}

func newRunCmd(s Streams) *cobra.Command {
	o := &runOptions{}
	c := &cobra.Command{
		Use:   "run SPEC.yaml",
		Short: "Run a test spec and write its JSON report",
		Long: `Run a test spec: for each scenario and iteration, start the workload, drive
the load, measure; then write the versioned JSON report (smp.report/v1) and
print a summary table.

The report is written atomically. If the run is interrupted (Ctrl-C,
SIGTERM), what was measured is still written, marked "partial": true, and
smp exits with 130. Exit codes: 0 ok, 1 run failed (every request failed,
a sidecar crashed), 2 bad input, 3 an SLO assertion failed, 130
interrupted.

Scenarios are compared with the baseline (the first scenario of type
none): the table shows metric rows, one column per scenario, then the
deltas with their confidence; the report holds them under comparisons.
SLO assertions (the spec's slo: entries and --slo) are evaluated per
scenario and recorded under slo.

SPEC may also be an SMP PerformanceTestConfig (what Meshery's
performance profiles and mesheryctl perf apply -f take): it runs as the
spec smp spec import writes from it, each field not mapped named in a
note on stderr.

With workload.app: sample, the services (and in mesh scenarios their
sidecars) run as processes; their logs are kept next to the report, in
<report>.logs/<scenario>/iteration-N/. With environment.platform:
kubernetes they run as Deployments in namespaces of their own, which are
deleted when the scenario ends (smp cleanup removes those of killed runs);
--kubeconfig, --context, --image and --prometheus-url override the spec.

--generator overrides load.generator: smp's own engine (builtin), or
fortio, wrk2, nighthawk, vegeta, wrk or hey run with the same plan
(docs/generators.md). Several, comma-separated, run the whole test once
with each, in turn, into one report: scenarios named "scenario
[generator]", each compared with its baseline and with the first
generator's same scenario.`,
		Example: `  smp run examples/quickstart.yaml
  smp run my-test.yaml --report out/result.json -o json
  smp run examples/generators.yaml --generator builtin,fortio,wrk`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error { return o.run(c, s, a[0]) },
	}
	f := c.Flags()
	f.StringVar(&o.reportPath, "report", "", "where to write the JSON report (default smp-results/<name>-<UTC time>.json)")
	f.StringVarP(&o.output, "output", "o", render.FormatTable, "what to print when done: "+strings.Join(render.Formats(), ", "))
	f.BoolVarP(&o.quiet, "quiet", "q", false, "no progress lines on stderr")
	f.BoolVar(&o.html, "html", false, "also write the HTML report next to the JSON (same name, .html)")
	f.StringArrayVar(&o.slo, "slo", nil, "SLO assertion besides the spec's, e.g. 'p99 < 20ms' or 'overhead.p99 < 5ms' (repeatable)")
	generatorFlags(f, &o.generator, &o.generatorPath)
	f.BoolVar(&o.progress, "progress", true, "on a terminal, a live line per running iteration (elapsed, rate, errors, the last second's p50 and p99); --progress=false or --quiet turn it off")
	f.BoolVar(&o.noCertify, "no-certify", false, "do not check this machine with smp certify's checks before the run (the report then has no environment.certify)")
	f.IntVar(&o.calibrate, "calibrate", 0, "before the run, calibrate this machine as smp certify --calibrate N does (N 2-second runs at 1000 req/s, about 2.5 s each) and record the spread in environment.certify.calibration and the table header (0 = no calibration)")
	f.BoolVar(&o.requireCertified, "require-certified", false, "refuse to run (exit 5) when this machine fails smp certify's checks (without it: a warning in the report)")
	o.store.register(f, true)
	serveFlag(f, &o.serve)
	f.StringVar(&o.kube.kubeconfig, "kubeconfig", "", "platform kubernetes: kubeconfig file (overrides environment.kubernetes.kubeconfig)")
	f.StringVar(&o.kube.context, "context", "", "platform kubernetes: kubeconfig context (overrides environment.kubernetes.context)")
	f.StringVar(&o.kube.image, "image", "", "platform kubernetes: the smp image pods run (overrides environment.kubernetes.image)")
	f.StringVar(&o.kube.prometheusURL, "prometheus-url", "", "platform kubernetes: Prometheus base URL (overrides environment.kubernetes.prometheus.url)")
	return c
}

func (o *runOptions) run(c *cobra.Command, s Streams, path string) error {
	if err := checkOutput(o.output); err != nil {
		return err
	}
	t, err := readSpec(s, path)
	if err != nil {
		return err
	}
	if err := o.kube.apply(t); err != nil {
		return err
	}
	if err := run.CheckPlatform(t); err != nil {
		return inFile(path, err) // what only Linux has, asked for elsewhere
	}
	gens := []string{t.Load.Generator}
	if o.generator != "" {
		if gens, err = parseGeneratorFlag(o.generator, o.generatorPath); err != nil {
			return err
		}
		// The spec's generatorPath is its generator's: another one is
		// looked up on PATH unless --generator-path names it.
		if gens[0] != t.Load.Generator || len(gens) > 1 || o.generatorPath != "" {
			t.Load.GeneratorPath = o.generatorPath
		}
		t.Load.Generator = gens[0]
	} else if o.generatorPath != "" {
		return usageErr("--generator-path %q: expected --generator with it", o.generatorPath)
	}
	if err := checkGenerators(t, gens, func(err error) error { return inFile(path, err) }); err != nil {
		return err
	}
	extra, err := parseSLOFlags(o.slo)
	if err != nil {
		return err
	}
	dest := o.reportPath
	if dest == "" {
		dest = defaultReportPath(t.Metadata.Name, time.Now())
	}
	ropts := run.Options{
		Tool: report.Tool{Name: "smp", Version: currentVersion().Version},
		// Component logs are kept next to the report.
		LogDir:           strings.TrimSuffix(dest, filepath.Ext(dest)) + ".logs",
		SLO:              extra,
		RequireCertified: o.requireCertified,
	}
	if o.calibrate < 0 || o.calibrate == 1 {
		return usageErr("--calibrate %d: expected 0 (none) or 2 or more runs", o.calibrate)
	}
	if !o.noCertify {
		ropts.Certify = certifyWithCalibration(o.calibrate, o.quiet, s.Err)
	} else if o.requireCertified {
		return usageErr("--require-certified with --no-certify: expected one of them")
	} else if o.calibrate > 0 {
		return usageErr("--calibrate %d with --no-certify: the calibration is recorded with the checks; expected one of them", o.calibrate)
	}
	var live *liveLine
	if !o.quiet {
		ropts.Progress = s.Err
		// On a terminal, a live line per running iteration.
		if o.progress && liveTerminal(s.Err) {
			live = newLiveLine(s.Err)
			ropts.Progress, ropts.Live = live, live.update
		}
	}
	// The live feed smp serve follows; with --serve, the dashboard too.
	feed, stop, err := startLive(c.Context(), s, &o.store, o.serve, t.Metadata.Name)
	if err != nil {
		return err
	}
	defer stop()
	ropts.Live = chainLive(ropts.Live, feed.tick)
	var runID string
	rep, runErr := run.CrossCheck(c.Context(), t, gens, ropts)
	defer func() { feed.finish(s, runID, rep, runErr) }()
	if live != nil {
		live.clear() // before the table
	}
	if rep == nil {
		code := ExitFailed
		switch {
		case errors.Is(runErr, spec.ErrInvalid):
			// The spec cannot run here: a mesh it names is not installed.
			code = ExitUsage
		case errors.Is(runErr, run.ErrUncertified):
			code = ExitUncertified
		}
		return &ExitError{Code: code, Err: runErr}
	}
	if err := report.WriteFile(dest, rep); err != nil {
		return &ExitError{Code: ExitFailed, Err: errors.Join(runErr, err)}
	}
	if o.html {
		page := strings.TrimSuffix(dest, filepath.Ext(dest)) + ".html"
		if err := writeHTML(page, rep); err != nil {
			return &ExitError{Code: ExitFailed, Err: errors.Join(runErr, err)}
		}
		fmt.Fprintf(s.Err, "html: %s\n", page)
	}
	if err := renderTo(s.Out, o.output, rep); err != nil {
		return err
	}
	fmt.Fprintf(s.Err, "report: %s\n", dest)
	runID = o.store.save(c.Context(), s, rep)
	if runErr != nil {
		return runErr
	}
	return sloVerdict(s, rep)
}

// inFile names path in the spec problems of err.
func inFile(path string, err error) error {
	var ps spec.Problems
	if !errors.As(err, &ps) {
		return err
	}
	for i := range ps {
		ps[i].File = path
	}
	return ps
}
