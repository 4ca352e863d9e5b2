package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/capacity"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/run"
	"github.com/smp-dev/smp/spec"
)

type capacityOptions struct {
	slo         []string
	connections int
	start       float64
	maxRate     float64
	trial       string
	warmup      string
	deadline    string
	timeout     string
	maxErrors   float64
	bracket     float64
	maxTrials   int
	repeats     int
	output      string
}

func newCapacityCmd(s Streams) *cobra.Command {
	o := &capacityOptions{}
	c := &cobra.Command{
		Use:   "capacity URL",
		Short: "Find the highest rate URL sustains under an SLO",
		Long: `Find the highest request rate URL sustains while every --slo assertion
holds and at most --max-errors of requests fail.

Each trial is open-loop load at one rate for --warmup then --trial (the
window judged). The rate doubles from --start until a trial fails (or
--max-rate passes), then bisects between the last pass and the first fail
until the two are within --bracket of each other. Near the boundary a pass
must hold --repeats times. The search also stops at --max-trials or
--deadline (no trial starts after it).

A trial that passed while the generator sent less than 97% of the rate,
or with a send-lag p99 over 10ms, is client-limited: the search stops there
and says so (limited by client), since the target was not the bottleneck.

The table lists every trial and the answer; -o json prints the result
(rate, bracket, converged, limitedBy, reason, trials). Exit codes: 0 a
rate passed, 1 no rate passed (or a trial could not run), 2 bad input,
130 interrupted (what was found is still printed).`,
		Example: `  smp capacity http://127.0.0.1:8080/ --slo 'p99 < 20ms'
  smp capacity http://127.0.0.1:8080/ --slo 'p99 < 20ms' --slo 'p50 < 5ms' --start 500 --max-rate 20000 -c 32
  smp capacity http://127.0.0.1:8080/ --slo 'p99.9 < 100ms' --trial 10s --deadline 10m -o json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(c *cobra.Command, a []string) error { return o.run(c, s, a[0]) },
	}
	f := c.Flags()
	f.StringArrayVar(&o.slo, "slo", nil, "SLO assertion every passing trial meets, e.g. 'p99 < 20ms' (repeatable)")
	f.IntVarP(&o.connections, "connections", "c", 16, "connections (one worker each)")
	f.Float64Var(&o.start, "start", 100, "first rate, req/s")
	f.Float64Var(&o.maxRate, "max-rate", 0, "highest rate tried, req/s (0 = no bound but --max-trials)")
	f.StringVar(&o.trial, "trial", "5s", "measured window of each trial, after its warmup")
	f.StringVar(&o.warmup, "warmup", "1s", "start of each trial excluded from its verdict")
	f.StringVar(&o.deadline, "deadline", "5m", "no trial starts after this (0 = none)")
	f.StringVar(&o.timeout, "timeout", "5s", "per-request timeout")
	f.Float64Var(&o.maxErrors, "max-errors", 0.001, "highest fraction of failed requests a passing trial may have")
	f.Float64Var(&o.bracket, "bracket", capacity.DefaultBracket, "stop when (fail-pass)/pass is below this")
	f.IntVar(&o.maxTrials, "max-trials", capacity.DefaultMaxTrials, "most trials")
	f.IntVar(&o.repeats, "repeats", capacity.DefaultRepeats, "times a pass must hold near the boundary")
	f.StringVarP(&o.output, "output", "o", "table", "output: table or json")
	return c
}

// config checks the flags and builds the search and its trials.
func (o *capacityOptions) config(rawURL string) (capacity.Config, *capacity.Runner, error) {
	var cfg capacity.Config
	switch {
	case o.output != "table" && o.output != "json":
		return cfg, nil, usageErr("-o %q: expected table or json", o.output)
	case !(o.start > 0):
		return cfg, nil, usageErr("--start %v: expected a rate > 0", o.start)
	case o.maxRate < 0 || (o.maxRate > 0 && o.maxRate < o.start):
		return cfg, nil, usageErr("--max-rate %v: expected 0 (no bound) or at least --start (%v)", o.maxRate, o.start)
	case !(o.maxErrors >= 0 && o.maxErrors <= 1):
		return cfg, nil, usageErr("--max-errors %v: expected a fraction between 0 and 1", o.maxErrors)
	case !(o.bracket > 0 && o.bracket < 1):
		return cfg, nil, usageErr("--bracket %v: expected a fraction > 0 and < 1", o.bracket)
	case o.maxTrials < 1:
		return cfg, nil, usageErr("--max-trials %d: expected >= 1", o.maxTrials)
	case o.repeats < 1:
		return cfg, nil, usageErr("--repeats %d: expected >= 1", o.repeats)
	}
	durs := map[string]time.Duration{}
	for _, d := range []struct{ flag, v string }{{"--trial", o.trial}, {"--warmup", o.warmup}, {"--deadline", o.deadline}, {"--timeout", o.timeout}} {
		v, err := parseDurationFlag(d.flag, d.v)
		if err != nil {
			return cfg, nil, err
		}
		durs[d.flag] = v
	}
	if durs["--trial"] <= 0 {
		return cfg, nil, usageErr("--trial %q: expected a duration > 0", o.trial)
	}
	as, err := parseSLOFlags(o.slo)
	if err != nil {
		return cfg, nil, err
	}
	t := spec.Default()
	t.Metadata.Name = "capacity"
	t.Workload = spec.Workload{URL: rawURL}
	t.Load.Rate, t.Load.Connections = o.start, o.connections
	t.Load.Duration = spec.Duration(durs["--warmup"] + durs["--trial"])
	t.Load.Warmup = spec.Duration(durs["--warmup"])
	t.Load.Timeout = spec.Duration(durs["--timeout"])
	if err := t.Validate(); err != nil {
		return cfg, nil, flagProblems(err)
	}
	cfg = capacity.Config{
		Start: o.start, Max: o.maxRate, Bracket: o.bracket, MaxTrials: o.maxTrials,
		Deadline: durs["--deadline"], Repeats: o.repeats,
	}
	r := &capacity.Runner{
		Test: t, URL: rawURL, Warmup: durs["--warmup"], Window: durs["--trial"],
		SLO: as, MaxErrorRate: o.maxErrors, Load: engineLoad,
	}
	return cfg, r, nil
}

func (o *capacityOptions) run(c *cobra.Command, s Streams, rawURL string) error {
	cfg, r, err := o.config(rawURL)
	if err != nil {
		return err
	}
	n := 0
	trial := func(ctx context.Context, rate float64) (capacity.Trial, error) {
		n++
		t, err := r.Trial(ctx, rate)
		if err == nil {
			fmt.Fprintf(s.Err, "trial %d: %s\n", n, trialLine(t))
		}
		return t, err
	}
	res, searchErr := capacity.Search(c.Context(), cfg, trial)
	if o.output == "json" {
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return fmt.Errorf("print result: %w", err)
		}
	} else if err := writeCapacityTable(s.Out, res); err != nil {
		return fmt.Errorf("print result: %w", err)
	}
	switch {
	case c.Context().Err() != nil:
		return &ExitError{Code: ExitInterrupted, Err: fmt.Errorf("capacity search interrupted: %w", c.Context().Err())}
	case searchErr != nil:
		return &ExitError{Code: ExitFailed, Err: searchErr}
	case res.Rate == 0:
		return &ExitError{Code: ExitFailed, Err: errors.New("no rate passed: " + res.Reason)}
	}
	return nil
}

// trialLine is one trial in a line.
func trialLine(t capacity.Trial) string {
	verdict := "pass"
	switch {
	case !t.Valid:
		verdict = "invalid"
	case !t.Pass:
		verdict = "fail"
	}
	line := fmt.Sprintf("%.6g req/s: %s (achieved %.1f, p50 %.3g ms, p99 %.3g ms, p99.9 %.3g ms, %d errors of %d)",
		t.Rate, verdict, t.Achieved, t.P50Ms, t.P99Ms, t.P999Ms, t.Errors, t.Requests)
	if len(t.Reasons) > 0 {
		line += ": " + strings.Join(t.Reasons, "; ")
	}
	return line
}

// writeCapacityTable writes a line per trial and the answer.
func writeCapacityTable(w io.Writer, r capacity.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "trial\trate req/s\tachieved\tp50 ms\tp99 ms\tp99.9 ms\terrors\tsend lag p99 ms\tverdict")
	for i, t := range r.Trials {
		verdict := "pass"
		switch {
		case !t.Valid:
			verdict = "invalid: " + strings.Join(t.Reasons, "; ")
		case !t.Pass:
			verdict = "fail: " + strings.Join(t.Reasons, "; ")
		}
		fmt.Fprintf(tw, "%d\t%.6g\t%.1f\t%.3g\t%.3g\t%.3g\t%d/%d\t%.3g\t%s\n",
			i+1, t.Rate, t.Achieved, t.P50Ms, t.P99Ms, t.P999Ms, t.Errors, t.Requests, t.SendLagP99Ms, verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	conv := "not converged"
	if r.Converged {
		conv = "converged"
	}
	high := "none failed"
	if r.Bracket[1] > 0 {
		high = fmt.Sprintf("%.6g", r.Bracket[1])
	}
	_, err := fmt.Fprintf(w, "capacity: %.6g req/s (bracket %.6g to %s, %s, limited by %s)\n%s\n",
		r.Rate, r.Bracket[0], high, conv, r.LimitedBy, r.Reason)
	return err
}

// engineLoad runs t's load at url with smp's own engine.
func engineLoad(ctx context.Context, t *spec.Test, url string) (*load.Result, error) {
	plan, err := run.Plan(t, url)
	if err != nil {
		return nil, err
	}
	return load.Run(ctx, plan)
}
