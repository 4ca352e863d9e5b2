package regress

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/smp-dev/smp/report"
)

// Metric is one figure checked for regressions.
type Metric struct {
	Name string // as in a report's comparisons: "p99", "achievedRate", …
	Unit string
	// LowerIsWorse is true for throughput; latency, CPU and memory are
	// worse when higher.
	LowerIsWorse bool
	get          func(*report.Iteration) (float64, bool)
}

// Metrics are the metrics Check judges, in output order.
func Metrics() []Metric {
	lat := func(key string) Metric {
		return Metric{Name: key, Unit: "ms", get: func(it *report.Iteration) (float64, bool) {
			v, ok := it.Latency.Percentiles[key]
			return v, ok
		}}
	}
	proxy := func(name, unit string, f func(*report.RoleUsage) float64) Metric {
		return Metric{Name: name, Unit: unit, get: func(it *report.Iteration) (float64, bool) {
			if it.Resources == nil || it.Resources.Proxy == nil {
				return 0, false
			}
			return f(it.Resources.Proxy), true
		}}
	}
	return []Metric{
		lat("p50"), lat("p99"), lat("p99.9"),
		{Name: "achievedRate", Unit: "req/s", LowerIsWorse: true, get: func(it *report.Iteration) (float64, bool) {
			return it.AchievedRate, it.Requests > 0
		}},
		proxy("proxy.cpuMcores", "mCores", func(u *report.RoleUsage) float64 { return u.CPUMcores }),
		proxy("proxy.memMB", "MB", func(u *report.RoleUsage) float64 { return u.MemMB }),
	}
}

// MetricNames lists the names of Metrics, for help texts and errors.
func MetricNames() []string {
	var out []string
	for _, m := range Metrics() {
		out = append(out, m.Name)
	}
	return out
}

// Options tune Check.
type Options struct {
	// Threshold is the smallest relative change that counts, as a
	// fraction (0.05 = 5%).
	Threshold float64
	// Alpha is the significance level of the tests (0.05: Welch's
	// interval is then the 95% one).
	Alpha float64
	// K is the change-point cut-off in scaled MADs (3.5).
	K float64
	// Metrics restricts the check to these metric names; empty = all.
	Metrics []string
}

// Methods of a Finding's test.
const (
	MethodMannWhitney = "mann-whitney"
	MethodWelch       = "welch"
)

// Verdicts of a Finding.
const (
	VerdictOK           = "ok"
	VerdictRegression   = "regression"
	VerdictChangePoint  = "change point"
	VerdictInsufficient = "insufficient data"
)

// Finding is the verdict on one metric of one scenario.
type Finding struct {
	Scenario string `json:"scenario"`
	Metric   string `json:"metric"`
	Unit     string `json:"unit"`
	// HistoryRuns and HistoryValues count the earlier runs and their
	// iterations that had the metric; CurrentValues the run's iterations.
	HistoryRuns   int `json:"historyRuns"`
	HistoryValues int `json:"historyValues"`
	CurrentValues int `json:"currentValues"`
	// Method is the significance test used ("" when neither side had
	// enough values). Baseline and Value are the centres it compares:
	// medians for Mann-Whitney, means for Welch (and for none).
	Method   string  `json:"method,omitempty"`
	Baseline float64 `json:"baseline"`
	Value    float64 `json:"value"`
	// ChangePct is Value relative to Baseline, in %; absent when Baseline
	// is 0.
	ChangePct *float64 `json:"changePct,omitempty"`
	// P is Mann-Whitney's two-sided p-value; CILow and CIHigh bound
	// Welch's interval of mean(run) - mean(history).
	P           *float64 `json:"p,omitempty"`
	CILow       *float64 `json:"ciLow,omitempty"`
	CIHigh      *float64 `json:"ciHigh,omitempty"`
	Significant bool     `json:"significant"`
	// Shift is the change-point pass: the run's best iteration against
	// the best iterations of the earlier runs (see Check); nil with fewer
	// than MinLookback of them.
	Shift   *Shift `json:"shift,omitempty"`
	Verdict string `json:"verdict"`
}

// Failed reports whether a finding fails the check.
func (f Finding) Failed() bool {
	return f.Verdict == VerdictRegression || f.Verdict == VerdictChangePoint
}

