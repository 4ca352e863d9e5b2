// Package kubernetes is the platform that runs scenarios in a cluster: the
// sample app's services as Deployments and ClusterIP Services in a
// namespace of their own per scenario, meshed by the mesh installed in the
// cluster (detected, never installed: istio, linkerd, consul, kuma,
// cilium) or by smp's reference sidecar, which smp adds to each pod itself
// (no webhook, no iptables). Preflight checks the API server, every
// permission smp needs and every scenario's mesh before anything is
// created; Teardown deletes the namespace, which holds everything a
// deployment created.
package kubernetes

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/smp-dev/smp/platform"
	"github.com/smp-dev/smp/spec"
)

// Provider deploys scenarios to a Kubernetes cluster.
type Provider struct {
	// Kubeconfig and Context locate the cluster (clientcmd's rules when
	// empty). Client, when set, is used instead.
	Kubeconfig, Context string
	Client              *Client
	// Image is the smp image the app and the reference sidecar run.
	Image string
	// NamespacePrefix starts every namespace's name; default "smp".
	NamespacePrefix string
	// Timeout bounds each rollout; default 2m.
	Timeout time.Duration
	// PrometheusURL is where the containers' resource series are read
	// (collect/prometheus); empty: metrics.k8s.io where the cluster serves
	// it, else resources are not measured and each deployment says why.
	PrometheusURL string
	// RunID names this run in namespace names and labels; Preflight picks
	// one when empty.
	RunID string

	once sync.Once
	err  error
}

// New makes a provider from a test's environment.kubernetes.
func New(k *spec.Kubernetes) *Provider {
	p := &Provider{}
	if k == nil {
		return p
	}
	p.Kubeconfig, p.Context, p.Image, p.NamespacePrefix = k.Kubeconfig, k.Context, k.Image, k.NamespacePrefix
	p.Timeout = k.Timeout.D()
	if k.Prometheus != nil {
		p.PrometheusURL = k.Prometheus.URL
	}
	return p
}

var _ platform.Provider = (*Provider)(nil)

// Name implements platform.Provider.
func (p *Provider) Name() string { return "kubernetes" }

// client connects once.
func (p *Provider) client() (*Client, error) {
	p.once.Do(func() {
		if p.Client == nil {
			p.Client, p.err = Connect(p.Kubeconfig, p.Context)
		}
		if p.RunID == "" {
			p.RunID = NewRunID()
		}
	})
	return p.Client, p.err
}

func (p *Provider) timeout() time.Duration {
	if p.Timeout > 0 {
		return p.Timeout
	}
	return 2 * time.Minute
}

func (p *Provider) prefix() string {
	if p.NamespacePrefix != "" {
		return p.NamespacePrefix
	}
	return "smp"
}

func (p *Provider) image() string {
	if p.Image != "" {
		return p.Image
	}
	return "smp:dev"
}

// NewRunID returns a short random run id (8 hex digits).
func NewRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Preflight implements platform.Provider: the API server answers, every
// permission is granted, and every scenario's mesh is installed.
func (p *Provider) Preflight(ctx context.Context, t *spec.Test) (*platform.Preflight, error) {
	if t.Workload.App != spec.AppSample {
		return nil, fmt.Errorf("%w: workload.app %q: expected %q on platform kubernetes", spec.ErrInvalid, t.Workload.App, spec.AppSample)
	}
	c, err := p.client()
	if err != nil {
		return nil, err
	}
	return preflight(ctx, c, t)
}
