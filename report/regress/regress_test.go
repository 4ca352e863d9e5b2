package regress

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/smp-dev/smp/report"
)

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestMannWhitney(t *testing.T) {
	tests := []struct {
		name string
		a, b []float64
		u, p float64
	}{
		// Worked by hand: pooled order a a b a b b b; only 4 > 3 of the
		// 12 pairs, so U = 1. Of the C(7,3) = 35 arrangements one has
		// U = 0 and one U = 1: P(U <= 1) = 2/35, two-sided 4/35.
		{"exact small", []float64{1, 2, 4}, []float64{3, 5, 6, 7}, 1, 4.0 / 35},
		// The mirror image: U of b is 11, the same p.
		{"exact mirrored", []float64{3, 5, 6, 7}, []float64{1, 2, 4}, 11, 4.0 / 35},
		// Complete separation of 10 and 10: U = 0, one arrangement in
		// C(20,10) = 184756 on each tail.
		{"exact separated", seq(1, 10), seq(11, 20), 0, 2.0 / 184756},
		// With ties (normal approximation), by hand: ranks 1, 3, 3, 5.5, 7
		// for a (the 2s share ranks 2-4, the 3s 5-6), R = 19.5, U = 19.5 -
		// 15 = 4.5; mean 12.5; tie term (27-3)+(8-2) = 30; variance
		// 25/12·(11 - 30/90) = 200/9; z = (8 - 0.5)/√(200/9) = 1.59099;
		// p = erfc(z/√2) = 0.1116118.
		{"normal with ties", []float64{1, 2, 2, 3, 4}, []float64{2, 3, 5, 6, 7}, 4.5, 0.11161176829829222},
		{"all equal", []float64{1, 1, 1, 1, 1}, []float64{1, 1, 1, 1, 1}, 12.5, 1},
		{"empty", nil, []float64{1}, 0, 1},
	}
	for _, tc := range tests {
		u, p := MannWhitney(tc.a, tc.b)
		if u != tc.u || !near(p, tc.p, 1e-9) {
			t.Errorf("%s: U %v p %v; want U %v p %v", tc.name, u, p, tc.u, tc.p)
		}
	}
}

// The exact distribution, summed over every U, counts every arrangement;
// and for a large untied sample it agrees with the normal approximation.
func TestMannWhitneyExactAgreesWithNormal(t *testing.T) {
	a := []float64{1.1, 2.3, 3.5, 4.2, 5.9, 6.1, 7.7, 8.4, 9.6, 10.2, 11.8, 12.5, 13.3, 14.9, 15.4}
	b := []float64{4.4, 6.6, 8.8, 10.5, 12.9, 14.1, 16.2, 17.3, 18.5, 19.9, 20.7, 21.1, 22.6, 23.2, 24.8}
	u, exact := MannWhitney(a, b)
	normal := normalP(len(a), len(b), u, 0)
	if !near(exact, normal, 0.005) || exact > 0.01 {
		t.Errorf("U %v: exact p %v, normal p %v; want them close and below 0.01", u, exact, normal)
	}
}

func TestLookback(t *testing.T) {
	prev := []float64{10, 11, 9, 10, 12, 10, 9} // median 10, deviations 0 1 1 0 2 0 1: MAD 1
	tests := []struct {
		name  string
		prev  []float64
		x     float64
		n     int
		score float64
		flag  bool
		ok    bool
	}{
		{"inside", prev, 12, 0, 2 / 1.4826, false, true},
		{"beyond 3.5 MADs", prev, 16, 0, 6 / 1.4826, true, true},
		{"below", prev, 4, 0, -6 / 1.4826, true, true},
		// Only the last 3 (10, 9 and 10 before them are dropped): median 10, MAD 1.
		{"window", []float64{100, 100, 100, 100, 12, 10, 9}, 16, 3, 6 / 1.4826, true, true},
		{"no spread", []float64{5, 5, 5}, 5.5, 0, math.Inf(1), true, true},
		{"no spread, same", []float64{5, 5, 5}, 5, 0, 0, false, true},
		{"too few", []float64{5, 6}, 50, 0, 0, false, false},
	}
	for _, tc := range tests {
		s, ok := Lookback(tc.prev, tc.x, tc.n, 3.5)
		if ok != tc.ok || s.Flag != tc.flag || !(s.Score == tc.score || near(s.Score, tc.score, 1e-9)) {
			t.Errorf("%s: %+v ok %v; want score %v flag %v ok %v", tc.name, s, ok, tc.score, tc.flag, tc.ok)
		}
	}
	if s, _ := Lookback(prev, 10, 0, 3.5); s.Median != 10 || s.MAD != 1 || s.N != 7 {
		t.Errorf("median %v MAD %v n %d; want 10, 1, 7", s.Median, s.MAD, s.N)
	}
}