// Check judges every scenario and metric of cur against history (earlier
// runs of the same spec on the same machine, newest first; Check does not
// check that, the caller picks them). A scenario is matched by name.
//
// A metric regressed when its test says the run is significantly worse
// (in the metric's bad direction) and the relative change exceeds
// o.Threshold. The test is Mann-Whitney U on the per-iteration values
// when both sides have at least MinRankSample of them, else Welch's
// interval (report.WelchInterval) when both have 2. Independently, the
// change-point pass (Lookback) flags the run when its best iteration lies
// more than o.K scaled MADs from the median of the earlier runs' best
// iterations, in the bad direction and by more than o.Threshold. Best is
// the lowest latency, CPU or memory and the highest throughput: a
// regression moves every iteration, a burst of noise on the machine
// mostly one, which the best iteration leaves out.
func Check(cur *report.Report, history []*report.Report, o Options) ([]Finding, error) {
	metrics := Metrics()
	if len(o.Metrics) > 0 {
		metrics = slices.DeleteFunc(metrics, func(m Metric) bool { return !slices.Contains(o.Metrics, m.Name) })
		if len(metrics) != len(o.Metrics) {
			return nil, fmt.Errorf("metrics %q: expected names among %s", o.Metrics, strings.Join(MetricNames(), ", "))
		}
	}
	var out []Finding
	for si := range cur.Scenarios {
		sc := &cur.Scenarios[si]
		for _, m := range metrics {
			curVals := values(sc, m)
			if len(curVals) == 0 {
				continue // not measured in this run (proxies of a baseline)
			}
			var pooled, runBests []float64
			for i := len(history) - 1; i >= 0; i-- { // oldest first
				hs := scenario(history[i], sc.Name)
				if hs == nil {
					continue
				}
				if vs := values(hs, m); len(vs) > 0 {
					pooled = append(pooled, vs...)
					runBests = append(runBests, best(m, vs))
				}
			}
			f := judge(m, curVals, pooled, runBests, o)
			f.Scenario = sc.Name
			out = append(out, f)
		}
	}
	return out, nil
}

// judge is Check on one metric's values.
func judge(m Metric, cur, pooled, runBests []float64, o Options) Finding {
	f := Finding{Metric: m.Name, Unit: m.Unit, HistoryRuns: len(runBests), HistoryValues: len(pooled), CurrentValues: len(cur),
		Baseline: Mean(pooled), Value: Mean(cur)}
	// worse reports whether a change from base to v is in the bad
	// direction by more than the threshold.
	worse := func(base, v float64) bool {
		if base == 0 {
			return false
		}
		rel := (v - base) / math.Abs(base)
		if m.LowerIsWorse {
			rel = -rel
		}
		return rel > o.Threshold
	}
	regressed := false
	switch {
	case len(cur) >= MinRankSample && len(pooled) >= MinRankSample:
		f.Method = MethodMannWhitney
		f.Baseline, f.Value = Median(pooled), Median(cur)
		_, p := MannWhitney(cur, pooled)
		f.P = &p
		f.Significant = p < o.Alpha
		regressed = f.Significant && worse(f.Baseline, f.Value)
	case len(cur) >= 2 && len(pooled) >= 2:
		lo, hi, _, _ := report.WelchInterval(pooled, cur, 1-o.Alpha)
		f.Method = MethodWelch
		f.CILow, f.CIHigh = &lo, &hi
		f.Significant = lo > 0 || hi < 0
		bad := lo > 0
		if m.LowerIsWorse {
			bad = hi < 0
		}
		regressed = bad && worse(f.Baseline, f.Value)
	}
	if f.Baseline != 0 {
		pct := 100 * (f.Value - f.Baseline) / math.Abs(f.Baseline)
		f.ChangePct = &pct
	}
	shifted := false
	if s, ok := Lookback(runBests, best(m, cur), 0, o.K); ok {
		f.Shift = &s
		bad := s.Score > 0
		if m.LowerIsWorse {
			bad = s.Score < 0
		}
		shifted = s.Flag && bad && worse(s.Median, best(m, cur))
	}
	switch {
	case regressed:
		f.Verdict = VerdictRegression
	case shifted:
		f.Verdict = VerdictChangePoint
	case f.Method == "" && f.Shift == nil:
		f.Verdict = VerdictInsufficient
	default:
		f.Verdict = VerdictOK
	}
	return f
}

// best is the least bad of vs for m: the smallest, or for a metric
// worse when lower, the largest.
func best(m Metric, vs []float64) float64 {
	if m.LowerIsWorse {
		return slices.Max(vs)
	}
	return slices.Min(vs)
}

func values(s *report.Scenario, m Metric) []float64 {
	var out []float64
	for i := range s.Iterations {
		if v, ok := m.get(&s.Iterations[i]); ok {
			out = append(out, v)
		}
	}
	return out
}

func scenario(r *report.Report, name string) *report.Scenario {
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i]
		}
	}
	return nil
}
