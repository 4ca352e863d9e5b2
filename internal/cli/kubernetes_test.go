package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Kubernetes examples are valid specs.
func TestKubernetesExamplesValid(t *testing.T) {
	for _, f := range []string{"kubernetes.yaml", "kubernetes-reference.yaml"} {
		code, out, errOut := smp(t, "spec", "validate", "../../examples/"+f)
		if code != ExitOK || !strings.Contains(out, "ok") {
			t.Errorf("%s: exit %d, %s%s", f, code, out, errOut)
		}
	}
}

// Kubernetes flags are refused with a spec on platform local, and a bad
// override is a usage error naming the field.
func TestRunKubernetesFlags(t *testing.T) {
	code, _, errOut := smp(t, "run", "../../examples/quickstart.yaml", "--image", "smp:x")
	if code != ExitUsage || !strings.Contains(errOut, "--image") || !strings.Contains(errOut, "platform: kubernetes") {
		t.Errorf("local spec with --image: exit %d, %s", code, errOut)
	}
	code, _, errOut = smp(t, "run", "../../examples/kubernetes-reference.yaml", "--prometheus-url", "localhost:9090")
	if code != ExitUsage || !strings.Contains(errOut, "environment.kubernetes.prometheus.url") {
		t.Errorf("bad --prometheus-url: exit %d, %s", code, errOut)
	}
}

func TestCleanupFlags(t *testing.T) {
	code, _, errOut := smp(t, "cleanup", "--all", "--run", "abc")
	if code != ExitUsage || !strings.Contains(errOut, "--all and --run") {
		t.Errorf("--all --run: exit %d, %s", code, errOut)
	}
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(kc, []byte("not: [a kubeconfig"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = smp(t, "cleanup", "--all", "--kubeconfig", kc)
	if code != ExitUsage || !strings.Contains(errOut, kc) {
		t.Errorf("bad kubeconfig: exit %d, %s", code, errOut)
	}
}

// On a cluster without the meshes it names, examples/kubernetes.yaml fails
// in preflight, within seconds, as bad input naming what it looked for.
func TestKubernetesExampleMissingMeshes(t *testing.T) {
	kc := os.Getenv("SMP_KUBECONFIG")
	if kc == "" || testing.Short() {
		t.Skip("needs a real cluster without Istio or Linkerd: SMP_KUBECONFIG (scripts/test sets it from test/cluster); runs without -short")
	}
	start := time.Now()
	code, _, errOut := smp(t, "run", "../../examples/kubernetes.yaml", "--kubeconfig", kc, "--report", filepath.Join(t.TempDir(), "r.json"))
	took := time.Since(start)
	// The test cluster never has Linkerd (Istio it may: test/istio).
	if code != ExitUsage || !strings.Contains(errOut, "preflight") || !strings.Contains(errOut, "linkerd/linkerd-destination") {
		t.Errorf("exit %d, stderr:\n%s", code, errOut)
	}
	if took > 10*time.Second {
		t.Errorf("preflight took %v", took)
	}
}
