package main

import (
	"os"
	"os/exec"
	"syscall"
	"time"
)

// groupAttr starts a child in a process group of its own, killed when we
// die.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// termGroup sends SIGTERM to cmd's process group.
// A group already gone (ESRCH) is what stopping wants, so the error is dropped.
func termGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }

// childCPU is the user+system CPU time of an exited child (and the
// children it waited for); 0 when it did not run.
func childCPU(st *os.ProcessState) time.Duration {
	var cpu time.Duration
	if st != nil {
		if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
			cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return cpu
}
