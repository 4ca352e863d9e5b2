package local

import (
	"fmt"
	"os/exec"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// sysProcAttr puts a child in process group pgid (a new one when 0).
// Children die with us even if smp is killed outright (SIGKILL): the
// kernel signals them when the thread that forked them exits, and Go's
// threads live as long as the process (startPinned unlocks its thread
// rather than letting it exit).
func sysProcAttr(pgid int) *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pgid: pgid, Pdeathsig: syscall.SIGKILL}
}

// startPinned starts cmd with the group's CPU affinity: the child inherits
// the mask of the thread that forks it, so that thread is pinned for the
// fork and restored after.
func (g *group) startPinned(cmd *exec.Cmd) error {
	if len(g.cpus) == 0 {
		return cmd.Start()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return err
	}
	for _, c := range g.cpus {
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return fmt.Errorf("pin to CPUs %v: %w", g.cpus, err)
	}
	err := cmd.Start()
	if rerr := unix.SchedSetaffinity(0, &old); rerr != nil && err == nil {
		err = rerr
	}
	return err
}
