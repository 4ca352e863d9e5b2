package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smp-dev/smp/report"
	"github.com/smp-dev/smp/spec"
)

func TestSpecImport(t *testing.T) {
	in := "../../spec/smpimport/testdata/meshery.yaml"
	code, out, errOut := smp(t, "spec", "import", in)
	if code != 0 || !strings.Contains(out, "kind: Test") || !strings.Contains(errOut, `load_generator "fortio"`) {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	dest := filepath.Join(t.TempDir(), "imported.yaml")
	code, out, errOut = smp(t, "spec", "import", in, "-o", dest)
	if code != 0 || out != "" {
		t.Fatalf("-o: exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	written, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := spec.Parse(written, dest); err != nil {
		t.Errorf("written spec does not validate: %v", err)
	}
	if code, _, _ := smp(t, "spec", "validate", dest); code != 0 {
		t.Errorf("smp spec validate of the import: exit %d", code)
	}
	bad := filepath.Join(t.TempDir(), "bad.json")
	if err := os.WriteFile(bad, []byte(`{"duration": "fast"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = smp(t, "spec", "import", bad)
	if code != ExitUsage || !strings.Contains(errOut, `duration: got "fast"`) {
		t.Errorf("bad input: exit %d, stderr %q; want 2 naming duration", code, errOut)
	}
}

// smp run takes an SMP PerformanceTestConfig as it is: it runs the spec
// the import writes (here: no endpoint, so the built-in target), with
// the import's notes on stderr.
func TestRunSMPConfig(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "profile.yaml")
	if err := os.WriteFile(cfg, []byte("name: Quick Profile\nsmp_version: v0.0.1\nduration: 2s\n"+
		"clients:\n  - protocol: HTTP\n    connections: 2\n    rps: 200\n    load_generator: jmeter\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dest := filepath.Join(dir, "out.json")
	code, _, errOut := smp(t, "run", cfg, "--report", dest, "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	for _, want := range []string{"an SMP PerformanceTestConfig", `smp_version "v0.0.1"`, `load_generator "jmeter": not mapped`, "built-in echo target"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
	rep, err := report.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Test.Metadata.Name != "quick-profile" || rep.Test.Load.Rate != 200 || len(rep.Scenarios) != 1 || rep.Scenarios[0].Summary.Requests == 0 {
		t.Errorf("report: test %q rate %g, %d scenarios", rep.Test.Metadata.Name, rep.Test.Load.Rate, len(rep.Scenarios))
	}
}
