package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/smp-dev/smp/collect"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/platform/builtin"
	"github.com/smp-dev/smp/platform/kubernetes"
	"github.com/smp-dev/smp/platform/local"
	"github.com/smp-dev/smp/platform/static"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

// teardownTimeout bounds how long a deployment may take to go away.
const teardownTimeout = 30 * time.Second

// runner holds what every scenario of one run shares.
type runner struct {
	t        *spec.Test
	o        Options
	ro       report.Options
	provider platform.Provider
	pf       *platform.Preflight
	logDir   string
	// tempLogs: logDir is a temporary folder of this run's, removed at
	// its end.
	tempLogs bool
	// capacity holds each scenario's capacity search (load.mode
	// capacity), by mesh name.
	capacity map[string]*report.Capacity
	// live is the running iteration's, for Options.Live.
	live  Live
	unpin func()
}

func newRunner(ctx context.Context, t *spec.Test, o Options) (*runner, error) {
	r := &runner{t: t, o: o, ro: reportOptions(t), provider: o.Provider, logDir: o.LogDir, unpin: func() {},
		capacity: map[string]*report.Capacity{}}
	var meshCPUs []int
	if p := t.Environment.Placement; p != nil {
		client, err := spec.ParseCPUList(p.Client)
		if err != nil {
			return nil, fmt.Errorf("environment.placement.client: %w", err)
		}
		if meshCPUs, err = spec.ParseCPUList(p.Mesh); err != nil {
			return nil, fmt.Errorf("environment.placement.mesh: %w", err)
		}
		if r.unpin, err = pinSelf(client); err != nil {
			return nil, fmt.Errorf("environment.placement.client %q: %w", p.Client, err)
		}
	}
	if r.provider == nil {
		var err error
		if r.provider, err = providerFor(t, o, meshCPUs); err != nil {
			r.close()
			return nil, err
		}
	}
	// Fail before anything runs when a scenario cannot run here.
	pf, err := r.provider.Preflight(ctx, t)
	if err != nil {
		r.close()
		return nil, fmt.Errorf("%s platform: preflight: %w", r.provider.Name(), err)
	}
	r.pf = pf
	if r.logDir == "" {
		dir, err := os.MkdirTemp("", "smp-logs-")
		if err != nil {
			r.close()
			return nil, err
		}
		r.logDir, r.tempLogs = dir, true
	}
	return r, nil
}

// providerFor picks the platform of t's workload.
func providerFor(t *spec.Test, o Options, meshCPUs []int) (platform.Provider, error) {
	if t.Environment.Platform == spec.PlatformKubernetes {
		return kubernetes.New(t.Environment.Kubernetes), nil
	}
	switch t.Workload.App {
	case spec.AppSample:
		exe := o.Exe
		if exe == "" {
			var err error
			if exe, err = os.Executable(); err != nil {
				return nil, fmt.Errorf("find the smp binary: %w", err)
			}
		}
		return &local.Provider{Exe: exe, CPUs: meshCPUs, SampleInterval: t.Metrics.SampleInterval.D()}, nil
	case spec.AppBuiltin:
		return builtin.Provider{}, nil
	default:
		return static.Provider{}, nil
	}
}

func (r *runner) close() {
	r.unpin()
	if r.tempLogs {
		_ = os.RemoveAll(r.logDir)
	}
}

