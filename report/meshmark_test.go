package report

import (
	"math"
	"testing"
)

// meshmarkCase builds a baseline and a scenario with the given overheads:
// latency in % (on p50 and p99), throughput loss in %, and proxy CPU and
// memory totals per 1000 req/s. Both sides have 3 identical iterations, so
// every non-zero delta is significant.
func meshmarkScore(t *testing.T, latPct, lossPct, cpuPer1k, memPer1k float64, withProxy bool) *MeshMark {
	t.Helper()
	mk := func(name, mesh string, lat, rate float64, res *Resources) Scenario {
		s := Scenario{Name: name, Mesh: Mesh{Type: mesh}}
		for i := range 3 {
			s.Iterations = append(s.Iterations, Iteration{Index: i, Counts: Counts{AchievedRate: rate},
				Latency: Latency{Count: 1, Percentiles: map[string]float64{"p50": lat, "p90": lat, "p99": lat, "p99.9": lat}}, Resources: res})
		}
		s.Summary = Summary{Iterations: 3, Counts: Counts{AchievedRate: rate}, Resources: res,
			Latency: Latency{Count: 3, Percentiles: map[string]float64{"p50": lat, "p90": lat, "p99": lat, "p99.9": lat}}}
		return s
	}
	rate := 1000 * (1 - lossPct/100)
	var res *Resources
	if withProxy {
		k := rate / 1000
		res = &Resources{Proxy: &RoleUsage{Count: 1, CPUMcores: cpuPer1k * k, CPUMcoresTotal: cpuPer1k * k, MemMB: memPer1k * k}}
	}
	b := mk("b", "none", 10, 1000, &Resources{})
	s := mk("s", "istio", 10*(1+latPct/100), rate, res)
	c, err := CompareScenarios(&b, &s)
	if err != nil {
		t.Fatal(err)
	}
	return c.MeshMark
}

func TestMeshMark(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		lat, loss, cpu, mem float64
		proxy               bool
		want                float64
	}{
		{"no overhead", 0, 0, 0, 0, true, 100},                                    // the top of the scale
		{"istio's published cost", 0, 0, 200, 60, true, 100 * math.Pow(0.5, 0.3)}, // cpu and memory at 50
		{"double latency too", 100, 0, 200, 60, true, 100 * math.Pow(0.5, 0.7)},   // latency at 50 as well
		{"all throughput lost", 0, 100, 0, 0, true, 0},                            // geometric: a total loss is 0
		{"faster than baseline", -20, 0, 0, 0, true, 100},                         // negative overhead counts 0
		{"no resources", 100, 0, 0, 0, false, 100 * math.Pow(0.5, 0.4/0.7)},       // renormalized over 2 components
	}
	for _, tc := range tests {
		m := meshmarkScore(t, tc.lat, tc.loss, tc.cpu, tc.mem, tc.proxy)
		if m == nil || math.Abs(m.Score-tc.want) > 0.06 {
			t.Errorf("%s: %+v, want score %.1f", tc.name, m, tc.want)
		}
	}
	if m := meshmarkScore(t, 100, 0, 0, 0, false); len(m.Missing) != 2 || m.Missing[0] != "cpu" {
		t.Errorf("missing %v", m.Missing)
	}
	// Monotone: more of any overhead never raises the score.
	prev := 101.0
	for _, lat := range []float64{0, 1, 5, 20, 100, 500} {
		s := meshmarkScore(t, lat, 1, 50, 10, true).Score
		if s > prev {
			t.Errorf("latency %v%%: score %v rose from %v", lat, s, prev)
		}
		prev = s
	}
	prev = 101
	for _, cpu := range []float64{0, 10, 100, 1000} {
		s := meshmarkScore(t, 5, 1, cpu, 10, true).Score
		if s > prev {
			t.Errorf("cpu %v: score %v rose from %v", cpu, s, prev)
		}
		prev = s
	}
}
