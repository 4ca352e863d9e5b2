//go:build !linux

package main

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// groupAttr: no process groups here (the comparison is meant for Linux:
// it pins with taskset).
func groupAttr() *syscall.SysProcAttr { return nil }

// termGroup kills cmd's process.
func termGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

// childCPU is the user+system CPU time of an exited child; 0 when it did
// not run.
func childCPU(st *os.ProcessState) time.Duration {
	if st == nil {
		return 0
	}
	return st.UserTime() + st.SystemTime()
}

// groupCPU: not measured here.
func groupCPU(int) (time.Duration, error) { return 0, errors.ErrUnsupported }
