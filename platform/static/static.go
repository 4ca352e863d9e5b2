// Package static is the platform of a workload given by URL
// (`workload.url`): something smp did not start and does not watch. Deploy
// only hands the URL to the load generator; Teardown has nothing to stop.
package static

import (
	"context"

	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/spec"
)

// Provider targets a URL.
type Provider struct{}

var _ platform.Provider = Provider{}

// Name implements platform.Provider.
func (Provider) Name() string { return "url" }

// Preflight implements platform.Provider; a URL needs nothing checked
// before the run (an unreachable one shows as errors in the results).
func (Provider) Preflight(context.Context, *spec.Test) (*platform.Preflight, error) {
	return &platform.Preflight{}, nil
}

// Deploy implements platform.Provider.
func (Provider) Deploy(_ context.Context, s *platform.Scenario) (*platform.Deployment, error) {
	return &platform.Deployment{Target: s.Test.Workload.URL}, nil
}

// Teardown implements platform.Provider.
func (Provider) Teardown(context.Context, *platform.Deployment) error { return nil }
