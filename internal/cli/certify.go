package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/certify"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/spec"
)

type certifyOptions struct {
	output    string
	steal     time.Duration
	calibrate int
	maxCV     float64
	maxLagMs  float64
	tune      bool
	reset     bool
	state     string
	root      string
}

func newCertifyCmd(s Streams) *cobra.Command {
	o := &certifyOptions{}
	c := &cobra.Command{
		Use:   "certify",
		Short: "Check whether this machine can be trusted for benchmarks",
		Long: `Check whether this machine can be trusted for benchmarks: CPU frequency
governor and range, turbo, SMT, isolated CPUs and the IRQs allowed on
them (and irqbalance), clock source, timer precision (clock read cost and a
short sleep's lateness, measured), clock synchronisation (adjtimex),
transparent hugepages, ASLR, perf_event_paranoid and the perf sample rate,
load, run queue and steal time, the cgroup CPU quota, the open-file limit,
the ephemeral port range and somaxconn. Each
check prints what it saw, what it expects and how to fix it; a file the
kernel does not have here is "not available here" (info), never a failure.

It exits 0 when no check fails and 5 when one does. The fingerprint hashes
the machine's stable facts (CPU model and count, kernel, governor, SMT,
clock source): it is the same from run to run on one machine. Off Linux it
lists what it cannot check and exits 0.

Calibration (--calibrate, 3 by default) runs the same 2-second load at
1000 req/s against the built-in target several times and checks how much
its p50 and p99 vary from run to run (coefficient of variation, --max-cv)
and how late the generator itself was (send lag p99, --max-send-lag): a
machine noisier than that cannot resolve a small overhead.

--tune (as root) fixes the failing and warning checks a file write can fix
(governor, frequency range, turbo, SMT, clock source, transparent
hugepages, port range, somaxconn) and nothing else, after saving the
values it changes in a state file (--state; by default
$XDG_STATE_HOME/smp/certify-tune.json or ~/.local/state/smp/...).
--reset writes those values back and removes the file. Each prints every
change; a write that fails is reported and the others still made (exit 1).
--reset with no saved state exits 2. Neither calibrates. See
docs/certify.md.`,
		Example: `  smp certify
  smp certify -o json | jq '.checks[] | select(.severity == "fail")'
  sudo smp certify --tune && smp run spec.yaml; sudo smp certify --reset`,
		Args: args(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			if o.output != "table" && o.output != "json" {
				return usageErr("-o %q: expected table or json", o.output)
			}
			if o.calibrate < 0 || o.calibrate == 1 {
				return usageErr("--calibrate %d: expected 0 (none) or 2 or more runs", o.calibrate)
			}
			if o.steal <= 0 {
				return usageErr("--steal-interval %s: expected a positive duration", o.steal)
			}
			if o.tune && o.reset {
				return usageErr("--tune with --reset: expected one of them")
			}
			if (o.tune || o.reset) && c.Flags().Changed("calibrate") {
				return usageErr("--calibrate with --tune or --reset: they do not calibrate; run smp certify --calibrate N after tuning")
			}
			if o.tune || o.reset {
				return tuneCmd(c.Context(), s, o)
			}
			r := certify.Run(c.Context(), certify.Root(o.root), certify.Options{StealInterval: o.steal})
			if o.calibrate > 0 {
				cal, err := certify.Calibrate(c.Context(), o.calibrate, calibrationRate, o.maxCV, o.maxLagMs, calibrationRun)
				if err != nil {
					return &ExitError{Code: ExitFailed, Err: err}
				}
				r.AddCalibration(cal)
			}
			if err := writeCertify(s.Out, o.output, r); err != nil {
				return &ExitError{Code: ExitFailed, Err: err}
			}
			if !r.Pass {
				var failed []string
				for _, c := range r.Checks {
					if c.Severity == certify.Fail {
						failed = append(failed, c.ID)
					}
				}
				return &ExitError{Code: ExitUncertified, Err: fmt.Errorf("this machine is not certified for benchmarks: failed %s", strings.Join(failed, ", "))}
			}
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&o.output, "output", "o", "table", "format: table or json")
	f.DurationVar(&o.steal, "steal-interval", time.Second, "how long to sample /proc/stat for steal time")
	f.IntVar(&o.calibrate, "calibrate", 3, "calibration: this many 2-second runs at 1000 req/s against the built-in target, their spread checked (0 = none; else at least 2)")
	f.Float64Var(&o.maxCV, "max-cv", defaultMaxCV, "calibration: highest coefficient of variation of p50 and p99 from run to run")
	f.Float64Var(&o.maxLagMs, "max-send-lag", defaultMaxSendLagMs, "calibration: highest send-lag p99 of a run, ms")
	f.BoolVar(&o.tune, "tune", false, "fix (as root) the failing and warning checks a file write can fix, saving the old values for --reset")
	f.BoolVar(&o.reset, "reset", false, "write back the values --tune saved, and remove its state file")
	f.StringVar(&o.state, "state", "", "the state file of --tune and --reset (default $XDG_STATE_HOME/smp/certify-tune.json, else ~/.local/state/smp/certify-tune.json)")
	f.StringVar(&o.root, "root", "/", "read (and --tune) procfs and sysfs under this directory instead of / (for tests)")
	_ = f.MarkHidden("root")
	return c
}

// writeCertify prints r as a table or as JSON.
func writeCertify(w io.Writer, format string, r certify.Result) error {
	if format == "json" {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CHECK\tOBSERVED\tEXPECTED\tSEVERITY\tFIX")
	for _, c := range r.Checks {
		fix := c.Fix
		if fix == "" {
			fix = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Observed, c.Expected, c.Severity, fix)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	verdict := "PASS"
	if !r.Pass {
		verdict = "FAIL"
	}
	_, err := fmt.Fprintf(w, "\nfingerprint %s\n%s\n", r.Fingerprint, verdict)
	return err
}

// calibrationRate is the rate of each calibration run.
const calibrationRate = 1000

// The calibration's default limits (--max-cv, --max-send-lag).
const (
	defaultMaxCV        = 0.25
	defaultMaxSendLagMs = 1.0
)

// certifyWithCalibration is smp run's certification: the checks
// (run.CertifyMachine), then, when runs > 0, a calibration with the
// default limits, whose figures the report records. A calibration that
// cannot run is a warning check, not a failed run.
func certifyWithCalibration(runs int, quiet bool, progress io.Writer) func(context.Context) certify.Result {
	return func(ctx context.Context) certify.Result {
		r := run.CertifyMachine(ctx)
		if runs == 0 {
			return r
		}
		if !quiet {
			fmt.Fprintf(progress, "calibrating: %d runs of 2.5 s at %d req/s against the built-in target\n", runs, calibrationRate)
		}
		cal, err := certify.Calibrate(ctx, runs, calibrationRate, defaultMaxCV, defaultMaxSendLagMs, calibrationRun)
		if err != nil {
			r.Checks = append(r.Checks, certify.Check{ID: "calibration", Observed: "did not complete: " + err.Error(),
				Expected: "a calibration", Severity: certify.Warn})
			return r
		}
		r.AddCalibration(cal)
		return r
	}
}

// calibrationRun is one calibration run: 2 s (0.5 s warmup) at
// calibrationRate from 8 connections against the in-process built-in
// target.
func calibrationRun(ctx context.Context) (certify.Sample, error) {
	t := spec.Default()
	t.Metadata.Name = "calibration"
	t.Load.Rate, t.Load.Connections = calibrationRate, 8
	t.Load.Duration, t.Load.Warmup = spec.Duration(2*time.Second), spec.Duration(500*time.Millisecond)
	rep, err := run.Run(ctx, t, run.Options{})
	if err != nil {
		return certify.Sample{}, err
	}
	s := rep.Scenarios[0].Summary
	return certify.Sample{P50Ms: s.Latency.Percentiles["p50"], P99Ms: s.Latency.Percentiles["p99"], SendLagP99Ms: s.SendLag.Percentiles["p99"]}, nil
}
