package report

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func nearCP(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestNewQuantiles(t *testing.T) {
	t.Parallel()
	// Istio's convergence buckets in ms: 100 observations, 40 at most
	// 100 ms, 40 more up to 500 ms, 10 up to 1 s, 10 above 30 s.
	b := []Bucket{{LE: 100, Count: 40}, {LE: 500, Count: 80}, {LE: 1000, Count: 90}, {LE: 30000, Count: 90}}
	q := NewQuantiles(b, 100)
	if q == nil {
		t.Fatal("nil quantiles for 100 observations")
	}
	// p50: rank 50, 10 into the 40 of (100, 500]: 100 + 400·10/40 = 200.
	// p90: rank 90 is the top of (500, 1000]: 1000.
	// p99: rank 99 lies above the last bound: that bound, 30000.
	if q.Count != 100 || !nearCP(q.P50, 200) || !nearCP(q.P90, 1000) || !nearCP(q.P99, 30000) {
		t.Errorf("got %+v, want count 100, p50 200, p90 1000, p99 30000", *q)
	}
	b[0].Count = 0 // NewQuantiles keeps its own copy of the buckets
	if q.Buckets[0].Count != 40 {
		t.Errorf("buckets share the caller's slice: %v", q.Buckets)
	}
	if NewQuantiles(b, 0) != nil || NewQuantiles(nil, 5) != nil || NewQuantiles(b, math.NaN()) != nil {
		t.Error("want nil for no observation, no bucket or a NaN count")
	}
}

func TestNewPropagation(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		ms       []float64
		p50, max float64
	}{
		{"odd count: the middle value", []float64{300, 100, 200}, 200, 300},
		{"even count: the mean of the middle two", []float64{40, 10, 30, 20}, 25, 40},
		{"one client", []float64{7.5}, 7.5, 7.5},
		{"no client observed it", nil, 0, 0},
	} {
		p := NewPropagation("created Service probe", "probe pods", tc.ms, 2)
		if p.P50Ms != tc.p50 || p.MaxMs != tc.max || p.Clients != len(tc.ms) || p.Failed != 2 || p.Ms == nil {
			t.Errorf("%s: got %+v, want p50 %g, max %g, clients %d, failed 2", tc.name, *p, tc.p50, tc.max, len(tc.ms))
		}
		if len(tc.ms) > 0 && !slices.Equal(p.Ms, tc.ms) {
			t.Errorf("%s: ms %v: want the clients' order %v kept", tc.name, p.Ms, tc.ms)
		}
	}
}

// cpFixture is one iteration's control plane.
func cpFixture(cpu, cpuMax, mem, memMax float64, conv []int64, convCount float64, prop []float64) *ControlPlane {
	var b []Bucket
	for i, c := range conv {
		b = append(b, Bucket{LE: []float64{100, 500, 1000}[i], Count: c})
	}
	return &ControlPlane{
		Name: "istiod", Namespace: "istio-system", Pod: "istiod-1", Version: "1.31",
		CPUMcores: cpu, CPUMcoresMax: cpuMax, MemMB: mem, MemMBMax: memMax, Samples: 10, Source: "metrics.k8s.io",
		XDS: &XDS{
			Pushes: map[string]float64{"cds": 2, "eds": 5}, PushesTotal: 7, Triggers: map[string]float64{"endpoint": 3},
			ConvergenceMs: NewQuantiles(b, convCount), ConnectedProxies: 4, Source: "istiod :15014/metrics",
		},
		Propagation: NewPropagation("created Service probe", "probe", prop, 0),
	}
}

