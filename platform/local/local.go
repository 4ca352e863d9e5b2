// Package local is the platform that needs no cluster: the sample app's
// services run as processes on this machine, and in a mesh scenario every
// workload (the load generator too) gets a sidecar proxy process, so that
// every hop crosses two sidecars as in a sidecar mesh. Ports are free
// loopback ports; all processes of a deployment share one process group.
package local

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/smp-dev/smp/collect"
	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/platform/local/sidecar"
	"github.com/smp-dev/smp/spec"
	"github.com/smp-dev/smp/target"
)

// Provider deploys scenarios as local processes.
type Provider struct {
	// Exe is the smp binary that runs the app services and the reference
	// proxy (`smp service`, `smp proxy`).
	Exe string
	// CPUs pins the app and sidecar processes; nil leaves them unpinned.
	CPUs []int
	// Grace is how long processes get to exit on SIGTERM; default 5 s.
	Grace time.Duration
	// SampleInterval is how often the components' CPU and memory are
	// read; 0 means the collector's default.
	SampleInterval time.Duration
}

// Name implements platform.Provider.
func (p *Provider) Name() string { return "local" }

// Preflight implements platform.Provider: every scenario's proxy program
// must be installed (an Envoy scenario is skipped when Envoy is not).
func (p *Provider) Preflight(_ context.Context, t *spec.Test) (*platform.Preflight, error) {
	pf := &platform.Preflight{Skip: map[string]error{}}
	if t.Workload.App != spec.AppSample {
		return nil, fmt.Errorf("local platform: workload.app %q: expected %q", t.Workload.App, spec.AppSample)
	}
	for _, m := range t.Meshes {
		err := Check(m.Type)
		switch {
		case errors.Is(err, platform.ErrSkipped):
			pf.Skip[m.Name] = err
		case err != nil:
			return nil, fmt.Errorf("scenario %s: %w", m.Name, err)
		}
	}
	return pf, nil
}

var _ platform.Provider = (*Provider)(nil)

// deployment is the provider's state behind a platform.Deployment.
type deployment struct {
	g *group
}