// scenario runs every iteration of one mesh. It returns the scenario with
// what was measured, and an error when an iteration failed (the scenario
// then stops) or the scenario was skipped.
func (r *runner) scenario(ctx context.Context, m spec.Mesh) (*report.Scenario, error) {
	t := r.t
	if err := r.pf.Skip[m.Name]; err != nil {
		return nil, err
	}
	sc := &report.Scenario{
		Name: m.Name,
		Mesh: report.Mesh{Type: m.Type, MTLS: m.MTLS, Concurrency: m.Concurrency},
	}
	if mi, ok := r.pf.Meshes[m.Name]; ok {
		sc.Mesh.Version, sc.Mesh.ControlPlane = mi.Version, mi.ControlPlane
	}
	var results []*load.Result
	var failure error
	inProcess := false
	for i := range t.Iterations {
		if ctx.Err() != nil {
			break
		}
		progress(r.o.Progress, "%s: iteration %d/%d: %s", m.Name, i+1, t.Iterations, describe(t))
		it, res, err := r.iteration(ctx, m, i)
		if errors.Is(err, platform.ErrSkipped) {
			return nil, err
		}
		if it != nil {
			inProcess = inProcess || it.Client.IncludesTarget
			sc.Iterations = append(sc.Iterations, *it)
			results = append(results, res)
			progress(r.o.Progress, "%s: iteration %d/%d: %d requests, %.1f/s, p50 %.3f ms, p99 %.3f ms, %d errors",
				m.Name, i+1, t.Iterations, it.Requests, it.AchievedRate,
				it.Latency.Percentiles["p50"], it.Latency.Percentiles["p99"], it.Errors)
		}
		if err != nil {
			failure = fmt.Errorf("scenario %s, iteration %d: %w", m.Name, i+1, err)
			sc.Error = failure.Error()
			progress(r.o.Progress, "%s: iteration %d/%d failed: %v", m.Name, i+1, t.Iterations, err)
			break
		}
	}
	if len(results) > 0 {
		sum, err := report.Summarize(results, r.ro, inProcess)
		if err != nil {
			return nil, err
		}
		sum.Resources, sum.Startup = report.PoolResources(sc.Iterations)
		sum.ControlPlane = report.PoolControlPlane(sc.Iterations)
		sum.Capacity = r.capacity[m.Name]
		sc.Summary = sum
	}
	return sc, failure
}

// iteration runs one iteration on the platform: deploy, watch the
// components' resources, drive the load, tear down. It returns the
// iteration (nil when nothing was measured) and an error when the
// iteration failed.
func (r *runner) iteration(ctx context.Context, m spec.Mesh, i int) (_ *report.Iteration, _ *load.Result, err error) {
	dir := filepath.Join(r.logDir, m.Name, fmt.Sprintf("iteration-%d", i+1))
	r.live = Live{Scenario: m.Name, Iteration: i + 1, Iterations: r.t.Iterations}
	began := time.Now()
	d, err := r.provider.Deploy(ctx, &platform.Scenario{Test: r.t, Mesh: m, LogDir: dir, Iteration: i})
	if err != nil {
		return nil, nil, fmt.Errorf("deploy: %w", err)
	}
	progress(r.o.Progress, "%s: iteration %d/%d: deployed in %.1f s, load running against %s",
		m.Name, i+1, r.t.Iterations, time.Since(began).Seconds(), d.Target)
	defer func() {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
		defer cancel()
		if terr := r.provider.Teardown(tctx, d); terr != nil && err == nil {
			err = fmt.Errorf("teardown: %w", terr)
		}
	}()

	// Where the collector cannot run here (no procfs on macOS), the
	// deployment runs unsampled: latencies are measured, component CPU
	// and memory are not.
	var unsampled error
	if d.Collector != nil {
		var targets []collect.Target
		if d.Loader == nil && !external(r.t) {
			targets = append(targets, collect.Target{Name: "load-generator", Role: report.RoleClient, PID: os.Getpid()})
		}
		for _, c := range d.Components {
			targets = append(targets, collect.Target{
				Name: c.Name, Role: c.Role, PID: c.Ref.PID, Tree: true,
				Namespace: c.Ref.Namespace, Pod: c.Ref.Pod, Container: c.Ref.Container,
			})
		}
		if d.ControlPlane != nil {
			targets = append(targets, controlPlaneTarget(d.ControlPlane))
		}
		if err := d.Collector.Start(ctx, targets); errors.Is(err, collect.ErrUnsupported) {
			unsampled, d.Collector = err, nil
		} else if err != nil {
			return nil, nil, fmt.Errorf("resources: %w", err)
		}
	}

	// A component that exits mid-run stops the load at once.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if d.Failed != nil {
		go func() {
			select {
			case <-d.Failed:
				cancel()
			case <-lctx.Done():
			}
		}()
	}
	proxiesBefore := readProxies(ctx, d)
	cpBefore := readControlPlane(ctx, d.ControlPlane)
	drive := r.load
	if r.t.Load.Mode == spec.ModeCapacity {
		drive = func(ctx context.Context, d *platform.Deployment, dir string) (*load.Result, error) {
			return r.searchCapacity(ctx, m, d, dir)
		}
	}
	res, err := drive(lctx, d, dir)
	proxiesAfter := readProxies(ctx, d)
	var checkNotes []string
	var checkErr error
	// An interrupted run keeps what it measured; the checks need the
	// cluster, which the interruption is leaving.
	if d.Check != nil && err == nil && ctx.Err() == nil {
		cctx, ccancel := context.WithTimeout(ctx, time.Minute)
		checkNotes, checkErr = d.Check(cctx)
		ccancel()
	}
	var prop *report.Propagation
	var propWarnings []string
	if err == nil {
		prop, propWarnings = propagate(ctx, d.ControlPlane)
	}
	cpAfter := readControlPlane(ctx, d.ControlPlane)
	var series []collect.Series
	if d.Collector != nil {
		series = d.Collector.Stop()
	}
	if err != nil {
		return nil, nil, err
	}
	it, ierr := report.NewIteration(i, res, r.ro, d.InProcess && !external(r.t))
	if ierr != nil {
		return nil, nil, ierr
	}
	it.Warnings = append(it.Warnings, d.Notes...)
	it.Warnings = append(it.Warnings, checkNotes...)
	it.Components = components(d, series, res)
	var cpWarnings []string
	it.ControlPlane, it.Components, cpWarnings = controlPlane(d.ControlPlane, it.Components, cpBefore, cpAfter, prop)
	it.Warnings = append(it.Warnings, propWarnings...)
	it.Warnings = append(it.Warnings, cpWarnings...)
	addProxyViews(&it, proxiesBefore, proxiesAfter)
	if unsampled != nil {
		it.Warnings = append(it.Warnings, fmt.Sprintf("component CPU and memory not sampled: %v", unsampled))
	}
	it.Resources, it.Startup = report.Aggregate(it.Components, it.AchievedRate)
	if crash := d.Error(); crash != nil {
		it.Error = crash.Error()
		return &it, res, crash
	}
	if checkErr != nil {
		it.Error = checkErr.Error()
		return &it, res, checkErr
	}
	return &it, res, nil
}

