//go:build unix

package loadgen

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
)

// setGroup puts the tool in a process group of its own, so that stopping
// it stops whatever it started too.
func setGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

func interruptGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGINT) }

func killGroup(cmd *exec.Cmd) { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }

// maxRSSMB is the tool's peak resident set, from its rusage.
func maxRSSMB(ps *os.ProcessState) float64 {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return rssMB(int64(ru.Maxrss))
}

// rssMB converts ru_maxrss to MB: it is in KiB on Linux and the BSDs, in
// bytes on macOS.
func rssMB(maxrss int64) float64 {
	if runtime.GOOS == "darwin" {
		return float64(maxrss) / (1 << 20)
	}
	return float64(maxrss) / 1024
}
