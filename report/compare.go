package report

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/smp-dev/smp/hist"
)

// ConfidenceLevel is the level of every interval a Comparison carries.
const ConfidenceLevel = 0.95

// ComparedPercentiles are the latency percentiles every Comparison holds.
var comparedPercentiles = [...]float64{50, 90, 99, 99.9}

// ErrNoBaseline is returned when a comparison needs a baseline scenario
// (mesh type "none") and there is none.
var ErrNoBaseline = errors.New("no baseline scenario (mesh type \"none\")")

// BaselineIndex returns the index of r's baseline scenario: the first whose
// mesh type is "none"; -1 when there is none.
func BaselineIndex(r *Report) int {
	for i := range r.Scenarios {
		if r.Scenarios[i].Mesh.Baseline() {
			return i
		}
	}
	return -1
}

// Compare compares every scenario of r with r's baseline scenario, in
// scenario order. It returns nil (and no error) when r has no baseline.
func Compare(r *Report) ([]Comparison, error) {
	b := BaselineIndex(r)
	if b < 0 {
		return nil, nil
	}
	var out []Comparison
	for i := range r.Scenarios {
		if i == b {
			continue
		}
		c, err := CompareScenarios(&r.Scenarios[b], &r.Scenarios[i])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// CompareReports compares the scenarios of other against those of base
// (the `smp compare BASE OTHER` verb). Pairs are chosen this way:
//   - baseline or scenario named: base's scenario baseline against other's
//     scenario scenario (an empty name picks the only scenario of its
//     report, or for the baseline, base's no-mesh baseline scenario);
//   - otherwise scenarios of the same name are paired, in other's order;
//   - otherwise, when each report has exactly one scenario, those two.
func CompareReports(base, other *Report, baseline, scenario string) ([]Comparison, error) {
	if baseline != "" || scenario != "" {
		b, err := pick(base, baseline, "baseline")
		if err != nil {
			return nil, err
		}
		s, err := pick(other, scenario, "scenario")
		if err != nil {
			return nil, err
		}
		c, err := CompareScenarios(b, s)
		if err != nil {
			return nil, err
		}
		return []Comparison{c}, nil
	}
	var out []Comparison
	for i := range other.Scenarios {
		for j := range base.Scenarios {
			if base.Scenarios[j].Name == other.Scenarios[i].Name {
				c, err := CompareScenarios(&base.Scenarios[j], &other.Scenarios[i])
				if err != nil {
					return nil, err
				}
				out = append(out, c)
				break
			}
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	if len(base.Scenarios) == 1 && len(other.Scenarios) == 1 {
		c, err := CompareScenarios(&base.Scenarios[0], &other.Scenarios[0])
		if err != nil {
			return nil, err
		}
		return []Comparison{c}, nil
	}
	return nil, fmt.Errorf("compare: no scenario names in common (base: %s; other: %s): expected matching names, or one scenario each, or a baseline and scenario named explicitly",
		names(base), names(other))
}

func pick(r *Report, name, role string) (*Scenario, error) {
	if name == "" {
		if len(r.Scenarios) == 1 {
			return &r.Scenarios[0], nil
		}
		if b := BaselineIndex(r); b >= 0 && role == "baseline" {
			return &r.Scenarios[b], nil
		}
		return nil, fmt.Errorf("%s: the report has %d scenarios (%s): expected one named", role, len(r.Scenarios), names(r))
	}
	for i := range r.Scenarios {
		if r.Scenarios[i].Name == name {
			return &r.Scenarios[i], nil
		}
	}
	return nil, fmt.Errorf("%s %q: no such scenario; expected one of %s", role, name, names(r))
}

func names(r *Report) string {
	ns := make([]string, len(r.Scenarios))
	for i, s := range r.Scenarios {
		ns[i] = fmt.Sprintf("%q", s.Name)
	}
	if len(ns) == 0 {
		return "none"
	}
	return strings.Join(ns, ", ")
}

// CompareScenarios compares s against the baseline b: the one
// implementation behind both the in-report comparisons and smp compare.
// Point estimates are pooled values (summary; percentiles from the merged
// histogram), intervals are Welch's t over per-iteration values.
func CompareScenarios(b, s *Scenario) (Comparison, error) {
	c := Comparison{
		Scenario: s.Name, Baseline: b.Name,
		LatencyDeltaMs: map[string]float64{}, LatencyDeltaPct: map[string]float64{},
		BaselineIterations: len(b.Iterations), ScenarioIterations: len(s.Iterations),
		Confidence: ConfidenceLevel,
	}
	for _, p := range comparedPercentiles {
		key := PercentileKey(p)
		bv, err := pooledPercentile(b, p)
		if err != nil {
			return c, err
		}
		sv, err := pooledPercentile(s, p)
		if err != nil {
			return c, err
		}
		d := newDelta(key, "ms", bv, sv,
			perIteration(b, func(it *Iteration) (float64, bool) { v, ok := it.Latency.Percentiles[key]; return v, ok }),
			perIteration(s, func(it *Iteration) (float64, bool) { v, ok := it.Latency.Percentiles[key]; return v, ok }))
		c.Deltas = append(c.Deltas, d)
		c.LatencyDeltaMs[key] = d.Delta
		if d.DeltaPct != nil {
			c.LatencyDeltaPct[key] = *d.DeltaPct
		}
	}
	rate := func(it *Iteration) (float64, bool) { return it.AchievedRate, true }
	d := newDelta("achievedRate", "req/s", b.Summary.AchievedRate, s.Summary.AchievedRate, perIteration(b, rate), perIteration(s, rate))
	c.Deltas = append(c.Deltas, d)
	if d.DeltaPct != nil {
		c.ThroughputDeltaPct = *d.DeltaPct
	}
	er := func(it *Iteration) (float64, bool) { return it.ErrorRate, true }
	d = newDelta("errorRate", "ratio", b.Summary.ErrorRate, s.Summary.ErrorRate, perIteration(b, er), perIteration(s, er))
	c.Deltas = append(c.Deltas, d)
	c.ErrorRateDelta = d.Delta

	// A side without proxies costs 0 for them (a no-mesh baseline); a
	// scenario whose resources were not measured at all is left out.
	if hasProxy(s) || hasProxy(b) {
		cpu := func(it *Iteration) (float64, bool) { return proxyValue(it.Resources, false) }
		mem := func(it *Iteration) (float64, bool) { return proxyValue(it.Resources, true) }
		bc, _ := proxyValue(b.Summary.Resources, false)
		sc, _ := proxyValue(s.Summary.Resources, false)
		d = newDelta("proxy.cpuMcores", "mCores", bc, sc, perIteration(b, cpu), perIteration(s, cpu))
		c.Deltas = append(c.Deltas, d)
		c.CPUMcoresPerProxy = sc
		bm, _ := proxyValue(b.Summary.Resources, true)
		sm, _ := proxyValue(s.Summary.Resources, true)
		d = newDelta("proxy.memMB", "MB", bm, sm, perIteration(b, mem), perIteration(s, mem))
		c.Deltas = append(c.Deltas, d)
		c.MemMBPerProxy = sm
	}
	if bc, sc := b.Summary.Capacity, s.Summary.Capacity; bc != nil && sc != nil {
		c.Deltas = append(c.Deltas, capacityDelta(bc, sc))
	}
	if b.Mesh.Baseline() && !s.Mesh.Baseline() {
		c.MeshMark = NewMeshMark(b, s, &c)
	}
	return c, nil
}

// capacityDelta compares two capacity searches' answers. Its interval is
// the brackets': the capacities lie within [highest pass, lowest fail]
// each, so their difference lies within [s.low - b.high, s.high - b.low]
// (a bound, not a statistical interval; absent when a search has no
// failing rate to bound it). The verdict is significant when that bound
// excludes 0.
func capacityDelta(b, s *Capacity) Delta {
	d := Delta{Metric: "capacity", Unit: "req/s", Baseline: b.Rate, Value: s.Rate, Delta: clean(s.Rate - b.Rate), Verdict: VerdictInsufficient}
	if b.Rate != 0 {
		d.DeltaPct = ptr(clean(100 * (s.Rate - b.Rate) / b.Rate))
	}
	bl, bh, sl, sh := b.Bracket[0], b.Bracket[1], s.Bracket[0], s.Bracket[1]
	if bh == 0 || sh == 0 {
		return d
	}
	lo, hi := clean(sl-bh), clean(sh-bl)
	d.CILow, d.CIHigh = &lo, &hi
	d.Verdict = VerdictNot
	if lo > 0 || hi < 0 {
		d.Verdict = VerdictSignificant
	}
	return d
}

func hasProxy(s *Scenario) bool {
	return s.Summary.Resources != nil && s.Summary.Resources.Proxy != nil
}

// proxyValue is the per-proxy CPU (or memory) of r; 0 when r was measured
// but ran no proxy, and false when r was not measured.
func proxyValue(r *Resources, mem bool) (float64, bool) {
	switch {
	case r == nil:
		return 0, false
	case r.Proxy == nil:
		return 0, true
	case mem:
		return r.Proxy.MemMB, true
	default:
		return r.Proxy.CPUMcores, true
	}
}

func perIteration(s *Scenario, get func(*Iteration) (float64, bool)) []float64 {
	var out []float64
	for i := range s.Iterations {
		if v, ok := get(&s.Iterations[i]); ok {
			out = append(out, v)
		}
	}
	return out
}

// pooledPercentile reads percentile p of s's pooled latency: the summary's
// value, or, when the summary lacks that key, the merged histogram's.
func pooledPercentile(s *Scenario, p float64) (float64, error) {
	if v, ok := s.Summary.Latency.Percentiles[PercentileKey(p)]; ok {
		return v, nil
	}
	if s.Summary.Latency.HDR == "" {
		return 0, nil
	}
	h, err := hist.Decode(s.Summary.Latency.HDR)
	if err != nil {
		return 0, fmt.Errorf("scenario %q: summary latency: %w", s.Name, err)
	}
	return ms(h.Quantile(p)), nil
}

// newDelta builds one Delta from pooled values and per-iteration samples.
func newDelta(metric, unit string, base, value float64, bs, ss []float64) Delta {
	d := Delta{Metric: metric, Unit: unit, Baseline: base, Value: value, Delta: clean(value - base)}
	if base != 0 {
		d.DeltaPct = ptr(clean(100 * (value - base) / base))
	}
	lo, hi, df, ok := WelchInterval(bs, ss, ConfidenceLevel)
	if !ok {
		d.Verdict = VerdictInsufficient
		return d
	}
	d.CILow, d.CIHigh, d.DF = ptr(clean(lo)), ptr(clean(hi)), clean(df)
	if lo > 0 || hi < 0 {
		d.Verdict = VerdictSignificant
	} else {
		d.Verdict = VerdictNot
	}
	return d
}

// clean rounds to 10 significant digits, away from float noise, so that
// reports and golden files stay short and stable.
func clean(v float64) float64 {
	if v == 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return v
	}
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 10, 64), 64)
	return r
}

func ptr(v float64) *float64 { return &v }

// WelchInterval returns the two-sided interval, at level (0.95 say), of the
// difference of means mean(b2) - mean(b1) without assuming equal variances
// (Welch), with the Welch–Satterthwaite degrees of freedom. ok is false
// when either sample has fewer than 2 values. When both samples have no
// spread the interval collapses to the difference itself.
func WelchInterval(b1, b2 []float64, level float64) (lo, hi, df float64, ok bool) {
	n1, n2 := float64(len(b1)), float64(len(b2))
	if n1 < 2 || n2 < 2 {
		return 0, 0, 0, false
	}
	m1, v1 := meanVar(b1)
	m2, v2 := meanVar(b2)
	diff := m2 - m1
	a, b := v1/n1, v2/n2
	se := math.Sqrt(a + b)
	if se == 0 {
		return diff, diff, n1 + n2 - 2, true
	}
	df = (a + b) * (a + b) / (a*a/(n1-1) + b*b/(n2-1))
	t := StudentTQuantile(1-(1-level)/2, df)
	return diff - t*se, diff + t*se, df, true
}

// meanVar returns the mean and the unbiased sample variance of xs.
func meanVar(xs []float64) (mean, variance float64) {
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		variance += (x - mean) * (x - mean)
	}
	return mean, variance / float64(len(xs)-1)
}

