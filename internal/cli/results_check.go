package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/report/format/fortio"
	"github.com/smp-dev/smp/report/regress"
	rendering "github.com/smp-dev/smp/report/render"
	"github.com/smp-dev/smp/store"
)

type checkOptions struct {
	reportPath, test string
	threshold        string
	lookback         int
	mad              float64
	metrics          []string
	output           string
}

func newResultsCheckCmd(s Streams, sf *storeFlags) *cobra.Command {
	o := &checkOptions{}
	c := &cobra.Command{
		Use:   "check [ID]",
		Short: "Check a run against the earlier runs of its spec: exit 4 on a regression",
		Long: `Compare a run (ID; by default the newest stored run, of --test if given;
or --report FILE) with the earlier stored runs of the same spec (equal
spec hash) on the same machine (equal fingerprint), the newest --lookback
of them. For each scenario and metric (p50, p99, p99.9 latency, achieved
throughput, and CPU and memory per proxy where measured):

  - a significance test of the per-iteration values: Mann-Whitney U when
    both sides have at least 5 values, else Welch's 95% interval (2 a
    side at least). A regression is significantly worse, in the metric's
    bad direction, by more than --threshold.
  - a change-point pass: the run's best iteration (lowest latency, CPU,
    memory; highest throughput) against the median of the earlier runs'
    best iterations; flagged when more than --mad scaled MADs (median
    absolute deviations) away, in the bad direction, by more than
    --threshold.

Either fails the check. Exit codes: 0 no regression (or no history to
compare with), 2 bad input, 4 a regression. See docs/results.md for how
many iterations a reliable verdict needs.`,
		Example: `  smp run nightly.yaml && smp results check
  smp results check --report out.json --threshold 10% -o junit > regressions.xml`,
		Args: args(cobra.MaximumNArgs(1)),
		RunE: func(c *cobra.Command, a []string) error {
			id := ""
			if len(a) == 1 {
				id = a[0]
			}
			return o.run(c.Context(), s, sf, id)
		},
	}
	f := c.Flags()
	f.StringVar(&o.reportPath, "report", "", "check this report file (an smp report or Fortio result) instead of a stored run")
	f.StringVar(&o.test, "test", "", "check the newest stored run of this test (metadata.name)")
	f.StringVar(&o.threshold, "threshold", "5%", "smallest relative change that counts as a regression, e.g. 5% or 10%")
	f.IntVar(&o.lookback, "lookback", 10, "compare with at most this many earlier runs, the newest")
	f.Float64Var(&o.mad, "mad", 3.5, "change-point cut-off, in scaled MADs from the median of the earlier runs")
	f.StringArrayVar(&o.metrics, "metric", nil, "check only this metric (repeatable): "+strings.Join(regress.MetricNames(), ", "))
	f.StringVarP(&o.output, "output", "o", rendering.FormatTable, "format: table, json or junit")
	return c
}

// checkResult is the JSON of smp results check.
type checkResult struct {
	Run         string            `json:"run"`
	Test        string            `json:"test"`
	SpecHash    string            `json:"specHash"`
	Fingerprint string            `json:"fingerprint"`
	History     []string          `json:"history"`
	Threshold   float64           `json:"thresholdPct"`
	Findings    []regress.Finding `json:"findings"`
	Regressions int               `json:"regressions"`
}

func (o *checkOptions) options() (regress.Options, error) {
	ro := regress.Options{Alpha: 1 - report.ConfidenceLevel, K: o.mad, Metrics: o.metrics}
	if !contains([]string{rendering.FormatTable, rendering.FormatJSON, rendering.FormatJUnit}, o.output) {
		return ro, usageErr("-o %q: expected table, json or junit", o.output)
	}
	pct, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(o.threshold, "%")), 64)
	if err != nil || pct < 0 || math.IsInf(pct, 0) {
		return ro, usageErr("--threshold %q: expected a percentage of 0 or more, such as 5%%", o.threshold)
	}
	ro.Threshold = pct / 100
	if o.lookback < 1 {
		return ro, usageErr("--lookback %d: expected 1 or more", o.lookback)
	}
	if o.mad <= 0 || math.IsNaN(o.mad) || math.IsInf(o.mad, 0) {
		return ro, usageErr("--mad %v: expected a number above 0, such as 3.5", o.mad)
	}
	for _, m := range o.metrics {
		if !contains(regress.MetricNames(), m) {
			return ro, usageErr("--metric %q: expected one of %s", m, strings.Join(regress.MetricNames(), ", "))
		}
	}
	return ro, nil
}

