// Package slo judges a report against SLO assertions ("p99 < 20ms",
// "overhead.p50 < 10%", …): every assertion against every scenario it
// applies to, each verdict recorded as a report.SLOResult. Parsing lives in
// slo/assertion (which imports nothing of smp); this package adds the
// evaluation.
package slo

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/slo/assertion"
)

// Assertion is a parsed SLO assertion.
type Assertion = assertion.Assertion

// Parse parses every assertion; the error lists every malformed one, each
// naming the assertion, the column and what was expected (and wraps
// assertion.ErrSyntax).
func Parse(exprs []string) ([]Assertion, error) {
	out := make([]Assertion, 0, len(exprs))
	var errs []error
	for _, e := range exprs {
		a, err := assertion.Parse(e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, a)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Notes of results that could not be measured.
const (
	NoteNotMeasured = "not measured"
	NoteNoBaseline  = "no baseline scenario (mesh type \"none\") to measure overhead against"
)

// Evaluate judges every assertion against every scenario of r, in
// assertion order then scenario order, from each scenario's pooled summary
// (percentiles from the merged histogram). Assertions that do not apply to
// a scenario are skipped: overhead and meshmark for the baseline itself,
// proxy fields for a scenario without a mesh. A value that applies but was
// not measured fails, with a note saying why. Evaluate does not change r;
// store the results in r.SLO.
func Evaluate(r *report.Report, as []Assertion) []report.SLOResult {
	var out []report.SLOResult
	b := report.BaselineIndex(r)
	comps := map[string]*report.Comparison{}
	if b >= 0 {
		for i := range r.Scenarios {
			if i == b {
				continue
			}
			c, err := report.CompareScenarios(&r.Scenarios[b], &r.Scenarios[i])
			if err == nil {
				comps[r.Scenarios[i].Name] = &c
			}
		}
	}
	for _, a := range as {
		for i := range r.Scenarios {
			s := &r.Scenarios[i]
			res := report.SLOResult{Assertion: a.Text, Scenario: s.Name, Unit: a.Unit, Threshold: a.Threshold}
			var base *report.Scenario
			if b >= 0 {
				base = &r.Scenarios[b]
			}
			v, note, applies := value(a, s, i == b, base, comps[s.Name])
			if !applies {
				continue
			}
			if note != "" {
				res.Note = note
			} else {
				res.Value = clean(v)
				res.Pass = a.Holds(res.Value)
			}
			out = append(out, res)
		}
	}
	return out
}

// clean rounds to 10 significant digits, away from float noise.
func clean(v float64) float64 {
	r, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 10, 64), 64)
	if err != nil {
		return v
	}
	return r
}

// Failed reports whether any result failed.
func Failed(rs []report.SLOResult) bool {
	for _, r := range rs {
		if !r.Pass {
			return true
		}
	}
	return false
}

// Summary says how many results passed, for a one-line CLI message:
// "SLO: 7 of 8 passed; failed: istio: p99 < 20ms (23.1 ms)".
func Summary(rs []report.SLOResult) string {
	pass := 0
	var failed []string
	for _, r := range rs {
		if r.Pass {
			pass++
			continue
		}
		if r.Note != "" {
			failed = append(failed, fmt.Sprintf("%s: %s (%s)", r.Scenario, r.Assertion, r.Note))
		} else {
			failed = append(failed, fmt.Sprintf("%s: %s (%s)", r.Scenario, r.Assertion, FormatValue(r.Value, r.Unit)))
		}
	}
	msg := fmt.Sprintf("SLO: %d of %d passed", pass, len(rs))
	if len(failed) > 0 {
		msg += "; failed: " + strings.Join(failed, "; ")
	}
	return msg
}

// FormatValue prints a value in its unit: "23.1 ms", "0.12%", "990 req/s".
func FormatValue(v float64, unit string) string {
	num := fmt.Sprintf("%.4g", v)
	switch unit {
	case "":
		return num
	case assertion.UnitPercent:
		return num + "%"
	}
	return num + " " + unit
}

