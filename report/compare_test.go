package report

import (
	"math"
	"strings"
	"testing"

	"github.com/smp-dev/smp/hist"
)

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestStudentTQuantile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p, df, want float64
	}{
		{0.975, 1, 12.706},   // the Cauchy case, where tables start
		{0.975, 2, 4.303},    // two iterations a side, equal variances
		{0.975, 4, 2.776},    // the value the brief names
		{0.975, 10, 2.228},   // a long run
		{0.975, 30, 2.042},   // end of most printed tables
		{0.975, 1e6, 1.960},  // tends to the normal quantile
		{0.95, 10, 1.812},    // a one-sided 95% quantile
		{0.995, 2, 9.925},    // far tail, small df
		{0.025, 4, -2.776},   // lower tail by symmetry
		{0.5, 3, 0},          // the median
		{0.975, 3.5, 2.9401}, // a fractional Welch df, between 3.182 (df 3) and 2.776 (df 4); by numeric integration of the density
	}
	for _, tc := range tests {
		if got := StudentTQuantile(tc.p, tc.df); !near(got, tc.want, 5e-4) {
			t.Errorf("t(%v, %v) = %v, want %v", tc.p, tc.df, got, tc.want)
		}
	}
	// The CDF and the quantile invert each other.
	for _, df := range []float64{1, 2.5, 7, 40} {
		for _, p := range []float64{0.6, 0.9, 0.975, 0.999} {
			if got := StudentTCDF(StudentTQuantile(p, df), df); !near(got, p, 1e-9) {
				t.Errorf("CDF(quantile(%v, df %v)) = %v", p, df, got)
			}
		}
	}
}

func TestWelchInterval(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		a, b       []float64
		lo, hi, df float64
		ok         bool
	}{
		// Equal variances (1) and sizes (3): df = 4, se = √(2/3), t = 2.776.
		{"equal spread", []float64{1, 2, 3}, []float64{4, 5, 6}, 3 - 2.7764*0.81650, 3 + 2.7764*0.81650, 4, true},
		// Var 20/3 over 4 and 0.5 over 2: se² = 1.91667, df = 3.7167.
		{"unequal spread", []float64{10, 12, 14, 16}, []float64{20, 21}, 7.5 - StudentTQuantile(0.975, 3.71675)*1.38444, 7.5 + StudentTQuantile(0.975, 3.71675)*1.38444, 3.71675, true},
		// No spread on either side: the interval is the difference itself.
		{"no spread", []float64{2, 2}, []float64{3, 3, 3}, 1, 1, 3, true},
		// A single baseline iteration: no interval.
		{"one iteration", []float64{1}, []float64{4, 5, 6}, 0, 0, 0, false},
		// Nothing at all.
		{"empty", nil, nil, 0, 0, 0, false},
	}
	for _, tc := range tests {
		lo, hi, df, ok := WelchInterval(tc.a, tc.b, 0.95)
		if ok != tc.ok || !near(lo, tc.lo, 1e-3) || !near(hi, tc.hi, 1e-3) || !near(df, tc.df, 1e-3) {
			t.Errorf("%s: [%v, %v] df %v ok %v; want [%v, %v] df %v ok %v", tc.name, lo, hi, df, ok, tc.lo, tc.hi, tc.df, tc.ok)
		}
	}
}

func delta(t *testing.T, c Comparison, metric string) Delta {
	t.Helper()
	for _, d := range c.Deltas {
		if d.Metric == metric {
			return d
		}
	}
	t.Fatalf("comparison %s has no %s delta", c.Scenario, metric)
	return Delta{}
}