// Deploy implements platform.Provider.
func (p *Provider) Deploy(ctx context.Context, s *platform.Scenario) (d *platform.Deployment, err error) {
	w := s.Test.Workload
	if w.App != spec.AppSample {
		return nil, fmt.Errorf("local platform: workload.app %q: expected %q", w.App, spec.AppSample)
	}
	var kind sidecar.Kind
	var program string
	if s.Mesh.Type != spec.MeshNone {
		if kind, program, err = lookupKind(s.Mesh.Type); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(s.LogDir, 0o755); err != nil {
		return nil, fmt.Errorf("local platform: %w", err)
	}
	g := newGroup(p.CPUs)
	defer func() {
		if err != nil {
			_ = g.stop(p.grace())
		}
	}()
	l, err := p.layout(s, kind != nil)
	if err != nil {
		return nil, err
	}
	d = &platform.Deployment{
		Target: "http://" + l.entry + "/", Failed: g.failed, Err: g.err,
		Collector: &collect.Procfs{Interval: p.SampleInterval},
	}
	d.Components, err = p.startApps(ctx, g, s, l)
	if err != nil {
		return nil, err
	}
	if kind != nil {
		proxies, err := p.startSidecars(ctx, g, s, l, kind, program)
		if err != nil {
			return nil, err
		}
		d.Components = append(d.Components, proxies...)
	}
	d.State = &deployment{g: g}
	return d, nil
}

// Teardown implements platform.Provider.
func (p *Provider) Teardown(_ context.Context, d *platform.Deployment) error {
	st, ok := d.State.(*deployment)
	if !ok {
		return nil
	}
	return st.g.stop(p.grace())
}

func (p *Provider) grace() time.Duration {
	if p.Grace > 0 {
		return p.Grace
	}
	return 5 * time.Second
}

// lookupKind finds the sidecar kind of a mesh type and its program.
func lookupKind(meshType string) (sidecar.Kind, string, error) {
	kind, ok := sidecar.Kinds()[meshType]
	if !ok {
		return nil, "", fmt.Errorf("local platform: mesh type %q: expected one of none, %v", meshType, sidecar.Names())
	}
	if kind.Program() == "" {
		return kind, "", nil
	}
	path, err := exec.LookPath(kind.Program())
	if err != nil {
		msg := fmt.Errorf("%w: %s not found on PATH; install it (e.g. %s) or remove the scenario",
			platform.ErrNotFound, kind.Program(), kind.InstallHint())
		if meshType == "envoy" {
			return nil, "", fmt.Errorf("%w: %w", platform.ErrSkipped, msg)
		}
		return nil, "", msg
	}
	return kind, path, nil
}

// service is one sample-app service's place in the layout.
type service struct {
	name     string
	app      string         // the app's own address
	inbound  string         // its sidecar's inbound listener (mesh)
	calls    []int          // downstream services
	outbound map[int]string // its sidecar's listener per downstream (mesh)
	admin    string         // sidecar admin address (mesh)
}

// layout is where everything listens.
type layout struct {
	services    []service
	clientOut   string // the load generator's sidecar listener (mesh)
	clientAdmin string
	entry       string // where the load goes
}

func (p *Provider) layout(s *platform.Scenario, mesh bool) (*layout, error) {
	n := s.Test.Workload.Services
	need := n // app ports
	if mesh {
		need += n + (n - 1) + 1 + n + 1 // inbound, outbound per edge, client out, admins
	}
	ports, err := freeAddrs(need)
	if err != nil {
		return nil, err
	}
	next := func() string { a := ports[0]; ports = ports[1:]; return a }
	l := &layout{services: make([]service, n)}
	for i := range l.services {
		sv := &l.services[i]
		sv.name = "svc-" + strconv.Itoa(i)
		sv.app = next()
		switch s.Test.Workload.Topology {
		case target.Fanout:
			if i == 0 {
				for j := 1; j < n; j++ {
					sv.calls = append(sv.calls, j)
				}
			}
		default: // chain
			if i+1 < n {
				sv.calls = []int{i + 1}
			}
		}
	}
	l.entry = l.services[0].app
	if !mesh {
		return l, nil
	}
	for i := range l.services {
		sv := &l.services[i]
		sv.inbound, sv.admin = next(), next()
		sv.outbound = map[int]string{}
		for _, j := range sv.calls {
			sv.outbound[j] = next()
		}
	}
	l.clientOut, l.clientAdmin = next(), next()
	l.entry = l.clientOut
	return l, nil
}

// freeAddrs returns n distinct free loopback addresses. All listeners are
// held until every port is chosen, so none is handed out twice.
func freeAddrs(n int) ([]string, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	out := make([]string, 0, n)
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("local platform: free port: %w", err)
		}
		lns = append(lns, ln)
		out = append(out, ln.Addr().String())
	}
	return out, nil
}

// startApps starts every service and waits until each answers.
func (p *Provider) startApps(ctx context.Context, g *group, s *platform.Scenario, l *layout) ([]platform.Component, error) {
	w := s.Test.Workload
	var comps []platform.Component
	var procs []*proc
	for _, sv := range l.services {
		argv := []string{p.Exe, "service", "--addr", sv.app,
			"--size", strconv.FormatInt(int64(w.ResponseSize), 10), "--delay", w.ServiceTime.D().String()}
		for _, j := range sv.calls {
			down := l.services[j].app
			if sv.outbound != nil {
				down = sv.outbound[j]
			}
			argv = append(argv, "--downstream", "http://"+down+"/")
		}
		pr, err := g.start(sv.name, platform.RoleApp, filepath.Join(s.LogDir, sv.name+".log"), argv)
		if err != nil {
			return nil, err
		}
		procs = append(procs, pr)
	}
	for i, pr := range procs {
		ready, err := waitReady(ctx, g, "http://"+l.services[i].app+target.HealthPath, nil)
		if errors.Is(err, errExited) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w; last lines of %s:\n%s", pr.name, err, pr.log, tail(pr.log, 10))
		}
		comps = append(comps, component(pr, ready))
	}
	return comps, nil
}

