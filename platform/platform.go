// Package platform is the seam between smp's pipeline and where a scenario
// runs: a Provider deploys the sample app (with or without a mesh) and tears
// it down; the Deployment says where to send load and which components
// (processes, later pods) to watch. platform/local runs everything as
// processes on this machine; a Kubernetes provider fits the same interface.
package platform

import (
	"context"
	"errors"
	"time"

	"github.com/smp-dev/smp/spec"
)

// Provider deploys scenarios.
type Provider interface {
	// Deploy starts the scenario's workload and waits until it answers.
	// On error, whatever was started is already cleaned up.
	Deploy(ctx context.Context, s *Scenario) (*Deployment, error)
	// Teardown stops everything Deploy started. It is safe to call more
	// than once.
	Teardown(ctx context.Context, d *Deployment) error
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
	RoleApp   = "app"
	RoleProxy = "proxy"
)

// Component is one thing a deployment runs.
type Component struct {
	Name    string
	Role    string // RoleApp or RoleProxy
	PID     int
	Started time.Time
	// Ready is when the first request through the component succeeded.
	Ready time.Time
	Log   string // path of its log file
}

// Deployment is a deployed scenario.
type Deployment struct {
	// Target is the URL the load generator sends to: the entry service, or
	// the load generator's own sidecar in a mesh scenario.
	Target     string
	Components []Component
	// Failed is closed when a component exits before Teardown; Err then
	// says which and why (with the tail of its log).
	Failed <-chan struct{}
	Err    func() error
	// Notes are things the reader should know about this deployment.
	Notes []string
	// ProcessGroup is the process group of every local process, 0 if none.
	ProcessGroup int
	// State is the provider's own, opaque to everyone else.
	State any
}

// ErrSkipped marks a scenario that cannot run on this machine (its proxy
// is not installed, say) and is skipped rather than failed.
var ErrSkipped = errors.New("scenario skipped")

// ErrNotFound marks a required program missing from PATH.
var ErrNotFound = errors.New("not found on PATH")
