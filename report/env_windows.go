package report

import (
	"fmt"

	"golang.org/x/sys/windows"
)

// readSystem fills in the Windows version as the kernel release; the CPU
// model and memory stay empty.
func readSystem(e *Environment) {
	if v := windows.RtlGetVersion(); v != nil {
		e.Kernel = fmt.Sprintf("%d.%d.%d", v.MajorVersion, v.MinorVersion, v.BuildNumber)
	}
}