// startSidecars starts one sidecar per service and one for the load
// generator, then waits until a request succeeds through each.
func (p *Provider) startSidecars(ctx context.Context, g *group, s *platform.Scenario, l *layout, kind sidecar.Kind, program string) ([]platform.Component, error) {
	dir := filepath.Join(s.LogDir, "config")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	var ca *authority
	if s.Mesh.MTLS {
		var err error
		if ca, err = newAuthority(dir); err != nil {
			return nil, fmt.Errorf("mTLS certificates: %w", err)
		}
	}
	concurrency := s.Mesh.Concurrency
	if concurrency < 1 {
		concurrency = 1
	}
	type pending struct {
		pr    *proc
		probe string
		tls   *tls.Config
		admin string // the admin address, where the proxy serves its metrics
	}
	var started []pending
	for i := -1; i < len(l.services); i++ {
		c := sidecar.Config{Dir: dir, Concurrency: concurrency}
		var probe string
		if i < 0 {
			c.Workload, c.AdminAddr = "client", l.clientAdmin
			c.Routes = []sidecar.Route{{Name: "client_out_svc0", Listen: l.clientOut, Upstream: l.services[0].inbound, PeerName: identity(l.services[0].name)}}
			probe = "http://" + l.clientOut + target.HealthPath
		} else {
			sv := l.services[i]
			c.Workload, c.AdminAddr = sv.name, sv.admin
			c.Routes = []sidecar.Route{{Name: fmt.Sprintf("svc%d_in", i), Listen: sv.inbound, Upstream: sv.app, Inbound: true}}
			for _, j := range sv.calls {
				c.Routes = append(c.Routes, sidecar.Route{Name: fmt.Sprintf("svc%d_out_svc%d", i, j), Listen: sv.outbound[j],
					Upstream: l.services[j].inbound, PeerName: identity(l.services[j].name)})
			}
			probe = "http://" + sv.inbound + target.HealthPath
		}
		var probeTLS *tls.Config
		if ca != nil {
			id, err := ca.issue(c.Workload)
			if err != nil {
				return nil, err
			}
			c.MTLS = id
			if i >= 0 {
				probe = "https://" + l.services[i].inbound + target.HealthPath
				if probeTLS, err = clientTLS(id, identity(l.services[i].name)); err != nil {
					return nil, err
				}
			}
		}
		args, err := kind.Prepare(c)
		if err != nil {
			return nil, err
		}
		exe := program
		if exe == "" {
			exe = p.Exe
		}
		name := c.Workload + "-proxy"
		pr, err := g.start(name, platform.RoleProxy, filepath.Join(s.LogDir, name+".log"), append([]string{exe}, args...))
		if err != nil {
			return nil, err
		}
		started = append(started, pending{pr, probe, probeTLS, c.AdminAddr})
	}
	var comps []platform.Component
	for _, pd := range started {
		ready, err := waitReady(ctx, g, pd.probe, pd.tls)
		if errors.Is(err, errExited) {
			return nil, err
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w; last lines of %s:\n%s", pd.pr.name, err, pd.pr.log, tail(pd.pr.log, 10))
		}
		comp := component(pd.pr, ready)
		if m, ok := kind.(sidecar.Metered); ok && pd.admin != "" {
			path, schema := m.Metrics()
			comp.Metrics, comp.MetricsSchema = httpMetrics("http://"+pd.admin+path), schema
		}
		comps = append(comps, comp)
	}
	return comps, nil
}

// clientTLS is a prober's view of a workload identity: it presents id's
// certificate and verifies the server as peer.
func clientTLS(id *sidecar.TLS, peer string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(id.Cert, id.Key)
	if err != nil {
		return nil, err
	}
	caPEM, err := os.ReadFile(id.CA)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("no CA certificate")
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, ServerName: peer, MinVersion: tls.VersionTLS13}, nil
}

func component(pr *proc, ready time.Time) platform.Component {
	return platform.Component{Name: pr.name, Role: pr.role, Ref: platform.Ref{PID: pr.cmd.Process.Pid}, Started: pr.started, Ready: ready, Log: pr.log}
}

// Check reports whether a mesh type can run here: nil, an error wrapping
// platform.ErrNotFound naming the missing program and how to install it, or
// one wrapping platform.ErrSkipped for a kind that is skipped when absent.
func Check(meshType string) error {
	if meshType == spec.MeshNone {
		return nil
	}
	_, _, err := lookupKind(meshType)
	return err
}