func TestShiftJSON(t *testing.T) {
	for _, tc := range []struct {
		s    Shift
		want string
	}{
		{Shift{N: 3, Median: 5, Score: math.Inf(1), Flag: true}, `{"n":3,"median":5,"mad":0,"flag":true,"score":null}`},
		{Shift{N: 3, Median: 5, MAD: 1, Score: 2.5}, `{"n":3,"median":5,"mad":1,"flag":false,"score":2.5}`},
	} {
		got, err := json.Marshal(tc.s)
		if err != nil || string(got) != tc.want {
			t.Errorf("%+v: %s, %v; want %s", tc.s, got, err, tc.want)
		}
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		xs   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := Median(tc.xs); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.xs, got, tc.want)
		}
	}
}

// run builds a one-scenario report whose iterations have these p50s (ms)
// and achieved rates.
func run(p50s []float64, rate float64) *report.Report {
	r := &report.Report{Scenarios: []report.Scenario{{Name: "s"}}}
	for _, v := range p50s {
		it := report.Iteration{Latency: report.Latency{Percentiles: map[string]float64{"p50": v}}}
		it.Requests, it.AchievedRate = 100, rate
		r.Scenarios[0].Iterations = append(r.Scenarios[0].Iterations, it)
	}
	return r
}

func TestCheck(t *testing.T) {
	opts := Options{Threshold: 0.05, Alpha: 0.05, K: 3.5}
	var history []*report.Report // newest first
	for _, base := range []float64{1.00, 1.02, 0.98, 1.01, 0.99} {
		history = append([]*report.Report{run([]float64{base, base + 0.01}, 200)}, history...)
	}
	find := func(fs []Finding, metric string) Finding {
		for _, f := range fs {
			if f.Metric == metric {
				return f
			}
		}
		t.Fatalf("no finding for %s in %+v", metric, fs)
		return Finding{}
	}
	tests := []struct {
		name          string
		cur           *report.Report
		hist          []*report.Report
		p50, rate     string
		method, shift bool
	}{
		{"unchanged", run([]float64{1.0, 1.01}, 200), history, VerdictOK, VerdictOK, true, true},
		{"slower", run([]float64{5.0, 5.02}, 200), history, VerdictRegression, VerdictOK, true, true},
		// Faster is not a regression, however significant.
		{"faster", run([]float64{0.5, 0.51}, 200), history, VerdictOK, VerdictOK, true, true},
		// Throughput is worse lower.
		{"throughput drop", run([]float64{1.0, 1.01}, 150), history, VerdictOK, VerdictRegression, true, true},
		// One iteration of lower throughput: the change-point pass.
		{"throughput drop, one iteration", run([]float64{1.0}, 150), history, VerdictOK, VerdictChangePoint, false, true},
		// Significant but within the threshold: 3% slower.
		{"within threshold", run([]float64{1.035, 1.036}, 200), history, VerdictOK, VerdictOK, true, true},
		// One noisy iteration: Welch's interval is wide, and the
		// change-point pass looks at the best iteration.
		{"one noisy iteration", run([]float64{1.0, 9.0}, 200), history, VerdictOK, VerdictOK, true, true},
		// One iteration: no test; the change-point pass still sees it.
		{"one iteration", run([]float64{5.0}, 200), history, VerdictChangePoint, VerdictOK, false, true},
		{"no history", run([]float64{5.0, 5.1}, 200), nil, VerdictInsufficient, VerdictInsufficient, false, false},
		// Five a side: Mann-Whitney.
		{"rank test", run([]float64{2, 2.1, 2.2, 2.3, 2.4}, 200), history, VerdictRegression, VerdictOK, true, true},
	}
	for _, tc := range tests {
		fs, err := Check(tc.cur, tc.hist, opts)
		if err != nil {
			t.Fatal(err)
		}
		p50, rate := find(fs, "p50"), find(fs, "achievedRate")
		if p50.Verdict != tc.p50 || rate.Verdict != tc.rate || (p50.Method != "") != tc.method || (p50.Shift != nil) != tc.shift {
			t.Errorf("%s: p50 %+v\nrate %+v\nwant p50 %s, rate %s", tc.name, p50, rate, tc.p50, tc.rate)
		}
	}
	fs, _ := Check(run([]float64{2, 2.1, 2.2, 2.3, 2.4}, 200), history, opts)
	if f := find(fs, "p50"); f.Method != MethodMannWhitney || f.P == nil || *f.P > 0.01 || f.Baseline != 1.005 || f.Value != 2.2 {
		t.Errorf("rank test: %+v; want Mann-Whitney, p < 0.01, medians 1.005 and 2.2", f)
	}
	if _, err := Check(history[0], history[1:], Options{Metrics: []string{"p42"}}); err == nil {
		t.Error("an unknown metric must be an error")
	}
	if fs, _ := Check(history[0], history[1:], Options{Metrics: []string{"p50"}}); len(fs) != 1 {
		t.Errorf("--metric p50: %d findings, want 1", len(fs))
	}
}

func seq(from, to float64) []float64 {
	var out []float64
	for v := from; v <= to; v++ {
		out = append(out, v)
	}
	return out
}
