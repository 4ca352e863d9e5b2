package report

import (
	"bytes"

	"golang.org/x/sys/unix"
)

// readSystem fills in the kernel release (uname), the CPU model and the
// memory (sysctl).
func readSystem(e *Environment) {
	var u unix.Utsname
	if unix.Uname(&u) == nil {
		e.Kernel = string(bytes.TrimRight(u.Release[:], "\x00"))
	}
	e.CPUModel, _ = unix.Sysctl("machdep.cpu.brand_string")
	if b, err := unix.SysctlUint64("hw.memsize"); err == nil {
		e.MemoryMB = round(float64(b)/(1<<20), 0)
	}
}
