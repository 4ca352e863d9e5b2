package report

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smp-dev/smp/hist"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/spec"
)

// fixtureScenario describes one scenario of the shared fixture.
type fixtureScenario struct {
	name, mesh string
	mtls       bool
	base       time.Duration // body of the latency distribution
	achieved   []float64     // per iteration, req/s over a 10 s window
	errors     int64         // per iteration
	proxyCPU   float64       // per proxy, mCores, iteration 0; +5 per iteration
	proxyMem   float64       // per proxy, MB, iteration 0; +1 per iteration
}

var fixtureScenarios = []fixtureScenario{
	{name: "baseline", mesh: "none", base: time.Millisecond, achieved: []float64{1000, 1000, 1000}},
	{name: "istio", mesh: "istio", mtls: true, base: 1300 * time.Microsecond, achieved: []float64{995, 990, 992}, proxyCPU: 210, proxyMem: 58},
	{name: "linkerd", mesh: "linkerd", mtls: true, base: 1050 * time.Microsecond, achieved: []float64{1000, 999, 1000}, errors: 2, proxyCPU: 90, proxyMem: 20},
}

// fixtureResult is one 10 s iteration at 1000 req/s requested: 10000
// latencies whose body runs from base to 4·base, with a 1% tail at 10·base,
// all scaled by 1 + 2%·(iteration-1) so that iterations differ.
func fixtureResult(fs fixtureScenario, iter int) *load.Result {
	start := t0.Add(time.Duration(iter) * 15 * time.Second)
	sent := int64(fs.achieved[iter] * 10)
	r := &load.Result{
		Start: start, End: start.Add(10 * time.Second), RequestedRate: 1000,
		Counts: load.Counts{
			Requests: sent, Sent: sent, Errors: fs.errors,
			StatusCodes:   map[int]int64{200: sent - fs.errors},
			ErrorKinds:    map[string]int64{},
			BytesReceived: sent * 1100,
		},
		Latency: hist.New(), Uncorrected: hist.New(), SendLag: hist.New(),
		Client: load.ClientUsage{CPUTime: 2 * time.Second, CPUMcores: 200, MaxRSSMB: 30},
	}
	if fs.errors > 0 {
		r.StatusCodes[503] = fs.errors
		r.ErrorKinds[load.KindHTTP5xx] = fs.errors
	}
	scale := 1 + 0.02*float64(iter-1)
	for k := range sent {
		q := float64(k) / float64(sent)
		v := float64(fs.base) * (1 + 3*q*q*q*q)
		if k%100 == 99 {
			v = 10 * float64(fs.base)
		}
		d := time.Duration(v * scale)
		r.Latency.Record(d)
		r.Uncorrected.Record(d * 9 / 10)
		r.SendLag.Record(20 * time.Microsecond)
	}
	for s := range 10 {
		r.Timeline = append(r.Timeline, load.Interval{
			Start: time.Duration(s) * time.Second, Requests: sent / 10, Errors: 0,
			P50: time.Duration(float64(fs.base) * 1.3 * scale * (1 + 0.01*float64(s%3))),
			P99: time.Duration(float64(fs.base) * 10 * scale * (1 + 0.02*float64(s%4))),
		})
	}
	return r
}

func fixtureUsage(fs fixtureScenario, iter int, rate float64) *Resources {
	res := &Resources{App: &RoleUsage{Count: 1, CPUMcores: 150, CPUMcoresTotal: 150, MemMB: 12, MemMBMax: 13,
		CPUMcoresPer1kRps: round(150/(rate/1000), 1), Source: "procfs"}}
	if fs.proxyCPU > 0 {
		cpu := fs.proxyCPU + 5*float64(iter)
		res.Proxy = &RoleUsage{Count: 2, CPUMcores: cpu, CPUMcoresTotal: 2 * cpu, MemMB: fs.proxyMem + float64(iter),
			MemMBMax: fs.proxyMem + float64(iter) + 2, CPUMcoresPer1kRps: round(cpu/(rate/1000), 1), Source: "procfs"}
	}
	return res
}

// buildFixture builds the shared three-scenario, three-iteration report
// (testdata/fixture.json) and the load results behind it, by scenario.
func buildFixture(t testing.TB) (*Report, [][]*load.Result) {
	t.Helper()
	test := spec.Default()
	test.Metadata.Name = "fixture"
	test.Workload = spec.Workload{URL: "http://127.0.0.1:8080/"}
	test.Load.Rate = 1000
	test.Iterations = 3
	test.Meshes = nil
	r := &Report{
		SchemaVersion: SchemaVersion, Tool: Tool{Name: "smp", Version: "test"}, Test: test,
		Environment: Environment{Hostname: "host", OS: "linux/amd64", Kernel: "6.18.0", CPUModel: "Test CPU",
			CPUs: 2, MemoryMB: 7950, GoVersion: "go1.26.8"},
		StartTime: t0, EndTime: t0.Add(3 * time.Minute),
	}
	var all [][]*load.Result
	for _, fs := range fixtureScenarios {
		test.Meshes = append(test.Meshes, spec.Mesh{Name: fs.name, Type: fs.mesh, MTLS: fs.mtls})
		sc := Scenario{Name: fs.name, Mesh: Mesh{Type: fs.mesh, MTLS: fs.mtls}}
		var results []*load.Result
		for i := range fs.achieved {
			res := fixtureResult(fs, i)
			it, err := NewIteration(i, res, Options{}, false)
			if err != nil {
				t.Fatal(err)
			}
			it.Resources = fixtureUsage(fs, i, it.AchievedRate)
			sc.Iterations = append(sc.Iterations, it)
			results = append(results, res)
		}
		sum, err := Summarize(results, Options{}, false)
		if err != nil {
			t.Fatal(err)
		}
		sum.Resources = fixtureUsage(fs, 1, sum.AchievedRate) // the middle iteration is the mean
		sc.Summary = sum
		r.Scenarios = append(r.Scenarios, sc)
		all = append(all, results)
	}
	cs, err := Compare(r)
	if err != nil {
		t.Fatal(err)
	}
	r.Comparisons = cs
	return r, all
}

// TestFixtureGolden keeps testdata/fixture.json, the report other packages
// (slo, render, formats) test against, in step with buildFixture.
func TestFixtureGolden(t *testing.T) {
	t.Parallel()
	r, _ := buildFixture(t)
	var buf bytes.Buffer
	if err := Encode(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "fixture.json")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s is stale (go test ./report -run Fixture -update to rewrite it)", golden)
	}
}
