package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A worker whose spec names a generator its image does not carry fails at
// once, saying so on stderr (the pod log a failed load Job quotes).
func TestWorkerGeneratorMissing(t *testing.T) {
	dir := t.TempDir()
	specFile := filepath.Join(dir, "spec.yaml")
	if err := os.WriteFile(specFile, []byte(`apiVersion: smp/v1alpha1
kind: Test
metadata: {name: worker}
workload: {url: "http://127.0.0.1:1/"}
load: {generator: fortio, rate: 100, duration: 3s}
meshes: [{name: baseline, type: none}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir)
	t.Setenv("TMPDIR", dir)
	code, out, errOut := smp(t, "worker", "--spec", specFile, "--target", "http://127.0.0.1:1/", "--index", "0")
	if code == ExitOK || out != "" ||
		!strings.Contains(errOut, `smp: load generator not found: fortio: no "fortio" on PATH`) ||
		!strings.Contains(errOut, "smp image build --add-tool") {
		t.Errorf("exit %d, stdout %q, stderr %q; want a failure naming the missing fortio", code, out, errOut)
	}
	// Its work folder is gone.
	if left, _ := filepath.Glob(filepath.Join(dir, "smp-worker-*")); len(left) != 0 {
		t.Errorf("left %v", left)
	}
}
