// Package builtin is the platform of `workload.app: builtin`: smp's own echo
// target (HTTP, gRPC or TCP echo, by the load's protocol) started inside
// this process on a free loopback port for each iteration. There is no mesh
// and nothing to watch: the target's CPU is part of the client's figure,
// which the deployment says (InProcess).
package builtin

import (
	"context"
	"fmt"

	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// Provider starts the built-in target in this process.
type Provider struct{}

var _ platform.Provider = Provider{}

// Name implements platform.Provider.
func (Provider) Name() string { return "builtin" }

// Preflight implements platform.Provider. The built-in target has no mesh:
// every scenario must be the baseline.
func (Provider) Preflight(_ context.Context, t *spec.Test) (*platform.Preflight, error) {
	for _, m := range t.Meshes {
		if m.Type != spec.MeshNone {
			return nil, fmt.Errorf("%w: scenario %s: mesh type %q with workload.app %q: expected %q (the built-in target runs in smp's own process; use workload.app: %s for a mesh)",
				spec.ErrInvalid, m.Name, m.Type, spec.AppBuiltin, spec.MeshNone, spec.AppSample)
		}
	}
	return &platform.Preflight{}, nil
}

// server is what Teardown stops.
type server struct{ stop func() }

// Deploy implements platform.Provider: it starts the target for the load's
// protocol on 127.0.0.1 and returns its URL.
func (Provider) Deploy(ctx context.Context, s *platform.Scenario) (*platform.Deployment, error) {
	t := s.Test
	// The target outlives ctx's cancellation until Teardown, so that an
	// interrupted load still finds it answering while it drains.
	bg := context.WithoutCancel(ctx)
	d := &platform.Deployment{InProcess: true}
	switch t.Load.Protocol {
	case spec.ProtocolGRPC:
		g, err := target.StartGRPC(bg, target.GRPCOptions{Addr: "127.0.0.1:0", Delay: t.Workload.ServiceTime.D()})
		if err != nil {
			return nil, fmt.Errorf("builtin target: %w", err)
		}
		d.Target, d.State = "grpc://"+g.Addr(), &server{stop: func() { _ = g.Close() }}
	case spec.ProtocolTCP:
		e, err := target.StartEcho(bg, "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("builtin target: %w", err)
		}
		d.Target, d.State = "tcp://"+e.Addr(), &server{stop: func() { _ = e.Close() }}
	default:
		tctx, cancel := context.WithCancel(bg)
		srv, err := target.Start(tctx, target.Options{
			Addr: "127.0.0.1:0", Delay: t.Workload.ServiceTime.D(), Size: int64(t.Workload.ResponseSize),
		})
		if err != nil {
			cancel()
			return nil, fmt.Errorf("builtin target: %w", err)
		}
		d.Target, d.State = "http://"+srv.Addr()+"/", &server{stop: func() { cancel(); _ = srv.Wait() }}
	}
	return d, nil
}

// Teardown implements platform.Provider.
func (Provider) Teardown(_ context.Context, d *platform.Deployment) error {
	if s, ok := d.State.(*server); ok && s.stop != nil {
		s.stop()
		s.stop = nil
	}
	return nil
}