// StudentTQuantile returns t such that P(T <= t) = p for Student's t
// distribution with df degrees of freedom (df > 0, not necessarily an
// integer; 0 < p < 1). It inverts StudentTCDF by bisection, to about 1e-12.
func StudentTQuantile(p, df float64) float64 {
	if p == 0.5 {
		return 0
	}
	if p < 0.5 {
		return -StudentTQuantile(1-p, df)
	}
	lo, hi := 0.0, 1.0
	for StudentTCDF(hi, df) < p {
		lo, hi = hi, hi*2
		if hi > 1e12 {
			return math.Inf(1)
		}
	}
	for range 200 {
		mid := (lo + hi) / 2
		if StudentTCDF(mid, df) < p {
			lo = mid
		} else {
			hi = mid
		}
		if hi-lo < 1e-12*math.Max(1, hi) {
			break
		}
	}
	return (lo + hi) / 2
}

// StudentTCDF is P(T <= t) for Student's t with df degrees of freedom:
// 1 - I_x(df/2, 1/2)/2 for t >= 0 with x = df/(df+t²), where I is the
// regularized incomplete beta function.
func StudentTCDF(t, df float64) float64 {
	x := df / (df + t*t)
	tail := 0.5 * regIncBeta(df/2, 0.5, x)
	if t >= 0 {
		return 1 - tail
	}
	return tail
}

