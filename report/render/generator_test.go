package render

import (
	"bytes"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
)

// The table and markdown name each scenario's generator and what its
// latency means once any scenario was measured by an external one, and
// say nothing of generators when all were smp's own engine.
func TestGeneratorLines(t *testing.T) {
	t.Parallel()
	r := fixture(t)
	var plain bytes.Buffer
	if err := Table(&plain, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plain.String(), "Load generators") {
		t.Errorf("builtin-only report lists its generators:\n%s", plain.String())
	}
	r.Scenarios[1].Summary.Client.Generator = &report.Generator{Name: "wrk2", Version: "4.0.0", LatencyClock: "intended",
		ResolutionMs: 0.001, Histogram: "reconstructed"}
	var table, md bytes.Buffer
	if err := Table(&table, r, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := Markdown(&md, r); err != nil {
		t.Fatal(err)
	}
	base := r.Scenarios[0].Name + ": builtin: latency from the intended send time; native histogram, resolution 1ns"
	other := r.Scenarios[1].Name + ": wrk2 4.0.0: latency from the intended send time; reconstructed histogram (rebuilt from its printed percentiles), resolution 1µs"
	for _, want := range []string{"Load generators", base, other} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	if !strings.Contains(md.String(), "| "+r.Scenarios[1].Name+" | wrk2 4.0.0: latency from the intended send time;") {
		t.Errorf("markdown lacks the wrk2 row:\n%s", md.String())
	}
}

// A capacity search is listed with its answer, its state and its trials.
func TestCapacityLines(t *testing.T) {
	t.Parallel()
	r := fixture(t)
	r.Scenarios[0].Summary.Capacity = &report.Capacity{SLO: []string{"p99 < 10ms"}, Rate: 800, Bracket: [2]float64{800, 816},
		Converged: true, Confirmed: true, LimitedBy: "slo",
		Trials: []report.CapacityTrial{{Rate: 400, Pass: true, Valid: true, P99Ms: 2}, {Rate: 1600, Valid: true, P99Ms: 40}}}
	var table bytes.Buffer
	if err := Table(&table, r, Options{}); err != nil {
		t.Fatal(err)
	}
	want := r.Scenarios[0].Name + ": 800.0 req/s under p99 < 10ms, first fail at 816.0 (converged, confirmed; limited by slo)\n  trials: 400→pass p99 2.00, 1600→fail p99 40.00"
	if !strings.Contains(table.String(), want) || !strings.Contains(table.String(), "capacity req/s (under load.capacity.slo)") {
		t.Errorf("table lacks %q or the capacity row:\n%s", want, table.String())
	}
}
