package run

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/loadgen"
	"github.com/smp-dev/smp/spec"
)

// external reports whether t's load runs an external generator.
func external(t *spec.Test) bool {
	return t.Load.Generator != "" && t.Load.Generator != spec.GeneratorBuiltin
}

// GeneratorPlan is the plan an external generator runs for t against
// rawURL (resolved as Plan resolves it).
func GeneratorPlan(t *spec.Test, rawURL string) (*loadgen.Plan, error) {
	u, err := targetURL(t, rawURL)
	if err != nil {
		return nil, err
	}
	l := &t.Load
	req := l.Request
	body := []byte(req.Body)
	if len(body) == 0 && req.BodySize > 0 {
		body = []byte(strings.Repeat("x", int(req.BodySize)))
	}
	p := &loadgen.Plan{
		URL: u.String(), Protocol: l.Protocol, Rate: l.Rate, Arrival: l.Arrival.Type,
		Connections: l.Connections, Duration: l.Duration.D(), Warmup: l.Warmup.D(), Timeout: l.Timeout.D(),
		Method: req.Method, Headers: req.Headers, Body: body,
		Streams: l.Streams, NewConnection: l.NewConnection, RequestMix: len(l.Requests) > 0,
	}
	if p.Method == "" {
		p.Method = "GET"
	}
	if t := l.TLS; t != nil {
		p.TLS = &loadgen.TLS{CACert: t.CACert, Cert: t.Cert, Key: t.Key, Insecure: t.Insecure, SessionReuse: t.SessionReuse}
	}
	if g := l.GRPC; g != nil {
		p.GRPCMethod, p.PayloadSize = g.Method, int(g.PayloadSize)
	}
	if l.TCP != nil {
		p.PayloadSize = int(l.TCP.PayloadSize)
	}
	return p, nil
}

// placeholderURL stands for the target of an app smp starts itself, whose
// address is known only once it runs: what a generator can express does
// not depend on it beyond its scheme.
func placeholderURL(t *spec.Test) string {
	if t.Workload.URL != "" {
		return t.Workload.URL
	}
	switch t.Load.Protocol {
	case spec.ProtocolGRPC:
		return "grpc://127.0.0.1:1"
	case spec.ProtocolTCP:
		return "tcp://127.0.0.1:1"
	}
	return "http://127.0.0.1:1/"
}

// CheckGenerator returns spec problems (exit 2) when t's external load
// generator cannot run t's load as asked (a rate for wrk, gRPC for
// vegeta). It runs nothing and does not look for the tool's binary
// (FindGenerator does, on this machine; on platform kubernetes the client
// pods look for it in their image, see smp image build --add-tool).
func CheckGenerator(t *spec.Test) error {
	if !external(t) {
		return nil
	}
	g, err := loadgen.New(t.Load.Generator, loadgen.Options{Path: t.Load.GeneratorPath})
	if err != nil {
		return spec.Problems{{Field: "load.generator", Value: fmt.Sprintf("%q", t.Load.Generator), Expected: err.Error()}}
	}
	if t.Load.Mode == spec.ModeCapacity && t.Load.Capacity != nil {
		// The trials run at rates from load.capacity.start, whatever
		// load.rate says.
		c := *t
		c.Load.Rate = t.Load.Capacity.Start
		t = &c
	}
	p, err := GeneratorPlan(t, placeholderURL(t))
	if err != nil {
		return err
	}
	var pe *loadgen.PlanError
	if err := g.Check(p); errors.As(err, &pe) {
		return spec.Problems{{Field: pe.Field, Value: pe.Value,
			Expected: fmt.Sprintf("what %s can run: %s (or load.generator: builtin)", pe.Tool, pe.Why)}}
	} else if err != nil {
		return err
	}
	return nil
}

// FindGenerator checks that t's external generator's binary is there
// (on PATH or at load.generatorPath), so that a run fails before it
// deploys anything. On platform kubernetes the client pods run it from
// their image, where this machine cannot look: a pod without it fails
// with this error in its log.
func FindGenerator(t *spec.Test) error {
	if !external(t) || t.Environment.Platform == spec.PlatformKubernetes {
		return nil
	}
	_, err := loadgen.Find(t.Load.Generator, t.Load.GeneratorPath)
	return err
}

// loadExternal drives the load with t's external generator from this
// machine; its files go to dir.
func (r *runner) loadExternal(ctx context.Context, t *spec.Test, target, dir string) (*load.Result, error) {
	run, err := prepareExternal(t, target, filepath.Join(dir, "generator"))
	if err != nil {
		return nil, err
	}
	return run(ctx)
}

// PrepareLoad readies t's load against target for a process that drives
// it itself, such as a load Job's client pod (smp worker): smp's engine's
// plan (Plan), or t's external generator found (on PATH or at
// load.generatorPath) with its plan checked, its files going to work. It
// runs nothing, so that a load that cannot run fails before the load's
// start; the function it returns runs it.
func PrepareLoad(t *spec.Test, target, work string) (func(context.Context) (*load.Result, error), error) {
	if external(t) {
		return prepareExternal(t, target, work)
	}
	plan, err := Plan(t, target)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*load.Result, error) { return load.Run(ctx, plan) }, nil
}

// prepareExternal finds t's external generator and checks its plan
// against target; the function it returns runs it, with work as its work
// folder.
func prepareExternal(t *spec.Test, target, work string) (func(context.Context) (*load.Result, error), error) {
	path, err := loadgen.Find(t.Load.Generator, t.Load.GeneratorPath)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(work, 0o750); err != nil {
		return nil, fmt.Errorf("load generator %s: its work folder: %w", t.Load.Generator, err)
	}
	g, err := loadgen.New(t.Load.Generator, loadgen.Options{Path: path, Work: work})
	if err != nil {
		return nil, err
	}
	p, err := GeneratorPlan(t, target)
	if err != nil {
		return nil, err
	}
	if err := g.Check(p); err != nil {
		return nil, err
	}
	return func(ctx context.Context) (*load.Result, error) { return g.Run(ctx, p) }, nil
}

// targetURL is rawURL with t's request path unless it has a path (or
// query) of its own.
func targetURL(t *spec.Test, rawURL string) (*url.URL, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("workload url %q: %w", rawURL, err)
	}
	if (u.Path == "" || u.Path == "/") && u.RawQuery == "" {
		p, q, _ := strings.Cut(t.Load.Request.Path, "?")
		u.Path, u.RawQuery = p, q
	}
	return u, nil
}
