package run

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/loadgen"

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

// An external generator on platform kubernetes is checked against the
// plan as anywhere (wrk cannot hold a rate) but not looked for on this
// machine: the client pods run it from their image. PrepareLoad, which a
// pod's worker calls, is where a missing tool shows.
func TestGeneratorOnKubernetes(t *testing.T) {
	tt, err := spec.ParseFile("../examples/kubernetes-reference.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tt.Load.Generator, tt.Load.Clients = "fortio", 1
	tt.Load.GeneratorPath = filepath.Join(t.TempDir(), "fortio")
	if err := CheckGenerator(tt); err != nil {
		t.Errorf("fortio on kubernetes: %v", err)
	}
	if err := FindGenerator(tt); err != nil {
		t.Errorf("fortio on kubernetes, not on this machine: FindGenerator = %v; want nil (the pods look)", err)
	}
	_, err = PrepareLoad(tt, "http://127.0.0.1:1/", t.TempDir())
	if !errors.Is(err, loadgen.ErrNotFound) || !strings.Contains(err.Error(), "load generator not found: fortio: load.generatorPath") {
		t.Errorf("PrepareLoad without the tool: %v; want loadgen.ErrNotFound", err)
	}
	tt.Environment.Platform = spec.PlatformLocal
	if err := FindGenerator(tt); !errors.Is(err, loadgen.ErrNotFound) {
		t.Errorf("fortio on local, missing: FindGenerator = %v; want loadgen.ErrNotFound", err)
	}
	tt.Environment.Platform = spec.PlatformKubernetes
	tt.Load.Generator, tt.Load.GeneratorPath = "wrk", ""
	var ps spec.Problems
	if err := CheckGenerator(tt); !errors.As(err, &ps) || !strings.Contains(err.Error(), "load.rate") {
		t.Errorf("wrk with a rate on kubernetes: %v; want a load.rate problem", err)
	}
}
