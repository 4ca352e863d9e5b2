//go:build linux

package collect

import (
	"context"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

// The real /proc: a child that spins for a while uses about one core, and
// the collector sees it through the parent when sampling the tree.
func TestProcfsSeesBusyChild(t *testing.T) {
	// timeout(1) waits while its child shell spins.
	cmd := exec.Command("timeout", "3", "sh", "-c", "while :; do :; done")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the spinner too
		cmd.Wait()
	}()
	p := &Procfs{Interval: 100 * time.Millisecond}
	if err := p.Start(context.Background(), []Target{
		{Name: "spinner", Role: "app", PID: cmd.Process.Pid, Tree: true},
		{Name: "spinner-alone", Role: "app", PID: cmd.Process.Pid},
		{Name: "self", Role: "client", PID: os.Getpid()},
	}); err != nil {
		t.Fatal(err)
	}
	from := time.Now()
	time.Sleep(1200 * time.Millisecond) // the window the CPU is measured over
	to := time.Now()
	series := p.Stop()
	tree, alone := Window(series[0], from, to), Window(series[1], from, to)
	if tree.CPUMcores < 300 || tree.CPUMcores > 1100 || tree.Samples < 8 {
		t.Errorf("tree usage %+v; want about 1000 mCores over about 12 samples", tree)
	}
	if alone.CPUMcores > 100 {
		t.Errorf("the waiting parent alone used %.0f mCores", alone.CPUMcores)
	}
	if tree.MemMB <= 0 || series[2].Source != ProcfsSource {
		t.Errorf("memory %v, source %q", tree.MemMB, series[2].Source)
	}
}
