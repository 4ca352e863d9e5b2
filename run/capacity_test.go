package run

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target/targettest"
)

// load.mode capacity brackets a known capacity, keeps every trial in the
// scenario's summary, and makes the iteration the run at the answer.
func TestRunCapacityMode(t *testing.T) {
	if testing.Short() {
		t.Skip("a search of many trials; runs without -short")
	}
	const capacityRate = 400
	srv := targettest.Limited(t, capacityRate)
	tt := spec.Default()
	tt.Metadata.Name = "capacity"
	tt.Workload = spec.Workload{URL: srv.URL + "/"}
	tt.Load.Connections = 64
	tt.Load.Duration, tt.Load.Warmup = spec.Duration(1200*time.Millisecond), spec.Duration(200*time.Millisecond)
	tt.Load.Mode = spec.ModeCapacity
	tt.Load.Capacity = &spec.Capacity{SLO: []string{"p99 < 50ms"}, MaxErrors: 0.001, Start: 200, Bracket: 0.05,
		MaxTrials: 14, Repeats: 1, Deadline: spec.Duration(30 * time.Second), Cooldown: spec.Duration(100 * time.Millisecond),
		Confirm: spec.Duration(time.Second)}
	var progressLog strings.Builder
	rep, err := Run(context.Background(), tt, Options{Tool: report.Tool{Name: "smp"}, Progress: &progressLog})
	if err != nil {
		t.Fatalf("%v\n%s", err, progressLog.String())
	}
	s := rep.Scenarios[0]
	c := s.Summary.Capacity
	if c == nil {
		t.Fatalf("no capacity in the summary:\n%s", progressLog.String())
	}
	lo, hi := c.Bracket[0], c.Bracket[1]
	if c.Rate != lo || lo < 0.75*capacityRate || lo > 1.25*capacityRate || hi < lo || len(c.Trials) < 3 || c.SLO[0] != "p99 < 50ms" {
		t.Errorf("capacity %+v; want a bracket near %d req/s", c, capacityRate)
	}
	if !c.Confirmed || len(c.Confirmations) == 0 {
		t.Errorf("not confirmed: %+v", c.Confirmations)
	}
	if it := s.Iterations[0]; math.Abs(it.RequestedRate-c.Rate) > 0.01*c.Rate || it.Latency.Percentiles["p99"] >= 50 {
		t.Errorf("iteration at %v req/s with p99 %v ms; want the passing run at %v", it.RequestedRate, it.Latency.Percentiles["p99"], c.Rate)
	}
	if !strings.Contains(progressLog.String(), "capacity trial 1 at 200 req/s") {
		t.Errorf("progress:\n%s", progressLog.String())
	}
	t.Logf("capacity %v, bracket %v, %d trials, confirmed at %v", c.Rate, c.Bracket, len(c.Trials), c.Rate)
}

// A capacity SLO that does not parse, or that needs a baseline, is a spec
// problem before anything runs.
func TestCapacitySLOChecked(t *testing.T) {
	tt := spec.Default()
	tt.Metadata.Name = "slo"
	tt.Load.Mode = spec.ModeCapacity
	tt.Load.Capacity = &spec.Capacity{SLO: []string{"p99 < 10", "overhead.p99 < 2ms", "p50 < 1ms"}, MaxErrors: 0.001,
		Start: 100, Bracket: 0.02, MaxTrials: 5, Repeats: 1}
	_, err := Run(context.Background(), tt, Options{})
	var ps spec.Problems
	if !errors.As(err, &ps) || len(ps) != 2 || ps[0].Field != "load.capacity.slo[0]" || ps[1].Field != "load.capacity.slo[1]" ||
		!strings.Contains(ps[1].Expected, "need a baseline") {
		t.Errorf("err %v; want problems with slo[0] (no unit) and slo[1] (overhead)", err)
	}
}