func TestPoolControlPlane(t *testing.T) {
	t.Parallel()
	its := []Iteration{
		{ControlPlane: cpFixture(10, 30, 100, 110, []int64{10, 10, 10}, 10, []float64{100, 300})},
		{}, // an iteration without a control plane does not count
		{ControlPlane: cpFixture(20, 50, 120, 150, []int64{0, 10, 10}, 10, []float64{200})},
	}
	its[2].ControlPlane.XDS.ConnectedProxies = 6
	got := PoolControlPlane(its)
	if got == nil {
		t.Fatal("nil")
	}
	if got.CPUMcores != 15 || got.CPUMcoresMax != 50 || got.MemMB != 110 || got.MemMBMax != 150 || got.Samples != 20 {
		t.Errorf("resources: got cpu %g max %g, mem %g max %g, samples %d; want 15, 50, 110, 150, 20",
			got.CPUMcores, got.CPUMcoresMax, got.MemMB, got.MemMBMax, got.Samples)
	}
	x := got.XDS
	if x.Pushes["cds"] != 4 || x.Pushes["eds"] != 10 || x.PushesTotal != 14 || x.Triggers["endpoint"] != 6 {
		t.Errorf("pushes: got %v total %g triggers %v; want cds 4, eds 10, total 14, endpoint 6", x.Pushes, x.PushesTotal, x.Triggers)
	}
	if x.ConnectedProxies != 6 {
		t.Errorf("connected proxies %g: want the last window's 6", x.ConnectedProxies)
	}
	// Pooled buckets: 10 at most 100 ms, 20 at most 500, all 20 at most
	// 1000. p50 (rank 10) is the top of the first bucket: 100; p90 (rank
	// 18) is 8/10 into (100, 500]: 420.
	c := x.ConvergenceMs
	if c == nil || c.Count != 20 || !nearCP(c.P50, 100) || !nearCP(c.P90, 420) {
		t.Errorf("convergence: got %+v; want count 20, p50 100, p90 420", c)
	}
	p := got.Propagation
	if p.Clients != 3 || p.P50Ms != 200 || p.MaxMs != 300 || p.Change != "created Service probe" {
		t.Errorf("propagation: got %+v; want 3 clients, p50 200, max 300, the one change", *p)
	}
	if PoolControlPlane([]Iteration{{}, {}}) != nil {
		t.Error("want nil when no iteration has a control plane")
	}
}

func TestPoolControlPlaneNotMeasured(t *testing.T) {
	t.Parallel()
	a := cpFixture(10, 30, 100, 110, []int64{10, 10, 10}, 10, nil)
	b := &ControlPlane{Name: "istiod", Pod: "istiod-2", Note: "no metrics for the pod"}
	got := PoolControlPlane([]Iteration{{ControlPlane: a}, {ControlPlane: b}})
	if got.CPUMcores != 10 || got.MemMB != 100 {
		t.Errorf("an unmeasured window was averaged in: cpu %g mem %g, want 10 and 100", got.CPUMcores, got.MemMB)
	}
	if !strings.Contains(got.Note, "no metrics for the pod") || !strings.Contains(got.Note, "istiod-1, istiod-2") {
		t.Errorf("note %q: want the reason and both pods", got.Note)
	}
}

func TestPoolQuantilesDifferentBuckets(t *testing.T) {
	t.Parallel()
	a := NewQuantiles([]Bucket{{LE: 100, Count: 5}}, 5)
	b := NewQuantiles([]Bucket{{LE: 100, Count: 0}, {LE: 500, Count: 5}}, 5)
	// Bounds differ: the pool is the window with the larger p99, whole.
	if got := poolQuantiles([]*Quantiles{a, nil, b}); got != b {
		t.Errorf("got %+v, want the worst window %+v", got, b)
	}
	if poolQuantiles([]*Quantiles{nil, nil}) != nil {
		t.Error("want nil when no window observed anything")
	}
}

func TestMergeControlPlaneWeighted(t *testing.T) {
	t.Parallel()
	a := Summary{ControlPlane: cpFixture(10, 30, 100, 110, []int64{10, 10, 10}, 10, []float64{50})}
	b := Summary{ControlPlane: cpFixture(40, 50, 200, 210, []int64{10, 10, 10}, 10, []float64{150})}
	// The second window is three times as long: (10 + 3·40) / 4 = 32.5.
	got := mergeControlPlane([]*Summary{&a, &b}, []float64{10, 30})
	if got.CPUMcores != 32.5 || got.MemMB != 175 || got.Propagation.Clients != 2 || got.Propagation.P50Ms != 100 {
		t.Errorf("got cpu %g mem %g propagation %+v; want 32.5, 175, 2 clients p50 100", got.CPUMcores, got.MemMB, got.Propagation)
	}
}

func TestControlPlaneJSON(t *testing.T) {
	t.Parallel()
	it := Iteration{ControlPlane: cpFixture(10, 30, 100, 110, []int64{10, 10, 10}, 10, []float64{1})}
	data, err := json.Marshal(it)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"controlPlane":{"name":"istiod"`, `"cpuMcoresMax":30`, `"memMBMax":110`, `"pushesTotal":7`,
		`"convergenceMs":{"count":10,"p50":50,"p90":90,"p99":99`, `"connectedProxies":4`, `"propagation":{"change":`, `"p50Ms":1`, `"maxMs":1`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JSON lacks %s: %s", key, data)
		}
	}
	var back Iteration
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.ControlPlane.XDS.ConvergenceMs.P99 != 99 || back.ControlPlane.Propagation.MaxMs != 1 {
		t.Errorf("round trip: %+v", back.ControlPlane)
	}
}
