//go:build linux

package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/smp-dev/smp/report"
)

// buildSmp compiles the real binary, so that signals reach a real process.
func buildSmp(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "smp")
	out, err := exec.Command("go", "build", "-o", bin, "../../cmd/smp").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Ctrl-C in the middle of a run: smp stops within a second or two, writes
// what it measured as a partial report, and exits 130.
func TestInterruptWritesPartialReport(t *testing.T) {
	bin := buildSmp(t)
	dest := filepath.Join(t.TempDir(), "partial.json")
	cmd := exec.Command(bin, "run", "testdata/long.yaml", "--report", dest, "-q")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	took := time.Since(sent)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("exit: %v, want 130; stderr:\n%s", err, stderr.String())
	}
	if took > 3*time.Second {
		t.Errorf("smp took %v to stop after SIGINT", took)
	}
	r, err := report.ReadFile(dest)
	if err != nil {
		t.Fatalf("partial report: %v", err)
	}
	if !r.Partial || len(r.Scenarios) != 1 || len(r.Scenarios[0].Iterations) != 1 || !r.Scenarios[0].Iterations[0].Partial {
		t.Fatalf("report partial=%v scenarios=%+v", r.Partial, r.Scenarios)
	}
	// About 1.5 s of a 200/s window was measured before the signal.
	if n := r.Scenarios[0].Summary.Requests; n < 150 || n > 500 {
		t.Errorf("partial report holds %d requests, want about 300", n)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".*tmp*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
	if _, err := os.Stat(dest); err != nil {
		t.Error(err)
	}
}

// Ctrl-C during a run of the sample app with sidecars: the partial report
// is written, and no process the run started survives it.
func TestInterruptCleansUpProcesses(t *testing.T) {
	bin := buildSmp(t)
	dest := filepath.Join(t.TempDir(), "sample.json")
	cmd := exec.Command(bin, "run", "testdata/sample-long.yaml", "--report", dest, "-q")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != ExitInterrupted {
		t.Fatalf("exit: %v, want 130; stderr:\n%s", err, stderr.String())
	}
	r, err := report.ReadFile(dest)
	if err != nil {
		t.Fatalf("partial report: %v\n%s", err, stderr.String())
	}
	if !r.Partial || len(r.Scenarios) != 1 || len(r.Scenarios[0].Iterations) != 1 {
		t.Fatalf("report partial=%v scenarios=%+v", r.Partial, r.Scenarios)
	}
	comps := r.Scenarios[0].Iterations[0].Components
	if len(comps) != 6 { // load generator, 2 services, 3 sidecars
		t.Fatalf("components %+v", comps)
	}
	for _, c := range comps {
		if c.Role == "client" {
			continue
		}
		if syscall.Kill(c.PID, 0) == nil {
			t.Errorf("%s (pid %d) survived the interrupted run", c.Name, c.PID)
		}
		if syscall.Kill(-c.PID, 0) == nil {
			t.Errorf("process group %d of %s still has members", c.PID, c.Name)
		}
	}
	if _, err := os.Stat(strings.TrimSuffix(dest, ".json") + ".logs/reference/iteration-1/svc-0.log"); err != nil {
		t.Errorf("component logs are not next to the report: %v", err)
	}
}
