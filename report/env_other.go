//go:build !linux && !darwin && !windows

package report

// readSystem reads nothing more on this system: those fields stay empty.
func readSystem(*Environment) {}
