package run

// External generators in the client pods of a real cluster: they run when
// SMP_KUBECONFIG, SMP_IMAGE and SMP_PROMETHEUS_URL are set, and
// SMP_IMAGE_TOOLS lists the tools SMP_IMAGE carries (scripts/test builds
// it with --add-tool for fortio).

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/smp-dev/smp/spec"
)

// imageTools are the tools SMP_IMAGE carries, from SMP_IMAGE_TOOLS.
func imageTools() []string {
	return strings.Fields(strings.ReplaceAll(os.Getenv("SMP_IMAGE_TOOLS"), ",", " "))
}

// generatorTest is kubeTest with the baseline only, one client pod
// running gen at 100 req/s for a 3 s window.
func generatorTest(t *testing.T, gen string) (*spec.Test, Options) {
	tt, p, _ := kubeTest(t)
	tt.Meshes = []spec.Mesh{{Name: "baseline", Type: spec.MeshNone}}
	tt.Load.Generator, tt.Load.Clients, tt.Load.Connections, tt.Load.Rate = gen, 1, 4, 100
	tt.Load.Duration, tt.Load.Warmup = spec.Duration(4*time.Second), spec.Duration(time.Second)
	return tt, Options{Provider: p, LogDir: t.TempDir()}
}

// fortio from smp's image in one client pod, against the sample app: the
// requested rate over the window, no errors, and the report names fortio.
func TestKubernetesFortio(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys to a cluster; runs without -short")
	}
	if !slices.Contains(imageTools(), "fortio") {
		t.Skip("SMP_IMAGE_TOOLS does not list fortio: the image carries none (scripts/test adds it with scripts/image --add-tool)")
	}
	tt, o := generatorTest(t, "fortio")
	rep, err := Run(context.Background(), tt, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Scenarios) != 1 {
		t.Fatalf("scenarios %+v", rep.Scenarios)
	}
	s := rep.Scenarios[0]
	it := s.Iterations[0]
	want := tt.Load.Rate * (tt.Load.Duration.D() - tt.Load.Warmup.D()).Seconds()
	if it.Errors != 0 || float64(it.Requests) < 0.95*want || float64(it.Requests) > 1.05*want {
		t.Errorf("%d requests, %d errors %v; want %.0f ± 5%%, 0", it.Requests, it.Errors, it.ErrorKinds, want)
	}
	if g := s.Summary.Client.Generator; g == nil || g.Name != "fortio" || g.Version == "" {
		t.Errorf("client.generator %+v, want fortio with its version", g)
	}
	if len(it.Clients) != 1 || !strings.HasPrefix(it.Clients[0].Pod, "smp-load-") || it.Clients[0].Requests != it.Requests {
		t.Errorf("clients %+v", it.Clients)
	}
	t.Logf("fortio %s in pod %s: %d requests, %.1f req/s achieved, p50 %.3f ms, p99 %.3f ms",
		s.Summary.Client.Generator.Version, it.Clients[0].Pod, it.Requests, it.AchievedRate,
		s.Summary.Latency.Percentiles["p50"], s.Summary.Latency.Percentiles["p99"])
}

// A generator the image does not carry: the client pod fails at once and
// the run's error quotes its log, which names the missing tool.
func TestKubernetesGeneratorMissing(t *testing.T) {
	if testing.Short() {
		t.Skip("deploys to a cluster; runs without -short")
	}
	if slices.Contains(imageTools(), "vegeta") {
		t.Skip("SMP_IMAGE_TOOLS lists vegeta: the image is not missing it")
	}
	tt, o := generatorTest(t, "vegeta")
	start := time.Now()
	_, err := Run(context.Background(), tt, o)
	if err == nil {
		t.Fatal("the run succeeded without vegeta in the image")
	}
	for _, part := range []string{"load job ", "client pod smp-load-", "last lines of its log:",
		`load generator not found: vegeta: no "vegeta" on PATH`, "smp image build --add-tool"} {
		if !strings.Contains(err.Error(), part) {
			t.Errorf("error lacks %q:\n%v", part, err)
		}
	}
	t.Logf("failed in %v:\n%v", time.Since(start).Round(time.Second), err)
}
