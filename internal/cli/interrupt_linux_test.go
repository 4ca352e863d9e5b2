//go:build linux

package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smp-dev/smp/internal/cli/clitest"
	"github.com/smp-dev/smp/report"
)

// Ctrl-C in the middle of a run: smp stops within a second or two, writes
// what it measured as a partial report, and exits 130.
func TestInterruptWritesPartialReport(t *testing.T) {
	bin := clitest.Exe(t)
	dest := filepath.Join(t.TempDir(), "partial.json")
	cmd := exec.Command(bin, "run", "testdata/long.yaml", "--report", dest)
	stderr := startWhenLoading(t, cmd)
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
	bin := clitest.Exe(t)
	dest := filepath.Join(t.TempDir(), "sample.json")
	cmd := exec.Command(bin, "run", "testdata/sample-long.yaml", "--report", dest)
	stderr := startWhenLoading(t, cmd)
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

// lockedBuffer is a buffer a process writes while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startWhenLoading starts cmd (an smp run) and returns once its load has
// run past the warmup for a second (its progress says when the load
// started), so that a signal then interrupts a measurement under way.
func startWhenLoading(t *testing.T, cmd *exec.Cmd) *lockedBuffer {
	t.Helper()
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(stderr.String(), "load running against") {
		if time.Now().After(deadline) {
			t.Fatalf("the run did not start its load within 30 s; stderr:\n%s", stderr.String())
		}
		time.Sleep(20 * time.Millisecond) // polling a condition
	}
	// Both specs warm up for 500 ms; a second past it has results. Not a
	// synchronisation: this is the stretch of load the partial report must
	// hold (about 200 requests at 200/s), which the tests check.
	time.Sleep(1500 * time.Millisecond)
	return stderr
}