func TestCompareFixture(t *testing.T) {
	t.Parallel()
	r, _ := buildFixture(t)
	cs := r.Comparisons
	if len(cs) != 2 || cs[0].Scenario != "istio" || cs[1].Scenario != "linkerd" || cs[0].Baseline != "baseline" {
		t.Fatalf("comparisons %+v", cs)
	}
	istio := cs[0]
	base, sc := r.Scenarios[0], r.Scenarios[1]
	// The point estimate is the pooled p99 difference...
	p99 := delta(t, istio, "p99")
	want := sc.Summary.Latency.Percentiles["p99"] - base.Summary.Latency.Percentiles["p99"]
	if !near(p99.Delta, want, 1e-9) || !near(istio.LatencyDeltaMs["p99"], want, 1e-9) {
		t.Errorf("p99 delta %v (map %v), want the pooled difference %v", p99.Delta, istio.LatencyDeltaMs["p99"], want)
	}
	if !near(*p99.DeltaPct, 100*want/base.Summary.Latency.Percentiles["p99"], 1e-6) {
		t.Errorf("p99 delta %% %v", *p99.DeltaPct)
	}
	// ...and the interval holds the difference of per-iteration means.
	var mb, ms float64
	for i := range 3 {
		mb += base.Iterations[i].Latency.Percentiles["p99"] / 3
		ms += sc.Iterations[i].Latency.Percentiles["p99"] / 3
	}
	if p99.CILow == nil || !(*p99.CILow < ms-mb && ms-mb < *p99.CIHigh) {
		t.Errorf("p99 interval [%v, %v] misses the difference of means %v", p99.CILow, p99.CIHigh, ms-mb)
	}
	// Iterations scale all latencies by the same factors on both sides, so
	// the 300 µs p99 shift is far outside the noise: significant.
	if p99.Verdict != VerdictSignificant || p99.DF <= 0 {
		t.Errorf("p99 verdict %q df %v", p99.Verdict, p99.DF)
	}
	// Throughput: -0.9% with a tight spread.
	tp := delta(t, istio, "achievedRate")
	if !near(istio.ThroughputDeltaPct, 100*(992.333-1000)/1000, 0.01) || tp.Unit != "req/s" {
		t.Errorf("throughput %v %% %+v", istio.ThroughputDeltaPct, tp)
	}
	// Identical baseline iterations have no spread; istio's vary a little.
	if tp.Verdict != VerdictSignificant {
		t.Errorf("throughput verdict %q", tp.Verdict)
	}
	// The proxy costs 215 mCores and 59 MB per proxy against none.
	cpu, mem := delta(t, istio, "proxy.cpuMcores"), delta(t, istio, "proxy.memMB")
	if istio.CPUMcoresPerProxy != 215 || istio.MemMBPerProxy != 59 || cpu.Delta != 215 || cpu.Baseline != 0 || mem.Delta != 59 {
		t.Errorf("proxy: cpu %v mem %v deltas %+v %+v", istio.CPUMcoresPerProxy, istio.MemMBPerProxy, cpu, mem)
	}
	// Against a zero-spread zero baseline the interval is a one-sample t
	// interval with n-1 = 2 degrees of freedom: 215 ± 4.303·5/√3.
	if !near(cpu.DF, 2, 1e-9) || !near(*cpu.CILow, 215-4.3027*5/math.Sqrt(3), 1e-3) {
		t.Errorf("cpu interval [%v, %v] df %v", *cpu.CILow, *cpu.CIHigh, cpu.DF)
	}
	// linkerd has errors; the baseline none.
	if er := delta(t, cs[1], "errorRate"); !near(cs[1].ErrorRateDelta, 2.0/9997.0, 1e-7) || er.DeltaPct != nil || er.Unit != "ratio" {
		t.Errorf("error rate delta %v %+v", cs[1].ErrorRateDelta, er)
	}
	if len(istio.Deltas) != 8 || istio.Confidence != 0.95 || istio.BaselineIterations != 3 || istio.MeshMark == nil {
		t.Errorf("deltas %d confidence %v iterations %d meshmark %v", len(istio.Deltas), istio.Confidence, istio.BaselineIterations, istio.MeshMark)
	}
}

