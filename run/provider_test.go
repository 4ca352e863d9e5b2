package run

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smp-dev/smp/collect"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// fakeProvider is a platform that runs the built-in target in this process
// for each deployment and records every call the pipeline makes, so the
// tests can check run's ordering and cleanup without a real platform. Its
// one component is a pretend proxy in a pod whose CPU the fake collector
// reports as a known constant.
type fakeProvider struct {
	mu     sync.Mutex
	events []string

	preflightErr error
	skip         map[string]error
	deployErr    map[string]error // by scenario name
	// crashAfter closes the deployment's Failed channel this long after
	// the collector starts (0: never).
	crashAfter time.Duration
	// onCollect runs when a collector starts (e.g. to cancel the run).
	onCollect func()
	loader    platform.Loader
	targets   [][]collect.Target
}

// fakeCPU is the pretend proxy's CPU use: 0.25 s per second.
const fakeCPU = 250.0 // mCores

func (f *fakeProvider) log(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.events = append(f.events, fmt.Sprintf(format, args...))
}

func (f *fakeProvider) Events() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.events)
}

func (f *fakeProvider) Name() string { return "fake" }

func (f *fakeProvider) Preflight(_ context.Context, t *spec.Test) (*platform.Preflight, error) {
	f.log("preflight %d", len(t.Meshes))
	if f.preflightErr != nil {
		return nil, f.preflightErr
	}
	pf := &platform.Preflight{Skip: f.skip, Meshes: map[string]platform.MeshInfo{}}
	for _, m := range t.Meshes {
		if m.Type != spec.MeshNone {
			pf.Meshes[m.Name] = platform.MeshInfo{ControlPlane: "fake/" + m.Type, Version: "9.9"}
		}
	}
	return pf, nil
}

type fakeState struct {
	name   string
	stop   func()
	failed chan struct{}
	once   sync.Once
}

func (f *fakeProvider) Deploy(ctx context.Context, s *platform.Scenario) (*platform.Deployment, error) {
	name := fmt.Sprintf("%s#%d", s.Mesh.Name, s.Iteration+1)
	f.log("deploy %s", name)
	if err := f.deployErr[s.Mesh.Name]; err != nil {
		return nil, err
	}
	tctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	srv, err := target.Start(tctx, target.Options{Addr: "127.0.0.1:0", Size: 10})
	if err != nil {
		cancel()
		return nil, err
	}
	st := &fakeState{name: name, stop: func() { cancel(); _ = srv.Wait() }, failed: make(chan struct{})}
	d := &platform.Deployment{
		Target: "http://" + srv.Addr() + "/",
		Components: []platform.Component{{
			Name: "svc-0-proxy", Role: platform.RoleProxy,
			Ref: platform.Ref{Namespace: "smp-unit", Pod: "svc-0-abc", Container: "proxy"},
		}},
		Failed: st.failed,
		Err: func() error {
			select {
			case <-st.failed:
				return errors.New("svc-0-proxy exited: boom")
			default:
				return nil
			}
		},
		Collector: &fakeCollector{f: f, name: name, st: st},
		Loader:    f.loader,
		State:     st,
	}
	return d, nil
}

func (f *fakeProvider) Teardown(_ context.Context, d *platform.Deployment) error {
	st := d.State.(*fakeState)
	f.log("teardown %s", st.name)
	st.stop()
	return nil
}

// fakeCollector reports a constant CPU rate for every target, sampled
// every 100 ms from its start to its stop.
type fakeCollector struct {
	f       *fakeProvider
	name    string
	st      *fakeState
	start   time.Time
	targets []collect.Target
}

func (c *fakeCollector) Start(_ context.Context, targets []collect.Target) error {
	c.f.log("collect %s", c.name)
	c.start, c.targets = time.Now(), targets
	c.f.mu.Lock()
	c.f.targets = append(c.f.targets, targets)
	c.f.mu.Unlock()
	if c.f.crashAfter > 0 {
		time.AfterFunc(c.f.crashAfter, func() { c.st.once.Do(func() { close(c.st.failed) }) })
	}
	if c.f.onCollect != nil {
		c.f.onCollect()
	}
	return nil
}

func (c *fakeCollector) Stop() []collect.Series {
	c.f.log("stop %s", c.name)
	end := time.Now()
	var out []collect.Series
	for _, t := range c.targets {
		s := collect.Series{Target: t, Source: "fake"}
		for at := c.start; !at.After(end.Add(100 * time.Millisecond)); at = at.Add(100 * time.Millisecond) {
			cpu := time.Duration(float64(at.Sub(c.start)) * fakeCPU / 1000)
			s.Samples = append(s.Samples, collect.Sample{At: at, CPU: cpu, RSS: 32 << 20})
		}
		out = append(out, s)
	}
	return out
}