// load drives the deployment's load: on the platform when it places the
// load generator, otherwise from this process.
func (r *runner) load(ctx context.Context, d *platform.Deployment, dir string) (*load.Result, error) {
	return r.loadTest(ctx, r.t, d, dir)
}

// loadTest drives t's load (r.t's, or a capacity trial's) on d.
func (r *runner) loadTest(ctx context.Context, t *spec.Test, d *platform.Deployment, dir string) (*load.Result, error) {
	if d.Loader != nil {
		return d.Loader.Load(ctx, t, d.Target)
	}
	if external(t) {
		return r.loadExternal(ctx, t, d.Target, dir)
	}
	plan, err := Plan(t, d.Target)
	if err != nil {
		return nil, err
	}
	if r.o.Live != nil {
		live := r.live
		plan.Progress = func(p load.Progress) {
			live.Progress = p
			r.o.Live(live)
		}
	}
	if d.InProcess && plan.Driver == "" {
		// The target shares the Go scheduler: an event loop would hold a
		// scheduler slot it needs while waiting.
		plan.Driver = load.DriverGoroutines
	}
	return load.Run(ctx, plan)
}

// components cuts each series to the measurement window.
func components(d *platform.Deployment, series []collect.Series, res *load.Result) []report.Component {
	started := map[string]platform.Component{}
	for _, c := range d.Components {
		started[c.Name] = c
	}
	out := make([]report.Component, 0, len(series))
	for _, s := range series {
		u := collect.Window(s, res.Start, res.End)
		c := report.Component{
			Name: s.Name, Role: s.Role, PID: s.PID, Namespace: s.Namespace, Pod: s.Pod, Container: s.Container,
			CPUMcores: round1(u.CPUMcores), CPUMcoresMax: round1(u.CPUMcoresMax),
			MemMB: round1(u.MemMB), MemMBMax: round1(u.MemMBMax),
			Samples: u.Samples, Source: s.Source,
		}
		if pc, ok := started[s.Name]; ok && !pc.Ready.IsZero() {
			c.StartupMs = float64(pc.Ready.Sub(pc.Started).Microseconds()) / 1000
			for _, st := range pc.Steps {
				c.StartupSteps = append(c.StartupSteps, report.StartupStep{
					Name: st.Name, Ms: float64(st.At.Sub(pc.Started).Microseconds()) / 1000})
			}
		}
		if s.Note != "" {
			c.Note = s.Note
		}
		out = append(out, c)
	}
	return out
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