// value measures a's metric on scenario s. applies is false when a does
// not concern s; note is set when it does but cannot be measured.
func value(a Assertion, s *report.Scenario, isBaseline bool, base *report.Scenario, c *report.Comparison) (v float64, note string, applies bool) {
	sum := &s.Summary
	switch a.Kind {
	case assertion.KindPercentile:
		v, ok := percentile(&sum.Latency, a.Percentile)
		if !ok {
			return 0, NoteNotMeasured, true
		}
		return v, "", true
	case assertion.KindErrorRate:
		if sum.Requests == 0 {
			return 0, NoteNotMeasured, true
		}
		if a.Unit == assertion.UnitPercent {
			return 100 * sum.ErrorRate, "", true
		}
		return sum.ErrorRate, "", true
	case assertion.KindRate:
		return sum.AchievedRate, "", true
	case assertion.KindRole:
		if a.Role == report.RoleProxy && s.Mesh.Baseline() {
			return 0, "", false
		}
		u := role(sum.Resources, a.Role)
		if u == nil {
			return 0, NoteNotMeasured, true
		}
		return roleField(u, a.Field), "", true
	case assertion.KindOverhead:
		if isBaseline {
			return 0, "", false
		}
		if base == nil || c == nil {
			return 0, NoteNoBaseline, true
		}
		key := report.PercentileKey(a.Percentile)
		for _, d := range c.Deltas {
			if d.Metric == key {
				if a.Unit == assertion.UnitPercent {
					if d.DeltaPct == nil {
						return 0, NoteNotMeasured, true
					}
					return *d.DeltaPct, "", true
				}
				return d.Delta, "", true
			}
		}
		// A percentile the comparison does not carry: pooled difference.
		bv, ok1 := percentile(&base.Summary.Latency, a.Percentile)
		sv, ok2 := percentile(&sum.Latency, a.Percentile)
		if !ok1 || !ok2 {
			return 0, NoteNotMeasured, true
		}
		if a.Unit == assertion.UnitPercent {
			if bv == 0 {
				return 0, NoteNotMeasured, true
			}
			return 100 * (sv - bv) / bv, "", true
		}
		return sv - bv, "", true
	case assertion.KindMeshMark:
		if isBaseline || s.Mesh.Baseline() {
			return 0, "", false
		}
		if base == nil || c == nil {
			return 0, NoteNoBaseline, true
		}
		if c.MeshMark == nil {
			return 0, NoteNotMeasured, true
		}
		return c.MeshMark.Score, "", true
	}
	return 0, NoteNotMeasured, true
}

// percentile reads pN of a pooled latency: the summary key, else the
// histogram.
func percentile(l *report.Latency, p float64) (float64, bool) {
	if l.Count == 0 {
		return 0, false
	}
	if v, ok := l.Percentiles[report.PercentileKey(p)]; ok {
		return v, true
	}
	h, err := hist.Decode(l.HDR)
	if err != nil {
		return 0, false
	}
	return math.Round(float64(h.Quantile(p))) / 1e6, true
}

func role(r *report.Resources, name string) *report.RoleUsage {
	if r == nil {
		return nil
	}
	switch name {
	case report.RoleProxy:
		return r.Proxy
	case report.RoleApp:
		return r.App
	case report.RoleClient:
		return r.Client
	}
	return nil
}

func roleField(u *report.RoleUsage, field string) float64 {
	switch field {
	case "cpuMcores":
		return u.CPUMcores
	case "cpuMcoresTotal":
		return u.CPUMcoresTotal
	case "cpuMcoresPer1kRps":
		return u.CPUMcoresPer1kRps
	case "memMB":
		return u.MemMB
	case "memMBMax":
		return u.MemMBMax
	}
	return 0
}