// sampleTest is a two-scenario test on the sample app, run on f.
func sampleTest(t *testing.T, iterations int) *spec.Test {
	return test(t, func(tt *spec.Test) {
		tt.Workload = spec.Workload{App: spec.AppSample, Services: 1, ResponseSize: 10, Topology: "chain"}
		tt.Meshes = []spec.Mesh{{Name: "baseline", Type: spec.MeshNone}, {Name: "ref", Type: spec.MeshReference}}
		tt.Iterations = iterations
		tt.Load.Duration = spec.Duration(600 * time.Millisecond)
		tt.Load.Warmup = spec.Duration(100 * time.Millisecond)
	})
}

// The pipeline calls the platform in one order: preflight once, then per
// scenario and iteration deploy → collect → (load) → stop → teardown; the
// report carries what the platform found and measured.
func TestProviderOrderingAndReport(t *testing.T) {
	f := &fakeProvider{}
	rep, err := Run(context.Background(), sampleTest(t, 2), Options{Provider: f})
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	want = append(want, "preflight 2")
	for _, s := range []string{"baseline#1", "baseline#2", "ref#1", "ref#2"} {
		want = append(want, "deploy "+s, "collect "+s, "stop "+s, "teardown "+s)
	}
	if got := f.Events(); !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
	ref := rep.Scenarios[1]
	if ref.Mesh.Version != "9.9" || ref.Mesh.ControlPlane != "fake/reference" || rep.Scenarios[0].Mesh.Version != "" {
		t.Errorf("mesh info: %+v / %+v", ref.Mesh, rep.Scenarios[0].Mesh)
	}
	it := ref.Iterations[0]
	var proxy *report.Component
	for i := range it.Components {
		if it.Components[i].Role == report.RoleProxy {
			proxy = &it.Components[i]
		}
	}
	if proxy == nil || proxy.Pod != "svc-0-abc" || proxy.Namespace != "smp-unit" || proxy.Container != "proxy" {
		t.Fatalf("proxy component %+v in %+v", proxy, it.Components)
	}
	if math.Abs(proxy.CPUMcores-fakeCPU) > 0.02*fakeCPU || it.Resources == nil {
		t.Errorf("proxy cpu %.1f mCores, want %.0f; resources %+v", proxy.CPUMcores, fakeCPU, it.Resources)
	}
	// Load ran in this process: the collector was asked to watch it.
	if got := f.targets[0]; len(got) != 2 || got[0].Role != report.RoleClient || got[0].PID == 0 {
		t.Errorf("collector targets %+v", got)
	}
	if it.Requests < 100 || it.Errors != 0 {
		t.Errorf("requests %d errors %d", it.Requests, it.Errors)
	}
}

// A failed preflight deploys nothing and names the platform.
func TestProviderPreflightFails(t *testing.T) {
	f := &fakeProvider{preflightErr: errors.New("mesh istio: istiod not found in istio-system")}
	rep, err := Run(context.Background(), sampleTest(t, 1), Options{Provider: f})
	if rep != nil || err == nil || !strings.Contains(err.Error(), "fake platform: preflight: mesh istio: istiod not found") {
		t.Fatalf("report %v, err %v", rep, err)
	}
	if got := f.Events(); !slices.Equal(got, []string{"preflight 2"}) {
		t.Errorf("events %q", got)
	}
}

// A scenario the preflight skips is never deployed and is named in the
// report's warnings; the others run.
func TestProviderSkip(t *testing.T) {
	f := &fakeProvider{skip: map[string]error{"ref": fmt.Errorf("%w: envoy not found", platform.ErrSkipped)}}
	rep, err := Run(context.Background(), sampleTest(t, 1), Options{Provider: f})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range f.Events() {
		if strings.Contains(e, "ref#") {
			t.Errorf("skipped scenario touched: %q", e)
		}
	}
	if len(rep.Scenarios) != 1 || len(rep.Warnings) == 0 || !strings.Contains(strings.Join(rep.Warnings, ";"), "scenario ref skipped") {
		t.Errorf("scenarios %d, warnings %q", len(rep.Scenarios), rep.Warnings)
	}
}

