package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// clockTick is the unit of the CPU times in /proc/PID/stat (USER_HZ,
// 100 on Linux for every architecture Go supports).
const clockTick = 10 * time.Millisecond

// groupCPU is the user+system CPU time used so far by the live processes
// of process group pgid (nginx's master and worker), from /proc.
func groupCPU(pgid int) (time.Duration, error) {
	paths, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return 0, err
	}
	var ticks int64
	found := false
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue // the process exited meanwhile
		}
		g, cpu, err := parseStat(data)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", p, err)
		}
		if g == pgid {
			ticks += cpu
			found = true
		}
	}
	if !found {
		return 0, fmt.Errorf("no process in group %d", pgid)
	}
	return time.Duration(ticks) * clockTick, nil
}

// parseStat reads the process group and utime+stime (clock ticks) of a
// /proc/PID/stat line. The command name, in parentheses, may hold spaces
// and parentheses: the fields follow its last ')'.
func parseStat(data []byte) (pgrp int, ticks int64, err error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0, 0, fmt.Errorf("no ')' after the command name in %q", data)
	}
	f := bytes.Fields(data[i+1:])
	// f[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
	if len(f) < 13 {
		return 0, 0, fmt.Errorf("%d fields after the command name, want at least 13", len(f))
	}
	g, err := strconv.Atoi(string(f[2]))
	if err != nil {
		return 0, 0, fmt.Errorf("pgrp %q: %w", f[2], err)
	}
	var t [2]int64
	for k, s := range [2][]byte{f[11], f[12]} {
		if t[k], err = strconv.ParseInt(string(s), 10, 64); err != nil {
			return 0, 0, fmt.Errorf("cpu time %q: %w", s, err)
		}
	}
	return g, t[0] + t[1], nil
}