func TestCompareInsufficientIterations(t *testing.T) {
	t.Parallel()
	r, _ := buildFixture(t)
	r.Scenarios[1].Iterations = r.Scenarios[1].Iterations[:1]
	cs, err := Compare(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range cs[0].Deltas {
		if d.Verdict != VerdictInsufficient || d.CILow != nil {
			t.Errorf("%s: verdict %q interval %v with one iteration", d.Metric, d.Verdict, d.CILow)
		}
	}
	// The point estimate still comes from the (unchanged) summary.
	if cs[0].LatencyDeltaMs["p50"] == 0 {
		t.Error("p50 delta lost with one iteration")
	}
}

func TestComparePooledNotMeanOfPercentiles(t *testing.T) {
	t.Parallel()
	// Two iterations per side with very different tails: the pooled p99
	// differs from the mean of the two p99s, and the delta must be pooled.
	r, _ := buildFixture(t)
	s := &r.Scenarios[1]
	delete(s.Summary.Latency.Percentiles, "p99.9") // forces a read of the merged histogram
	h, err := hist.Decode(s.Summary.Latency.HDR)
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := Compare(r)
	want := ms(h.Quantile(99.9)) - r.Scenarios[0].Summary.Latency.Percentiles["p99.9"]
	if got := cs[0].LatencyDeltaMs["p99.9"]; !near(got, want, 1e-9) {
		t.Errorf("p99.9 delta from the histogram %v, want %v", got, want)
	}
	// A broken histogram is an error naming the scenario.
	s.Summary.Latency.HDR = "bad"
	if _, err := Compare(r); err == nil || !strings.Contains(err.Error(), `"istio"`) {
		t.Errorf("broken histogram: %v", err)
	}
}

func TestCompareReports(t *testing.T) {
	t.Parallel()
	r, _ := buildFixture(t)
	only := func(i int) *Report { c := *r; c.Scenarios = r.Scenarios[i : i+1]; return &c }
	tests := []struct {
		name               string
		base, other        *Report
		baseline, scenario string
		wantPairs          string // "scenario<baseline" joined by spaces
		wantErr            string
	}{
		// Same scenario names pair up: a run against an earlier run.
		{"names match", r, r, "", "", "baseline<baseline istio<istio linkerd<linkerd", ""},
		// One scenario each, different names.
		{"one each", only(0), only(1), "", "", "istio<baseline", ""},
		// Explicit names pick the pair.
		{"explicit", r, r, "linkerd", "istio", "istio<linkerd", ""},
		// Explicit name that does not exist.
		{"unknown name", r, r, "consul", "istio", "", `baseline "consul": no such scenario`},
		// Several scenarios, no name named.
		{"ambiguous", r, only(1), "", "", "istio<istio", ""},
		// Nothing in common and several scenarios.
		{"no pairs", only(1), func() *Report { c := *r; c.Scenarios = []Scenario{r.Scenarios[0], r.Scenarios[2]}; return &c }(), "", "", "", "no scenario names in common"},
	}
	for _, tc := range tests {
		cs, err := CompareReports(tc.base, tc.other, tc.baseline, tc.scenario)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		var pairs []string
		for _, c := range cs {
			pairs = append(pairs, c.Scenario+"<"+c.Baseline)
		}
		if got := strings.Join(pairs, " "); got != tc.wantPairs {
			t.Errorf("%s: pairs %q, want %q", tc.name, got, tc.wantPairs)
		}
	}
	// A scenario against itself has zero deltas, all not significant.
	cs, _ := CompareReports(r, r, "istio", "istio")
	for _, d := range cs[0].Deltas {
		if d.Delta != 0 || d.Verdict != VerdictNot {
			t.Errorf("self-comparison %s: delta %v verdict %q", d.Metric, d.Delta, d.Verdict)
		}
	}
	if cs[0].MeshMark != nil {
		t.Error("MeshMark of a mesh against itself: only against a no-mesh baseline")
	}
}

func TestCompareNoBaseline(t *testing.T) {
	t.Parallel()
	r, _ := buildFixture(t)
	r.Scenarios = r.Scenarios[1:]
	if cs, err := Compare(r); cs != nil || err != nil {
		t.Errorf("no baseline: %v %v", cs, err)
	}
}

// Reports from machines with different fingerprints warn; the same one,
// or a report without one (older, or imported), does not.
func TestFingerprintWarning(t *testing.T) {
	t.Parallel()
	a := &Report{Environment: Environment{Fingerprint: "0123456789abcdef"}}
	b := &Report{Environment: Environment{Fingerprint: "fedcba9876543210"}}
	none := &Report{}
	if w := FingerprintWarning(a, b); !strings.Contains(w, "0123456789abcdef vs fedcba9876543210") {
		t.Errorf("different fingerprints: warning %q", w)
	}
	for _, c := range [][2]*Report{{a, a}, {a, none}, {none, b}} {
		if w := FingerprintWarning(c[0], c[1]); w != "" {
			t.Errorf("%q vs %q: warning %q, want none", c[0].Environment.Fingerprint, c[1].Environment.Fingerprint, w)
		}
	}
}

// Two capacity searches compare by their answers; the brackets bound the
// difference, significant when the bound excludes 0.
func TestCapacityDelta(t *testing.T) {
	t.Parallel()
	base := &Capacity{Rate: 1000, Bracket: [2]float64{1000, 1020}}
	for _, c := range []struct {
		name    string
		other   *Capacity
		lo, hi  float64
		verdict string
	}{
		{"lower, brackets apart", &Capacity{Rate: 800, Bracket: [2]float64{800, 816}}, -220, -184, VerdictSignificant},
		{"brackets overlap", &Capacity{Rate: 1010, Bracket: [2]float64{1010, 1030}}, -10, 30, VerdictNot},
		{"no failing rate", &Capacity{Rate: 5000, Bracket: [2]float64{5000, 0}}, 0, 0, VerdictInsufficient},
	} {
		d := capacityDelta(base, c.other)
		if d.Metric != "capacity" || d.Delta != c.other.Rate-1000 || d.Verdict != c.verdict {
			t.Errorf("%s: %+v", c.name, d)
		}
		if c.verdict != VerdictInsufficient && (d.CILow == nil || *d.CILow != c.lo || *d.CIHigh != c.hi) {
			t.Errorf("%s: interval %v %v, want [%v, %v]", c.name, d.CILow, d.CIHigh, c.lo, c.hi)
		}
	}
}
