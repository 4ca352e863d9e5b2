// Package platform is the seam between smp's pipeline and where a scenario
// runs. A Provider checks before anything starts that every scenario can run
// (Preflight), deploys one scenario's workload (with or without a mesh) and
// tears it down. The Deployment says where to send load, which components
// (processes or pods) to watch and how, and — when the platform places the
// load generator itself (in-cluster Job pods, say) — how to drive the load
// there. Implementations: platform/local (processes on this machine),
// platform/builtin (the in-process echo target), platform/static (a URL
// someone else runs); the pipeline (package run) only talks to Provider.
package platform

import (
	"context"
	"errors"
	"time"

	"github.com/smp-dev/smp/collect"
	"github.com/smp-dev/smp/collect/proxystats"
	"github.com/smp-dev/smp/load"
	"github.com/smp-dev/smp/spec"
)

// Provider deploys scenarios.
type Provider interface {
	// Name is the platform's name as the report records it.
	Name() string
	// Preflight checks, before anything is deployed, that every scenario
	// of t can run here. It fails with the exact reason (a missing proxy
	// program, a missing permission, a mesh that is not installed); a
	// scenario that cannot run but should not fail the test is listed in
	// Preflight.Skip.
	Preflight(ctx context.Context, t *spec.Test) (*Preflight, error)
	// Deploy starts the scenario's workload and waits until it answers.
	// On error, whatever was started is already cleaned up.
	Deploy(ctx context.Context, s *Scenario) (*Deployment, error)
	// Teardown stops everything Deploy started. It is safe to call more
	// than once.
	Teardown(ctx context.Context, d *Deployment) error
}

// Preflight is what a provider found before the run.
type Preflight struct {
	// Skip holds, by scenario (mesh) name, why that scenario cannot run
	// here and is skipped (wrapping ErrSkipped).
	Skip map[string]error
	// Meshes holds, by scenario name, what was found of its mesh.
	Meshes map[string]MeshInfo
	// Notes are things the reader of the report should know.
	Notes []string
}

// MeshInfo is what a provider detected of a scenario's mesh.
type MeshInfo struct {
	// ControlPlane names what was found (e.g. "deployment istio-system/istiod").
	ControlPlane string
	// Version is the mesh's version as the control plane reports it.
	Version string
}

// Scenario is one mesh of a test, about to be deployed for one iteration.
type Scenario struct {
	Test *spec.Test
	Mesh spec.Mesh
	// LogDir receives one log file per component.
	LogDir string
	// Iteration is 0-based; it only names things.
	Iteration int
}

// Component roles.
const (
	RoleApp    = "app"
	RoleProxy  = "proxy"
	RoleClient = "client" // a load client the platform runs (in-cluster load pods)
	// RoleControlPlane is the mesh's control plane (istiod): measured
	// beside the scenario, reported in its own section, never counted
	// with the data plane.
	RoleControlPlane = "control-plane"
)

// Ref is a component's identity on its platform: a process, or a container
// in a pod.
type Ref struct {
	PID       int
	Namespace string
	Pod       string
	Container string
}

// Component is one thing a deployment runs.
type Component struct {
	Name string
	Role string // RoleApp or RoleProxy
	Ref  Ref
	// Started is when the component was created; Ready is when it first
	// served (the first request through it succeeded, or its pod became
	// ready). Zero when unknown.
	Started time.Time
	Ready   time.Time
	Log     string // path of its log file, if kept
	// Metrics, when set, reads the component's own metrics (a proxy's
	// Prometheus text endpoint) in the format MetricsSchema names: the
	// proxy-side view of the requests that passed through it.
	Metrics       func(ctx context.Context) ([]byte, error)
	MetricsSchema proxystats.Schema
	// Steps are the steps of its start between Started and Ready, on
	// platforms that see them (Kubernetes: the pod scheduled, initialized,
	// this container started, ready), in order.
	Steps []Step
}

// Step is one step of a component's start.
type Step struct {
	Name string
	At   time.Time
}

// Loader drives a scenario's load where the platform places the load
// generator (in-cluster pods, say) and returns the merged result.
type Loader interface {
	// Load runs plan-equivalent load of t against target. The result is
	// one iteration's, merged losslessly over every client.
	Load(ctx context.Context, t *spec.Test, target string) (*load.Result, error)
}

// Deployment is a deployed scenario.
type Deployment struct {
	// Target is the URL the load generator sends to: the entry service, or
	// the load generator's own sidecar in a mesh scenario.
	Target     string
	Components []Component
	// Failed is closed when a component exits before Teardown; Err then
	// says which and why (with the tail of its log). Nil Failed: the
	// platform does not watch for that.
	Failed <-chan struct{}
	Err    func() error
	// Collector watches the components' resources; nil when there is
	// nothing to watch.
	Collector collect.Collector
	// Loader, when set, drives the load on the platform; nil means the
	// caller drives it from its own process.
	Loader Loader
	// InProcess says the target runs inside this process: it shares the
	// Go scheduler with the load generator and its CPU is in the client's.
	InProcess bool
	// Check, when set, is the platform's own check of what the load went
	// through, run after the load: notes for the report, and an error when
	// the scenario was not what it claims (mutual TLS asked for, plaintext
	// seen).
	Check func(ctx context.Context) (notes []string, err error)
	// ControlPlane is the mesh's control plane where the platform sees it
	// (a detected istiod, say); nil otherwise.
	ControlPlane *ControlPlane
	// Notes are things the reader should know about this deployment.
	Notes []string
	// State is the provider's own, opaque to everyone else.
	State any
}

// Error returns why the deployment failed mid-run, or nil.
func (d *Deployment) Error() error {
	if d.Err == nil {
		return nil
	}
	return d.Err()
}

// ErrSkipped marks a scenario that cannot run on this machine (its proxy
// is not installed, say) and is skipped rather than failed.
var ErrSkipped = errors.New("scenario skipped")

// ErrNotFound marks a required program missing from PATH.
var ErrNotFound = errors.New("not found on PATH")

// ControlPlane is a mesh's control plane as a deployment sees it: its
// container (its resources are collected like a component's), its own
// metrics, and a configuration change whose propagation to every client
// the platform can time.
type ControlPlane struct {
	// Component names its container; its Role is RoleControlPlane.
	Component Component
	Version   string
	// Metrics reads its monitoring page (Prometheus text); nil when the
	// platform cannot.
	Metrics func(ctx context.Context) ([]byte, error)
	// Propagate makes one configuration change and times it reaching every
	// client; nil when the platform cannot.
	Propagate func(ctx context.Context) (Propagation, error)
}

// Propagation is how long one configuration change took to reach each
// client.
type Propagation struct {
	Change string    // what was changed
	Source string    // how it was timed
	Ms     []float64 // per client that observed it: from the change to its first success
	Failed int       // clients that did not observe it in time
	// Problems say why clients failed (one line each).
	Problems []string
}
