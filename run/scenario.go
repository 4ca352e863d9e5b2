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
	"github.com/smp-dev/smp/platform/local"
	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// teardownTimeout bounds how long a deployment may take to go away.
const teardownTimeout = 30 * time.Second

// runner holds what every scenario of one run shares.
type runner struct {
	t        *spec.Test
	o        Options
	ro       report.Options
	provider platform.Provider
	logDir   string
	unpin    func()
}

func newRunner(t *spec.Test, o Options) (*runner, error) {
	r := &runner{t: t, o: o, ro: reportOptions(t), provider: o.Provider, logDir: o.LogDir, unpin: func() {}}
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
	if t.Workload.App != spec.AppSample {
		return r, nil
	}
	if r.provider == nil {
		exe := o.Exe
		if exe == "" {
			var err error
			if exe, err = os.Executable(); err != nil {
				r.close()
				return nil, fmt.Errorf("find the smp binary: %w", err)
			}
		}
		r.provider = &local.Provider{Exe: exe, CPUs: meshCPUs}
	}
	// Fail before anything runs when a scenario's proxy is missing.
	for _, m := range t.Meshes {
		if err := local.Check(m.Type); err != nil && !errors.Is(err, platform.ErrSkipped) {
			r.close()
			return nil, fmt.Errorf("scenario %s: %w", m.Name, err)
		}
	}
	if r.logDir == "" {
		dir, err := os.MkdirTemp("", "smp-logs-")
		if err != nil {
			r.close()
			return nil, err
		}
		r.logDir = dir
	}
	return r, nil
}

func (r *runner) close() { r.unpin() }

// scenario runs every iteration of one mesh. It returns the scenario with
// what was measured, and an error when an iteration failed (the scenario
// then stops) or the scenario was skipped.
func (r *runner) scenario(ctx context.Context, m spec.Mesh) (*report.Scenario, error) {
	t := r.t
	sc := &report.Scenario{
		Name: m.Name,
		Mesh: report.Mesh{Type: m.Type, MTLS: m.MTLS, Concurrency: m.Concurrency},
	}
	var results []*load.Result
	var failure error
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
		sum, err := report.Summarize(results, r.ro, t.Workload.App == spec.AppBuiltin)
		if err != nil {
			return nil, err
		}
		sum.Resources, sum.Startup = report.PoolResources(sc.Iterations)
		sc.Summary = sum
	}
	return sc, failure
}

// iteration deploys the workload, drives the load, and tears the workload
// down. It returns the iteration (nil when nothing was measured) and an
// error when the iteration failed.
func (r *runner) iteration(ctx context.Context, m spec.Mesh, i int) (*report.Iteration, *load.Result, error) {
	switch r.t.Workload.App {
	case spec.AppSample:
		return r.deployed(ctx, m, i)
	case spec.AppBuiltin:
		if r.t.Load.Protocol == spec.ProtocolGRPC {
			g, err := target.StartGRPC(context.WithoutCancel(ctx), target.GRPCOptions{
				Addr: "127.0.0.1:0", Delay: r.t.Workload.ServiceTime.D(),
			})
			if err != nil {
				return nil, nil, err
			}
			defer g.Close()
			return r.measure(ctx, i, "grpc://"+g.Addr(), true)
		}
		if r.t.Load.Protocol == spec.ProtocolTCP {
			e, err := target.StartEcho(context.WithoutCancel(ctx), "127.0.0.1:0")
			if err != nil {
				return nil, nil, err
			}
			defer e.Close()
			return r.measure(ctx, i, "tcp://"+e.Addr(), true)
		}
		tctx, stop := context.WithCancel(context.WithoutCancel(ctx))
		srv, err := target.Start(tctx, target.Options{
			Addr: "127.0.0.1:0", Delay: r.t.Workload.ServiceTime.D(), Size: int64(r.t.Workload.ResponseSize),
		})
		if err != nil {
			stop()
			return nil, nil, err
		}
		defer func() { stop(); _ = srv.Wait() }()
		return r.measure(ctx, i, "http://"+srv.Addr()+"/", true)
	default:
		return r.measure(ctx, i, r.t.Workload.URL, false)
	}
}

