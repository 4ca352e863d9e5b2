package report

import (
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/load"
)

// split builds two reports from the fixture's load results: iterations 0-1
// in the first, iteration 2 in the second.
func split(t *testing.T) (full, a, b *Report) {
	t.Helper()
	full, results := buildFixture(t)
	part := func(from, to int) *Report {
		r := *full
		r.Scenarios = nil
		r.Comparisons = nil
		for si, sc := range full.Scenarios {
			s := Scenario{Name: sc.Name, Mesh: sc.Mesh, Iterations: append([]Iteration(nil), sc.Iterations[from:to]...)}
			sum, err := Summarize(results[si][from:to], Options{}, false)
			if err != nil {
				t.Fatal(err)
			}
			sum.Resources = sc.Summary.Resources
			s.Summary = sum
			r.Scenarios = append(r.Scenarios, s)
		}
		return &r
	}
	return full, part(0, 2), part(2, 3)
}

func TestMergeLossless(t *testing.T) {
	t.Parallel()
	full, a, b := split(t)
	m, err := Merge(a, b)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range m.Scenarios {
		want := full.Scenarios[i].Summary
		got := s.Summary
		// Percentiles of the merged histogram equal those of the histogram
		// pooled in one go: nothing was lost.
		for k, v := range want.Latency.Percentiles {
			if got.Latency.Percentiles[k] != v {
				t.Errorf("%s %s: merged %v, pooled %v", s.Name, k, got.Latency.Percentiles[k], v)
			}
		}
		if got.Latency.HDR != want.Latency.HDR || got.Latency.Count != want.Latency.Count {
			t.Errorf("%s: merged histogram differs from the pooled one", s.Name)
		}
		if got.Requests != want.Requests || got.Errors != want.Errors || got.Iterations != 3 || got.AchievedRate != want.AchievedRate {
			t.Errorf("%s: counts %+v, want %+v", s.Name, got.Counts, want.Counts)
		}
		if got.ErrorRate != want.ErrorRate || got.StatusCodes["200"] != want.StatusCodes["200"] {
			t.Errorf("%s: error rate %v / %v", s.Name, got.ErrorRate, want.ErrorRate)
		}
		for j, it := range s.Iterations {
			if it.Index != j {
				t.Errorf("%s: iteration %d has index %d", s.Name, j, it.Index)
			}
		}
	}
	if len(m.Comparisons) != 2 || m.Comparisons[0].Deltas[0].Verdict != VerdictSignificant {
		t.Errorf("comparisons not recomputed: %+v", m.Comparisons)
	}
}

func TestMergeChecks(t *testing.T) {
	t.Parallel()
	_, a, b := split(t)
	tests := []struct {
		name    string
		change  func(b *Report)
		wantErr string
		warning string
	}{
		// Same name, other mesh: refused.
		{"mesh differs", func(b *Report) { b.Scenarios[1].Mesh.Type = "linkerd" }, `scenario "istio": mesh`, ""},
		// Another schema version: refused.
		{"schema", func(b *Report) { b.SchemaVersion = "smp.report/v2" }, `"smp.report/v2"`, ""},
		// A broken histogram: refused, naming where.
		{"hdr", func(b *Report) { b.Scenarios[0].Summary.Latency.HDR = "x" }, `scenario "baseline", report 2: summary.latency.hdr`, ""},
		// Another host: merged with a warning.
		{"host", func(b *Report) { b.Environment.Hostname = "other" }, "", "different hosts: host, other"},
		// Another rate: merged with a warning.
		{"rate", func(b *Report) { b.Scenarios[0].Summary.RequestedRate = 500 }, "", "requested rates differ"},
		// A scenario only one report has: kept as is.
		{"extra scenario", func(b *Report) { b.Scenarios = append(b.Scenarios, Scenario{Name: "kuma", Mesh: Mesh{Type: "kuma"}}) }, "", ""},
	}
	for _, tc := range tests {
		bb := *b
		bb.Scenarios = append([]Scenario(nil), b.Scenarios...)
		tc.change(&bb)
		m, err := Merge(a, &bb)
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
		if tc.warning != "" && !strings.Contains(strings.Join(m.Warnings, "\n"), tc.warning) {
			t.Errorf("%s: warnings %q lack %q", tc.name, m.Warnings, tc.warning)
		}
	}
	if _, err := Merge(); err == nil {
		t.Error("merge of nothing")
	}
}

func TestMergeWindowWeights(t *testing.T) {
	t.Parallel()
	// A 10 s iteration at 100/s and a 30 s one at 200/s pool to 175/s.
	mk := func(rate float64, secs int) *Report {
		r := synthetic()
		r.End = r.Start.Add(time.Duration(secs) * time.Second)
		r.Sent = int64(rate) * int64(secs)
		it, _ := NewIteration(0, r, Options{}, false)
		sum, _ := Summarize([]*load.Result{r}, Options{}, false)
		return &Report{SchemaVersion: SchemaVersion, Scenarios: []Scenario{{Name: "s", Mesh: Mesh{Type: "none"}, Iterations: []Iteration{it}, Summary: sum}}}
	}
	m, err := Merge(mk(100, 10), mk(200, 30))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Scenarios[0].Summary.AchievedRate; got != 175 {
		t.Errorf("pooled rate %v, want 175", got)
	}
}
