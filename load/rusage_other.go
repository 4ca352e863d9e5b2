//go:build !linux && !darwin

package load

// usageNotMeasured says why the generator's own cost is not measured
// here: there is no getrusage(2).
const usageNotMeasured = "no getrusage on this system"

func readUsage() usage { return usage{} }