func (o *checkOptions) run(ctx context.Context, s Streams, sf *storeFlags, id string) error {
	ropts, err := o.options()
	if err != nil {
		return err
	}
	if o.reportPath != "" && (id != "" || o.test != "") {
		return usageErr("--report %q: expected either a report file, or a stored run (ID, --test), not both", o.reportPath)
	}
	return withStore(ctx, sf, func(st store.Store) error {
		cur, curID, err := o.current(ctx, st, id)
		if err != nil {
			return err
		}
		if cur.Test == nil {
			return usageErr("run %s: the report has no test (spec): expected one to find the runs of the same spec", curID)
		}
		specHash, err := store.SpecHash(cur.Test)
		if err != nil {
			return err
		}
		res := checkResult{Run: curID, Test: cur.Test.Metadata.Name, SpecHash: specHash,
			Fingerprint: store.Fingerprint(cur.Environment), Threshold: ropts.Threshold * 100, History: []string{}}
		runs, err := st.List(ctx, store.Filter{SpecHash: specHash, Fingerprint: res.Fingerprint})
		if err != nil {
			return err
		}
		var history []*report.Report
		for _, r := range runs { // newest first
			if r.ID == curID || r.StartTime.After(cur.StartTime) || len(history) == o.lookback {
				continue
			}
			rep, err := st.Get(ctx, r.ID)
			if err != nil {
				return err
			}
			history = append(history, rep)
			res.History = append(res.History, r.ID)
		}
		if len(history) == 0 {
			fmt.Fprintf(s.Err, "run %s: no earlier runs with this spec and environment: nothing to compare; 1 needed (%d for the change-point pass)\n",
				curID, regress.MinLookback)
			return nil
		}
		if res.Findings, err = regress.Check(cur, history, ropts); err != nil {
			return usageErr("%w", err)
		}
		var failed []string
		for _, f := range res.Findings {
			if f.Failed() {
				res.Regressions++
				failed = append(failed, f.Scenario+" "+f.Metric)
			}
		}
		if err := o.write(s, cur, res); err != nil {
			return err
		}
		if len(failed) > 0 {
			return &ExitError{Code: ExitRegression, Err: fmt.Errorf("run %s: %d regressions against %d earlier runs: %s",
				curID, len(failed), len(history), strings.Join(failed, ", "))}
		}
		return nil
	})
}

// current is the run to check and its ID: --report's file, the run ID
// names, or the newest stored run (of --test).
func (o *checkOptions) current(ctx context.Context, st store.Store, id string) (*report.Report, string, error) {
	switch {
	case o.reportPath != "":
		rep, err := readResults(o.reportPath, fortio.ImportOptions{})
		if err != nil {
			return nil, "", err
		}
		rid, err := store.RunID(rep)
		return rep, rid, err
	case id != "":
		return getRun(ctx, st, id)
	}
	runs, err := st.List(ctx, store.Filter{Test: o.test, Limit: 1})
	if err != nil {
		return nil, "", err
	}
	if len(runs) == 0 {
		if o.test != "" {
			return nil, "", usageErr("--test %q: no stored runs of this test: expected the name of a test smp results list shows", o.test)
		}
		return nil, "", usageErr("the results store has no runs: expected smp run or smp load to have stored one (or --report FILE)")
	}
	rep, err := st.Get(ctx, runs[0].ID)
	return rep, runs[0].ID, err
}

func (o *checkOptions) write(s Streams, cur *report.Report, res checkResult) error {
	switch o.output {
	case rendering.FormatJSON:
		enc := json.NewEncoder(s.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	case rendering.FormatJUnit:
		return rendering.JUnit(s.Out, junitReport(cur, res))
	}
	fmt.Fprintf(s.Out, "run %s (%s, %s) against %d earlier runs of the same spec on this machine; threshold %g%%\n\n",
		res.Run, res.Test, cur.StartTime.UTC().Format(time.RFC3339), len(res.History), res.Threshold)
	tw := tabwriter.NewWriter(s.Out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tMETRIC\tEARLIER\tNOW\tCHANGE\tTEST\tSHIFT\tVERDICT")
	for _, f := range res.Findings {
		verdict := f.Verdict
		if f.Failed() {
			verdict = strings.ToUpper(verdict)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Scenario, f.Metric, num(f.Baseline, f.Unit), num(f.Value, f.Unit),
			changeText(f), testText(f), shiftText(f), verdict)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(s.Out, "\n%d of %d metrics regressed\n", res.Regressions, len(res.Findings))
	return nil
}

// junitReport carries the findings as SLO results, one test case each, for
// the JUnit renderer.
func junitReport(cur *report.Report, res checkResult) *report.Report {
	out := &report.Report{Test: cur.Test, StartTime: cur.StartTime}
	for _, sc := range cur.Scenarios {
		out.Scenarios = append(out.Scenarios, report.Scenario{Name: sc.Name})
	}
	for _, f := range res.Findings {
		r := report.SLOResult{Assertion: f.Metric + " no regression", Scenario: f.Scenario, Unit: "%",
			Threshold: res.Threshold, Pass: !f.Failed(), Note: describe(f)}
		if f.ChangePct != nil {
			r.Value = *f.ChangePct
		}
		out.SLO = append(out.SLO, r)
	}
	return out
}

// describe is one line on a finding: verdict and evidence.
func describe(f regress.Finding) string {
	return fmt.Sprintf("%s: %s now, %s before (%s); test %s; shift %s", f.Verdict, num(f.Value, f.Unit), num(f.Baseline, f.Unit),
		changeText(f), testText(f), shiftText(f))
}

func num(v float64, unit string) string {
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + unit
}

func changeText(f regress.Finding) string {
	if f.ChangePct == nil {
		return "-"
	}
	return fmt.Sprintf("%+.1f%%", *f.ChangePct)
}

func testText(f regress.Finding) string {
	switch f.Method {
	case regress.MethodMannWhitney:
		return fmt.Sprintf("U p=%.3g (%d vs %d)", *f.P, f.CurrentValues, f.HistoryValues)
	case regress.MethodWelch:
		return fmt.Sprintf("Welch [%.3g, %.3g] (%d vs %d)", *f.CILow, *f.CIHigh, f.CurrentValues, f.HistoryValues)
	}
	return fmt.Sprintf("none (%d vs %d values)", f.CurrentValues, f.HistoryValues)
}

func shiftText(f regress.Finding) string {
	if f.Shift == nil {
		return fmt.Sprintf("none (%d runs)", f.HistoryRuns)
	}
	return fmt.Sprintf("z=%+.1f (%d runs)", f.Shift.Score, f.Shift.N)
}