// regIncBeta is the regularized incomplete beta function I_x(a, b),
// evaluated by its continued fraction (modified Lentz), using the symmetry
// I_x(a,b) = 1 - I_{1-x}(b,a) where the fraction converges slowly.
func regIncBeta(a, b, x float64) float64 {
	switch {
	case x <= 0:
		return 0
	case x >= 1:
		return 1
	case x > (a+1)/(a+b+2):
		return 1 - regIncBeta(b, a, 1-x)
	}
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	front := math.Exp(a*math.Log(x)+b*math.Log1p(-x)-(la+lb-lab)) / a
	return front * betaFraction(a, b, x)
}

// betaFraction evaluates the continued fraction of the incomplete beta
// function, 1/(1 + d1/(1 + d2/(1 + …))), where
// d(2m+1) = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)) and
// d(2m) = m(b-m)x / ((a+2m-1)(a+2m)). The denominator series is evaluated
// with the modified Lentz method.
func betaFraction(a, b, x float64) float64 {
	const tiny, eps = 1e-300, 1e-15
	g, c, d := 1.0, 1.0, 0.0
	step := func(coef float64) {
		d = 1 + coef*d
		if math.Abs(d) < tiny {
			d = tiny
		}
		c = 1 + coef/c
		if math.Abs(c) < tiny {
			c = tiny
		}
		d = 1 / d
		g *= c * d
	}
	for m := 0; m < 300; m++ {
		fm := float64(m)
		prev := g
		step(-(a + fm) * (a + b + fm) * x / ((a + 2*fm) * (a + 2*fm + 1)))
		step((fm + 1) * (b - fm - 1) * x / ((a + 2*fm + 1) * (a + 2*fm + 2)))
		if math.Abs(g-prev) < eps*math.Abs(g) {
			break
		}
	}
	return 1 / g
}

// FingerprintWarning says, when base and other were measured on machines
// with different fingerprints (environment.fingerprint), that their
// differences mix the machines' with the scenarios'; empty when they
// match or either has none.
func FingerprintWarning(base, other *Report) string {
	b, o := base.Environment.Fingerprint, other.Environment.Fingerprint
	if b == "" || o == "" || b == o {
		return ""
	}
	return fmt.Sprintf("the reports come from different environments (fingerprint %s vs %s: CPU, kernel, governor, SMT or clock source differ): part of each difference may be the machine's", b, o)
}
