package report

import (
	"os"
	"runtime"
)

// ReadEnvironment describes this machine. Fields it cannot read stay empty.
func ReadEnvironment(labels map[string]string) Environment {
	e := Environment{
		OS:        runtime.GOOS + "/" + runtime.GOARCH,
		CPUs:      runtime.NumCPU(),
		GoVersion: runtime.Version(),
		Labels:    labels,
	}
	e.Hostname, _ = os.Hostname()
	readSystem(&e)
	return e
}
