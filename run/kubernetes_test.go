package run

import (
	"testing"
	"time"

	"github.com/smp-dev/smp/platform/kubernetes"
	"github.com/smp-dev/smp/spec"
)

// environment.platform: kubernetes picks the Kubernetes provider, set
// from environment.kubernetes.
func TestProviderForKubernetes(t *testing.T) {
	tt, err := spec.ParseFile("../examples/kubernetes-reference.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tt.Environment.Kubernetes.Prometheus = &spec.Prometheus{URL: "http://127.0.0.1:9090"}
	p, err := providerFor(tt, Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	kp, ok := p.(*kubernetes.Provider)
	if !ok {
		t.Fatalf("provider %T, want *kubernetes.Provider", p)
	}
	if kp.Image != "smp:dev" || kp.NamespacePrefix != "smp" || kp.Timeout != 2*time.Minute || kp.PrometheusURL != "http://127.0.0.1:9090" {
		t.Errorf("provider %+v", kp)
	}
	tt.Environment.Platform = spec.PlatformLocal
	if p, _ := providerFor(tt, Options{Exe: "/bin/true"}, nil); p.Name() != "local" {
		t.Errorf("platform local: provider %s", p.Name())
	}
}