// measure drives the load at url and makes the iteration of it.
func (r *runner) measure(ctx context.Context, i int, url string, inProcess bool) (*report.Iteration, *load.Result, error) {
	plan, err := Plan(r.t, url)
	if err != nil {
		return nil, nil, err
	}
	if inProcess && plan.Driver == "" {
		// The target shares the Go scheduler: an event loop would hold a
		// scheduler slot it needs while waiting.
		plan.Driver = load.DriverGoroutines
	}
	res, err := load.Run(ctx, plan)
	if err != nil {
		return nil, nil, err
	}
	it, err := report.NewIteration(i, res, r.ro, inProcess)
	if err != nil {
		return nil, nil, err
	}
	return &it, res, nil
}

// deployed runs one iteration on the platform: deploy, watch the
// components' resources, drive the load, tear down.
func (r *runner) deployed(ctx context.Context, m spec.Mesh, i int) (_ *report.Iteration, _ *load.Result, err error) {
	dir := filepath.Join(r.logDir, m.Name, fmt.Sprintf("iteration-%d", i+1))
	d, err := r.provider.Deploy(ctx, &platform.Scenario{Test: r.t, Mesh: m, LogDir: dir, Iteration: i})
	if err != nil {
		return nil, nil, fmt.Errorf("deploy: %w", err)
	}
	defer func() {
		tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), teardownTimeout)
		defer cancel()
		if terr := r.provider.Teardown(tctx, d); terr != nil && err == nil {
			err = fmt.Errorf("teardown: %w", terr)
		}
	}()

	targets := []collect.Target{{Name: "load-generator", Role: report.RoleClient, PID: os.Getpid()}}
	for _, c := range d.Components {
		targets = append(targets, collect.Target{Name: c.Name, Role: c.Role, PID: c.PID, Tree: true})
	}
	col := &collect.Procfs{Interval: r.t.Metrics.SampleInterval.D()}
	// Where there is no procfs (macOS), the deployment runs unsampled:
	// latencies are measured, component CPU and memory are not.
	var unsampled error
	if err := col.Start(ctx, targets); errors.Is(err, collect.ErrUnsupported) {
		unsampled = err
	} else if err != nil {
		return nil, nil, err
	}

	// A component that exits mid-run stops the load at once.
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-d.Failed:
			cancel()
		case <-lctx.Done():
		}
	}()
	it, res, err := r.measure(lctx, i, d.Target, false)
	series := col.Stop()
	if err != nil {
		return nil, nil, err
	}
	it.Components = components(d, series, res)
	if unsampled != nil {
		it.Warnings = append(it.Warnings, fmt.Sprintf("component CPU and memory not sampled: %v", unsampled))
	}
	it.Resources, it.Startup = report.Aggregate(it.Components, it.AchievedRate)
	if crash := d.Err(); crash != nil {
		it.Error = crash.Error()
		return it, res, crash
	}
	return it, res, nil
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
			Name: s.Name, Role: s.Role, PID: s.PID,
			CPUMcores: round1(u.CPUMcores), CPUMcoresMax: round1(u.CPUMcoresMax),
			MemMB: round1(u.MemMB), MemMBMax: round1(u.MemMBMax),
			Samples: u.Samples, Source: s.Source,
		}
		if pc, ok := started[s.Name]; ok && !pc.Ready.IsZero() {
			c.StartupMs = float64(pc.Ready.Sub(pc.Started).Microseconds()) / 1000
		}
		out = append(out, c)
	}
	return out
}

func round1(v float64) float64 { return float64(int64(v*10+0.5)) / 10 }
