package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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