// A deployment that fails stops its scenario; what was measured before is
// kept, the run fails, and nothing deployed is left standing.
func TestProviderDeployFails(t *testing.T) {
	f := &fakeProvider{deployErr: map[string]error{"ref": errors.New("pod svc-0 not ready: ImagePullBackOff")}}
	rep, err := Run(context.Background(), sampleTest(t, 1), Options{Provider: f})
	if !errors.Is(err, ErrFailed) || rep == nil || !strings.Contains(err.Error(), "ImagePullBackOff") {
		t.Fatalf("report %v, err %v", rep, err)
	}
	want := []string{"preflight 2", "deploy baseline#1", "collect baseline#1", "stop baseline#1", "teardown baseline#1", "deploy ref#1"}
	if got := f.Events(); !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
	if len(rep.Scenarios) != 2 || rep.Scenarios[0].Summary.Requests == 0 || rep.Scenarios[1].Error == "" {
		t.Errorf("scenarios %+v", rep.Scenarios)
	}
}

// A component that dies mid-load stops the iteration at once; it is torn
// down, the iteration carries the reason, and the next scenario still runs.
func TestProviderComponentCrash(t *testing.T) {
	f := &fakeProvider{crashAfter: 300 * time.Millisecond}
	tt := sampleTest(t, 1)
	tt.Load.Duration = spec.Duration(5 * time.Second)
	start := time.Now()
	rep, err := Run(context.Background(), tt, Options{Provider: f})
	if !errors.Is(err, ErrFailed) || rep == nil || !strings.Contains(err.Error(), "svc-0-proxy exited: boom") {
		t.Fatalf("report %v, err %v", rep, err)
	}
	if d := time.Since(start); d > 8*time.Second {
		t.Errorf("the crash did not stop the load at once: run took %v", d)
	}
	want := []string{"preflight 2"}
	for _, s := range []string{"baseline#1", "ref#1"} {
		want = append(want, "deploy "+s, "collect "+s, "stop "+s, "teardown "+s)
	}
	if got := f.Events(); !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
	if it := rep.Scenarios[0].Iterations; len(it) != 1 || !strings.Contains(it[0].Error, "boom") {
		t.Errorf("iterations %+v", it)
	}
}

// Ctrl-C during a load: the report of what was measured comes back marked
// partial, the deployment is torn down, and no later scenario starts.
func TestProviderInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := &fakeProvider{onCollect: func() { time.AfterFunc(400*time.Millisecond, cancel) }}
	tt := sampleTest(t, 2)
	tt.Load.Duration = spec.Duration(10 * time.Second)
	rep, err := Run(ctx, tt, Options{Provider: f})
	if !errors.Is(err, ErrInterrupted) || rep == nil || !rep.Partial {
		t.Fatalf("report %v, err %v", rep, err)
	}
	want := []string{"preflight 2", "deploy baseline#1", "collect baseline#1", "stop baseline#1", "teardown baseline#1"}
	if got := f.Events(); !slices.Equal(got, want) {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
	if len(rep.Scenarios) != 1 || len(rep.Scenarios[0].Iterations) != 1 || rep.Scenarios[0].Iterations[0].Requests == 0 {
		t.Errorf("partial report scenarios %+v", rep.Scenarios)
	}
}

// recordingLoader drives the load itself (as in-cluster pods would) and
// records that it was asked.
type recordingLoader struct {
	mu      sync.Mutex
	targets []string
}

func (l *recordingLoader) Load(ctx context.Context, t *spec.Test, target string) (*load.Result, error) {
	l.mu.Lock()
	l.targets = append(l.targets, target)
	l.mu.Unlock()
	p, err := Plan(t, target)
	if err != nil {
		return nil, err
	}
	p.Driver = load.DriverGoroutines
	return load.Run(ctx, p)
}

// Where the platform places the load, run uses its loader and does not
// watch itself as the client.
func TestProviderLoader(t *testing.T) {
	l := &recordingLoader{}
	f := &fakeProvider{loader: l}
	rep, err := Run(context.Background(), sampleTest(t, 1), Options{Provider: f})
	if err != nil {
		t.Fatal(err)
	}
	if len(l.targets) != 2 || !strings.HasPrefix(l.targets[0], "http://127.0.0.1:") {
		t.Errorf("loader targets %q", l.targets)
	}
	for _, ts := range f.targets {
		for _, tg := range ts {
			if tg.Role == report.RoleClient {
				t.Errorf("client watched in-process although the platform runs the load: %+v", tg)
			}
		}
	}
	if rep.Scenarios[1].Summary.Requests == 0 {
		t.Errorf("no requests through the loader")
	}
}
