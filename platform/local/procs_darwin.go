package local

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"
)

// sysProcAttr puts a child in process group pgid (a new one when 0).
// macOS has no parent-death signal: children outlive an smp killed
// outright (SIGKILL); an interrupted smp still stops them.
func sysProcAttr(pgid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pgid: pgid}
}

// startPinned starts cmd; pinning it to CPUs is linux-only.
func (g *group) startPinned(cmd *exec.Cmd) error {
	if len(g.cpus) > 0 {
		return fmt.Errorf("pin to CPUs %v: CPU pinning is linux-only (this is %s)", g.cpus, runtime.GOOS)
	}
	return cmd.Start()
}
