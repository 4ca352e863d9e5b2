//go:build !linux

package main

import (
	"os/exec"
	"syscall"
	"time"
)

// groupAttr: no process groups here (the benchmark is meant for Linux: it
// pins with taskset).
func groupAttr() *syscall.SysProcAttr { return nil }

// killGroup kills cmd's process.
func killGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

// selfCPU is not measured here: 0.
func selfCPU() time.Duration { return 0 }
