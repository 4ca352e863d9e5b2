//go:build !unix

package loadgen

import (
	"os"
	"os/exec"
)

func setGroup(*exec.Cmd) {}

func interruptGroup(cmd *exec.Cmd) { _ = cmd.Process.Signal(os.Interrupt) }

func killGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

// maxRSSMB is not measured off unix.
func maxRSSMB(*os.ProcessState) float64 { return 0 }
